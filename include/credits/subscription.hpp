// A payer's subscription bucket and the calendar rules that move it: periods anchored on a
// day of month, resets that expire what is left, pause/cancel taking effect at period end.
#pragma once

#include <cstdint>
#include <string_view>

#include "credits/money.hpp"
#include "credits/civil_time.hpp"

namespace credits {

enum class SubscriptionStatus { none, active, paused, cancelled };
std::string_view to_string(SubscriptionStatus s);

struct Subscription {
  SubscriptionStatus status = SubscriptionStatus::none;
  Credits quota = 0;
  Credits remaining = 0;
  Timestamp anchor = 0;        // when it was subscribed, or resumed into a new period
  int64_t period_index = 0;    // periods since the anchor
  Timestamp period_start = 0;
  Timestamp period_end = 0;    // the next reset (resets_at)
  bool in_period = false;      // false once a paused or cancelled period has ended

  // Subscribed and still usable or resumable: what blocks a new subscribe.
  bool is_live() const { return status != SubscriptionStatus::none && in_period; }
};

// What happened to a subscription as time passed: one callback per expiry and per grant.
class PeriodEvents {
 public:
  virtual ~PeriodEvents() = default;
  virtual void expired(Timestamp at, Credits amount) = 0;
  virtual void granted(Timestamp at, Credits amount) = 0;
};

// Moves the subscription to instant `now`: at every boundary passed, what remains expires;
// an active subscription starts its next period with a full quota, a paused or cancelled one
// ends. Boundaries are computed from the anchor (add_months), so the day of month never drifts.
// `granted` is the payer's granted total so far. A period that cannot start (it would end
// after kMaxTimestamp, or its grant would take `granted` past kMaxTotal) is not started: the
// subscription ends at that boundary as a cancelled one does.
void advance_subscription(Subscription& sub, Timestamp now, PeriodEvents& events, Credits granted);

// Why a period of `quota` cannot start at `at` for a payer whose granted total is `granted`:
// 0 if it can, else the reason.
enum class PeriodLimit { none, end_of_time, granted_total };
PeriodLimit period_limit(Timestamp at, Credits quota, Credits granted);

// Starts a period at `at` with a full quota (subscribe, or resume after the period ended).
// The caller has checked period_limit.
void start_subscription(Subscription& sub, Credits quota, Timestamp at, PeriodEvents& events);

}  // namespace credits
