#include "credits/access.hpp"

#include "credits/payer_id.hpp"

namespace credits {

using nlohmann::json;

namespace {

std::string field(const json& op, const char* key) {
  auto it = op.find(key);
  return it != op.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

void AccessIndex::observe(const json& op) {
  if (!op.is_object()) return;
  const std::string name = field(op, "op");
  if (name == "create_user") {
    users_.insert(field(op, "user"));
  } else if (name == "create_workspace") {
    workspaces_[field(op, "workspace")][field(op, "admin")] = true;
  } else if (name == "add_member") {
    workspaces_[field(op, "workspace")][field(op, "user")] = field(op, "role") == "admin";
  } else if (name == "remove_member") {
    auto ws = workspaces_.find(field(op, "workspace"));
    if (ws != workspaces_.end()) ws->second.erase(field(op, "user"));
  }
}

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
