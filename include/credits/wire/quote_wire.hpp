// A quote: what one node will cost, why, and against which rate card. The JSON form is the
// contract shared by the CLI, the server and the browser package (SPEC §9). It is written as
// text directly (json_text.hpp), the one writer of it; the engine never parses it back. The
// price itself is typed (estimator.hpp).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "credits/error_wire.hpp"  // failed quotes: write_failed_quote
#include "credits/estimator.hpp"

namespace credits {

// Quotes one node object, never failing: errors become {"id", "ok": false, "error"}.
std::string quote_wire(const RateCard& card, const nlohmann::json& node);

// Appends a priced node's JSON. With `would_cost`, the node is marked skipped (costs 0).
void write_quote(std::string& out, const std::string* id, const Model& model, const Price& price,
                 const std::vector<BreakdownLine>& breakdown, const std::string& rate_card_version,
                 const Price* would_cost = nullptr);

}  // namespace credits
