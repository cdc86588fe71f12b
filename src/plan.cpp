#include "credits/plan.hpp"

#include <algorithm>
#include <cassert>
#include <queue>
#include <utility>

#include "credits/money_split.hpp"
#include "heap_sort.hpp"

namespace credits {

namespace {

Error bad_graph(const std::string& path, std::string message) {
  return Error(ErrorCode::invalid_param, std::move(message), path);
}

Error prefixed(const Error& e, const std::string& prefix) {
  return Error(e.code, e.message, prefix + e.path);
}

// Sets parameters bound to an input port from the upstream node's output.
Status bind_inputs(const Graph& graph, const Plan& plan, int32_t index, PreparedNode& node) {
  const GraphNode& g = graph.nodes[static_cast<size_t>(index)];
  for (size_t s = 0; s < node.model->params.size(); ++s) {
    const ParamSpec& p = node.model->params[s];
    if (!p.input || node.given[s]) continue;
    for (const GraphEdge& e : g.inputs) {
      if (e.port != p.input->port) continue;
      if (plan.nodes[static_cast<size_t>(e.from)].error) break;  // unknown upstream: the declared range stays
      const PreparedNode& up = effective_node(graph, plan, e.from);
      auto input_path = [&] { return "/nodes/" + std::to_string(index) + "/inputs/" + pointer_escape(e.port); };
      const OutputSpec* out = up.model->output(p.input->output);
      if (!out) {
        return bad_graph(input_path(), graph.nodes[static_cast<size_t>(e.from)].id + " (" + up.model->id +
                                           ") produces no " + p.input->output + " for " + p.name);
      }
      Decimal lo, hi;
      if (out->param >= 0 && out->by_choice.empty()) {
        const ParamValue& v = up.values[static_cast<size_t>(out->param)];
        lo = v.lo, hi = v.hi;
      } else if (out->param >= 0) {
        lo = hi = out->by_choice[static_cast<size_t>(up.values[static_cast<size_t>(out->param)].choice)];
      } else {
        lo = *out->lo, hi = *out->hi;
      }
      if (Status st = bind_numeric(node, static_cast<int32_t>(s), lo, hi, ""); !st)
        return Error(st.error().code, st.error().message, input_path());
      break;
    }
  }
  return Ok{};
}

}  // namespace

const PreparedNode& effective_node(const Graph& graph, const Plan& plan, int32_t index) {
  const GraphNode& g = graph.nodes[static_cast<size_t>(index)];
  return g.has_bindings ? plan.nodes[static_cast<size_t>(index)].bound : g.prepared;
}

void prepare_graph_node(const RateCard& card, Graph& graph, int32_t index) {
  GraphNode& g = graph.nodes[static_cast<size_t>(index)];
  g.prepare_error.reset();
  g.has_bindings = false;
  auto prepared = prepare_node(card, g.node, "/nodes/" + std::to_string(index));
  if (!prepared) {
    g.prepare_error = prepared.error();
    g.prepared = PreparedNode{};
    return;
  }
  g.prepared = std::move(*prepared);
  for (size_t s = 0; s < g.prepared.model->params.size(); ++s)
    g.has_bindings = g.has_bindings || (g.prepared.model->params[s].input && !g.prepared.given[s]);
}

void prepare_graph(const RateCard& card, Graph& graph) {
  if (graph.prepared_with == &card) return;
  for (size_t i = 0; i < graph.nodes.size(); ++i) prepare_graph_node(card, graph, static_cast<int32_t>(i));
  graph.prepared_with = &card;
}

void price_graph_node(const RateCard& card, const Graph& graph, Plan& plan, int32_t index, bool with_breakdown) {
  (void)card;
  const GraphNode& g = graph.nodes[static_cast<size_t>(index)];
  PlannedNode& out = plan.nodes[static_cast<size_t>(index)];
  out.error.reset();
  out.breakdown.clear();
  out.price = out.would_cost = Price{};
  out.skipped = g.skip;
  if (g.prepare_error) {
    out.error = g.prepare_error;
    return;
  }
  const PreparedNode* node = &g.prepared;
  if (g.has_bindings) {
    // A working copy whose vectors keep their capacity from one pricing to the next.
    out.bound.model = g.prepared.model;
    out.bound.values = g.prepared.values;
    out.bound.given = g.prepared.given;
    if (Status s = bind_inputs(graph, plan, index, out.bound); !s) {
      out.error = s.error();
      return;
    }
    node = &out.bound;
  }
  auto price = price_node(*node, with_breakdown ? &out.breakdown : nullptr);
  if (!price) {
    out.error = prefixed(price.error(), "/nodes/" + std::to_string(index));
    return;
  }
  out.would_cost = *price;
  out.price = g.skip ? Price{} : *price;
}

namespace {

void total(Plan& plan) {
  plan.sum_min = plan.sum_max = 0;
  plan.priced = plan.unpriced = plan.skipped = 0;
  for (size_t i = 0; i < plan.nodes.size(); ++i) count_planned_node(plan, static_cast<int32_t>(i), +1);
}

}  // namespace

void count_planned_node(Plan& plan, int32_t index, int sign) {
  const PlannedNode& n = plan.nodes[static_cast<size_t>(index)];
  if (n.skipped) plan.skipped += sign;
  if (n.error) {
    plan.unpriced += sign;
  } else {
    plan.priced += sign;
    plan.sum_min += sign * static_cast<Plan::WideSum>(n.price.min);
    plan.sum_max += sign * static_cast<Plan::WideSum>(n.price.max);
  }
}

Status compute_run_order(Graph& g) {
  g.order.clear();
  // Kahn's algorithm, taking ready nodes in the order given so the run order is stable.
  std::vector<int32_t> pending(g.nodes.size());
  std::vector<std::vector<int32_t>>& downstream = g.downstream;
  downstream.assign(g.nodes.size(), {});
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (const auto& e : g.nodes[i].inputs) {
      ++pending[i];
      downstream[static_cast<size_t>(e.from)].push_back(static_cast<int32_t>(i));
    }
  // A min-heap of ready indices: ties go in the order the nodes were given.
  std::priority_queue<int32_t, std::vector<int32_t>, std::greater<int32_t>> ready;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (pending[i] == 0) ready.push(static_cast<int32_t>(i));
  while (!ready.empty()) {
    int32_t n = ready.top();
    ready.pop();
    g.order.push_back(n);
    for (int32_t d : downstream[static_cast<size_t>(n)])
      if (--pending[static_cast<size_t>(d)] == 0) ready.push(d);
  }
  if (g.order.size() != g.nodes.size()) {
    for (size_t i = 0; i < g.nodes.size(); ++i)
      if (pending[i] > 0)
        return bad_graph("/nodes/" + std::to_string(i) + "/inputs",
                         "the graph has a cycle through node \"" + g.nodes[i].id + "\"");
  }
  g.position.assign(g.nodes.size(), 0);
  for (size_t k = 0; k < g.order.size(); ++k) g.position[static_cast<size_t>(g.order[k])] = static_cast<int32_t>(k);
  return Ok{};
}

Status set_node_inputs(Graph& graph, int32_t index, std::vector<GraphEdge> inputs) {
  std::vector<GraphEdge> previous = std::exchange(graph.nodes[static_cast<size_t>(index)].inputs, std::move(inputs));
  Status ordered = compute_run_order(graph);
  if (!ordered) {
    graph.nodes[static_cast<size_t>(index)].inputs = std::move(previous);
    Status restored = compute_run_order(graph);  // the graph before the edit had no cycle
    assert(restored.ok());
    (void)restored;
  }
  return ordered;
}

Result<Plan> price_graph(const RateCard& card, Graph& graph, bool with_breakdown) {
  Plan plan;
  reprice_graph(card, graph, plan, with_breakdown);
  return plan;
}

void reprice_graph(const RateCard& card, Graph& graph, Plan& plan, bool with_breakdown) {
  prepare_graph(card, graph);
  plan.nodes.resize(graph.nodes.size());
  for (int32_t i : graph.order) price_graph_node(card, graph, plan, i, with_breakdown);
  total(plan);
}

namespace {

// Node `changed` and every node that reads, directly or not, its outputs: in run order.
std::vector<int32_t> downstream_of(const Graph& graph, int32_t changed) {
  std::vector<int32_t> affected{changed};
  std::vector<bool> seen(graph.nodes.size(), false);
  seen[static_cast<size_t>(changed)] = true;
  for (size_t k = 0; k < affected.size(); ++k)
    for (int32_t d : graph.downstream[static_cast<size_t>(affected[k])])
      if (!seen[static_cast<size_t>(d)]) {
        seen[static_cast<size_t>(d)] = true;
        affected.push_back(d);
      }
  heap_sort(affected.begin(), affected.end(), [&](int32_t a, int32_t b) {
    return graph.position[static_cast<size_t>(a)] < graph.position[static_cast<size_t>(b)];
  });
  return affected;
}

}  // namespace

Result<std::vector<int32_t>> reprice_from(const RateCard& card, Graph& graph, Plan& plan, int32_t changed,
                                          bool with_breakdown) {
  if (changed < 0 || static_cast<size_t>(changed) >= graph.nodes.size())
    return bad_graph("/nodes", "no node at index " + std::to_string(changed));
  if (plan.nodes.size() != graph.nodes.size()) return bad_graph("/nodes", "the plan does not belong to this graph");
  if (graph.prepared_with != &card) {
    reprice_graph(card, graph, plan, with_breakdown);
    return graph.order;
  }
  prepare_graph_node(card, graph, changed);
  std::vector<int32_t> affected = downstream_of(graph, changed);
  for (int32_t i : affected) {
    count_planned_node(plan, i, -1);
    price_graph_node(card, graph, plan, i, with_breakdown);
    count_planned_node(plan, i, +1);
  }
  return affected;
}

Projection project(const Graph& graph, const Plan& plan, const Balances& balances) {
  Projection p;
  p.before = balances;
  p.after = balances;
  for (int32_t i : graph.order) {
    const PlannedNode& n = plan.nodes[static_cast<size_t>(i)];
    if (n.error || n.price.max == 0) continue;
    // A ranged charge holds its maximum; split as the ledger's charge will split it.
    auto split = split_charge(p.after.subscription, p.after.wallet, n.price.max);
    if (!split) {
      p.first_unaffordable = i;
      break;
    }
    p.after.subscription -= split->subscription;
    p.after.wallet -= split->wallet;
    p.taken.subscription += split->subscription;
    p.taken.wallet += split->wallet;
  }
  const Credits available = balances.total();
  p.shortfall = plan.total_max() > available ? plan.total_max() - available : 0;
  return p;
}

}  // namespace credits
