#include "credits/payer_id.hpp"

#include "credits/error.hpp"

namespace credits {

std::optional<PayerParts> split_payer(std::string_view text) {
  if (text.substr(0, kUserPrefix.size()) == kUserPrefix) return PayerParts{PayerKind::user, text.substr(kUserPrefix.size())};
  if (text.substr(0, kWorkspacePrefix.size()) == kWorkspacePrefix)
    return PayerParts{PayerKind::workspace, text.substr(kWorkspacePrefix.size())};
  return std::nullopt;
}

std::string payer_text(PayerKind kind, std::string_view id) {
  std::string out(kind == PayerKind::user ? kUserPrefix : kWorkspacePrefix);
  out += id;
  return out;
}

std::optional<PayerId> PayerId::parse(std::string_view text) {
  auto parts = split_payer(text);
  if (!parts || !is_valid_id(parts->id)) return std::nullopt;
  return PayerId(std::string(text), parts->kind);
}

}  // namespace credits
