// A canvas kept priced while it is edited: load a graph once, then change one node's
// parameters or one edge at a time (every slider move) and get back only what changed. Only
// the edited node and what lies downstream of it are priced again; totals are adjusted, not
// re-summed.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "credits/plan.hpp"

namespace credits {

class PlanSession {
 public:
  explicit PlanSession(std::shared_ptr<const RateCard> card);

  // Every result is JSON text. Replaces the whole graph and prices it: the full plan.
  std::string load(const nlohmann::json& graph, const nlohmann::json* balances);

  // Replaces one node's model and params ({"id", "model", "params"}; the id must stay).
  // "inputs" and "skip", when present, replace the node's edges and skip flag; when absent the
  // node keeps them.
  // Returns {"changed": [quotes of every node priced again], "ok", "priced", "rate_card",
  // "skipped", "total", "unpriced"}.
  std::string update_node(const nlohmann::json& node);
  // Connects (or, with an empty `from`, disconnects) input `port` of node `to`.
  std::string set_input(const std::string& to, const std::string& port, const std::string& from);

  // The whole current plan, with a projection when balances are given.
  std::string plan(const nlohmann::json* balances) const;

  size_t size() const { return graph_.nodes.size(); }

 private:
  // The new edges of a node update ("inputs": port -> node id), or nullopt when it has none.
  Result<std::optional<std::vector<GraphEdge>>> read_inputs(const nlohmann::json& node) const;
  // Sets node `index`'s new edges (when given; a cycle leaves the graph as it was), its skip
  // flag and its node (when given), then re-prices it and what is downstream.
  std::string apply_update(int32_t index, std::optional<std::vector<GraphEdge>> inputs, bool skip,
                           Node* node);
  // Re-prices node `index` and what is downstream (reprice_from): the changed quotes.
  std::string reprice(int32_t index);

  std::shared_ptr<const RateCard> card_;
  Graph graph_;
  Plan plan_;
  std::unordered_map<std::string, int32_t> ids_;
  bool loaded_ = false;
};

}  // namespace credits
