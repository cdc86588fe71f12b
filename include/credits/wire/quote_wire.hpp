// A quote: what one node will cost, why, and against which rate card. The JSON form is the
// contract shared by the CLI, the server and the browser package (SPEC §9). It is written as
// text directly (json_text.hpp), the one writer of it; the engine never parses it back. The
// price itself is typed (estimator.hpp).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "credits/wire/error_wire.hpp"  // failed quotes: write_failed_quote
#include "credits/estimator.hpp"

namespace credits {

// A quote's or a plan's JSON text together with its outcome, typed: what an edge needs to
// answer with the ErrorCode table's status (the server) without reading its own text back.
struct PricedText {
  std::string text;
  std::optional<ErrorCode> error;  // why it was not priced; nullopt when it was
};

// Quotes one node object, never failing: errors become {"id", "ok": false, "error"}.
PricedText priced_quote(const RateCard& card, const nlohmann::json& node);
// A node that could not be priced (or read): {"id", "ok": false, "error"} and its code.
PricedText failed_quote(const std::string* id, const Error& error);
// The text alone.
std::string quote_wire(const RateCard& card, const nlohmann::json& node);

// Appends a priced node's JSON. With `would_cost`, the node is marked skipped (costs 0).
void write_quote(std::string& out, const std::string* id, const Model& model, const Price& price,
                 const std::vector<BreakdownLine>& breakdown, const std::string& rate_card_version,
                 const Price* would_cost = nullptr);

}  // namespace credits
