// The billing page (Settings → Billing) as plain text, for the terminal demo.
#pragma once

#include <string>

#include "credits/ledger.hpp"

namespace credits::cli {
std::string billing_text(const UsageView& view, size_t rejected_ops);
}
