#include "credits/plan_session.hpp"

#include <algorithm>

#include "credits/json_text.hpp"
#include "credits/quote.hpp"

namespace credits {

using nlohmann::json;

namespace {
std::string failure(const Error& e) { return failure_wire(e); }
}  // namespace

PlanSession::PlanSession(std::shared_ptr<const RateCard> card) : card_(std::move(card)) {}

void PlanSession::index_graph() {
  const size_t n = graph_.nodes.size();
  ids_.clear();
  downstream_.assign(n, {});
  position_.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    ids_.emplace(graph_.nodes[i].id, static_cast<int32_t>(i));
    for (const auto& e : graph_.nodes[i].inputs) downstream_[static_cast<size_t>(e.from)].push_back(static_cast<int32_t>(i));
  }
  for (size_t k = 0; k < graph_.order.size(); ++k) position_[static_cast<size_t>(graph_.order[k])] = static_cast<int32_t>(k);
}

std::string PlanSession::load(const json& doc, const json* balances) {
  auto g = parse_graph(doc);
  if (!g) return failure(g.error());
  auto p = price_graph(*card_, *g);
  if (!p) return failure(p.error());
  graph_ = std::move(*g);
  plan_ = std::move(*p);
  index_graph();
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

void PlanSession::add_to_totals(const PlannedNode& n, const GraphNode& g, int sign) {
  if (g.skip) plan_.skipped += sign;
  if (n.error) {
    plan_.unpriced += sign;
    return;
  }
  plan_.priced += sign;
  plan_.total_min += sign * n.price.min;
  plan_.total_max += sign * n.price.max;
}

// Prices the changed node and everything reachable downstream of it, in run order.
std::string PlanSession::reprice(int32_t changed, bool reorder) {
  if (reorder) {
    // An edge changed: the canonical run order (which the projection follows) is rebuilt.
    std::vector<int32_t> previous = graph_.order;
    graph_.order.clear();
    if (Status s = compute_run_order(graph_); !s) {
      graph_.order = std::move(previous);
      return failure(s.error());
    }
    for (size_t k = 0; k < graph_.order.size(); ++k) position_[static_cast<size_t>(graph_.order[k])] = static_cast<int32_t>(k);
  }
  std::vector<int32_t> affected{changed};
  std::vector<bool> seen(graph_.nodes.size(), false);
  seen[static_cast<size_t>(changed)] = true;
  for (size_t k = 0; k < affected.size(); ++k)
    for (int32_t d : downstream_[static_cast<size_t>(affected[k])])
      if (!seen[static_cast<size_t>(d)]) {
        seen[static_cast<size_t>(d)] = true;
        affected.push_back(d);
      }
  std::sort(affected.begin(), affected.end(),
            [&](int32_t a, int32_t b) { return position_[static_cast<size_t>(a)] < position_[static_cast<size_t>(b)]; });
  std::string out = "{\"changed\":[";
  bool first = true;
  for (int32_t i : affected) {
    const GraphNode& g = graph_.nodes[static_cast<size_t>(i)];
    add_to_totals(plan_.nodes[static_cast<size_t>(i)], g, -1);
    price_graph_node(*card_, graph_, plan_, i, true);
    add_to_totals(plan_.nodes[static_cast<size_t>(i)], g, +1);
    const PlannedNode& n = plan_.nodes[static_cast<size_t>(i)];
    if (!first) out += ',';
    first = false;
    if (n.error) write_failed_quote(out, &g.id, *n.error);
    else write_quote(out, &g.id, *g.prepared.model, n.price, n.breakdown, card_->version, g.skip ? &n.would_cost : nullptr);
  }
  out += "],\"ok\":true,\"priced\":";
  append_json_int(out, plan_.priced);
  write_plan_tail(out, *card_, plan_);
  return out;
}

std::string PlanSession::update_node(const json& node) {
  if (!loaded_) return failure(Error(ErrorCode::invalid_op, "no graph loaded"));
  if (!node.is_object() || !node.contains("id") || !node["id"].is_string())
    return failure(Error(ErrorCode::invalid_param, "a node update needs the node's \"id\"", "/id"));
  auto it = ids_.find(node["id"].get<std::string>());
  if (it == ids_.end()) return failure(Error(ErrorCode::invalid_param, "no node \"" + node["id"].get<std::string>() + "\" in the plan", "/id"));
  const int32_t index = it->second;
  GraphNode& g = graph_.nodes[static_cast<size_t>(index)];
  bool skip = g.skip;
  if (auto s = node.find("skip"); s != node.end()) {
    if (!s->is_boolean()) return failure(Error(ErrorCode::invalid_param, "\"skip\" must be true or false", "/skip"));
    skip = s->get<bool>();
  }
  bool reorder = false;
  std::vector<GraphEdge> inputs = g.inputs;
  if (auto in = node.find("inputs"); in != node.end()) {
    if (!in->is_object() && !in->is_null()) return failure(Error(ErrorCode::invalid_param, "\"inputs\" must be an object of port -> node id", "/inputs"));
    inputs.clear();
    if (in->is_object())
      for (auto e = in->begin(); e != in->end(); ++e) {
        auto from = e.value().is_string() ? ids_.find(e.value().get<std::string>()) : ids_.end();
        if (from == ids_.end()) return failure(Error(ErrorCode::invalid_param, "no upstream node for input \"" + e.key() + "\"", pointer_join("/inputs", e.key())));
        inputs.push_back({e.key(), from->second});
      }
    reorder = true;
  }
  // Apply, re-price; the old state comes back if the new edges make a cycle.
  const GraphNode old = g;
  add_to_totals(plan_.nodes[static_cast<size_t>(index)], g, -1);
  g.skip = skip;
  g.spec = node;
  prepare_graph_node(*card_, graph_, index);
  add_to_totals(plan_.nodes[static_cast<size_t>(index)], g, +1);
  if (reorder) relink(index, std::move(inputs));
  std::string out = reprice(index, reorder);
  if (out.rfind("{\"error\"", 0) == 0) {
    GraphNode& now = graph_.nodes[static_cast<size_t>(index)];
    add_to_totals(plan_.nodes[static_cast<size_t>(index)], now, -1);
    const bool edges_changed = reorder;
    relink(index, old.inputs);
    now.skip = old.skip;
    now.spec = old.spec;
    prepare_graph_node(*card_, graph_, index);
    add_to_totals(plan_.nodes[static_cast<size_t>(index)], now, +1);
    reprice(index, edges_changed);
  }
  return out;
}

void PlanSession::relink(int32_t index, std::vector<GraphEdge> inputs) {
  GraphNode& g = graph_.nodes[static_cast<size_t>(index)];
  for (const auto& e : g.inputs) {
    auto& list = downstream_[static_cast<size_t>(e.from)];
    list.erase(std::find(list.begin(), list.end(), index));
  }
  g.inputs = std::move(inputs);
  for (const auto& e : g.inputs) downstream_[static_cast<size_t>(e.from)].push_back(index);
}

std::string PlanSession::set_input(const std::string& to, const std::string& port, const std::string& from) {
  if (!loaded_) return failure(Error(ErrorCode::invalid_op, "no graph loaded"));
  auto it = ids_.find(to);
  if (it == ids_.end()) return failure(Error(ErrorCode::invalid_param, "no node \"" + to + "\" in the plan", "/to"));
  const GraphNode& g = graph_.nodes[static_cast<size_t>(it->second)];
  json node = g.spec;
  json inputs = json::object();
  for (const auto& e : g.inputs) inputs[e.port] = graph_.nodes[static_cast<size_t>(e.from)].id;
  if (from.empty()) inputs.erase(port);
  else inputs[port] = from;
  node["inputs"] = inputs;
  return update_node(node);
}

}  // namespace credits
