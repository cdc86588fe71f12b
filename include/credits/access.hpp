// Who may see which payer (SPEC §5): a user sees their own personal account and the
// workspaces they belong to. The ledger keeps users and memberships private, so this index
// mirrors them from the operations the ledger accepted (create_user, create_workspace,
// add_member, remove_member); fed the same accepted operations in the same order, it holds
// exactly the ledger's memberships.
#pragma once

#include <map>
#include <set>
#include <string>

#include "credits/error.hpp"
#include "credits/operation.hpp"

namespace credits {

struct LedgerState;  // ledger_state.hpp

class AccessIndex {
 public:
  // The index the operations that led to `state` would have built: every user, and every
  // workspace's members with their admin flags (a server restarting from a snapshot).
  static AccessIndex from_state(const LedgerState& state);

  // Records what one operation did; call it only for operations the ledger accepted.
  void observe(const Operation& op);

  // May `user` read `payer`'s balance and usage? Their own "user:ID", or a workspace they are
  // a member of (any role). unknown_user, unknown_workspace or not_member otherwise.
  Status can_view(const std::string& user, const std::string& payer) const;

  bool has_user(const std::string& user) const { return users_.count(user) != 0; }
  bool is_member(const std::string& workspace, const std::string& user) const;
  bool is_admin(const std::string& workspace, const std::string& user) const;

 private:
  std::set<std::string> users_;
  std::map<std::string, std::map<std::string, bool>> workspaces_;  // workspace -> user -> admin
};

}  // namespace credits
