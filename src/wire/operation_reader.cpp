// Reading SPEC §9 operations from JSON: one parser per operation, each field's type checked and
// any field the operation does not take refused, the errors in the order of its fields.
#include <iterator>
#include <variant>

#include "credits/wire/json_text.hpp"
#include "credits/wire/node_wire.hpp"
#include "credits/wire/operation_wire.hpp"
#include "credits/wire/plan_wire.hpp"

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
  CREDITS_TRY(only, f.only({"user", "key", "node", "quoted", "rate_card", "reservation"}));
  ops::Charge c{{at}, {}};
  ChargeRequest& req = c.request;
  CREDITS_TRY(user, f.id("user"));
  CREDITS_TRY(key, f.id("key"));
  req.user = std::move(*user);
  req.key = std::move(*key);
  const json& op = f.raw();
  if (!op.contains("node") || !op["node"].is_object())
    return bad_op("/node", "charge needs \"node\", the node object that was quoted");
  req.node = node_from_json(op["node"]);
  CREDITS_TRY(quoted, parse_quoted(op, req));
  CREDITS_TRY(card, f.str("rate_card"));
  req.rate_card = std::move(*card);
  if (op.contains("reservation") && !op["reservation"].is_null()) {
    CREDITS_TRY(reservation, f.id("reservation"));
    req.reservation = std::move(*reservation);
  }
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
  auto usage = op.find("usage");
  return Operation(
      ops::Complete{{at}, std::move(*key), usage_from_json(usage != op.end() ? &*usage : nullptr)});
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

Result<Operation> parse_forecast(const Fields& f, Timestamp at) {
  CREDITS_TRY(only, f.only({"payer"}));
  CREDITS_TRY(payer, f.payer());
  return Operation(ops::Forecast{{at}, std::move(*payer)});
}

// reserve {user, key, graph, rate_card, expires_in_s?}: the graph as `credits plan` reads it.
Result<Operation> parse_reserve(const Fields& f, Timestamp at) {
  CREDITS_TRY(only, f.only({"user", "key", "graph", "rate_card", "expires_in_s"}));
  ops::Reserve r{{at}, {}};
  ReserveRequest& req = r.request;
  CREDITS_TRY(user, f.id("user"));
  CREDITS_TRY(key, f.id("key"));
  req.user = std::move(*user);
  req.key = std::move(*key);
  const json& op = f.raw();
  if (!op.contains("graph") || !op["graph"].is_object())
    return bad_op("/graph", "reserve needs \"graph\", the run's graph as `credits plan` reads it");
  auto graph = parse_graph(op["graph"]);
  if (!graph) return Error(graph.error().code, graph.error().message, "/graph" + graph.error().path);
  req.graph = std::move(*graph);
  req.graph_text = op["graph"].dump();  // keys sorted: the same graph gives the same text
  CREDITS_TRY(card, f.str("rate_card"));
  req.rate_card = std::move(*card);
  if (op.contains("expires_in_s")) {
    const json& e = op["expires_in_s"];
    if (!e.is_number_integer() || e.get<int64_t>() < 1 || e.get<int64_t>() > kMaxHoldSeconds)
      return bad_op("/expires_in_s", "\"expires_in_s\" is whole seconds from 1 to " + std::to_string(kMaxHoldSeconds));
    req.expires_in_s = e.get<int64_t>();
  }
  return Operation(std::move(r));
}

Result<Operation> parse_release(const Fields& f, Timestamp at) {
  CREDITS_TRY(only, f.only({"reservation"}));
  CREDITS_TRY(key, f.id("reservation"));
  return Operation(ops::Release{{at}, std::move(*key)});
}

// A threshold that must be given: credits, or null (which removes the setting).
Result<std::optional<Credits>> nullable_credits(const Fields& f, const char* key, const std::string& what) {
  const json& op = f.raw();
  if (!op.contains(key)) return bad_op(pointer_join("", key), f.name() + " needs \"" + key + "\": " + what);
  if (op[key].is_null()) return std::optional<Credits>();
  CREDITS_TRY(c, Fields::as_credits(op[key], pointer_join("", key)));
  return std::optional<Credits>(*c);
}

