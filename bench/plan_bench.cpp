// A 10,000-node canvas plan with edges (video -> lip-sync/upscale/sound, image -> upscale,
// voice -> talking face; about a third of the nodes have an input edge), parsed once:
//   PriceGraph_NoBreakdown   price_graph(card, graph, false)
//   RepriceGraph_NoBreakdown reprice_graph(card, graph, plan, false): the same, into an existing
//   plan PriceGraph_Breakdown     price_graph(card, graph, true) RepriceFrom_*            edit one
//   upstream node's params in graph.nodes[i].node, then
//                            reprice_from(card, graph, plan, i) (what a slider move costs)
//   PlanWire                 plan_wire(card, doc, nullptr): parse_graph + price + JSON text, for
//   scale
#include <benchmark/benchmark.h>

#include "bench_support.hpp"
#include "credits/wire/plan_wire.hpp"

namespace credits::bench {
namespace {

constexpr size_t kNodes = 10'000;

struct PlanData {
  json doc;
  Graph graph;
  size_t edges = 0;
  // The node the reprice benchmark edits: an upstream node with a downstream, and two valid
  // params objects to alternate between.
  int32_t changed = -1;
  std::vector<GivenParam> params[2];
};

PlanData make_plan_data() {
  PlanData d;
  d.doc = graph_doc(kNodes);
  auto g = parse_graph(d.doc);
  if (!g) die("graph does not parse: " + g.error().path + ": " + g.error().message);
  d.graph = std::move(*g);
  std::vector<bool> has_downstream(d.graph.nodes.size(), false);
  for (const auto& n : d.graph.nodes) {
    d.edges += n.inputs.size();
    for (const auto& e : n.inputs) has_downstream[static_cast<size_t>(e.from)] = true;
  }
  // Price once to check that every node prices: an unpriced node would take a shorter path.
  auto plan = price_graph(*sample_card(), d.graph, false);
  if (!plan || plan->unpriced != 0) die("the benchmark graph has unpriced nodes");
  // Edit an upstream video node in the middle of the canvas, so its downstream reprices too.
  const json& models = sample_card_json()["models"];
  for (size_t i = d.graph.nodes.size() / 2; i < d.graph.nodes.size() && d.changed < 0; ++i) {
    if (!has_downstream[i]) continue;
    const std::string model = d.graph.nodes[i].node.model;
    for (const json& m : models) {
      if (m["id"] != model || m.value("kind", "") != "video") continue;
      Rng rng(99);
      const std::vector<GivenParam>& original = d.graph.nodes[i].node.params;
      d.params[0] = original;
      for (int attempt = 0; attempt < 64; ++attempt) {
        json n = random_node(*sample_card(), m, d.graph.nodes[i].id, rng);
        std::vector<GivenParam> params = node_from_json(n).params;
        if (params != original) {
          d.params[1] = std::move(params);
          d.changed = static_cast<int32_t>(i);
          break;
        }
      }
    }
  }
  if (d.changed < 0) die("no upstream video node to edit");
  return d;
}

PlanData& data() {
  static PlanData d = make_plan_data();
  return d;
}

void plan_counters(benchmark::State& state) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kNodes));  // nodes priced/s
  state.counters["nodes"] = static_cast<double>(data().graph.nodes.size());
  state.counters["edges"] = static_cast<double>(data().edges);
}

void BM_PriceGraph_NoBreakdown(benchmark::State& state) {
  const RateCard& card = *sample_card();
  Graph& graph = data().graph;
  prepare_graph(card, graph);  // once per card, as parse + load does
  for (auto _ : state) {
    auto plan = price_graph(card, graph, false);
    benchmark::DoNotOptimize(plan);
  }
  plan_counters(state);
}
BENCHMARK(BM_PriceGraph_NoBreakdown)->Unit(benchmark::kMicrosecond);

// The steady state of a canvas: the whole graph priced again into the plan it already has.
void BM_RepriceGraph_NoBreakdown(benchmark::State& state) {
  const RateCard& card = *sample_card();
  Graph& graph = data().graph;
  Plan plan;
  reprice_graph(card, graph, plan, false);
  for (auto _ : state) {
    reprice_graph(card, graph, plan, false);
    benchmark::DoNotOptimize(plan.total_max());
    benchmark::ClobberMemory();
  }
  plan_counters(state);
}
BENCHMARK(BM_RepriceGraph_NoBreakdown)->Unit(benchmark::kMicrosecond);

void BM_PriceGraph_Breakdown(benchmark::State& state) {
  const RateCard& card = *sample_card();
  Graph& graph = data().graph;
  prepare_graph(card, graph);
  for (auto _ : state) {
    auto plan = price_graph(card, graph, true);
    benchmark::DoNotOptimize(plan);
  }
  plan_counters(state);
}
BENCHMARK(BM_PriceGraph_Breakdown)->Unit(benchmark::kMicrosecond);

void reprice(benchmark::State& state, bool with_breakdown) {
  const RateCard& card = *sample_card();
  PlanData& d = data();
  Graph& graph = d.graph;
  const int32_t i = d.changed;
  auto priced = price_graph(card, graph, with_breakdown);
  Plan plan = std::move(*priced);
  size_t flip = 0;
  for (auto _ : state) {
    graph.nodes[static_cast<size_t>(i)].node.params = d.params[++flip & 1];
    auto s = reprice_from(card, graph, plan, i, with_breakdown);
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(plan.total_max());
    benchmark::ClobberMemory();
  }
  if (plan.unpriced != 0) state.SkipWithError("reprice left unpriced nodes");
  graph.nodes[static_cast<size_t>(i)].node.params = d.params[0];  // leave the graph as parsed
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["nodes"] = static_cast<double>(graph.nodes.size());
  state.counters["downstream"] = static_cast<double>([&] {
    size_t n = 0;
    for (const auto& g : graph.nodes)
      for (const auto& e : g.inputs) n += e.from == i;
    return n;
  }());
}

void BM_RepriceFrom_Breakdown(benchmark::State& state) { reprice(state, true); }
BENCHMARK(BM_RepriceFrom_Breakdown)->Unit(benchmark::kMicrosecond);

void BM_RepriceFrom_NoBreakdown(benchmark::State& state) { reprice(state, false); }
BENCHMARK(BM_RepriceFrom_NoBreakdown)->Unit(benchmark::kMicrosecond);

void BM_PlanWire(benchmark::State& state) {
  const RateCard& card = *sample_card();
  const json& doc = data().doc;
  for (auto _ : state) {
    std::string out = plan_wire(card, doc, nullptr);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  plan_counters(state);
}
BENCHMARK(BM_PlanWire)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace credits::bench
