#include "credits/plan.hpp"

#include <algorithm>
#include <cassert>
#include <queue>
#include <utility>
#include <unordered_map>

#include "credits/json_text.hpp"
#include "credits/money_split.hpp"
#include "credits/quote.hpp"

namespace credits {

using nlohmann::json;

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
  auto prepared = prepare_node(card, g.spec, "/nodes/" + std::to_string(index));
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

Credits held_at_max(Plan::WideSum sum) { return sum > INT64_MAX ? INT64_MAX : static_cast<Credits>(sum); }

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
  plan.total_min = held_at_max(plan.sum_min);
  plan.total_max = held_at_max(plan.sum_max);
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

Result<Graph> parse_graph(const json& doc) {
  if (!doc.is_object()) return bad_graph("", "a plan takes a JSON object {\"nodes\": [...]}");
  for (auto it = doc.begin(); it != doc.end(); ++it)
    if (it.key() != "nodes" && it.key() != "balance" && it.key() != "run")
      return bad_graph(pointer_join("", it.key()), "unknown field \"" + it.key() + "\"");
  auto nodes = doc.find("nodes");
  if (nodes == doc.end() || !nodes->is_array()) return bad_graph("/nodes", "\"nodes\" must be an array");
  Graph g;
  std::unordered_map<std::string, int32_t> ids;
  g.nodes.resize(nodes->size());
  for (size_t i = 0; i < nodes->size(); ++i) {
    const json& n = (*nodes)[i];
    const std::string path = "/nodes/" + std::to_string(i);
    if (!n.is_object()) return bad_graph(path, "a node must be a JSON object");
    auto id = n.find("id");
    if (id == n.end() || !id->is_string() || id->get_ref<const std::string&>().empty())
      return bad_graph(path + "/id", "every node in a plan needs a string \"id\"");
    if (!is_valid_id(id->get_ref<const std::string&>())) return bad_graph(path + "/id", id_rule_message("id"));
    if (!ids.emplace(id->get<std::string>(), static_cast<int32_t>(i)).second)
      return bad_graph(path + "/id", "duplicate node id \"" + id->get<std::string>() + "\"");
    g.nodes[i].id = id->get<std::string>();
    g.nodes[i].spec = n;
    auto skip = n.find("skip");
    if (skip != n.end()) {
      if (!skip->is_boolean()) return bad_graph(path + "/skip", "\"skip\" must be true or false");
      g.nodes[i].skip = skip->get<bool>();
    }
  }
  // "run": the ids that will really run (changed, not cached); every other node is skipped.
  if (auto run = doc.find("run"); run != doc.end() && !run->is_null()) {
    if (!run->is_array()) return bad_graph("/run", "\"run\" lists the ids of the nodes that will run");
    std::vector<bool> runs(g.nodes.size(), false);
    for (size_t i = 0; i < run->size(); ++i) {
      const json& id = (*run)[i];
      auto found = id.is_string() ? ids.find(id.get<std::string>()) : ids.end();
      if (found == ids.end()) return bad_graph(pointer_join("/run", i), "no node with this id in the plan");
      runs[static_cast<size_t>(found->second)] = true;
    }
    for (size_t i = 0; i < g.nodes.size(); ++i) g.nodes[i].skip = g.nodes[i].skip || !runs[i];
  }
  for (size_t i = 0; i < nodes->size(); ++i) {
    const json& n = (*nodes)[i];
    auto inputs = n.find("inputs");
    if (inputs == n.end() || inputs->is_null()) continue;
    const std::string path = "/nodes/" + std::to_string(i) + "/inputs";
    if (!inputs->is_object()) return bad_graph(path, "\"inputs\" must be an object of port -> node id");
    for (auto it = inputs->begin(); it != inputs->end(); ++it) {
      const std::string ipath = pointer_join(path, it.key());
      if (!it.value().is_string()) return bad_graph(ipath, "an input names an upstream node id");
      auto up = ids.find(it.value().get<std::string>());
      if (up == ids.end()) return bad_graph(ipath, "no node \"" + it.value().get<std::string>() + "\" in this plan");
      g.nodes[i].inputs.push_back({it.key(), up->second});
    }
  }
  if (Status s = compute_run_order(g); !s) return s.error();
  return g;
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
  std::sort(affected.begin(), affected.end(), [&](int32_t a, int32_t b) {
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
  p.shortfall = plan.total_max > available ? plan.total_max - available : 0;
  return p;
}

Result<Balances> parse_balances(const json& j, const std::string& path) {
  if (!j.is_object()) return bad_graph(path, "balances are {\"subscription\": N, \"wallet\": N}");
  Balances b;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string p = pointer_join(path, it.key());
    Credits* field = it.key() == "subscription" ? &b.subscription : it.key() == "wallet" ? &b.wallet : nullptr;
    if (!field) return bad_graph(p, "unknown field \"" + it.key() + "\"");
    const std::optional<Credits> credits = json_amount(it.value());
    if (!credits) return bad_graph(p, it.key() + " must be whole credits between 0 and 10^15");
    *field = *credits;
  }
  return b;
}

std::string write_plan(const RateCard& card, const Graph& graph, const Plan& plan, const Projection* projection) {
  std::string out;
  out.reserve(256 + plan.nodes.size() * 400);
  out += "{\"nodes\":[";
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    const PlannedNode& n = plan.nodes[i];
    const GraphNode& g = graph.nodes[i];
    if (i) out += ',';
    if (n.error) write_failed_quote(out, &g.id, *n.error);
    else write_quote(out, &g.id, *g.prepared.model, n.price, n.breakdown, card.version, g.skip ? &n.would_cost : nullptr);
  }
  out += "],\"ok\":true,\"order\":[";
  for (size_t k = 0; k < graph.order.size(); ++k) {
    if (k) out += ',';
    append_json_string(out, graph.nodes[static_cast<size_t>(graph.order[k])].id);
  }
  out += "],\"priced\":";
  append_json_int(out, plan.priced);
  if (projection) {
    const Projection& p = *projection;
    auto balances = [&](const Balances& b) {
      out += "{\"subscription\":";
      append_json_int(out, b.subscription);
      out += ",\"wallet\":";
      append_json_int(out, b.wallet);
      out += '}';
    };
    out += ",\"projection\":{\"affordable\":";
    out += p.first_unaffordable ? "false" : "true";
    out += ",\"after\":";
    balances(p.after);
    out += ",\"before\":";
    balances(p.before);
    out += ",\"first_unaffordable\":";
    if (p.first_unaffordable) append_json_string(out, graph.nodes[static_cast<size_t>(*p.first_unaffordable)].id);
    else out += "null";
    out += ",\"from_subscription\":";
    append_json_int(out, p.taken.subscription);
    out += ",\"from_wallet\":";
    append_json_int(out, p.taken.wallet);
    out += ",\"shortfall\":";
    append_json_int(out, p.shortfall);
    out += '}';
  }
  write_plan_tail(out, card, plan);
  return out;
}

void write_plan_tail(std::string& out, const RateCard& card, const Plan& plan) {
  out += ",\"rate_card\":";
  append_json_string(out, card.version);
  out += ",\"skipped\":";
  append_json_int(out, plan.skipped);
  out += ",\"total\":";
  write_plan_total(out, plan);
  out += ",\"unpriced\":";
  append_json_int(out, plan.unpriced);
  out += '}';
}

void write_plan_total(std::string& out, const Plan& plan) {
  const bool exact = plan.unpriced == 0 && plan.total_min == plan.total_max;
  out += '{';
  if (exact) {
    out += "\"credits\":";
    append_json_int(out, plan.total_min);
    out += ',';
  }
  out += exact ? "\"exact\":true,\"max\":" : "\"exact\":false,\"max\":";
  append_json_int(out, plan.total_max);
  out += ",\"min\":";
  append_json_int(out, plan.total_min);
  out += '}';
}

std::string plan_wire(const RateCard& card, const json& doc, const json* balances) {
  auto fail = [](const Error& e) { return failure_wire(e); };
  auto graph = parse_graph(doc);
  if (!graph) return fail(graph.error());
  std::optional<Balances> b;
  // Balances may come with the call, or inside the document as "balance".
  const json* bj = balances;
  if (!bj && doc.contains("balance")) bj = &doc["balance"];
  if (bj) {
    auto parsed = parse_balances(*bj, balances ? "" : "/balance");
    if (!parsed) return fail(parsed.error());
    b = *parsed;
  }
  auto plan = price_graph(card, *graph);
  if (!plan) return fail(plan.error());
  if (!b) return write_plan(card, *graph, *plan, nullptr);
  Projection p = project(*graph, *plan, *b);
  return write_plan(card, *graph, *plan, &p);
}

}  // namespace credits
