#include "credits/operation.hpp"

#include <iterator>
#include <variant>

#include "credits/error_wire.hpp"
#include "credits/json_text.hpp"
#include "credits/quote.hpp"
#include "credits/wire/operation_text.hpp"

namespace credits {

using nlohmann::json;

namespace {

Error bad_op(const std::string& path, std::string message) {
  return Error(ErrorCode::invalid_op, std::move(message), path);
}

// Reads the fields of one operation, strictly: each field's type is checked and any field the
// operation does not take is refused, so a typo never silently means something else.
class Fields {
 public:
  Fields(const json& op) : op_(op) {}

  Status only(std::initializer_list<const char*> allowed) const {
    for (auto it = op_.begin(); it != op_.end(); ++it) {
      bool ok = it.key() == "op" || it.key() == "at";
      for (const char* a : allowed) ok = ok || it.key() == a;
      if (!ok) return bad_op(pointer_join("", it.key()), "\"" + it.key() + "\" is not a field of " + name());
    }
    return Ok{};
  }

  std::string name() const { return op_["op"].get<std::string>(); }

  Result<std::string> str(const char* key) const {
    auto it = op_.find(key);
    if (it == op_.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
      return bad_op(pointer_join("", key), name() + " needs \"" + key + "\", a non-empty string");
    return it->get<std::string>();
  }

  // A client-chosen id (user, workspace, key): a non-empty string that follows the id rule.
  Result<std::string> id(const char* key) const {
    auto s = str(key);
    if (s && !is_valid_id(*s)) return bad_op(pointer_join("", key), id_rule_message(key));
    return s;
  }

  // An optional id (`by`): absent, null or "" gives "".
  Result<std::string> opt_id(const char* key) const {
    auto s = opt_str(key);
    if (s && !s->empty() && !is_valid_id(*s)) return bad_op(pointer_join("", key), id_rule_message(key));
    return s;
  }

  // Optional string: absent or null gives "".
  Result<std::string> opt_str(const char* key) const {
    auto it = op_.find(key);
    if (it == op_.end() || it->is_null()) return std::string();
    if (!it->is_string()) return bad_op(pointer_join("", key), "\"" + std::string(key) + "\" must be a string");
    return it->get<std::string>();
  }

  Result<Credits> credits(const char* key) const {
    auto it = op_.find(key);
    if (it == op_.end()) return bad_op(pointer_join("", key), name() + " needs \"" + key + "\", whole credits");
    return as_credits(*it, pointer_join("", key));
  }

  static Result<Credits> as_credits(const json& v, const std::string& path) {
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(kMaxAmount))
      return bad_op(path, "at most 10^15 credits");
    if (!v.is_number_integer()) return bad_op(path, "must be whole credits (an integer)");
    const int64_t c = v.get<int64_t>();
    if (!is_amount(c)) return bad_op(path, "must be whole credits between 0 and 10^15");
    return c;
  }

  Result<PayerId> payer() const {
    auto p = str("payer");
    if (!p) return p.error();
    if (auto payer = PayerId::parse(*p)) return std::move(*payer);
    return bad_op("/payer", "a payer is written \"user:ID\" or \"workspace:ID\", the ID being 1 to " +
                                std::to_string(kMaxIdLength) + " characters of A-Z a-z 0-9 . _ : @ -");
  }

  const json& raw() const { return op_; }

