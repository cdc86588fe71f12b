// SPEC §9 operations as types: one struct per operation, applied to a ledger with std::visit,
// the outcome a typed value. Reading them from JSON and writing their results is the wire
// module's (wire/operation_wire.hpp, wire/operation_text.hpp), shared by the CLI, the server
// and the browser so all three give the same bytes for the same operation.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "credits/forecast.hpp"
#include "credits/ledger.hpp"
#include "credits/payer_id.hpp"

namespace credits {

// One struct per operation, with its fields as the operation names them. `at` is the time
// the operation happens (the ledger refuses one earlier than its last).
namespace ops {
struct Head {
  Timestamp at = 0;
};
struct CreateUser : Head {
  std::string user;
};
struct CreateWorkspace : Head {
  std::string workspace, admin;
};
struct AddMember : Head {
  std::string workspace, user, by;
  Role role = Role::member;
};
struct RemoveMember : Head {
  std::string workspace, user, by;
};
struct SetMemberCap : Head {
  std::string workspace, user, by;
  std::optional<Credits> cap;  // none: no cap
};
struct Switch : Head {
  std::string user;
  std::optional<std::string> workspace;  // none: the user's personal account
};
struct Subscribe : Head {
  PayerId payer;
  std::string by;
  Credits quota = 0;
};
struct Pause : Head {
  PayerId payer;
  std::string by;
};
struct Resume : Head {
  PayerId payer;
  std::string by;
};
struct Cancel : Head {
  PayerId payer;
  std::string by;
};
struct TopUp : Head {
  PayerId payer;
  std::string key, by;
  Credits credits = 0;
};
struct Charge : Head {
  ChargeRequest request;
};
struct Fail : Head {
  std::string charge;  // the charge's key
};
struct Complete : Head {
  std::string charge;
  Usage usage;  // the quantities the run decided; none when none were given
};
struct Balance : Head {
  PayerId payer;
};
struct Usage : Head {
  PayerId payer;
  size_t limit = 20;  // recent generations shown, 0..1000
};
struct Forecast : Head {  // SPEC §12: the pace of the current period (credits/forecast.hpp)
  PayerId payer;
};
struct Reserve : Head {  // SPEC §11: hold a run's planned maximum (credits/reservation.hpp)
  ReserveRequest request;
};
struct Release : Head {
  std::string reservation;  // the reservation's key
};
// SPEC §11 balance events (credits/balance_events.hpp).
struct SetAlert : Head {
  PayerId payer;
  std::string by;
  std::optional<Credits> below;  // none: remove the alert
};
struct SetAutoTopUp : Head {
  PayerId payer;
  std::string by;
  std::optional<Credits> below;  // none: remove the auto top-up
  Credits to = 0;
};
struct Events : Head {
  int64_t after = 0;  // events with seq > after
  size_t limit = 100;  // 1..1000
};
}  // namespace ops

using Operation = std::variant<ops::CreateUser, ops::CreateWorkspace, ops::AddMember, ops::RemoveMember,
                               ops::SetMemberCap, ops::Switch, ops::Subscribe, ops::Pause, ops::Resume,
                               ops::Cancel, ops::TopUp, ops::Charge, ops::Fail, ops::Complete, ops::Balance,
                               ops::Usage, ops::Forecast, ops::Reserve, ops::Release,
                               ops::SetAlert, ops::SetAutoTopUp, ops::Events>;

// Which operation, without its fields: the alternative's index in Operation.
enum class OpKind {
  create_user, create_workspace, add_member, remove_member, set_member_cap, switch_context,
  subscribe, pause, resume, cancel, top_up, charge, fail, complete, balance, usage, forecast,
  reserve, release,
  set_alert, set_auto_top_up, events,
};

OpKind kind_of(const Operation& op);
std::string_view op_name(OpKind kind);  // "create_user", ..., "switch", ...
// The kind an operation's name names ("create_user", ..., "switch", ...); nullopt for none.
std::optional<OpKind> op_kind_named(std::string_view name);
// balance, usage, forecast and events read; every other operation may change state.
bool is_read(OpKind kind);
inline bool is_read(const Operation& op) { return is_read(kind_of(op)); }
Timestamp time_of(const Operation& op);

// What an accepted operation did, for its result: nothing beyond its own fields (memberships,
// switch), the subscription after it, or the ledger's outcome.
using OperationOutcome = std::variant<std::monostate, Subscription, TopUpOutcome, ChargeOutcome, ReturnOutcome,
                                      BalanceView, UsageView, Forecast, ReserveOutcome, ReleaseOutcome,
                                      EventsPage>;

// Applies a parsed operation. A charge's node moves into the ledger's record (so `op` keeps
// every field but that node). A refused operation changes nothing.
[[nodiscard]] Result<OperationOutcome> apply(Ledger& ledger, Operation& op);

}  // namespace credits

// The JSON forms of operations and their results (the wire module, src/wire/), included here
// so a caller of the JSON entry points needs this header only.
#include "credits/wire/operation_wire.hpp"
#include "credits/wire/operation_text.hpp"
