#include "credits/money_split.hpp"

#include <algorithm>
#include <string>

namespace credits {

Result<Buckets> split_charge(Credits subscription_available, Credits wallet, Credits price) {
  if (price < 0) return Error(ErrorCode::invalid_param, "a price cannot be negative");
  auto available = checked_add(subscription_available, wallet);
  if (!available || *available < price)
    return Error(ErrorCode::insufficient_credits,
                 std::to_string(subscription_available) + " subscription + " + std::to_string(wallet) +
                     " wallet credits; this run needs " + std::to_string(price));
  Buckets taken;
  taken.subscription = std::min(price, subscription_available);
  taken.wallet = price - taken.subscription;
  return taken;
}

Buckets split_settlement(const Buckets& taken, Credits actual) {
  const Credits back = taken.total() - std::min(actual, taken.total());
  Buckets r;
  r.wallet = std::min(back, taken.wallet);
  r.subscription = back - r.wallet;
  return r;
}

Buckets route_return(const Buckets& back, bool has_current_period) {
  if (has_current_period) return back;
  return Buckets{0, back.subscription + back.wallet};
}

}  // namespace credits
