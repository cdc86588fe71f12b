#include "credits/operation.hpp"

#include "credits/error_wire.hpp"
#include "credits/json_text.hpp"
#include "credits/quote.hpp"

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
    if (c < 0 || c > kMaxAmount) return bad_op(path, "must be whole credits between 0 and 10^15");
    return c;
  }

  Result<std::string> payer() const {
    auto p = str("payer");
    if (!p) return p;
    const std::string& s = *p;
    const size_t prefix = s.rfind("user:", 0) == 0 ? 5 : s.rfind("workspace:", 0) == 0 ? 10 : 0;
    if (prefix && is_valid_id(std::string_view(s).substr(prefix))) return p;
    return bad_op("/payer", "a payer is written \"user:ID\" or \"workspace:ID\", the ID being 1 to " +
                                std::to_string(kMaxIdLength) + " characters of A-Z a-z 0-9 . _ : @ -");
  }

  const json& raw() const { return op_; }

 private:
  const json& op_;
};

json fail(const json& op_name, const Error& e) { return failed_operation_json(op_name, e); }

json ok(const std::string& op) { return json{{"op", op}, {"ok", true}}; }

json subscription_json(const Subscription& s) {
  const bool has_period = s.in_period;
  return json{{"status", std::string(to_string(s.status))},
              {"quota", s.status == SubscriptionStatus::none ? 0 : s.quota},
              {"remaining", has_period ? s.remaining : 0},
              {"period_start", has_period ? json(format_timestamp(s.period_start)) : json(nullptr)},
              {"resets_at", has_period && s.status == SubscriptionStatus::active ? json(format_timestamp(s.period_end)) : json(nullptr)},
              {"period_end", has_period ? json(format_timestamp(s.period_end)) : json(nullptr)}};
}

#define CREDITS_TRY(var, expr)           \
  auto var = (expr);                     \
  if (!var) return fail(name, var.error())

