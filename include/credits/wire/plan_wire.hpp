// The plan's JSON (SPEC §9): reading a graph document and balances, and writing a priced plan
// as text. The only code that knows the plan's JSON shape; the pricing is typed (plan.hpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "credits/plan.hpp"
#include "credits/wire/quote_wire.hpp"  // PricedText

namespace credits {

// Checks the graph's shape: unique ids, known upstream ids, no cycles.
Result<Graph> parse_graph(const nlohmann::json& doc);

// {"subscription": N, "wallet": N}, whole non-negative credits.
Result<Balances> parse_balances(const nlohmann::json& j, const std::string& path);

// The plan's JSON text, as SPEC §9 prints it; `projection` only when balances were given.
std::string write_plan(const RateCard& card, const Graph& graph, const Plan& plan,
                       const Projection* projection);
// {"credits"?, "exact", "max", "min"}.
void write_plan_total(std::string& out, const Plan& plan);
// `,"rate_card","skipped","total","unpriced"}`: how a plan's and a plan change's JSON end.
void write_plan_tail(std::string& out, const RateCard& card, const Plan& plan);

// parse + price + project + JSON text, never failing: errors become {"ok": false, "error"}.
PricedText priced_plan(const RateCard& card, const nlohmann::json& graph,
                       const nlohmann::json* balances);
// The text alone.
std::string plan_wire(const RateCard& card, const nlohmann::json& graph,
                      const nlohmann::json* balances);

}  // namespace credits
