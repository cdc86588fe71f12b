// The snapshot's JSON (wire/ledger_state_wire.hpp). Written through nlohmann (objects keep
// their keys in byte order, so the same state always gives the same bytes); read strictly:
// every field is required, none other is accepted, every number must be an exact integer.
#include "credits/wire/ledger_state_wire.hpp"

#include <limits>
#include <optional>

#include "credits/payer_id.hpp"
#include "credits/wire/json_text.hpp"

namespace credits {

using nlohmann::json;

namespace {

// --- writing -----------------------------------------------------------------------------------

json subscription_json(const Subscription& s) {
  return {{"status", std::string(to_string(s.status))},
          {"quota", s.quota},
          {"remaining", s.remaining},
          {"anchor", s.anchor},
          {"period_index", s.period_index},
          {"period_start", s.period_start},
          {"period_end", s.period_end},
          {"in_period", s.in_period}};
}

json payer_json(const Payer& p) {
  const PayerTotals& t = p.totals;
  return {{"subscription", subscription_json(p.sub)},
          {"wallet", p.wallet},
          {"held", p.held},
          {"totals",
           {{"granted", t.granted},
            {"topped_up", t.topped_up},
            {"spent", t.spent},
            {"refunded", t.refunded},
            {"expired", t.expired}}},
          {"open_holds", p.open_holds}};
}

json optional_text(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

json workspace_json(const WorkspaceState& w) {
  json members = json::object(), caps = json::object(), spend = json::object();
  for (const auto& [user, role] : w.members)
    members[user] = role == Role::admin ? "admin" : "member";
  for (const auto& [user, cap] : w.caps) caps[user] = cap;
  for (const auto& [user, s] : w.member_spend)
    spend[user] = {{"cap_period", s.cap_period}, {"spent", s.spent}};
  return {{"pool", w.pool}, {"members", members}, {"caps", caps}, {"member_spend", spend}};
}

json event_json(const BalanceEvent& e) {
  return {{"seq", e.seq},         {"at", e.at},       {"type", std::string(to_string(e.type))},
          {"payer", e.payer},     {"below", e.below}, {"available", e.available},
          {"credits", e.credits}, {"key", e.key},     {"to", e.to}};
}

json balance_events_json(const BalanceEventsState& e) {
  json alerts = json::object(), autos = json::object(), log = json::array();
  for (const auto& [payer, a] : e.alerts) alerts[payer] = {{"below", a.below}, {"low", a.low}};
  for (const auto& [payer, t] : e.auto_top_ups)
    autos[payer] = {
        {"below", t.below}, {"to", t.to}, {"outstanding", optional_text(t.outstanding)}};
  for (const BalanceEvent& ev : e.log) log.push_back(event_json(ev));
  return {{"alerts", alerts}, {"auto_top_ups", autos}, {"log", log}, {"last_seq", e.last_seq}};
}

}  // namespace

std::string write_ledger_state(const LedgerState& state) {
  json payers = json::object(), users = json::object(), workspaces = json::object();
  for (const Payer& p : state.payers) payers[p.id.text()] = payer_json(p);
  for (const UserState& u : state.users)
    users[u.id] = {{"workspace", optional_text(u.workspace)}, {"personal", u.personal}};
  for (const WorkspaceState& w : state.workspaces) workspaces[w.id] = workspace_json(w);
  const json doc = {{"format", std::string(kLedgerStateFormat)},
                    {"version", kLedgerStateVersion},
                    {"now", state.now},
                    {"entry_count", state.entry_count},
                    {"payers", std::move(payers)},
                    {"users", std::move(users)},
                    {"workspaces", std::move(workspaces)},
                    {"balance_events", balance_events_json(state.balance_events)}};
  return to_wire(doc);
}

namespace {

// --- reading -----------------------------------------------------------------------------------

// The first error a reading met; what is read after it is discarded.
struct Reading {
  std::optional<Error> error;
  void fail(const std::string& path, const std::string& message) {
    if (!error) error.emplace(ErrorCode::invalid_json, "ledger state: " + message, path);
  }
};

const json& null_json() {
  static const json null;
  return null;
}

int64_t integer_at(Reading& r, const json& v, const std::string& path) {
  // nlohmann keeps an integer's text exactly (int64 or uint64); a float is refused, never rounded.
  if (v.is_number_unsigned() && v.get<uint64_t>() <= uint64_t{std::numeric_limits<int64_t>::max()})
    return v.get<int64_t>();
  if (v.is_number_integer() && !v.is_number_unsigned()) return v.get<int64_t>();
  r.fail(path, "must be an integer between -2^63 and 2^63-1");
  return 0;
}

std::string text_at(Reading& r, const json& v, const std::string& path) {
  if (v.is_string()) return v.get<std::string>();
  r.fail(path, "must be a string");
  return {};
}

// The fields of one object: exactly those named, each of the type asked.
class Fields {
 public:
  Fields(Reading& r, const json& v, std::string path, std::initializer_list<const char*> keys)
      : r_(r), v_(v), path_(std::move(path)) {
    if (!v.is_object()) {
      r_.fail(path_, "must be an object");
      return;
    }
    for (auto it = v.begin(); it != v.end(); ++it) {
      bool known = false;
      for (const char* k : keys) known = known || it.key() == k;
      if (!known)
        r_.fail(pointer_join(path_, it.key()), "\"" + it.key() + "\" is not a field here");
    }
  }

