// Prices a whole canvas graph before it runs: each node in run order, quantities that flow
// from upstream outputs (lip-sync on the upstream video's duration), skipped (cached or
// bypassed) nodes at zero, min/max totals with unpriced nodes counted, and a projection of
// the payer's balances after the run.
#pragma once

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
  Node node;  // the node as given (model, params); its edges and skip flag are read below
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
  // Both kept by compute_run_order: which nodes read each node's outputs, and each node's
  // place in `order`. An edit re-prices only what is downstream of it, in run order.
  std::vector<std::vector<int32_t>> downstream;
  std::vector<int32_t> position;
  const RateCard* prepared_with = nullptr;
};

// Checks a node's model and parameters against the card, keeping the result in the node.
void prepare_graph_node(const RateCard& card, Graph& graph, int32_t index);
// Prepares every node unless the graph already is for this card.
void prepare_graph(const RateCard& card, Graph& graph);

// Sets graph.order (and downstream, position): every node after its inputs, ties broken by
// the order nodes were given (Kahn's algorithm with a min-heap), or a cycle error pointing at
// a node on it.
Status compute_run_order(Graph& graph);

// Replaces node `index`'s inputs and recomputes the run order. When the new edges close a
// cycle the graph is left exactly as it was and the cycle is reported.
Status set_node_inputs(Graph& graph, int32_t index, std::vector<GraphEdge> inputs);

struct PlannedNode {
  std::optional<Error> error;  // unpriced, and why
  Price price;                 // zero when skipped
  Price would_cost;            // what it costs when not skipped
  bool skipped = false;        // the node's skip flag when it was priced (what the totals count)
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
  int32_t priced = 0;
  int32_t unpriced = 0;
  int32_t skipped = 0;
  // The exact sums behind the totals: one node's part can be taken out and put back (an edit)
  // without re-summing the plan, and without an overflow in between.
  __extension__ typedef __int128 WideSum;  // __extension__: a GNU type, kept under -Wpedantic
  WideSum sum_min = 0;
  WideSum sum_max = 0;
  // The totals as written: the exact sums, held at 2^63-1 if a card prices beyond it (each
  // price fits in 64 bits; their sum may not).
  Credits total_min() const { return held_at_max(sum_min); }
  Credits total_max() const { return held_at_max(sum_max); }

 private:
  static Credits held_at_max(WideSum sum) { return sum > INT64_MAX ? INT64_MAX : static_cast<Credits>(sum); }
};

// Adds (sign +1) or takes out (sign -1) node `index`'s part of the plan's totals and counts,
// as it was priced.
void count_planned_node(Plan& plan, int32_t index, int sign);

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

// Re-prepares node `changed` (its object may have changed), re-prices it and everything
// downstream of it, and adjusts the totals by what those nodes changed: the rest of the plan is
// reused. What the canvas calls on every slider move. Returns the nodes priced again, in run
// order (every node, when the graph was prepared for another card).
Result<std::vector<int32_t>> reprice_from(const RateCard& card, Graph& graph, Plan& plan,
                                          int32_t changed, bool with_breakdown = true);

// Draws each priced node's maximum, in run order, from the subscription first, then the wallet,
// as the charges would; stops at the first node the balances cannot cover.
Projection project(const Graph& graph, const Plan& plan, const Balances& balances);

}  // namespace credits
