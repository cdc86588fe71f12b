#include "credits/wire/record_wire.hpp"

#include <nlohmann/json.hpp>

#include "credits/wire/json_text.hpp"
#include "credits/wire/node_wire.hpp"

namespace credits {

using nlohmann::json;

namespace {

constexpr int kRecordFormat = 1;

json node_json(const Node& n) {
  json j = json::object();
  if (n.has_id) j["id"] = n.id;
  j["model"] = n.model;
  if (n.params_form == Node::Params::null) j["params"] = nullptr;
  if (n.params_form == Node::Params::object) j["params"] = params_to_json(n.params);
  if (n.inputs) j["inputs"] = given_to_json(*n.inputs);
  if (n.skip) j["skip"] = given_to_json(*n.skip);
  return j;
}

json buckets_json(const Buckets& b) { return json::array({b.subscription, b.wallet}); }

// Reads a record's fields; any missing or mistyped field throws, caught once by read().
class Fields {
 public:
  explicit Fields(const json& j) : j_(j) {}
  int64_t num(const char* key) const { return j_.at(key).get<int64_t>(); }
  std::string str(const char* key) const { return j_.at(key).get<std::string>(); }
  bool flag(const char* key) const { return j_.at(key).get<bool>(); }
  std::optional<Credits> maybe(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return std::nullopt;
    return it->get<int64_t>();
  }
  Buckets buckets(const char* key) const {
    const json& b = j_.at(key);
    return Buckets{b.at(0).get<int64_t>(), b.at(1).get<int64_t>()};
  }
  const json& at(const char* key) const { return j_.at(key); }

