// How money moves between the two buckets, as pure functions on Buckets (a split says how much
// each bucket gives or gets). The ledger applies them; the plan's projection and the browser's
// previews use them on the balances they show ("after this run: subscription X, wallet Y"), so
// what the canvas projects is computed by the same code that later charges.
#pragma once

#include "credits/money.hpp"
#include "credits/error.hpp"

namespace credits {

// A charge takes the subscription first, the rest from the wallet; all or nothing.
// `insufficient_credits` when subscription + wallet < price.
Result<Buckets> split_charge(Credits subscription_available, Credits wallet, Credits price);

// A settlement returns held - actual, wallet portion first, so what stays taken equals
// split_charge(..., actual) on the balances the charge saw. Returns what goes back to each.
Buckets split_settlement(const Buckets& taken, Credits actual);

// Where a returned subscription portion lands: its period if it is still current (or a later
// current period), else the wallet when there is no current period.
Buckets route_return(const Buckets& back, bool has_current_period);

}  // namespace credits
