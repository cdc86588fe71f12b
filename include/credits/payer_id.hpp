// Who pays: a user's personal account ("user:ID") or a workspace's pool ("workspace:ID"). The
// prefixes are read here and nowhere else; operations parse a payer once into a PayerId.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace credits {

enum class PayerKind { user, workspace };
inline constexpr std::string_view kUserPrefix = "user:";
inline constexpr std::string_view kWorkspacePrefix = "workspace:";

// A payer's text split into its kind and the id after the prefix, the id not yet checked
// against the id rule (callers word their own error for a malformed one).
struct PayerParts {
  PayerKind kind;
  std::string_view id;
};
std::optional<PayerParts> split_payer(std::string_view text);

// "user:ID" or "workspace:ID".
std::string payer_text(PayerKind kind, std::string_view id);

// A payer parsed once: its kind, and an id that follows the id rule.
class PayerId {
 public:
  PayerId() = default;
  // nullopt unless `text` is "user:ID" or "workspace:ID" with a valid ID.
  static std::optional<PayerId> parse(std::string_view text);
  static PayerId of(PayerKind kind, std::string_view id) { return PayerId(payer_text(kind, id), kind); }

  PayerKind kind() const { return kind_; }
  bool is_workspace() const { return kind_ == PayerKind::workspace; }
  std::string_view id() const {
    return std::string_view(text_).substr(is_workspace() ? kWorkspacePrefix.size() : kUserPrefix.size());
  }
  // The ledger's key for it: "user:ID" or "workspace:ID".
  const std::string& text() const { return text_; }

 private:
  PayerId(std::string text, PayerKind kind) : text_(std::move(text)), kind_(kind) {}
  std::string text_ = "user:";
  PayerKind kind_ = PayerKind::user;
};

}  // namespace credits