 private:
  const json& op_;
};

json fail(const json& op_name, const Error& e) { return failed_operation_json(op_name, e); }

json accepted(std::string_view op) { return json{{"op", op}, {"ok", true}}; }

json subscription_json(const Subscription& s) {
  const bool has_period = s.in_period;
  return json{{"status", std::string(to_string(s.status))},
              {"quota", s.status == SubscriptionStatus::none ? 0 : s.quota},
              {"remaining", has_period ? s.remaining : 0},
              {"period_start", has_period ? json(format_timestamp(s.period_start)) : json(nullptr)},
              {"resets_at", has_period && s.status == SubscriptionStatus::active ? json(format_timestamp(s.period_end)) : json(nullptr)},
              {"period_end", has_period ? json(format_timestamp(s.period_end)) : json(nullptr)}};
}

// --- Parsing: one function per operation, fields read in the order their errors take -------

#define CREDITS_TRY(var, expr) \
  auto var = (expr);           \
  if (!var) return var.error()

Result<Operation> parse_create_user(const Fields& f, Timestamp at) {
  CREDITS_TRY(only, f.only({"user"}));
  CREDITS_TRY(user, f.id("user"));
  return Operation(ops::CreateUser{{at}, std::move(*user)});
}

Result<Operation> parse_create_workspace(const Fields& f, Timestamp at) {
  CREDITS_TRY(only, f.only({"workspace", "admin"}));
  CREDITS_TRY(ws, f.id("workspace"));
  CREDITS_TRY(admin, f.id("admin"));
  return Operation(ops::CreateWorkspace{{at}, std::move(*ws), std::move(*admin)});
}

Result<Operation> parse_add_member(const Fields& f, Timestamp at) {
  CREDITS_TRY(only, f.only({"workspace", "user", "by", "role"}));
  CREDITS_TRY(ws, f.id("workspace"));
  CREDITS_TRY(user, f.id("user"));
  CREDITS_TRY(by, f.id("by"));
  CREDITS_TRY(role, f.opt_str("role"));
  if (!role->empty() && *role != "member" && *role != "admin") return bad_op("/role", "\"role\" is \"member\" or \"admin\"");
  return Operation(ops::AddMember{{at}, std::move(*ws), std::move(*user), std::move(*by),
                                  *role == "admin" ? Role::admin : Role::member});
}

Result<Operation> parse_remove_member(const Fields& f, Timestamp at) {
  CREDITS_TRY(only, f.only({"workspace", "user", "by"}));
  CREDITS_TRY(ws, f.id("workspace"));
  CREDITS_TRY(user, f.id("user"));
  CREDITS_TRY(by, f.id("by"));
  return Operation(ops::RemoveMember{{at}, std::move(*ws), std::move(*user), std::move(*by)});
}

Result<Operation> parse_set_member_cap(const Fields& f, Timestamp at) {
  CREDITS_TRY(only, f.only({"workspace", "user", "cap", "by"}));
  CREDITS_TRY(ws, f.id("workspace"));
  CREDITS_TRY(user, f.id("user"));
  CREDITS_TRY(by, f.id("by"));
  const json& op = f.raw();
  if (!op.contains("cap")) return bad_op("/cap", "set_member_cap needs \"cap\": credits per period, or null");
  std::optional<Credits> cap;
  if (!op["cap"].is_null()) {
    CREDITS_TRY(c, Fields::as_credits(op["cap"], "/cap"));
    cap = *c;
  }
  return Operation(ops::SetMemberCap{{at}, std::move(*ws), std::move(*user), std::move(*by), cap});
}

Result<Operation> parse_switch(const Fields& f, Timestamp at) {
  CREDITS_TRY(only, f.only({"user", "workspace"}));
  CREDITS_TRY(user, f.id("user"));
  std::optional<std::string> ws;
  const json& op = f.raw();
  if (op.contains("workspace") && !op["workspace"].is_null()) {
    CREDITS_TRY(w, f.id("workspace"));
    ws = std::move(*w);
  }
  return Operation(ops::Switch{{at}, std::move(*user), std::move(ws)});
}

Result<Operation> parse_subscribe(const Fields& f, Timestamp at) {
  CREDITS_TRY(only, f.only({"payer", "quota", "by"}));
  CREDITS_TRY(payer, f.payer());
  CREDITS_TRY(by, f.opt_id("by"));
  CREDITS_TRY(quota, f.credits("quota"));
  return Operation(ops::Subscribe{{at}, std::move(*payer), std::move(*by), *quota});
}

// pause, resume and cancel take the same fields.
template <typename Op>
Result<Operation> parse_subscription_change(const Fields& f, Timestamp at) {
  CREDITS_TRY(only, f.only({"payer", "by"}));
  CREDITS_TRY(payer, f.payer());
  CREDITS_TRY(by, f.opt_id("by"));
  return Operation(Op{{at}, std::move(*payer), std::move(*by)});
}

Result<Operation> parse_top_up(const Fields& f, Timestamp at) {
  CREDITS_TRY(only, f.only({"payer", "credits", "key", "by"}));
  CREDITS_TRY(payer, f.payer());
  CREDITS_TRY(credits, f.credits("credits"));
  CREDITS_TRY(key, f.id("key"));
  CREDITS_TRY(by, f.opt_id("by"));
  return Operation(ops::TopUp{{at}, std::move(*payer), std::move(*key), std::move(*by), *credits});
}

// "quoted": credits, or {"min", "max"} for a ranged quote shown as a range.
Status parse_quoted(const json& op, ChargeRequest& req) {
  if (!op.contains("quoted")) return bad_op("/quoted", "charge needs \"quoted\", the price the client showed");
  const json& q = op["quoted"];
  if (!q.is_object()) {
    CREDITS_TRY(quoted, Fields::as_credits(q, "/quoted"));
    req.quoted = *quoted;
    return Ok{};
  }
  for (auto it = q.begin(); it != q.end(); ++it)
    if (it.key() != "min" && it.key() != "max")
      return bad_op(pointer_join("/quoted", it.key()), "\"quoted\" is credits, or {\"min\", \"max\"}");
  if (!q.contains("max")) return bad_op("/quoted/max", "\"quoted\" needs \"max\"");
  CREDITS_TRY(max, Fields::as_credits(q["max"], "/quoted/max"));
  req.quoted = *max;
  if (q.contains("min")) {
    CREDITS_TRY(min, Fields::as_credits(q["min"], "/quoted/min"));
    req.quoted_min = *min;
  }
  return Ok{};
}

Result<Operation> parse_charge(const Fields& f, Timestamp at) {
  CREDITS_TRY(only, f.only({"user", "key", "node", "quoted", "rate_card"}));
  ops::Charge c{{at}, {}};
  ChargeRequest& req = c.request;
  CREDITS_TRY(user, f.id("user"));
  CREDITS_TRY(key, f.id("key"));
  req.user = std::move(*user);
  req.key = std::move(*key);
  const json& op = f.raw();
  if (!op.contains("node") || !op["node"].is_object())
    return bad_op("/node", "charge needs \"node\", the node object that was quoted");
  req.node = op["node"];  // a copy: `op` is the caller's
  CREDITS_TRY(quoted, parse_quoted(op, req));
  CREDITS_TRY(card, f.str("rate_card"));
  req.rate_card = std::move(*card);
  return Operation(std::move(c));
}

Result<Operation> parse_fail(const Fields& f, Timestamp at) {
  CREDITS_TRY(only, f.only({"charge"}));
  CREDITS_TRY(key, f.id("charge"));
  return Operation(ops::Fail{{at}, std::move(*key)});
}

Result<Operation> parse_complete(const Fields& f, Timestamp at) {
  CREDITS_TRY(only, f.only({"charge", "usage"}));
  CREDITS_TRY(key, f.id("charge"));
  const json& op = f.raw();
  return Operation(ops::Complete{{at}, std::move(*key), op.contains("usage") ? op["usage"] : json(nullptr)});
}

Result<Operation> parse_balance(const Fields& f, Timestamp at) {
  CREDITS_TRY(only, f.only({"payer"}));
  CREDITS_TRY(payer, f.payer());
  return Operation(ops::Balance{{at}, std::move(*payer)});
}

Result<Operation> parse_usage(const Fields& f, Timestamp at) {
  CREDITS_TRY(only, f.only({"payer", "limit"}));
  CREDITS_TRY(payer, f.payer());
  size_t limit = 20;
  const json& op = f.raw();
  if (op.contains("limit")) {
    const json& l = op["limit"];
    if (!l.is_number_integer() || l.get<int64_t>() < 0 || l.get<int64_t>() > 1000)
      return bad_op("/limit", "\"limit\" is a whole number from 0 to 1000");
    limit = static_cast<size_t>(l.get<int64_t>());
  }
  return Operation(ops::Usage{{at}, std::move(*payer), limit});
}

// Name and parser of each operation, in OpKind order.
struct OpSyntax {
  std::string_view name;
  Result<Operation> (*parse)(const Fields&, Timestamp);
};
constexpr OpSyntax kOps[] = {
    {"create_user", parse_create_user},
    {"create_workspace", parse_create_workspace},
    {"add_member", parse_add_member},
    {"remove_member", parse_remove_member},
    {"set_member_cap", parse_set_member_cap},
    {"switch", parse_switch},
    {"subscribe", parse_subscribe},
    {"pause", parse_subscription_change<ops::Pause>},
    {"resume", parse_subscription_change<ops::Resume>},
    {"cancel", parse_subscription_change<ops::Cancel>},
    {"top_up", parse_top_up},
    {"charge", parse_charge},
    {"fail", parse_fail},
    {"complete", parse_complete},
    {"balance", parse_balance},
    {"usage", parse_usage},
};
static_assert(sizeof(kOps) / sizeof(kOps[0]) == std::variant_size_v<Operation>, "one row of kOps per operation");

std::optional<OpKind> kind_by_name(std::string_view name) {
  for (size_t i = 0; i < std::size(kOps); ++i)
    if (kOps[i].name == name) return static_cast<OpKind>(i);
  return std::nullopt;
}

// --- Applying: one overload per operation --------------------------------------------------

Result<OperationOutcome> nothing_more(const Status& s) {
  if (!s) return s.error();
  return OperationOutcome{};
}

template <typename T>
Result<OperationOutcome> outcome(Result<T>&& r) {
  if (!r) return r.error();
  return OperationOutcome(std::move(*r));
}

// A subscription change answers with the subscription after it.
Result<OperationOutcome> subscription_after(Ledger& ledger, const PayerId& payer, const Status& s) {
  if (!s) return s.error();
  return OperationOutcome(ledger.payers().at(payer.text()).sub);
}

struct Applier {
  Ledger& ledger;
  Result<OperationOutcome> operator()(ops::CreateUser& o) { return nothing_more(ledger.create_user(o.at, o.user)); }
  Result<OperationOutcome> operator()(ops::CreateWorkspace& o) {
    return nothing_more(ledger.create_workspace(o.at, o.workspace, o.admin));
  }
  Result<OperationOutcome> operator()(ops::AddMember& o) {
    return nothing_more(ledger.add_member(o.at, o.workspace, o.user, o.by, o.role));
  }
  Result<OperationOutcome> operator()(ops::RemoveMember& o) {
    return nothing_more(ledger.remove_member(o.at, o.workspace, o.user, o.by));
  }
  Result<OperationOutcome> operator()(ops::SetMemberCap& o) {
    return nothing_more(ledger.set_member_cap(o.at, o.workspace, o.user, o.cap, o.by));
  }
  Result<OperationOutcome> operator()(ops::Switch& o) { return nothing_more(ledger.switch_context(o.at, o.user, o.workspace)); }
  Result<OperationOutcome> operator()(ops::Subscribe& o) {
    return subscription_after(ledger, o.payer, ledger.subscribe(o.at, o.payer.text(), o.quota, o.by));
  }
  Result<OperationOutcome> operator()(ops::Pause& o) { return subscription_after(ledger, o.payer, ledger.pause(o.at, o.payer.text(), o.by)); }
  Result<OperationOutcome> operator()(ops::Resume& o) { return subscription_after(ledger, o.payer, ledger.resume(o.at, o.payer.text(), o.by)); }
  Result<OperationOutcome> operator()(ops::Cancel& o) { return subscription_after(ledger, o.payer, ledger.cancel(o.at, o.payer.text(), o.by)); }
  Result<OperationOutcome> operator()(ops::TopUp& o) { return outcome(ledger.top_up(o.at, o.payer.text(), o.credits, o.key, o.by)); }
  Result<OperationOutcome> operator()(ops::Charge& o) { return outcome(ledger.charge(o.at, std::move(o.request))); }
  Result<OperationOutcome> operator()(ops::Fail& o) { return outcome(ledger.fail(o.at, o.charge)); }
  Result<OperationOutcome> operator()(ops::Complete& o) { return outcome(ledger.complete(o.at, o.charge, o.usage)); }
  Result<OperationOutcome> operator()(ops::Balance& o) { return outcome(ledger.balance(o.at, o.payer.text())); }
  Result<OperationOutcome> operator()(ops::Usage& o) { return outcome(ledger.usage(o.at, o.payer.text(), o.limit)); }
};

// --- Writing: one overload per operation, each result from the typed outcome ----------------

struct Writer {
  const OperationOutcome& out;