json dispatch(Ledger& ledger, const json& op, Timestamp at) {
  Fields f(op);
  const json name = op["op"];
  const std::string& n = op["op"].get_ref<const std::string&>();
  auto status_result = [&](const Status& s, json result) { return s ? result : fail(name, s.error()); };

  if (n == "create_user") {
    CREDITS_TRY(only, f.only({"user"}));
    CREDITS_TRY(user, f.id("user"));
    json r = ok(n);
    r["user"] = *user;
    return status_result(ledger.create_user(at, *user), r);
  }
  if (n == "create_workspace") {
    CREDITS_TRY(only, f.only({"workspace", "admin"}));
    CREDITS_TRY(ws, f.id("workspace"));
    CREDITS_TRY(admin, f.id("admin"));
    json r = ok(n);
    r["workspace"] = *ws;
    r["admin"] = *admin;
    r["payer"] = "workspace:" + *ws;
    return status_result(ledger.create_workspace(at, *ws, *admin), r);
  }
  if (n == "add_member" || n == "remove_member") {
    CREDITS_TRY(only, n == "add_member" ? f.only({"workspace", "user", "by", "role"}) : f.only({"workspace", "user", "by"}));
    CREDITS_TRY(ws, f.id("workspace"));
    CREDITS_TRY(user, f.id("user"));
    CREDITS_TRY(by, f.id("by"));
    json r = ok(n);
    r["workspace"] = *ws;
    r["user"] = *user;
    if (n == "remove_member") return status_result(ledger.remove_member(at, *ws, *user, *by), r);
    CREDITS_TRY(role, f.opt_str("role"));
    if (!role->empty() && *role != "member" && *role != "admin")
      return fail(name, bad_op("/role", "\"role\" is \"member\" or \"admin\""));
    r["role"] = role->empty() ? "member" : *role;
    return status_result(ledger.add_member(at, *ws, *user, *by, *role == "admin" ? Role::admin : Role::member), r);
  }
  if (n == "set_member_cap") {
    CREDITS_TRY(only, f.only({"workspace", "user", "cap", "by"}));
    CREDITS_TRY(ws, f.id("workspace"));
    CREDITS_TRY(user, f.id("user"));
    CREDITS_TRY(by, f.id("by"));
    if (!op.contains("cap")) return fail(name, bad_op("/cap", "set_member_cap needs \"cap\": credits per period, or null"));
    std::optional<Credits> cap;
    if (!op["cap"].is_null()) {
      CREDITS_TRY(c, Fields::as_credits(op["cap"], "/cap"));
      cap = *c;
    }
    json r = ok(n);
    r["workspace"] = *ws;
    r["user"] = *user;
    r["cap"] = cap ? json(*cap) : json(nullptr);
    return status_result(ledger.set_member_cap(at, *ws, *user, cap, *by), r);
  }
  if (n == "switch") {
    CREDITS_TRY(only, f.only({"user", "workspace"}));
    CREDITS_TRY(user, f.id("user"));
    std::optional<std::string> ws;
    if (op.contains("workspace") && !op["workspace"].is_null()) {
      CREDITS_TRY(w, f.id("workspace"));
      ws = *w;
    }
    json r = ok(n);
    r["user"] = *user;
    r["workspace"] = ws ? json(*ws) : json(nullptr);
    r["payer"] = ws ? "workspace:" + *ws : "user:" + *user;
    return status_result(ledger.switch_context(at, *user, ws), r);
  }
  if (n == "subscribe" || n == "pause" || n == "resume" || n == "cancel") {
    CREDITS_TRY(only, n == "subscribe" ? f.only({"payer", "quota", "by"}) : f.only({"payer", "by"}));
    CREDITS_TRY(payer, f.payer());
    CREDITS_TRY(by, f.opt_id("by"));
    Status s = Ok{};
    if (n == "subscribe") {
      CREDITS_TRY(quota, f.credits("quota"));
      s = ledger.subscribe(at, *payer, *quota, *by);
    } else if (n == "pause") {
      s = ledger.pause(at, *payer, *by);
    } else if (n == "resume") {
      s = ledger.resume(at, *payer, *by);
    } else {
      s = ledger.cancel(at, *payer, *by);
    }
    if (!s) return fail(name, s.error());
    json r = ok(n);
    r["payer"] = *payer;
    r["subscription"] = subscription_json(ledger.payers().at(*payer).sub);
    return r;
  }
  if (n == "top_up") {
    CREDITS_TRY(only, f.only({"payer", "credits", "key", "by"}));
    CREDITS_TRY(payer, f.payer());
    CREDITS_TRY(credits, f.credits("credits"));
    CREDITS_TRY(key, f.id("key"));
    CREDITS_TRY(by, f.opt_id("by"));
    CREDITS_TRY(o, ledger.top_up(at, *payer, *credits, *key, *by));
    json r = ok(n);
    r["payer"] = o->payer;
    r["key"] = o->key;
    r["credits"] = o->credits;
    r["wallet"] = o->wallet_after;
    if (o->replayed) r["replayed"] = true;
    return r;
  }
  if (n == "charge") {
    CREDITS_TRY(only, f.only({"user", "key", "node", "quoted", "rate_card"}));
    ChargeRequest req;
    CREDITS_TRY(user, f.id("user"));
    CREDITS_TRY(key, f.id("key"));
    req.user = *user;
    req.key = *key;
    if (!op.contains("node") || !op["node"].is_object())
      return fail(name, bad_op("/node", "charge needs \"node\", the node object that was quoted"));
    req.node = op["node"];  // a copy: `op` is the caller's
    if (op.contains("quoted")) {
      const json& q = op["quoted"];
      if (q.is_object()) {
        for (auto it = q.begin(); it != q.end(); ++it)
          if (it.key() != "min" && it.key() != "max")
            return fail(name, bad_op(pointer_join("/quoted", it.key()), "\"quoted\" is credits, or {\"min\", \"max\"}"));
        if (!q.contains("max")) return fail(name, bad_op("/quoted/max", "\"quoted\" needs \"max\""));
        CREDITS_TRY(max, Fields::as_credits(q["max"], "/quoted/max"));
        req.quoted = *max;
        if (q.contains("min")) {
          CREDITS_TRY(min, Fields::as_credits(q["min"], "/quoted/min"));
          req.quoted_min = *min;
        }
      } else {
        CREDITS_TRY(quoted, Fields::as_credits(q, "/quoted"));
        req.quoted = *quoted;
      }
    } else {
      return fail(name, bad_op("/quoted", "charge needs \"quoted\", the price the client showed"));
    }
    CREDITS_TRY(card, f.str("rate_card"));
    req.rate_card = *card;
    CREDITS_TRY(o, ledger.charge(at, std::move(req)));
    json r = charge_to_json(*o->charge);
    r["op"] = n;
    r["ok"] = true;
    if (o->replayed) r["replayed"] = true;
    return r;
  }
  if (n == "fail" || n == "complete") {
    CREDITS_TRY(only, n == "fail" ? f.only({"charge"}) : f.only({"charge", "usage"}));
    CREDITS_TRY(key, f.id("charge"));
    json usage = op.contains("usage") ? op["usage"] : json(nullptr);
    CREDITS_TRY(o, n == "fail" ? ledger.fail(at, *key) : ledger.complete(at, *key, usage));
    json r = ok(n);
    r["charge"] = *key;
    r["payer"] = o->charge->payer;
    r["held"] = o->charge->held;
    if (n == "complete") r["credits"] = o->charge->actual;
    r[n == "fail" ? "refunded" : "returned"] = o->to_subscription + o->to_wallet;
    r["to_subscription"] = o->to_subscription;
    r["to_wallet"] = o->to_wallet;
    r["status"] = std::string(to_string(o->charge->status));
    return r;
  }
  if (n == "balance") {
    CREDITS_TRY(only, f.only({"payer"}));
    CREDITS_TRY(payer, f.payer());
    CREDITS_TRY(b, ledger.balance(at, *payer));
    json r = balance_to_json(*b);
    r["op"] = n;
    r["ok"] = true;
    return r;
  }
  if (n == "usage") {
    CREDITS_TRY(only, f.only({"payer", "limit"}));
    CREDITS_TRY(payer, f.payer());
    size_t limit = 20;
    if (op.contains("limit")) {
      const json& l = op["limit"];
      if (!l.is_number_integer() || l.get<int64_t>() < 0 || l.get<int64_t>() > 1000)
        return fail(name, bad_op("/limit", "\"limit\" is a whole number from 0 to 1000"));
      limit = static_cast<size_t>(l.get<int64_t>());
    }
    CREDITS_TRY(u, ledger.usage(at, *payer, limit));
    json r = usage_to_json(*u);
    r["op"] = n;
    r["ok"] = true;
    return r;
  }
  return fail(name, bad_op("/op", "unknown operation \"" + n +
                                      "\" (create_user, create_workspace, add_member, remove_member, set_member_cap, "
                                      "switch, subscribe, pause, resume, cancel, top_up, charge, fail, complete, "
                                      "balance, usage)"));
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
  if (v.balance.payer.rfind("workspace:", 0) == 0) r["by_member"] = lines(v.by_member, "user");
  return r;
}

