#include "credits/access.hpp"

#include "credits/ledger_state.hpp"
#include "credits/payer_id.hpp"

namespace credits {

namespace {

// What each operation does to who may see what: only the four below change it.
struct Observer {
  std::set<std::string>& users;
  std::map<std::string, std::map<std::string, bool>>& workspaces;

  void operator()(const ops::CreateUser& o) const { users.insert(o.user); }
  void operator()(const ops::CreateWorkspace& o) const { workspaces[o.workspace][o.admin] = true; }
  void operator()(const ops::AddMember& o) const { workspaces[o.workspace][o.user] = o.role == Role::admin; }
  void operator()(const ops::RemoveMember& o) const {
    auto ws = workspaces.find(o.workspace);
    if (ws != workspaces.end()) ws->second.erase(o.user);
  }
  template <typename Other>
  void operator()(const Other&) const {}
};

}  // namespace

AccessIndex AccessIndex::from_state(const LedgerState& state) {
  AccessIndex ix;
  for (const UserState& u : state.users) ix.users_.insert(u.id);
  // Observing create_workspace makes a workspace's entry, and remove_member never erases it.
  for (const WorkspaceState& w : state.workspaces) {
    auto& members = ix.workspaces_[w.id];
    for (const auto& [user, role] : w.members) members[user] = role == Role::admin;
  }
  return ix;
}

void AccessIndex::observe(const Operation& op) { std::visit(Observer{users_, workspaces_}, op); }

bool AccessIndex::is_member(const std::string& workspace, const std::string& user) const {
  auto ws = workspaces_.find(workspace);
  return ws != workspaces_.end() && ws->second.count(user) != 0;
}

bool AccessIndex::is_admin(const std::string& workspace, const std::string& user) const {
  auto ws = workspaces_.find(workspace);
  if (ws == workspaces_.end()) return false;
  auto m = ws->second.find(user);
  return m != ws->second.end() && m->second;
}

Status AccessIndex::can_view(const std::string& user, const std::string& payer) const {
  if (!users_.count(user)) return Error(ErrorCode::unknown_user, "no user \"" + user + "\"", "/user");
  const auto parts = split_payer(payer);
  if (parts && parts->kind == PayerKind::user) {
    if (parts->id == user) return Ok{};
    return Error(ErrorCode::not_member, user + " cannot see another user's account " + payer, "/payer");
  }
  if (parts && parts->kind == PayerKind::workspace) {
    const std::string ws(parts->id);
    if (!workspaces_.count(ws)) return Error(ErrorCode::unknown_workspace, "no workspace \"" + ws + "\"", "/payer");
    if (is_member(ws, user)) return Ok{};
    return Error(ErrorCode::not_member, user + " is not a member of workspace " + ws, "/payer");
  }
  return Error(ErrorCode::invalid_op, "a payer is written \"user:ID\" or \"workspace:ID\"", "/payer");
}

}  // namespace credits