  std::string path(const char* key) const { return pointer_join(path_, key); }
  const json& value(const char* key) {
    if (!v_.is_object()) return null_json();  // already refused
    auto it = v_.find(key);
    if (it != v_.end()) return *it;
    r_.fail(path(key), "\"" + std::string(key) + "\" is missing");
    return null_json();
  }
  // A missing field is refused by value(); only a present one is checked for its type.
  int64_t integer(const char* key) {
    const json& v = value(key);
    return present(key) ? integer_at(r_, v, path(key)) : 0;
  }
  std::string text(const char* key) {
    const json& v = value(key);
    return present(key) ? text_at(r_, v, path(key)) : std::string();
  }
  std::optional<std::string> text_or_null(const char* key) {
    const json& v = value(key);
    if (v.is_null()) return std::nullopt;
    return text_at(r_, v, path(key));
  }
  bool boolean(const char* key) {
    const json& v = value(key);
    if (v.is_boolean()) return v.get<bool>();
    if (present(key)) r_.fail(path(key), "must be true or false");
    return false;
  }
  // An object or array field; null (iterating over nothing) if it is not one.
  const json& of_type(const char* key, json::value_t type) {
    const json& v = value(key);
    if (v.type() == type) return v;
    if (present(key))
      r_.fail(path(key), type == json::value_t::array ? "must be an array" : "must be an object");
    return null_json();
  }

