#include "credits/error.hpp"

namespace credits {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_json: return "invalid_json";
    case ErrorCode::invalid_op: return "invalid_op";
    case ErrorCode::invalid_param: return "invalid_param";
    case ErrorCode::invalid_rate_card: return "invalid_rate_card";
    case ErrorCode::unknown_model: return "unknown_model";
    case ErrorCode::unknown_user: return "unknown_user";
    case ErrorCode::unknown_workspace: return "unknown_workspace";
    case ErrorCode::unknown_charge: return "unknown_charge";
    case ErrorCode::not_member: return "not_member";
    case ErrorCode::not_admin: return "not_admin";
    case ErrorCode::insufficient_credits: return "insufficient_credits";
    case ErrorCode::member_cap_exceeded: return "member_cap_exceeded";
    case ErrorCode::price_mismatch: return "price_mismatch";
    case ErrorCode::stale_rate_card: return "stale_rate_card";
    case ErrorCode::idempotency_conflict: return "idempotency_conflict";
    case ErrorCode::already_refunded: return "already_refunded";
    case ErrorCode::already_settled: return "already_settled";
    case ErrorCode::clock_regression: return "clock_regression";
    case ErrorCode::no_subscription: return "no_subscription";
    case ErrorCode::already_subscribed: return "already_subscribed";
    case ErrorCode::already_exists: return "already_exists";
  }
  return "unknown";
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