Result<Operation> parse_set_alert(const Fields& f, Timestamp at) {
  CREDITS_TRY(only, f.only({"payer", "below", "by"}));
  CREDITS_TRY(payer, f.payer());
  CREDITS_TRY(below, nullable_credits(f, "below", "credits, or null to remove the alert"));
  CREDITS_TRY(by, f.opt_id("by"));
  return Operation(ops::SetAlert{{at}, std::move(*payer), std::move(*by), *below});
}

// "to" is needed with a "below"; with "below": null (removing it) it may be left out.
Result<Operation> parse_set_auto_top_up(const Fields& f, Timestamp at) {
  CREDITS_TRY(only, f.only({"payer", "below", "to", "by"}));
  CREDITS_TRY(payer, f.payer());
  CREDITS_TRY(below, nullable_credits(f, "below", "credits, or null to remove the auto top-up"));
  Credits to = 0;
  const json& op = f.raw();
  if (*below || (op.contains("to") && !op["to"].is_null())) {
    if (!op.contains("to") || op["to"].is_null())
      return bad_op("/to", "set_auto_top_up needs \"to\": the credits a requested top-up brings the balance to");
    CREDITS_TRY(t, Fields::as_credits(op["to"], "/to"));
    to = *t;
  }
  CREDITS_TRY(by, f.opt_id("by"));
  return Operation(ops::SetAutoTopUp{{at}, std::move(*payer), std::move(*by), *below, to});
}

Result<Operation> parse_events(const Fields& f, Timestamp at) {
  CREDITS_TRY(only, f.only({"after", "limit"}));
  ops::Events e{{at}};
  const json& op = f.raw();
  if (op.contains("after")) {
    const json& a = op["after"];
    if (!a.is_number_integer() || (a.is_number_unsigned() && a.get<uint64_t>() > INT64_MAX) || a.get<int64_t>() < 0)
      return bad_op("/after", "\"after\" is an event's seq: a whole number, 0 or more");
    e.after = a.get<int64_t>();
  }
  if (op.contains("limit")) {
    const json& l = op["limit"];
    if (!l.is_number_integer() || l.get<int64_t>() < 1 || l.get<int64_t>() > 1000)
      return bad_op("/limit", "\"limit\" is a whole number from 1 to 1000");
    e.limit = static_cast<size_t>(l.get<int64_t>());
  }
  return Operation(e);
}

// The parser of each operation, in OpKind order.
using Parser = Result<Operation> (*)(const Fields&, Timestamp);
constexpr Parser kParsers[] = {
    parse_create_user,
    parse_create_workspace,
    parse_add_member,
    parse_remove_member,
    parse_set_member_cap,
    parse_switch,
    parse_subscribe,
    parse_subscription_change<ops::Pause>,
    parse_subscription_change<ops::Resume>,
    parse_subscription_change<ops::Cancel>,
    parse_top_up,
    parse_charge,
    parse_fail,
    parse_complete,
    parse_balance,
    parse_usage,
    parse_forecast,
    parse_reserve,
    parse_release,
    parse_set_alert,
    parse_set_auto_top_up,
    parse_events,
};
static_assert(std::size(kParsers) == std::variant_size_v<Operation>, "one parser per operation");

}  // namespace

Error internal_error(const std::exception& e) {
  // Nothing here is expected to throw; if it does, say so rather than crash.
  return Error(ErrorCode::internal, std::string("internal error: ") + e.what());
}

std::optional<OpKind> operation_kind(const json& op) {
  if (!op.is_object()) return std::nullopt;
  auto it = op.find("op");
  if (it == op.end() || !it->is_string()) return std::nullopt;
  return op_kind_named(it->get_ref<const std::string&>());
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
  auto kind = op_kind_named(name);
  if (!kind)
    return bad_op("/op", "unknown operation \"" + name +
                             "\" (create_user, create_workspace, add_member, remove_member, set_member_cap, "
                             "switch, subscribe, pause, resume, cancel, top_up, charge, fail, complete, "
                             "balance, usage, forecast, reserve, release, set_alert, set_auto_top_up, events)");
  try {
    return kParsers[static_cast<size_t>(*kind)](Fields(op), *at);
  } catch (const std::exception& e) {
    return internal_error(e);
  }
}

Result<Operation> parse_operation(std::string_view text) {
  auto j = parse_json_limited(text);
  if (!j) return j.error();
  return parse_operation(*j);
}

}  // namespace credits
