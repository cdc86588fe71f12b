#include "credits/plan_session.hpp"

#include <algorithm>

#include "credits/wire/json_text.hpp"
#include "credits/wire/node_wire.hpp"
#include "credits/wire/plan_wire.hpp"
#include "credits/wire/quote_wire.hpp"
#include "heap_sort.hpp"

namespace credits {

using nlohmann::json;

namespace {
std::string failure(const Error& e) { return failure_wire(e); }
}  // namespace

PlanSession::PlanSession(std::shared_ptr<const RateCard> card) : card_(std::move(card)) {}

std::string PlanSession::load(const json& doc, const json* balances) {
  auto g = parse_graph(doc);
  if (!g) return failure(g.error());
  auto p = price_graph(*card_, *g);
  if (!p) return failure(p.error());
  graph_ = std::move(*g);
  plan_ = std::move(*p);
  ids_.clear();
  for (size_t i = 0; i < graph_.nodes.size(); ++i) ids_.emplace(graph_.nodes[i].id, static_cast<int32_t>(i));
  loaded_ = true;
  return plan(balances);
}

std::string PlanSession::plan(const json* balances) const {
  if (!loaded_) return failure(Error(ErrorCode::invalid_op, "no graph loaded"));
  if (!balances) return write_plan(*card_, graph_, plan_, nullptr);
  auto b = parse_balances(*balances, "");
  if (!b) return failure(b.error());
  Projection p = project(graph_, plan_, *b);
  return write_plan(*card_, graph_, plan_, &p);
}

std::string PlanSession::reprice(int32_t index) {
  auto changed = reprice_from(*card_, graph_, plan_, index, true);
  if (!changed) return failure(changed.error());
  std::string out = "{\"changed\":[";
  for (size_t k = 0; k < changed->size(); ++k) {
    const int32_t i = (*changed)[k];
    const GraphNode& g = graph_.nodes[static_cast<size_t>(i)];
    const PlannedNode& n = plan_.nodes[static_cast<size_t>(i)];
    if (k) out += ',';
    if (n.error) write_failed_quote(out, &g.id, *n.error);
    else write_quote(out, &g.id, *g.prepared.model, n.price, n.breakdown, card_->version, g.skip ? &n.would_cost : nullptr);
  }
  out += "],\"ok\":true,\"priced\":";
  append_json_int(out, plan_.priced);
  write_plan_tail(out, *card_, plan_);
  return out;
}

Result<std::optional<std::vector<GraphEdge>>> PlanSession::read_inputs(const json& node) const {
  auto in = node.find("inputs");
  if (in == node.end()) return std::optional<std::vector<GraphEdge>>();
  if (!in->is_object() && !in->is_null())
    return Error(ErrorCode::invalid_param, "\"inputs\" must be an object of port -> node id", "/inputs");
  std::vector<GraphEdge> inputs;
  if (in->is_object())
    for (auto e = in->begin(); e != in->end(); ++e) {
      auto from = e.value().is_string() ? ids_.find(e.value().get<std::string>()) : ids_.end();
      if (from == ids_.end())
        return Error(ErrorCode::invalid_param, "no upstream node for input \"" + e.key() + "\"", pointer_join("/inputs", e.key()));
      inputs.push_back({e.key(), from->second});
    }
  return std::optional<std::vector<GraphEdge>>(std::move(inputs));
}

std::string PlanSession::update_node(const json& node) {
  if (!loaded_) return failure(Error(ErrorCode::invalid_op, "no graph loaded"));
  if (!node.is_object() || !node.contains("id") || !node["id"].is_string())
    return failure(Error(ErrorCode::invalid_param, "a node update needs the node's \"id\"", "/id"));
  auto it = ids_.find(node["id"].get<std::string>());
  if (it == ids_.end()) return failure(Error(ErrorCode::invalid_param, "no node \"" + node["id"].get<std::string>() + "\" in the plan", "/id"));
  const int32_t index = it->second;
  bool skip = graph_.nodes[static_cast<size_t>(index)].skip;
  if (auto s = node.find("skip"); s != node.end()) {
    if (!s->is_boolean()) return failure(Error(ErrorCode::invalid_param, "\"skip\" must be true or false", "/skip"));
    skip = s->get<bool>();
  }
  auto inputs = read_inputs(node);
  if (!inputs) return failure(inputs.error());
  Node typed = node_from_json(node);
  return apply_update(index, std::move(*inputs), skip, &typed);
}

std::string PlanSession::apply_update(int32_t index, std::optional<std::vector<GraphEdge>> inputs,
                                      bool skip, Node* node) {
  GraphNode& g = graph_.nodes[static_cast<size_t>(index)];
  // New edges first: if they close a cycle, the graph stays as it was and nothing is priced.
  if (inputs)
    if (Status s = set_node_inputs(graph_, index, std::move(*inputs)); !s)
      return failure(s.error());
  g.skip = skip;
  if (node) g.node = std::move(*node);
  return reprice(index);
}

// The update of node `to` that gives its node again with this one edge changed: its other
// edges stay, in port order, and a skip flag the node itself gave is given again.
std::string PlanSession::set_input(const std::string& to, const std::string& port, const std::string& from) {
  if (!loaded_) return failure(Error(ErrorCode::invalid_op, "no graph loaded"));
  auto it = ids_.find(to);
  if (it == ids_.end()) return failure(Error(ErrorCode::invalid_param, "no node \"" + to + "\" in the plan", "/to"));
  const int32_t index = it->second;
  const GraphNode& g = graph_.nodes[static_cast<size_t>(index)];
  std::vector<GraphEdge> inputs;
  for (const GraphEdge& e : g.inputs)
    if (e.port != port) inputs.push_back(e);
  if (!from.empty()) {
    auto up = ids_.find(from);
    if (up == ids_.end())
      return failure(Error(ErrorCode::invalid_param, "no upstream node for input \"" + port + "\"",
                           pointer_join("/inputs", port)));
    inputs.push_back({port, up->second});
  }
  heap_sort(inputs.begin(), inputs.end(), [](const GraphEdge& a, const GraphEdge& b) { return a.port < b.port; });
  bool skip = g.skip;
  if (g.node.skip && g.node.skip->kind == GivenValue::Kind::boolean) skip = g.node.skip->boolean;
  return apply_update(index, std::move(inputs), skip, nullptr);
}

}  // namespace credits
