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

  // Replaces the whole graph and prices it. Returns the full plan JSON (as plan_json).
  nlohmann::json load(const nlohmann::json& graph, const nlohmann::json* balances);

  // Replaces one node's object ({"id", "model", "params", "inputs", "skip"}; the id must stay).
  // Returns {"ok", "changed": [quotes of every node priced again], "total", ...}.
  nlohmann::json update_node(const nlohmann::json& node);
  // Connects (or, with an empty `from`, disconnects) input `port` of node `to`.
  nlohmann::json set_input(const std::string& to, const std::string& port, const std::string& from);

  // The whole current plan, with a projection when balances are given.
  nlohmann::json plan(const nlohmann::json* balances) const;

  size_t size() const { return graph_.nodes.size(); }

 private:
  nlohmann::json reprice(int32_t changed, bool reorder);
  nlohmann::json summary() const;
  void add_to_totals(const PlannedNode& n, const GraphNode& g, int sign);
  void relink(int32_t index, std::vector<GraphEdge> inputs);
  void index_graph();

  std::shared_ptr<const RateCard> card_;
  Graph graph_;
  Plan plan_;
  std::unordered_map<std::string, int32_t> ids_;
  std::vector<std::vector<int32_t>> downstream_;
  std::vector<int32_t> position_;  // index in graph_.order
  bool loaded_ = false;
};

}  // namespace credits
