// The usage export (SPEC §12): every generation a payer was charged for, as CSV for audit. The
// one writer of it: `credits billing --csv` and GET /v1/payers/{payer}/usage.csv only hand its
// text on, so the two can never differ.
//
// RFC 4180: a header row, CRLF after every record, a field holding a comma, a double quote, a
// CR or a LF quoted with its quotes doubled. Amounts are plain integers, times RFC 3339 UTC,
// params the node's parameters as compact JSON; an empty field is a value there is not yet (the
// closing time of a charge still open). docs/balances.md, "Usage export", names every column.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "credits/error.hpp"
#include "credits/ledger.hpp"

namespace credits {

// The columns, in order, as the header row names them.
inline constexpr std::array<std::string_view, 17> kUsageCsvColumns = {
    "at", "key", "payer", "user", "node", "model", "params", "exact", "rate_card", "status",
    "held", "from_subscription", "from_wallet", "returned_to_subscription", "returned_to_wallet",
    "credits", "closed_at"};

// Appends one field, quoted when RFC 4180 requires it.
void append_csv_field(std::string& out, std::string_view field);

// The header row and one row per charge, in the order given.
std::string usage_csv(const std::vector<const Charge*>& charges);

// Every charge of `payer` ("user:ID" or "workspace:ID"), oldest first. A payer the ledger does
// not hold is `unknown_user` or `unknown_workspace` (`invalid_op` when the text is no payer);
// who may read it is the caller's check, as for `usage`.
Result<std::string> usage_csv(const Ledger& ledger, const std::string& payer);

}  // namespace credits
