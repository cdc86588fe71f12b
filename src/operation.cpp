// The typed core of operations: which one it is, and applying it to a ledger. Reading and
// writing them as JSON is the wire module's (src/wire/).
#include "credits/operation.hpp"

#include <iterator>
#include <variant>

namespace credits {

namespace {

// Each operation's name, in OpKind order (the alternatives of Operation).
constexpr std::string_view kOpNames[] = {
    "create_user", "create_workspace", "add_member", "remove_member", "set_member_cap", "switch",
    "subscribe",   "pause",            "resume",     "cancel",        "top_up",         "charge",
    "fail",        "complete",         "balance",    "usage",
    "forecast",    "reserve",          "release",
    "set_alert",   "set_auto_top_up",  "events",
};
static_assert(std::size(kOpNames) == std::variant_size_v<Operation>, "one name per operation");

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
  // Read after the operation's events were evaluated, so a request it raised shows as outstanding.
  void with_settings(BalanceView& view) const {
    const BalanceEvents& events = ledger.balance_events();
    if (const AlertSetting* a = events.alert(view.payer)) view.alert = *a;
    if (const AutoTopUpSetting* t = events.auto_top_up(view.payer)) view.auto_top_up = *t;
  }
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
    return subscription_after(ledger, o.payer, ledger.subscribe(o.at, o.payer, o.quota, o.by));
  }
  Result<OperationOutcome> operator()(ops::Pause& o) { return subscription_after(ledger, o.payer, ledger.pause(o.at, o.payer, o.by)); }
  Result<OperationOutcome> operator()(ops::Resume& o) { return subscription_after(ledger, o.payer, ledger.resume(o.at, o.payer, o.by)); }
  Result<OperationOutcome> operator()(ops::Cancel& o) { return subscription_after(ledger, o.payer, ledger.cancel(o.at, o.payer, o.by)); }
  Result<OperationOutcome> operator()(ops::TopUp& o) { return outcome(ledger.top_up(o.at, o.payer, o.credits, o.key, o.by)); }
  Result<OperationOutcome> operator()(ops::Charge& o) { return outcome(ledger.charge(o.at, std::move(o.request))); }
  Result<OperationOutcome> operator()(ops::Fail& o) { return outcome(ledger.fail(o.at, o.charge)); }
  Result<OperationOutcome> operator()(ops::Complete& o) { return outcome(ledger.complete(o.at, o.charge, o.usage)); }
  Result<OperationOutcome> operator()(ops::Balance& o) {
    auto view = ledger.balance(o.at, o.payer);
    if (view) with_settings(*view);
    return outcome(std::move(view));
  }
  Result<OperationOutcome> operator()(ops::Usage& o) {
    auto view = ledger.usage(o.at, o.payer, o.limit);
    if (view) with_settings(view->balance);
    return outcome(std::move(view));
  }
  // The usage read checks the payer and the time as `usage` does; the forecast is pure on it.
  Result<OperationOutcome> operator()(ops::Forecast& o) {
    auto usage = ledger.usage(o.at, o.payer, 0);
    if (!usage) return usage.error();
    return outcome(forecast_of(*usage, o.at));
  }
  Result<OperationOutcome> operator()(ops::Reserve& o) { return outcome(ledger.reserve(o.at, std::move(o.request))); }
  Result<OperationOutcome> operator()(ops::Release& o) { return outcome(ledger.release(o.at, o.reservation)); }
  Result<OperationOutcome> operator()(ops::SetAlert& o) { return nothing_more(ledger.set_alert(o.at, o.payer, o.below, o.by)); }
  Result<OperationOutcome> operator()(ops::SetAutoTopUp& o) {
    return nothing_more(ledger.set_auto_top_up(o.at, o.payer, o.below, o.to, o.by));
  }
  Result<OperationOutcome> operator()(ops::Events& o) { return outcome(ledger.events_after(o.at, o.after, o.limit)); }
};

}  // namespace

OpKind kind_of(const Operation& op) { return static_cast<OpKind>(op.index()); }

std::string_view op_name(OpKind kind) { return kOpNames[static_cast<size_t>(kind)]; }

std::optional<OpKind> op_kind_named(std::string_view name) {
  for (size_t i = 0; i < std::size(kOpNames); ++i)
    if (kOpNames[i] == name) return static_cast<OpKind>(i);
  return std::nullopt;
}

bool is_read(OpKind kind) {
  return kind == OpKind::balance || kind == OpKind::usage || kind == OpKind::forecast || kind == OpKind::events;
}

Timestamp time_of(const Operation& op) {
  return std::visit([](const auto& o) { return o.at; }, op);
}

Result<OperationOutcome> apply(Ledger& ledger, Operation& op) { return std::visit(Applier{ledger}, op); }

}  // namespace credits
