// Money: whole credits in 64 bits, their bounds, overflow-checked arithmetic and the two
// buckets every balance has. Every balance change goes through these: a result that does not
// fit is reported, never wrapped. The one place the bounds are written.
#pragma once

#include <cassert>
#include <climits>
#include <cstdint>
#include <optional>

namespace credits {

using Credits = int64_t;

// The largest amount any single input (a top-up, a quota, a cap) may carry: about 10^15.
// Far beyond any real account, and small enough that sums of many never approach 2^63.
inline constexpr Credits kMaxAmount = 1'000'000'000'000'000;
// Whether an input amount (a top-up, a quota, a cap, a balance given to a plan) is in 0..10^15.
inline constexpr bool is_amount(Credits c) { return c >= 0 && c <= kMaxAmount; }

// The most one bucket (a subscription's remaining credits, a wallet) may hold: 2^62. An
// operation that would fill a bucket past it is refused (docs/balances.md, "Limits"). A
// subscription's remaining credits may pass its quota (a refund or a reservation's release
// lands in a later period), so the one sum of two buckets that does not fit in 64 bits, both at
// 2^62 (2^63), is reachable in principle, never in practice: `balance` adds them checked
// (`internal` if not), the events' crossing rule saturates, the forecast adds in 128 bits.
inline constexpr Credits kMaxBucket = Credits{1} << 62;
// Totals (granted, topped up, spent, refunded, expired) may use the whole signed range.
inline constexpr Credits kMaxTotal = INT64_MAX;

inline std::optional<Credits> checked_add(Credits a, Credits b) {
  Credits r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

inline std::optional<Credits> checked_sub(Credits a, Credits b) {
  Credits r;
  if (__builtin_sub_overflow(a, b, &r)) return std::nullopt;
  return r;
}

// The two buckets of a balance (SPEC §4): the subscription's current period and the wallet.
// The same pair is a balance, what a charge takes from each, and what goes back to each.
struct Buckets {
  Credits subscription = 0;
  Credits wallet = 0;
  // Fits for every balance the ledger keeps and every amount it moves (see kMaxBucket); a sum
  // that would not is a bug, caught here rather than wrapped.
  Credits total() const {
    Credits sum = 0;
    [[maybe_unused]] const bool overflow = __builtin_add_overflow(subscription, wallet, &sum);
    assert(!overflow);
    return sum;
  }
};

}  // namespace credits