 private:
  const json& j_;
};

template <typename Record, typename Read>
Result<Record> read(std::string_view text, const char* what, Read read_fields) {
  auto doc = parse_json_limited(text, kMaxJsonBytes);
  if (!doc) return Error(ErrorCode::internal, std::string("a stored ") + what + " is not valid JSON: " + doc.error().message);
  try {
    const Fields f(*doc);
    if (f.num("format") != kRecordFormat)
      return Error(ErrorCode::internal, std::string("a stored ") + what + " has a format this build does not read");
    return read_fields(f);
  } catch (const std::exception& e) {
    return Error(ErrorCode::internal, std::string("a stored ") + what + " is damaged: " + e.what());
  }
}

ChargeStatus charge_status(const std::string& s) {
  if (s == "charged") return ChargeStatus::charged;
  if (s == "refunded") return ChargeStatus::refunded;
  if (s == "settled") return ChargeStatus::settled;
  throw std::invalid_argument("unknown charge status " + s);
}

ReservationStatus reservation_status(const std::string& s) {
  if (s == "open") return ReservationStatus::open;
  if (s == "released") return ReservationStatus::released;
  if (s == "expired") return ReservationStatus::expired;
  throw std::invalid_argument("unknown reservation status " + s);
}

// By the names to_string() gives, the one place they are spelled.
BalanceEventType balance_event_type(const std::string& s) {
  for (BalanceEventType t : {BalanceEventType::balance_low, BalanceEventType::balance_recovered,
                             BalanceEventType::top_up_requested})
    if (s == to_string(t)) return t;
  throw std::invalid_argument("unknown balance event type " + s);
}

}  // namespace

// Written field by field, not through a json document: a charge's record is written on every
// charge (and again when it is refunded or settled), the hottest text the store gets.
std::string write_charge_record(const Charge& c) {
  std::string out;
  out.reserve(320);
  auto str = [&](std::string_view key, std::string_view value) {
    append_key(out, key);
    append_json_string(out, value);
    out += ',';
  };
  auto num = [&](std::string_view key, int64_t value) {
    append_key(out, key);
    append_json_int(out, value);
    out += ',';
  };
  auto pair = [&](std::string_view key, int64_t a, int64_t b) {
    append_key(out, key);
    out += '[';
    append_json_int(out, a);
    out += ',';
    append_json_int(out, b);
    out += "],";
  };
  out += '{';
  num("format", kRecordFormat);
  str("key", c.key);
  str("payer", c.payer);
  str("user", c.user);
  str("model", c.model);
  append_key(out, "node");
  out += node_json(c.node).dump(-1, ' ', false, json::error_handler_t::replace);
  out += ',';
  str("card", c.card ? std::string_view(c.card->version) : std::string_view());
  num("at", c.at);
  num("entry", c.entry_seq);
  append_key(out, "exact");
  out += c.exact ? "true," : "false,";
  num("held", c.held);
  pair("from", c.from_subscription, c.from_wallet);
  num("cap_period", c.cap_period);
  str("status", to_string(c.status));
  num("actual", c.actual);
  pair("back", c.back_to_subscription, c.back_to_wallet);
  num("closed_at", c.closed_at);
  str("rate_card_shown", c.rate_card_shown);
  str("reservation", c.reservation);
  if (c.quoted) num("quoted", *c.quoted);
  if (c.quoted_min) num("quoted_min", *c.quoted_min);
  out.back() = '}';
  return out;
}

Result<Charge> read_charge_record(std::string_view text, const CardByVersion& cards) {
  return read<Charge>(text, "charge", [&](const Fields& f) -> Result<Charge> {
    Charge c;
    c.key = f.str("key");
    c.payer = f.str("payer");
    c.user = f.str("user");
    c.model = f.str("model");
    c.node = node_from_json(f.at("node"));
    const std::string version = f.str("card");
    c.card = cards ? cards(version) : nullptr;
    if (!c.card) return Error(ErrorCode::internal, "charge \"" + c.key + "\" was priced on rate card " + version + ", which is not stored");
    c.at = f.num("at");
    c.entry_seq = f.num("entry");
    c.exact = f.flag("exact");
    c.held = f.num("held");
    const Buckets from = f.buckets("from"), back = f.buckets("back");
    c.from_subscription = from.subscription;
    c.from_wallet = from.wallet;
    c.cap_period = f.num("cap_period");
    c.status = charge_status(f.str("status"));
    c.actual = f.num("actual");
    c.back_to_subscription = back.subscription;
    c.back_to_wallet = back.wallet;
    c.closed_at = f.num("closed_at");
    c.quoted = f.maybe("quoted");
    c.quoted_min = f.maybe("quoted_min");
    c.rate_card_shown = f.str("rate_card_shown");
    c.reservation = f.str("reservation");
    return c;
  });
}

std::string write_top_up_record(const TopUpRecord& t) {
  return json{{"format", kRecordFormat},
              {"key", t.outcome.key},
              {"payer", t.outcome.payer},
              {"credits", t.outcome.credits},
              {"wallet_after", t.outcome.wallet_after},
              {"by", t.by}}
      .dump();
}

Result<TopUpRecord> read_top_up_record(std::string_view text) {
  return read<TopUpRecord>(text, "top-up", [](const Fields& f) -> Result<TopUpRecord> {
    TopUpRecord t;
    t.outcome.key = f.str("key");
    t.outcome.payer = f.str("payer");
    t.outcome.credits = f.num("credits");
    t.outcome.wallet_after = f.num("wallet_after");
    t.by = f.str("by");
    return t;
  });
}

std::string write_event_record(const BalanceEvent& e) {
  return json{{"format", kRecordFormat}, {"seq", e.seq},         {"at", e.at},   {"type", std::string(to_string(e.type))},
              {"payer", e.payer},        {"below", e.below},     {"available", e.available},
              {"credits", e.credits},    {"key", e.key},         {"to", e.to}}
      .dump();
}

Result<BalanceEvent> read_event_record(std::string_view text) {
  return read<BalanceEvent>(text, "balance event", [](const Fields& f) -> Result<BalanceEvent> {
    BalanceEvent e;
    e.seq = f.num("seq");
    e.at = f.num("at");
    e.type = balance_event_type(f.str("type"));
    e.payer = f.str("payer");
    e.below = f.num("below");
    e.available = f.num("available");
    e.credits = f.num("credits");
    e.key = f.str("key");
    e.to = f.num("to");
    return e;
  });
}

std::string write_reservation_record(const Reservation& r) {
  json nodes = json::object();
  for (const auto& [id, n] : r.nodes) nodes[id] = json::array({n.model, n.max});
  return json{{"format", kRecordFormat},
              {"key", r.key},
              {"payer", r.payer},
              {"user", r.user},
              {"graph", r.graph_text},
              {"rate_card", r.rate_card},
              {"nodes", std::move(nodes)},
              {"at", r.at},
              {"expires_at", r.expires_at},
              {"expires_in_s", r.expires_in_s},
              {"taken", buckets_json(r.taken)},
              {"left", buckets_json(r.left)},
              {"cap_period", r.cap_period},
              {"status", std::string(to_string(r.status))},
              {"closed_at", r.closed_at},
              {"back", buckets_json(r.back)},
              {"entry", r.entry_seq}}
      .dump();
}

Result<Reservation> read_reservation_record(std::string_view text) {
  return read<Reservation>(text, "reservation", [](const Fields& f) -> Result<Reservation> {
    Reservation r;
    r.key = f.str("key");
    r.payer = f.str("payer");
    r.user = f.str("user");
    r.graph_text = f.str("graph");
    r.rate_card = f.str("rate_card");
    for (const auto& [id, n] : f.at("nodes").items())
      r.nodes[id] = ReservedNode{n.at(0).get<std::string>(), n.at(1).get<int64_t>()};
    r.at = f.num("at");
    r.expires_at = f.num("expires_at");
    r.expires_in_s = f.num("expires_in_s");
    r.taken = f.buckets("taken");
    r.left = f.buckets("left");
    r.cap_period = f.num("cap_period");
    r.status = reservation_status(f.str("status"));
    r.closed_at = f.num("closed_at");
    r.back = f.buckets("back");
    r.entry_seq = f.num("entry");
    return r;
  });
}

}  // namespace credits