json apply_operation(Ledger& ledger, const json& op) {
  if (!op.is_object()) return fail(nullptr, bad_op("", "an operation is a JSON object {\"op\", \"at\", ...}"));
  auto name_it = op.find("op");
  if (name_it == op.end() || !name_it->is_string())
    return fail(nullptr, bad_op("/op", "an operation needs \"op\", its name"));
  auto at_it = op.find("at");
  if (at_it == op.end() || !at_it->is_string())
    return fail(*name_it, bad_op("/at", "an operation needs \"at\", an RFC 3339 UTC time like 2026-11-24T10:00:00Z"));
  auto at = parse_timestamp(at_it->get_ref<const std::string&>());
  if (!at) return fail(*name_it, bad_op("/at", "\"at\" is not an RFC 3339 time (2026-11-24T10:00:00Z)"));
  try {
    return dispatch(ledger, op, *at);
  } catch (const std::exception& e) {
    // Nothing in dispatch is expected to throw; if it does, say so rather than crash.
    return fail(*name_it, Error(ErrorCode::invalid_op, std::string("internal error: ") + e.what()));
  }
}

Result<json> parse_json_limited(std::string_view text, size_t max_bytes, std::string_view not_json_message) {
  if (text.size() > max_bytes)
    return Error(ErrorCode::invalid_json, "input over " + std::to_string(max_bytes) + " bytes");
  // Depth is checked before parsing so no input can exhaust the stack.
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char ch : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (ch == '\\') escaped = true;
      else if (ch == '"') in_string = false;
      continue;
    }
    if (ch == '"') in_string = true;
    else if (ch == '[' || ch == '{') {
      if (++depth > kMaxJsonDepth)
        return Error(ErrorCode::invalid_json, "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    } else if (ch == ']' || ch == '}') --depth;
  }
  return parse_json_strict(text, not_json_message);
}

json apply_operation_line(Ledger& ledger, std::string_view line) {
  auto j = parse_json_limited(line);
  if (!j) return fail(nullptr, j.error());
  return apply_operation(ledger, *j);
}

}  // namespace credits