  json operator()(const ops::CreateUser& o) const {
    json r = accepted("create_user");
    r["user"] = o.user;
    return r;
  }
  json operator()(const ops::CreateWorkspace& o) const {
    json r = accepted("create_workspace");
    r["workspace"] = o.workspace;
    r["admin"] = o.admin;
    r["payer"] = payer_text(PayerKind::workspace, o.workspace);
    return r;
  }
  json operator()(const ops::AddMember& o) const {
    json r = member("add_member", o.workspace, o.user);
    r["role"] = o.role == Role::admin ? "admin" : "member";
    return r;
  }
  json operator()(const ops::RemoveMember& o) const { return member("remove_member", o.workspace, o.user); }
  json operator()(const ops::SetMemberCap& o) const {
    json r = member("set_member_cap", o.workspace, o.user);
    r["cap"] = o.cap ? json(*o.cap) : json(nullptr);
    return r;
  }
  json operator()(const ops::Switch& o) const {
    json r = accepted("switch");
    r["user"] = o.user;
    r["workspace"] = o.workspace ? json(*o.workspace) : json(nullptr);
    r["payer"] = o.workspace ? payer_text(PayerKind::workspace, *o.workspace) : payer_text(PayerKind::user, o.user);
    return r;
  }
  json operator()(const ops::Subscribe& o) const { return subscription("subscribe", o.payer); }
  json operator()(const ops::Pause& o) const { return subscription("pause", o.payer); }
  json operator()(const ops::Resume& o) const { return subscription("resume", o.payer); }
  json operator()(const ops::Cancel& o) const { return subscription("cancel", o.payer); }
  json operator()(const ops::TopUp&) const {
    const auto& t = std::get<TopUpOutcome>(out);
    json r = accepted("top_up");
    r["payer"] = t.payer;
    r["key"] = t.key;
    r["credits"] = t.credits;
    r["wallet"] = t.wallet_after;
    if (t.replayed) r["replayed"] = true;
    return r;
  }
  json operator()(const ops::Charge&) const {
    const auto& c = std::get<ChargeOutcome>(out);
    json r = charge_to_json(*c.charge);
    r["op"] = "charge";
    r["ok"] = true;
    if (c.replayed) r["replayed"] = true;
    return r;
  }
  json operator()(const ops::Fail& o) const { return returned("fail", o.charge); }
  json operator()(const ops::Complete& o) const { return returned("complete", o.charge); }
  json operator()(const ops::Balance&) const {
    json r = balance_to_json(std::get<BalanceView>(out));
    r["op"] = "balance";
    r["ok"] = true;
    return r;
  }
  json operator()(const ops::Usage&) const {
    json r = usage_to_json(std::get<UsageView>(out));
    r["op"] = "usage";
    r["ok"] = true;
    return r;
  }

