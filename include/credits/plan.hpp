// Prices a whole canvas graph before it runs: each node in run order, quantities that flow
// from upstream outputs (lip-sync on the upstream video's duration), skipped (cached or
// bypassed) nodes at zero, min/max totals with unpriced nodes counted, and a projection of
// the payer's balances after the run.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "credits/money.hpp"
#include "credits/estimator.hpp"

namespace credits {

struct GraphEdge {
  std::string port;
  int32_t from = -1;  // index of the upstream node
};

struct GraphNode {
  std::string id;
  nlohmann::json spec;  // the node object as given (model, params)
  std::vector<GraphEdge> inputs;
  bool skip = false;
  // Prepared once per rate card (prepare_graph_node), not on every pricing.
  std::optional<Error> prepare_error;
  PreparedNode prepared;
  bool has_bindings = false;  // some parameter takes its value from an input
};

struct Graph {
  std::vector<GraphNode> nodes;
  std::vector<int32_t> order;  // run order: every node after its inputs; ties in given order
  const RateCard* prepared_with = nullptr;
};

// Checks a node's model and parameters against the card, keeping the result in the node.
void prepare_graph_node(const RateCard& card, Graph& graph, int32_t index);
// Prepares every node unless the graph already is for this card.
void prepare_graph(const RateCard& card, Graph& graph);

// Sets graph.order: every node after its inputs, ties broken by the order nodes were given
// (Kahn's algorithm with a min-heap), or a cycle error pointing at a node on it.
Status compute_run_order(Graph& graph);

// Checks the graph's shape: unique ids, known upstream ids, no cycles.
Result<Graph> parse_graph(const nlohmann::json& doc);

struct PlannedNode {
  std::optional<Error> error;  // unpriced, and why
  Price price;                 // zero when skipped
  Price would_cost;            // what it costs when not skipped
  std::vector<BreakdownLine> breakdown;
  PreparedNode bound;          // the prepared node with its inputs' values (has_bindings only)
};

// What a plan projects against: the subscription's remaining credits in the current period
// and the wallet.
using Balances = Buckets;

struct Projection {
  Balances before;
  Buckets taken;  // what the affordable nodes take from each bucket, as the ledger would split it
  Balances after;
  std::optional<int32_t> first_unaffordable;  // node index, in run order
  Credits shortfall = 0;
};

struct Plan {
  std::vector<PlannedNode> nodes;  // in the graph's given order
  int64_t total_min = 0;
  int64_t total_max = 0;
  int32_t priced = 0;
  int32_t unpriced = 0;
  int32_t skipped = 0;
};

// Prices every node (preparing the graph first if needed); `with_breakdown` keeps each node's
// explanation.
Result<Plan> price_graph(const RateCard& card, Graph& graph, bool with_breakdown = true);
// Re-prices every node into an existing plan, reusing its memory.
void reprice_graph(const RateCard& card, Graph& graph, Plan& plan, bool with_breakdown = true);

// The node as priced: with its inputs' values bound, or as prepared.
const PreparedNode& effective_node(const Graph& graph, const Plan& plan, int32_t index);

// Prices one node of the graph in place, reading its inputs' already-priced outputs.
void price_graph_node(const RateCard& card, const Graph& graph, Plan& plan, int32_t index,
                      bool with_breakdown);

// Re-prices node `changed` and everything downstream of it, then the totals. The rest of the
// plan is reused: what the canvas calls on every slider move.
Status reprice_from(const RateCard& card, Graph& graph, Plan& plan, int32_t changed,
                    bool with_breakdown = true);

// Draws each priced node's maximum, in run order, from the subscription first, then the wallet,
// as the charges would; stops at the first node the balances cannot cover.
Projection project(const Graph& graph, const Plan& plan, const Balances& balances);

// {"subscription": N, "wallet": N}, whole non-negative credits.
Result<Balances> parse_balances(const nlohmann::json& j, const std::string& path);

// The plan's JSON text, as SPEC §9 prints it; `projection` only when balances were given.
std::string write_plan(const RateCard& card, const Graph& graph, const Plan& plan,
                       const Projection* projection);
// {"credits"?, "exact", "max", "min"}.
void write_plan_total(std::string& out, const Plan& plan);
// `,"rate_card","skipped","total","unpriced"}`: how a plan's and a plan change's JSON end.
void write_plan_tail(std::string& out, const RateCard& card, const Plan& plan);
nlohmann::json plan_to_json(const RateCard& card, const Graph& graph, const Plan& plan,
                            const Projection* projection);

// parse + price + project + JSON text, never failing: errors become {"ok": false, "error"}.
std::string plan_wire(const RateCard& card, const nlohmann::json& graph,
                      const nlohmann::json* balances);
nlohmann::json plan_json(const RateCard& card, const nlohmann::json& graph,
                         const nlohmann::json* balances);

}  // namespace credits
