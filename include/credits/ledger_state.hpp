// The ledger's state without its history: what scales with accounts (payers, users,
// workspaces, balance-event settings), not with charges, top-ups and reservations, which stay
// behind the records port (ledger_records.hpp). The durable server starts from one of these
// (Ledger::from_state) instead of replaying the whole journal; the wire form is
// wire/ledger_state_wire.hpp. The rate card is not in it: the caller supplies the card in force.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "credits/balance_events.hpp"
#include "credits/ledger.hpp"

namespace credits {

struct UserState {
  std::string id;
  std::optional<std::string> workspace;  // the active context; none = personal
  std::string personal;                  // the user's payer: "user:ID"
};

// A member's spend in the cap period `cap_period` (Workspace::member_spend).
struct MemberSpend {
  int64_t cap_period = 0;
  Credits spent = 0;
};

struct WorkspaceState {
  std::string id;
  std::string pool;  // the workspace's payer: "workspace:ID"
  std::map<std::string, Role> members;
  std::map<std::string, Credits> caps;
  std::map<std::string, MemberSpend> member_spend;
};

struct LedgerState {
  Timestamp now = 0;             // the clock: no operation before it is accepted
  int64_t entry_count = 0;       // entries so far: the next one is numbered entry_count + 1
  std::vector<Payer> payers;     // by payer text, in byte order
  std::vector<UserState> users;  // by id, in byte order
  std::vector<WorkspaceState> workspaces;  // by id, in byte order
  BalanceEventsState balance_events;       // settings, outstanding requests and the whole log
};

}  // namespace credits
