// The one error model of the engine: a code from a closed set, a message for people, and a
// JSON Pointer to the offending input. Every fallible call returns Result<T>; nothing in the
// core throws across its public API.
#pragma once

#include <cassert>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace credits {

// Every code the project emits, the engine's and the edges' (the server, the CLI, the browser
// module) alike: one closed set, so a client can switch on it and a test can check each edge's
// documentation against it. The table in error.cpp gives each its name, HTTP status and meaning.
enum class ErrorCode {
  // The engine's: results of quotes, plans, rate cards and ledger operations.
  invalid_json,
  invalid_op,
  invalid_param,
  invalid_rate_card,
  unknown_model,
  unknown_user,
  unknown_workspace,
  unknown_charge,
  not_member,
  not_admin,
  insufficient_credits,
  member_cap_exceeded,
  price_mismatch,
  stale_rate_card,
  idempotency_conflict,
  already_refunded,
  already_settled,
  clock_regression,
  no_subscription,
  already_subscribed,
  already_exists,
  unknown_reservation,
  already_released,
  // The HTTP server's answers before or around an operation.
  unauthorized,
  not_found,
  method_not_allowed,
  payload_too_large,
  header_too_large,
  bad_request,
  unavailable,
  internal,  // a broken invariant or an unexpected exception: a bug, never the caller's fault
  // The command line's exit-status-2 errors (stderr), including the server's start-up.
  usage,
  unreadable_file,
  invalid_token,
  ledger_mismatch,
  storage_failed,
  unsafe_static,
  cannot_listen,
  ledger_in_use,
};

// One row of the code table.
struct ErrorCodeInfo {
  ErrorCode code;
  std::string_view name;         // the wire form: "insufficient_credits"
  int http_status;               // the server's status for it; 0: never an HTTP answer (CLI only)
  bool reaches_js;               // the browser module can return it (web/index.d.ts lists these)
  std::string_view description;  // one line, for people
};

// The whole table, in enum order (error_codes().size() codes).
struct ErrorCodeTable {
  const ErrorCodeInfo* rows;
  size_t count;
  const ErrorCodeInfo* begin() const { return rows; }
  const ErrorCodeInfo* end() const { return rows + count; }
  size_t size() const { return count; }
};
ErrorCodeTable error_codes();

const ErrorCodeInfo& info(ErrorCode code);
std::string_view to_string(ErrorCode code);
// The code named `name`, or nullopt for a name outside the table.
std::optional<ErrorCode> parse_error_code(std::string_view name);
// 0 for the command line's own codes, which never reach HTTP.
int http_status(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;
  std::string path;  // JSON Pointer into the input that caused the error; "" for the whole input

  Error(ErrorCode c, std::string m, std::string p = {})
      : code(c), message(std::move(m)), path(std::move(p)) {}
};

// A StatusOr-style result: either a value or an Error. [[nodiscard]] (abseil's
// ABSL_MUST_USE_RESULT): a call whose failure is dropped on the floor does not compile cleanly.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

// Ids chosen by clients: users, workspaces, idempotency keys, node ids. 1 to 128 characters of
// A-Z a-z 0-9 . _ : @ - (docs/balances.md, "Ids"): safe to print raw in a terminal, a log or a
// URL, and never confusable (no spaces, controls, bidi overrides or other look-alikes).
inline constexpr size_t kMaxIdLength = 128;
bool is_valid_id(std::string_view id);
// `what` names the field in the message ("user", "key"...).
std::string id_rule_message(std::string_view what);

// JSON Pointer helpers (RFC 6901): escape one reference token, join tokens.
std::string pointer_escape(std::string_view token);
std::string pointer_join(std::string_view base, std::string_view token);
std::string pointer_join(std::string_view base, size_t index);

}  // namespace credits
