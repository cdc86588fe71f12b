// The forecast (SPEC §12): from a payer's usage in the current period, how fast it spends
// (whole credits per day), when the subscription and then the wallet would run out at that
// pace, and the top-up that would last to the reset. A pure function of the usage view and the
// operation's time, in integer arithmetic only, so every caller gets the same figures.
// docs/balances.md, "Forecast", gives the arithmetic and a worked example.
#pragma once

#include <optional>
#include <string>

#include "credits/civil_time.hpp"
#include "credits/error.hpp"
#include "credits/ledger.hpp"
#include "credits/money.hpp"

namespace credits {

inline constexpr Timestamp kDayMs = 86'400'000;

struct Forecast {
  std::string payer;
  Timestamp at = 0;            // as of when: the run-out times count from it
  Timestamp period_start = 0;  // the usage window: the subscription's period, else the calendar month
  Timestamp period_end = 0;
  std::optional<Timestamp> resets_at;  // only while an active subscription is in its period
  Credits spent = 0;                   // net credits of the charges made in the window
  Credits burn_per_day = 0;            // spent / elapsed days, rounded up
  Credits remaining = 0;               // the subscription's current period
  Credits wallet = 0;
  std::optional<Timestamp> subscription_runs_out_at;  // none: no burn, or it lasts its period
  std::optional<Timestamp> wallet_runs_out_at;        // none: no burn, or it lasts past the reset
  Credits suggested_top_up = 0;  // what would last to the window's end at this pace; 0 if enough
};

// The forecast of the payer `usage` describes, at `at` (the time the view was taken). Refused
// with `internal` only if the spend lines do not add up in 64 bits (they are at most the
// payer's spent total, so this is a bug).
[[nodiscard]] Result<Forecast> forecast_of(const UsageView& usage, Timestamp at);

}  // namespace credits
