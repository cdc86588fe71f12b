// The plan's JSON: the graph document read into a Graph (shape checked: ids, edges, "run",
// cycles), balances read, and the priced plan written as text, keys in byte order. The plan
// itself (pricing in run order, the projection) is typed and lives in plan.cpp.
#include "credits/wire/plan_wire.hpp"

#include <unordered_map>

#include "credits/wire/json_text.hpp"
#include "credits/wire/node_wire.hpp"
#include "credits/wire/quote_wire.hpp"

namespace credits {

using nlohmann::json;

namespace {

Error bad_graph(const std::string& path, std::string message) {
  return Error(ErrorCode::invalid_param, std::move(message), path);
}

}  // namespace

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
    g.nodes[i].node = node_from_json(n);
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
  const bool exact = plan.unpriced == 0 && plan.total_min() == plan.total_max();
  out += '{';
  if (exact) {
    out += "\"credits\":";
    append_json_int(out, plan.total_min());
    out += ',';
  }
  out += exact ? "\"exact\":true,\"max\":" : "\"exact\":false,\"max\":";
  append_json_int(out, plan.total_max());
  out += ",\"min\":";
  append_json_int(out, plan.total_min());
  out += '}';
}

PricedText priced_plan(const RateCard& card, const json& doc, const json* balances) {
  auto failed = [](const Error& e) { return PricedText{failure_wire(e), e.code}; };
  auto graph = parse_graph(doc);
  if (!graph) return failed(graph.error());
  std::optional<Balances> b;
  // Balances may come with the call, or inside the document as "balance".
  const json* bj = balances;
  if (!bj && doc.contains("balance")) bj = &doc["balance"];
  if (bj) {
    auto parsed = parse_balances(*bj, balances ? "" : "/balance");
    if (!parsed) return failed(parsed.error());
    b = *parsed;
  }
  auto plan = price_graph(card, *graph);
  if (!plan) return failed(plan.error());
  if (!b) return PricedText{write_plan(card, *graph, *plan, nullptr), std::nullopt};
  const Projection p = project(*graph, *plan, *b);
  return PricedText{write_plan(card, *graph, *plan, &p), std::nullopt};
}

std::string plan_wire(const RateCard& card, const json& doc, const json* balances) {
  return priced_plan(card, doc, balances).text;
}

}  // namespace credits
