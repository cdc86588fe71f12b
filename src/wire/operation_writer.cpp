// Writing the results of SPEC §9 operations as JSON: one overload per operation, each result
// from the typed outcome. The text writer (operation_text_writer.cpp) writes the same bytes.
#include <variant>

#include "credits/wire/node_wire.hpp"
#include "credits/wire/operation_wire.hpp"

namespace credits {

using nlohmann::json;

namespace {

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
  json operator()(const ops::Forecast&) const {
    json r = forecast_to_json(std::get<Forecast>(out));
    r["op"] = "forecast";
    r["ok"] = true;
    return r;
  }
  json operator()(const ops::Reserve&) const {
    const auto& o = std::get<ReserveOutcome>(out);
    json r = reservation_to_json(*o.reservation);
    r["op"] = "reserve";
    r["ok"] = true;
    if (o.replayed) r["replayed"] = true;
    return r;
  }
  json operator()(const ops::Release&) const {
    json r = reservation_to_json(*std::get<ReleaseOutcome>(out).reservation);
    r["op"] = "release";
    r["ok"] = true;
    return r;
  }
  json operator()(const ops::SetAlert& o) const {
    json r = accepted("set_alert");
    r["payer"] = o.payer.text();
    r["below"] = o.below ? json(*o.below) : json(nullptr);
    return r;
  }
  json operator()(const ops::SetAutoTopUp& o) const {
    json r = accepted("set_auto_top_up");
    r["payer"] = o.payer.text();
    r["below"] = o.below ? json(*o.below) : json(nullptr);
    r["to"] = o.below ? json(o.to) : json(nullptr);
    return r;
  }
  json operator()(const ops::Events&) const {
    const auto& page = std::get<EventsPage>(out);
    json r = accepted("events");
    json events = json::array();
    for (const BalanceEvent& e : page.events) events.push_back(balance_event_to_json(e));
    r["events"] = std::move(events);
    r["last_seq"] = page.last_seq;
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

}  // namespace

json charge_to_json(const Charge& c) {
  json j{{"key", c.key},
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
  if (!c.reservation.empty()) j["reservation"] = c.reservation;
  return j;
}

// A reservation as it stands: what it held, what is left, and how it ended.
json reservation_to_json(const Reservation& r) {
  json nodes = json::object();
  for (const auto& [id, n] : r.nodes) nodes[id] = n.max;
  json j{{"reservation", r.key},
         {"payer", r.payer},
         {"user", r.user},
         {"at", format_timestamp(r.at)},
         {"expires_at", format_timestamp(r.expires_at)},
         {"rate_card", r.rate_card},
         {"credits", r.credits()},
         {"from_subscription", r.taken.subscription},
         {"from_wallet", r.taken.wallet},
         {"charged", r.charged()},
         {"left", r.left.total()},
         {"nodes", std::move(nodes)},
         {"status", std::string(to_string(r.status))}};
  if (r.status != ReservationStatus::open) {
    j["released"] = r.back.total();
    j["to_subscription"] = r.back.subscription;
    j["to_wallet"] = r.back.wallet;
    j["closed_at"] = format_timestamp(r.closed_at);
  }
  return j;
}

json balance_event_to_json(const BalanceEvent& e) {
  json j{{"seq", e.seq},
         {"at", format_timestamp(e.at)},
         {"type", std::string(to_string(e.type))},
         {"payer", e.payer},
         {"below", e.below},
         {"available", e.available}};
  if (e.type == BalanceEventType::top_up_requested) {
    j["credits"] = e.credits;
    j["key"] = e.key;
    j["to"] = e.to;
  }
  return j;
}

json balance_to_json(const BalanceView& v) {
  return json{{"payer", v.payer},
              {"subscription", subscription_json(v.sub)},
              {"wallet", v.wallet},
              {"held", v.held},
              {"available", v.available},
              {"alert", v.alert ? json{{"below", v.alert->below}, {"low", v.alert->low}} : json(nullptr)},
              {"auto_top_up", v.auto_top_up ? json{{"below", v.auto_top_up->below},
                                                   {"to", v.auto_top_up->to},
                                                   {"outstanding", v.auto_top_up->outstanding ? json(*v.auto_top_up->outstanding)
                                                                                              : json(nullptr)}}
                                            : json(nullptr)},
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
  for (const Charge& charge : v.recent) {
    const Charge* c = &charge;
    json g = {{"at", format_timestamp(c->at)},
              {"key", c->key},
              {"user", c->user},
              {"node", c->node_id()},
              {"model", c->model},
              {"params", params_to_json(c->params())},
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

json forecast_to_json(const Forecast& f) {
  auto time = [](const std::optional<Timestamp>& t) { return t ? json(format_timestamp(*t)) : json(nullptr); };
  return json{{"payer", f.payer},
              {"at", format_timestamp(f.at)},
              {"period_start", format_timestamp(f.period_start)},
              {"period_end", format_timestamp(f.period_end)},
              {"resets_at", time(f.resets_at)},
              {"spent", f.spent},
              {"burn_per_day", f.burn_per_day},
              {"remaining", f.remaining},
              {"wallet", f.wallet},
              {"subscription_runs_out_at", time(f.subscription_runs_out_at)},
              {"wallet_runs_out_at", time(f.wallet_runs_out_at)},
              {"suggested_top_up", f.suggested_top_up}};
}

json operation_result_json(const Operation& op, const OperationOutcome& outcome) {
  return std::visit(Writer{outcome}, op);
}

}  // namespace credits
