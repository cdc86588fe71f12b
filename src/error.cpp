#include "credits/error.hpp"

namespace credits {

namespace {

// The one table of error codes. HTTP statuses follow docs/server.md ("HTTP status of a
// result"); a test reads that paragraph and web/index.d.ts back against this table.
constexpr ErrorCodeInfo kErrorCodes[] = {
    {ErrorCode::invalid_json, "invalid_json", 400, true, "the input is not JSON the engine reads (syntax, depth, size, duplicate keys, inexact numbers)"},
    {ErrorCode::invalid_op, "invalid_op", 400, true, "an operation or call that is malformed or not possible in this state"},
    {ErrorCode::invalid_param, "invalid_param", 400, true, "a parameter is missing, of the wrong type or out of range"},
    {ErrorCode::invalid_rate_card, "invalid_rate_card", 400, true, "the rate card breaks a rule of docs/rate-card.md"},
    {ErrorCode::unknown_model, "unknown_model", 400, true, "no model of that id on the rate card"},
    {ErrorCode::unknown_user, "unknown_user", 404, false, "no user of that id"},
    {ErrorCode::unknown_workspace, "unknown_workspace", 404, false, "no workspace of that id"},
    {ErrorCode::unknown_charge, "unknown_charge", 404, false, "no charge of that key"},
    {ErrorCode::not_member, "not_member", 403, false, "the user is not a member of the workspace"},
    {ErrorCode::not_admin, "not_admin", 403, false, "the acting user is not an admin of the workspace"},
    {ErrorCode::insufficient_credits, "insufficient_credits", 402, true, "subscription and wallet together hold less than the price"},
    {ErrorCode::member_cap_exceeded, "member_cap_exceeded", 402, false, "the charge would take the member past their cap for the period"},
    {ErrorCode::price_mismatch, "price_mismatch", 409, false, "the price the client showed is not the engine's"},
    {ErrorCode::stale_rate_card, "stale_rate_card", 409, false, "the client quoted a rate card that is no longer in force"},
    {ErrorCode::idempotency_conflict, "idempotency_conflict", 409, false, "the key was used before for a different request"},
    {ErrorCode::already_refunded, "already_refunded", 409, false, "the charge was refunded already"},
    {ErrorCode::already_settled, "already_settled", 409, false, "the charge was settled already"},
    {ErrorCode::clock_regression, "clock_regression", 409, false, "the operation's time is before the ledger's last"},
    {ErrorCode::no_subscription, "no_subscription", 409, false, "the payer has no subscription to change"},
    {ErrorCode::already_subscribed, "already_subscribed", 409, false, "the payer has a subscription already"},
    {ErrorCode::already_exists, "already_exists", 409, false, "a user or workspace of that id exists already"},
    {ErrorCode::unknown_reservation, "unknown_reservation", 404, false, "no reservation of that key"},
    {ErrorCode::already_released, "already_released", 409, false, "the reservation was released already, or expired"},
    {ErrorCode::unauthorized, "unauthorized", 401, false, "no bearer token, or not the server's"},
    {ErrorCode::not_found, "not_found", 404, false, "no route, or no file, at that path"},
    {ErrorCode::method_not_allowed, "method_not_allowed", 405, false, "the route exists but not with that method"},
    {ErrorCode::payload_too_large, "payload_too_large", 413, false, "the request body is over the server's --max-body"},
    {ErrorCode::header_too_large, "header_too_large", 431, false, "the request's headers are over the server's limits"},
    {ErrorCode::bad_request, "bad_request", 400, false, "the HTTP request itself is malformed"},
    {ErrorCode::unavailable, "unavailable", 503, false, "the server is shutting down or has too many connections: try again"},
    {ErrorCode::internal, "internal", 500, true, "a bug: an invariant broke or something threw; nothing was changed"},
    {ErrorCode::usage, "usage", 0, false, "the command line's arguments are wrong"},
    {ErrorCode::unreadable_file, "unreadable_file", 0, false, "a file named on the command line cannot be read"},
    {ErrorCode::invalid_token, "invalid_token", 0, false, "the server's bearer token file is unusable"},
    {ErrorCode::ledger_mismatch, "ledger_mismatch", 0, false, "the durable ledger's replay differs from what was stored"},
    {ErrorCode::storage_failed, "storage_failed", 0, false, "a commit to the durable store failed"},
    {ErrorCode::unsafe_static, "unsafe_static", 0, false, "--static would serve the ledger database or the token"},
    {ErrorCode::cannot_listen, "cannot_listen", 0, false, "the server cannot listen on the address"},
    {ErrorCode::ledger_in_use, "ledger_in_use", 0, false, "another credits process writes to this ledger alone: one writer per SQLite file; credits ledger --db alone on PostgreSQL"},
};

constexpr size_t kErrorCodeCount = sizeof(kErrorCodes) / sizeof(kErrorCodes[0]);

// The table is indexed by the enum: each row must sit at its code's position.
constexpr bool table_in_enum_order() {
  for (size_t i = 0; i < kErrorCodeCount; ++i)
    if (static_cast<size_t>(kErrorCodes[i].code) != i) return false;
  return true;
}
static_assert(table_in_enum_order(), "kErrorCodes must list the codes in ErrorCode's order");
static_assert(static_cast<size_t>(ErrorCode::ledger_in_use) + 1 == kErrorCodeCount,
              "every ErrorCode has a row in kErrorCodes");

}  // namespace

ErrorCodeTable error_codes() { return ErrorCodeTable{kErrorCodes, kErrorCodeCount}; }

const ErrorCodeInfo& info(ErrorCode code) {
  const auto i = static_cast<size_t>(code);
  assert(i < kErrorCodeCount);
  // A value outside the enum (only a cast can make one) reads as a bug, not out of bounds.
  return i < kErrorCodeCount ? kErrorCodes[i] : kErrorCodes[static_cast<size_t>(ErrorCode::internal)];
}

std::string_view to_string(ErrorCode code) { return info(code).name; }

int http_status(ErrorCode code) { return info(code).http_status; }

std::optional<ErrorCode> parse_error_code(std::string_view name) {
  for (const ErrorCodeInfo& row : kErrorCodes)
    if (row.name == name) return row.code;
  return std::nullopt;
}

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == ':' || c == '@' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string id_rule_message(std::string_view what) {
  return "\"" + std::string(what) + "\" must be an id: 1 to " + std::to_string(kMaxIdLength) +
         " characters of A-Z a-z 0-9 . _ : @ -";
}

std::string pointer_escape(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string pointer_join(std::string_view base, std::string_view token) {
  std::string out(base);
  out += '/';
  out += pointer_escape(token);
  return out;
}

std::string pointer_join(std::string_view base, size_t index) {
  std::string out(base);
  out += '/';
  out += std::to_string(index);
  return out;
}

}  // namespace credits
