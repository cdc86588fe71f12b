// SPEC §9 operations: parsed once into a typed value (one struct per operation), applied to a
// ledger with std::visit, the outcome written as one result object. Shared by the CLI, the
// server and the browser so all three give the same bytes for the same operation.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

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
  nlohmann::json usage;  // the quantities the run decided; null when none were given
};
struct Balance : Head {
  PayerId payer;
};
struct Usage : Head {
  PayerId payer;
  size_t limit = 20;  // recent generations shown, 0..1000
};
}  // namespace ops

using Operation = std::variant<ops::CreateUser, ops::CreateWorkspace, ops::AddMember, ops::RemoveMember,
                               ops::SetMemberCap, ops::Switch, ops::Subscribe, ops::Pause, ops::Resume,
                               ops::Cancel, ops::TopUp, ops::Charge, ops::Fail, ops::Complete, ops::Balance,
                               ops::Usage>;

// Which operation, without its fields: the alternative's index in Operation.
enum class OpKind {
  create_user, create_workspace, add_member, remove_member, set_member_cap, switch_context,
  subscribe, pause, resume, cancel, top_up, charge, fail, complete, balance, usage,
};

OpKind kind_of(const Operation& op);
std::string_view op_name(OpKind kind);  // "create_user", ..., "switch", ...
// The kind named by an operation object's "op"; nullopt when it names none.
std::optional<OpKind> operation_kind(const nlohmann::json& op);
// balance and usage read; every other operation may change state.
bool is_read(OpKind kind);
inline bool is_read(const Operation& op) { return is_read(kind_of(op)); }
Timestamp time_of(const Operation& op);

// Reads one operation object strictly: each field's type is checked and a field the operation
// does not take is refused (`invalid_op` with its pointer), so a typo never means something else.
Result<Operation> parse_operation(const nlohmann::json& op);
// The same from JSON text, read with the engine's limits (parse_json_limited).
Result<Operation> parse_operation(std::string_view text);

// What an accepted operation did, for its result: nothing beyond its own fields (memberships,
// switch), the subscription after it, or the ledger's outcome.
using OperationOutcome = std::variant<std::monostate, Subscription, TopUpOutcome, ChargeOutcome, ReturnOutcome,
                                      BalanceView, UsageView>;

// Applies a parsed operation. A charge's node moves into the ledger's record (so `op` keeps
// every field but that node). A refused operation changes nothing.
Result<OperationOutcome> apply(Ledger& ledger, Operation& op);

// The one writer of operation results: {"op", "ok": true, ...} for an accepted operation.
nlohmann::json operation_result_json(const Operation& op, const OperationOutcome& outcome);

// Parses, applies and writes one operation object. Never throws and never fails as a call: a
// rejected operation is a result with "ok": false (failed_operation_json) and changes nothing.
nlohmann::json apply_operation(Ledger& ledger, const nlohmann::json& op);
// Applies and writes an operation already parsed: the same bytes as apply_operation.
nlohmann::json apply_parsed_operation(Ledger& ledger, Operation&& op);

// Parses one line of JSON Lines input and applies it; malformed JSON is an `invalid_json`
// result. Input nested deeper than kMaxJsonDepth is refused before it is parsed.
nlohmann::json apply_operation_line(Ledger& ledger, std::string_view line);

// The "op" of a refused operation's result: the operation's name as given, or null.
nlohmann::json given_op_name(const nlohmann::json& op);

// Parses JSON text with the engine's limits (depth, size) through the one strict reader
// (parse_json_strict: duplicate keys and numbers that cannot be read exactly are
// `invalid_json` with a pointer). Every JSON input of the engine comes through here.
inline constexpr int kMaxJsonDepth = 64;
inline constexpr size_t kMaxJsonBytes = 4 << 20;             // one line: a node, an operation
inline constexpr size_t kMaxDocumentBytes = size_t{1} << 30;  // a whole canvas or batch
Result<nlohmann::json> parse_json_limited(std::string_view text, size_t max_bytes = kMaxJsonBytes,
                                          std::string_view not_json_message = "not valid JSON");

// Views as JSON (the `balance` and `usage` results, without "op"/"ok").
nlohmann::json balance_to_json(const BalanceView& view);
nlohmann::json usage_to_json(const UsageView& view);
nlohmann::json charge_to_json(const Charge& charge);

}  // namespace credits

// The text fast path (wire/operation_text.hpp), so a caller of the JSON entry points above
// needs this header only.
#include "credits/wire/operation_text.hpp"
