// The billing page (Settings → Billing) as plain text, for the terminal demo.
#pragma once

#include <string>

#include "credits/forecast.hpp"
#include "credits/ledger.hpp"

namespace credits::cli {
// The page of `view`, with the forecast's line (SPEC §12) under the balances.
std::string billing_text(const UsageView& view, const Forecast& forecast, size_t rejected_ops);
}
