// How money moves between the two buckets, as pure functions. The ledger applies them; the
// browser previews them on the balances it shows ("after this run: subscription X, wallet Y"),
// so what the canvas projects is computed by the same code that later charges.
#pragma once

#include "credits/checked.hpp"
#include "credits/error.hpp"

namespace credits {

struct Split {
  Credits from_subscription = 0;
  Credits from_wallet = 0;
  Credits total() const { return from_subscription + from_wallet; }
};

// A charge takes the subscription first, the rest from the wallet; all or nothing.
// `insufficient_credits` when subscription + wallet < price.
Result<Split> split_charge(Credits subscription_available, Credits wallet, Credits price);

// A settlement returns held - actual, wallet portion first, so what stays taken equals
// split_charge(..., actual) on the balances the charge saw. Returns what goes back to each.
Split split_settlement(const Split& taken, Credits actual);

// Where a returned subscription portion lands: its period if it is still current (or a later
// current period), else the wallet when there is no current period.
Split route_return(const Split& back, bool has_current_period);

}  // namespace credits
