#include "credits/money_split.hpp"

#include <algorithm>
#include <string>

namespace credits {

Result<Split> split_charge(Credits subscription_available, Credits wallet, Credits price) {
  if (price < 0) return Error(ErrorCode::invalid_param, "a price cannot be negative");
  auto available = checked_add(subscription_available, wallet);
  if (!available || *available < price)
    return Error(ErrorCode::insufficient_credits,
                 std::to_string(subscription_available) + " subscription + " + std::to_string(wallet) +
                     " wallet credits; this run needs " + std::to_string(price));
  Split s;
  s.from_subscription = std::min(price, subscription_available);
  s.from_wallet = price - s.from_subscription;
  return s;
}

Split split_settlement(const Split& taken, Credits actual) {
  const Credits back = taken.total() - std::min(actual, taken.total());
  Split r;
  r.from_wallet = std::min(back, taken.from_wallet);
  r.from_subscription = back - r.from_wallet;
  return r;
}

Split route_return(const Split& back, bool has_current_period) {
  if (has_current_period) return back;
  return Split{0, back.from_subscription + back.from_wallet};
}

}  // namespace credits
