#include "credits/subscription.hpp"

namespace credits {

std::string_view to_string(SubscriptionStatus s) {
  switch (s) {
    case SubscriptionStatus::none: return "none";
    case SubscriptionStatus::active: return "active";
    case SubscriptionStatus::paused: return "paused";
    case SubscriptionStatus::cancelled: return "cancelled";
  }
  return "none";
}

void start_subscription(Subscription& sub, Credits quota, Timestamp at, PeriodEvents& events) {
  sub.status = SubscriptionStatus::active;
  sub.quota = quota;
  sub.remaining = quota;
  sub.anchor = at;
  sub.period_index = 0;
  sub.period_start = at;
  sub.period_end = add_months(at, 1);
  sub.in_period = true;
  events.granted(at, quota);
}

PeriodLimit period_limit(Timestamp at, Credits quota, Credits granted) {
  if (at > kMaxTimestamp || add_months(at, 1) > kMaxTimestamp) return PeriodLimit::end_of_time;
  if (!checked_add(granted, quota)) return PeriodLimit::granted_total;
  return PeriodLimit::none;
}

void advance_subscription(Subscription& sub, Timestamp now, PeriodEvents& events, Credits granted) {
  while (sub.in_period && now >= sub.period_end) {
    const Timestamp boundary = sub.period_end;
    if (sub.remaining > 0) events.expired(boundary, sub.remaining);
    sub.remaining = 0;
    const Timestamp next_end = add_months(sub.anchor, sub.period_index + 2);
    if (sub.status == SubscriptionStatus::active &&
        (next_end > kMaxTimestamp || !checked_add(granted, sub.quota))) {
      // The end of the engine's range: the next period cannot be kept or granted, so the
      // subscription ends here, as a cancelled one does at its period's end.
      sub.status = SubscriptionStatus::cancelled;
      sub.in_period = false;
    } else if (sub.status == SubscriptionStatus::active) {
      ++sub.period_index;
      sub.period_start = boundary;
      sub.period_end = next_end;
      sub.remaining = sub.quota;
      granted += sub.quota;
      events.granted(boundary, sub.quota);
    } else {
      // Paused: grants nothing until resumed. Cancelled: over.
      sub.in_period = false;
    }
  }
}

}  // namespace credits