 private:
  bool present(const char* key) const { return v_.is_object() && v_.contains(key); }
  Reading& r_;
  const json& v_;
  std::string path_;
};

template <typename Enum, size_t N>
Enum enum_at(Reading& r, const std::string& text, const std::array<Enum, N>& all,
             const std::string& path) {
  for (Enum e : all)
    if (to_string(e) == text) return e;
  r.fail(path, "\"" + text + "\" is not one of the values this field takes");
  return all[0];
}

Subscription read_subscription(Reading& r, const json& v, const std::string& path) {
  Fields f(r, v, path,
           {"status", "quota", "remaining", "anchor", "period_index", "period_start", "period_end",
            "in_period"});
  Subscription s;
  const std::array<SubscriptionStatus, 4> all{SubscriptionStatus::none, SubscriptionStatus::active,
                                              SubscriptionStatus::paused,
                                              SubscriptionStatus::cancelled};
  s.status = enum_at(r, f.text("status"), all, f.path("status"));
  s.quota = f.integer("quota");
  s.remaining = f.integer("remaining");
  s.anchor = f.integer("anchor");
  s.period_index = f.integer("period_index");
  s.period_start = f.integer("period_start");
  s.period_end = f.integer("period_end");
  s.in_period = f.boolean("in_period");
  return s;
}

Payer read_payer(Reading& r, const std::string& id, const json& v, const std::string& path) {
  Payer p;
  if (auto parsed = PayerId::parse(id))
    p.id = *parsed;
  else
    r.fail(path, "a payer is written \"user:ID\" or \"workspace:ID\"");
  Fields f(r, v, path, {"subscription", "wallet", "held", "totals", "open_holds"});
  p.sub = read_subscription(r, f.value("subscription"), f.path("subscription"));
  p.wallet = f.integer("wallet");
  p.held = f.integer("held");
  Fields t(r, f.value("totals"), f.path("totals"),
           {"granted", "topped_up", "spent", "refunded", "expired"});
  p.totals = {t.integer("granted"), t.integer("topped_up"), t.integer("spent"),
              t.integer("refunded"), t.integer("expired")};
  const json& holds = f.of_type("open_holds", json::value_t::array);
  for (size_t i = 0; i < holds.size(); ++i)
    p.open_holds.push_back(text_at(r, holds[i], pointer_join(f.path("open_holds"), i)));
  return p;
}

WorkspaceState read_workspace(Reading& r, const std::string& id, const json& v,
                              const std::string& path) {
  WorkspaceState w;
  w.id = id;
  Fields f(r, v, path, {"pool", "members", "caps", "member_spend"});
  w.pool = f.text("pool");
  const json& members = f.of_type("members", json::value_t::object);
  for (auto it = members.begin(); it != members.end(); ++it) {
    const std::string at = pointer_join(f.path("members"), it.key());
    const std::string role = text_at(r, it.value(), at);
    if (role != "admin" && role != "member") r.fail(at, "a role is \"admin\" or \"member\"");
    w.members[it.key()] = role == "admin" ? Role::admin : Role::member;
  }
  const json& caps = f.of_type("caps", json::value_t::object);
  for (auto it = caps.begin(); it != caps.end(); ++it)
    w.caps[it.key()] = integer_at(r, it.value(), pointer_join(f.path("caps"), it.key()));
  const json& spend = f.of_type("member_spend", json::value_t::object);
  for (auto it = spend.begin(); it != spend.end(); ++it) {
    Fields s(r, it.value(), pointer_join(f.path("member_spend"), it.key()),
             {"cap_period", "spent"});
    w.member_spend[it.key()] = {s.integer("cap_period"), s.integer("spent")};
  }
  return w;
}

BalanceEvent read_event(Reading& r, const json& v, const std::string& path) {
  Fields f(r, v, path,
           {"seq", "at", "type", "payer", "below", "available", "credits", "key", "to"});
  BalanceEvent e;
  e.seq = f.integer("seq");
  e.at = f.integer("at");
  const std::array<BalanceEventType, 3> all{BalanceEventType::balance_low,
                                            BalanceEventType::balance_recovered,
                                            BalanceEventType::top_up_requested};
  e.type = enum_at(r, f.text("type"), all, f.path("type"));
  e.payer = f.text("payer");
  e.below = f.integer("below");
  e.available = f.integer("available");
  e.credits = f.integer("credits");
  e.key = f.text("key");
  e.to = f.integer("to");
  return e;
}

BalanceEventsState read_balance_events(Reading& r, const json& v, const std::string& path) {
  BalanceEventsState e;
  Fields f(r, v, path, {"alerts", "auto_top_ups", "log", "last_seq"});
  const json& alerts = f.of_type("alerts", json::value_t::object);
  for (auto it = alerts.begin(); it != alerts.end(); ++it) {
    Fields a(r, it.value(), pointer_join(f.path("alerts"), it.key()), {"below", "low"});
    e.alerts[it.key()] = {a.integer("below"), a.boolean("low")};
  }
  const json& autos = f.of_type("auto_top_ups", json::value_t::object);
  for (auto it = autos.begin(); it != autos.end(); ++it) {
    Fields a(r, it.value(), pointer_join(f.path("auto_top_ups"), it.key()),
             {"below", "to", "outstanding"});
    e.auto_top_ups[it.key()] = {a.integer("below"), a.integer("to"), a.text_or_null("outstanding")};
  }
  const json& log = f.of_type("log", json::value_t::array);
  for (size_t i = 0; i < log.size(); ++i)
    e.log.push_back(read_event(r, log[i], pointer_join(f.path("log"), i)));
  e.last_seq = f.integer("last_seq");
  return e;
}

LedgerState read_state(Reading& r, const json& doc) {
  LedgerState s;
  Fields f(r, doc, "",
           {"format", "version", "now", "entry_count", "payers", "users", "workspaces",
            "balance_events"});
  if (f.text("format") != kLedgerStateFormat)
    r.fail("/format", "must be \"" + std::string(kLedgerStateFormat) + "\"");
  if (f.integer("version") != kLedgerStateVersion)
    r.fail("/version",
           "this reader knows version " + std::to_string(kLedgerStateVersion) + " only");
  if (r.error) return s;  // not a snapshot of this form: its other errors would mislead
  s.now = f.integer("now");
  s.entry_count = f.integer("entry_count");
  const json& payers = f.of_type("payers", json::value_t::object);
  for (auto it = payers.begin(); it != payers.end(); ++it)
    s.payers.push_back(read_payer(r, it.key(), it.value(), pointer_join("/payers", it.key())));
  const json& users = f.of_type("users", json::value_t::object);
  for (auto it = users.begin(); it != users.end(); ++it) {
    Fields u(r, it.value(), pointer_join("/users", it.key()), {"workspace", "personal"});
    s.users.push_back({it.key(), u.text_or_null("workspace"), u.text("personal")});
  }
  const json& workspaces = f.of_type("workspaces", json::value_t::object);
  for (auto it = workspaces.begin(); it != workspaces.end(); ++it)
    s.workspaces.push_back(
        read_workspace(r, it.key(), it.value(), pointer_join("/workspaces", it.key())));
  s.balance_events = read_balance_events(r, f.value("balance_events"), "/balance_events");
  return s;
}

}  // namespace

Result<LedgerState> read_ledger_state(std::string_view text) {
  auto doc = parse_json_limited(text, kMaxLedgerStateBytes, "a ledger state is one JSON document");
  if (!doc) return doc.error();
  Reading r;
  LedgerState s = read_state(r, *doc);
  if (r.error) return *r.error;
  return s;
}

}  // namespace credits