 private:
  static json member(std::string_view name, const std::string& workspace, const std::string& user) {
    json r = accepted(name);
    r["workspace"] = workspace;
    r["user"] = user;
    return r;
  }
  json subscription(std::string_view name, const PayerId& payer) const {
    json r = accepted(name);
    r["payer"] = payer.text();
    r["subscription"] = subscription_json(std::get<Subscription>(out));
    return r;
  }
  // A refund (fail) or a settlement (complete).
  json returned(std::string_view name, const std::string& key) const {
    const auto& o = std::get<ReturnOutcome>(out);
    const bool settled = name == "complete";
    json r = accepted(name);
    r["charge"] = key;
    r["payer"] = o.charge->payer;
    r["held"] = o.charge->held;
    if (settled) r["credits"] = o.charge->actual;
    r[settled ? "returned" : "refunded"] = o.back.total();
    r["to_subscription"] = o.back.subscription;
    r["to_wallet"] = o.back.wallet;
    r["status"] = std::string(to_string(o.charge->status));
    return r;
  }
};

Error internal_error(const std::exception& e) {
  // Nothing here is expected to throw; if it does, say so rather than crash.
  return Error(ErrorCode::internal, std::string("internal error: ") + e.what());
}

}  // namespace

json charge_to_json(const Charge& c) {
  return json{{"key", c.key},
              {"payer", c.payer},
              {"user", c.user},
              {"node", c.node_id()},
              {"model", c.model},
              {"exact", c.exact},
              {"credits", c.held},
              {"from_subscription", c.from_subscription},
              {"from_wallet", c.from_wallet},
              {"rate_card", c.card->version},
              {"at", format_timestamp(c.at)}};
}

json balance_to_json(const BalanceView& v) {
  return json{{"payer", v.payer},
              {"subscription", subscription_json(v.sub)},
              {"wallet", v.wallet},
              {"available", v.available},
              {"totals",
               {{"granted", v.totals.granted},
                {"topped_up", v.totals.topped_up},
                {"spent", v.totals.spent},
                {"refunded", v.totals.refunded},
                {"expired", v.totals.expired}}}};
}

json usage_to_json(const UsageView& v) {
  json r = balance_to_json(v.balance);
  json recent = json::array();
  for (const Charge* c : v.recent) {
    json g = {{"at", format_timestamp(c->at)},
              {"key", c->key},
              {"user", c->user},
              {"node", c->node_id()},
              {"model", c->model},
              {"params", c->params()},
              {"credits", c->net()},
              {"held", c->held},
              {"from_subscription", c->from_subscription},
              {"from_wallet", c->from_wallet},
              {"status", std::string(to_string(c->status))}};
    recent.push_back(std::move(g));
  }
  auto lines = [](const std::vector<SpendLine>& in, const char* key) {
    json out = json::array();
    for (const auto& l : in) out.push_back({{key, l.name}, {"credits", l.credits}, {"runs", l.runs}});
    return out;
  };
  r["generations"] = std::move(recent);
  r["period"] = {{"start", format_timestamp(v.period_start)}, {"end", format_timestamp(v.period_end)}};
  r["by_model"] = lines(v.by_model, "model");
  if (auto payer = split_payer(v.balance.payer); payer && payer->kind == PayerKind::workspace) r["by_member"] = lines(v.by_member, "user");
  return r;
}

OpKind kind_of(const Operation& op) { return static_cast<OpKind>(op.index()); }

std::string_view op_name(OpKind kind) { return kOps[static_cast<size_t>(kind)].name; }

std::optional<OpKind> operation_kind(const json& op) {
  if (!op.is_object()) return std::nullopt;
  auto it = op.find("op");
  if (it == op.end() || !it->is_string()) return std::nullopt;
  return kind_by_name(it->get_ref<const std::string&>());
}

bool is_read(OpKind kind) { return kind == OpKind::balance || kind == OpKind::usage; }

Timestamp time_of(const Operation& op) {
  return std::visit([](const auto& o) { return o.at; }, op);
}

json given_op_name(const json& op) {
  if (!op.is_object()) return nullptr;
  auto it = op.find("op");
  return it != op.end() && it->is_string() ? *it : json(nullptr);
}

Result<Operation> parse_operation(const json& op) {
  if (!op.is_object()) return bad_op("", "an operation is a JSON object {\"op\", \"at\", ...}");
  auto name_it = op.find("op");
  if (name_it == op.end() || !name_it->is_string()) return bad_op("/op", "an operation needs \"op\", its name");
  auto at_it = op.find("at");
  if (at_it == op.end() || !at_it->is_string())
    return bad_op("/at", "an operation needs \"at\", an RFC 3339 UTC time like 2026-11-24T10:00:00Z");
  auto at = parse_timestamp(at_it->get_ref<const std::string&>());
  if (!at) return bad_op("/at", "\"at\" is not an RFC 3339 time (2026-11-24T10:00:00Z)");
  const std::string& name = name_it->get_ref<const std::string&>();
  auto kind = kind_by_name(name);
  if (!kind)
    return bad_op("/op", "unknown operation \"" + name +
                             "\" (create_user, create_workspace, add_member, remove_member, set_member_cap, "
                             "switch, subscribe, pause, resume, cancel, top_up, charge, fail, complete, "
                             "balance, usage)");
  try {
    return kOps[static_cast<size_t>(*kind)].parse(Fields(op), *at);
  } catch (const std::exception& e) {
    return internal_error(e);
  }
}

Result<Operation> parse_operation(std::string_view text) {
  auto j = parse_json_limited(text);
  if (!j) return j.error();
  return parse_operation(*j);
}

Result<OperationOutcome> apply(Ledger& ledger, Operation& op) { return std::visit(Applier{ledger}, op); }

json operation_result_json(const Operation& op, const OperationOutcome& outcome) {
  return std::visit(Writer{outcome}, op);
}

json apply_parsed_operation(Ledger& ledger, Operation&& op) {
  try {
    auto outcome = apply(ledger, op);
    if (!outcome) return fail(std::string(op_name(kind_of(op))), outcome.error());
    return operation_result_json(op, *outcome);
  } catch (const std::exception& e) {
    return fail(std::string(op_name(kind_of(op))), internal_error(e));
  }
}

json apply_operation(Ledger& ledger, const json& op) {
  auto parsed = parse_operation(op);
  if (!parsed) return fail(given_op_name(op), parsed.error());
  return apply_parsed_operation(ledger, std::move(*parsed));
}

Result<json> parse_json_limited(std::string_view text, size_t max_bytes, std::string_view not_json_message) {
  // Limits first, so no input can exhaust the stack.
  if (Status s = check_json_limits(text, max_bytes, kMaxJsonDepth); !s) return s.error();
  return parse_json_strict(text, not_json_message);
}

json apply_operation_line(Ledger& ledger, std::string_view line) {
  // A charge, the common line, is read without building its document.
  if (auto charge = read_charge_text(line)) return apply_parsed_operation(ledger, std::move(*charge));
  auto j = parse_json_limited(line);
  if (!j) return fail(nullptr, j.error());
  return apply_operation(ledger, *j);
}

}  // namespace credits
