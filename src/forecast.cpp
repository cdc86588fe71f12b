// The forecast (SPEC §12): integer arithmetic on the usage view, in 128 bits where a product
// of two 64-bit figures is taken, so nothing wraps. docs/balances.md, "Forecast".
#include "credits/forecast.hpp"

#include <algorithm>

namespace credits {

namespace {

__extension__ typedef __int128 Wide;

// ceil(a / b) for a >= 0, b > 0.
Wide div_up(Wide a, Wide b) { return (a + b - 1) / b; }

// Whole credits per day: the window's spend over the days elapsed in it, a started day
// counting as a whole one and at least one day, rounded up so any spend burns at least 1.
Credits burn_per_day(Credits spent, Timestamp period_start, Timestamp at) {
  const Wide elapsed = std::max<Timestamp>(0, at - period_start);
  const Wide days = std::max<Wide>(1, div_up(elapsed, kDayMs));
  return static_cast<Credits>(div_up(spent, days));  // at most `spent`: fits
}

// When `credits` last at `burn` a day, starting at `from`: whole milliseconds, rounded down.
// None past the end of time.
std::optional<Timestamp> runs_out(Wide credits, Credits burn, Timestamp from) {
  const Wide t = Wide{from} + credits * kDayMs / burn;
  if (t > kMaxTimestamp) return std::nullopt;
  return static_cast<Timestamp>(t);
}

// The subscription is drawn first, then the wallet (SPEC §4). A subscription that lasts its
// period does not run out; after an active one's reset the new quota is drawn first again, so
// the forecast of the wallet stops at the reset. A paused or cancelled period ends without a
// grant: the wallet then carries the burn from the period's end.
void run_out_times(Forecast& f, bool in_period, Timestamp at) {
  const Credits burn = f.burn_per_day;
  if (burn == 0) return;
  if (!in_period) {
    f.wallet_runs_out_at = runs_out(f.wallet, burn, at);
    return;
  }
  auto sub = runs_out(f.remaining, burn, at);
  if (sub && *sub < f.period_end) {
    f.subscription_runs_out_at = sub;
    // In 128 bits: two full buckets (2^62 each) add up to 2^63, one past int64.
    f.wallet_runs_out_at = runs_out(Wide{f.remaining} + f.wallet, burn, at);
  } else if (!f.resets_at) {
    f.wallet_runs_out_at = runs_out(f.wallet, burn, f.period_end);
  }
  if (f.resets_at && f.wallet_runs_out_at && *f.wallet_runs_out_at >= *f.resets_at) f.wallet_runs_out_at.reset();
}

// What the burn needs from `at` to the window's end, less what is available, rounded up; never
// below 0 nor above the largest top-up (kMaxAmount).
Credits suggested_top_up(const Forecast& f, Timestamp at) {
  const Wide left = std::max<Timestamp>(0, f.period_end - at);
  const Wide need = div_up(Wide{f.burn_per_day} * left, kDayMs);
  const Wide missing = need - (Wide{f.remaining} + f.wallet);
  return static_cast<Credits>(std::clamp<Wide>(missing, 0, kMaxAmount));
}

}  // namespace

Result<Forecast> forecast_of(const UsageView& usage, Timestamp at) {
  const BalanceView& b = usage.balance;
  const bool in_period = b.sub.in_period;
  Forecast f;
  f.payer = b.payer;
  f.at = at;
  f.period_start = usage.period_start;
  f.period_end = usage.period_end;
  if (in_period && b.sub.status == SubscriptionStatus::active) f.resets_at = b.sub.period_end;
  for (const SpendLine& line : usage.by_model) {
    auto sum = checked_add(f.spent, line.credits);
    if (!sum) return Error(ErrorCode::internal, "the spend of " + b.payer + " does not fit in 64 bits");
    f.spent = *sum;
  }
  f.burn_per_day = burn_per_day(std::max<Credits>(0, f.spent), f.period_start, at);
  f.remaining = in_period ? b.sub.remaining : 0;
  f.wallet = b.wallet;
  run_out_times(f, in_period, at);
  f.suggested_top_up = suggested_top_up(f, at);
  return f;
}

}  // namespace credits
