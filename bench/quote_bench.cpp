// Quotes per second, one layer at a time, over the same mix of 1024 realistic nodes:
//   PriceNode_Fast          price_node(prepared)              the no-breakdown fast path
//   PriceNode_Breakdown     price_node(prepared, &breakdown)  with the explanation lines
//   PrepareAndPrice         prepare_node(json) + price_node   from an already parsed JSON node
//   QuoteText               quote_wire(card, json)            the full quote, written as text
//   QuoteWire               parse text + quote_wire           what the CLI/browser do per line
#include <benchmark/benchmark.h>

#include "bench_support.hpp"
#include "credits/operation.hpp"
#include "credits/wire/quote_wire.hpp"

namespace credits::bench {
namespace {

constexpr size_t kMix = 1024;  // a power of two: the loops index with a mask

struct QuoteData {
  std::vector<json> nodes;
  std::vector<std::string> texts;
  std::vector<PreparedNode> prepared;
  size_t exact = 0, ranged = 0;
};

const QuoteData& data() {
  static const QuoteData d = [] {
    QuoteData q;
    q.nodes = node_mix(kMix);
    const RateCard& card = *sample_card();
    for (const json& n : q.nodes) {
      q.texts.push_back(n.dump());
      auto p = prepare_node(card, n, "");
      if (!p) die("mix node does not prepare: " + n.dump());
      auto price = price_node(*p);
      if (!price) die("mix node does not price: " + n.dump());
      (price->exact() ? q.exact : q.ranged) += 1;
      q.prepared.push_back(std::move(*p));
    }
    return q;
  }();
  return d;
}

void mix_counters(benchmark::State& state) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["mix_nodes"] = static_cast<double>(kMix);
  state.counters["ranged"] = static_cast<double>(data().ranged);
}

void BM_PriceNode_Fast(benchmark::State& state) {
  const auto& nodes = data().prepared;
  size_t i = 0;
  for (auto _ : state) {
    auto price = price_node(nodes[i++ & (kMix - 1)]);
    benchmark::DoNotOptimize(price);
  }
  mix_counters(state);
}
BENCHMARK(BM_PriceNode_Fast);

void BM_PriceNode_Breakdown(benchmark::State& state) {
  const auto& nodes = data().prepared;
  size_t i = 0;
  for (auto _ : state) {
    std::vector<BreakdownLine> breakdown;
    auto price = price_node(nodes[i++ & (kMix - 1)], &breakdown);
    benchmark::DoNotOptimize(price);
    benchmark::DoNotOptimize(breakdown.data());
    benchmark::ClobberMemory();
  }
  mix_counters(state);
}
BENCHMARK(BM_PriceNode_Breakdown);

void BM_PrepareAndPrice(benchmark::State& state) {
  const RateCard& card = *sample_card();
  const auto& nodes = data().nodes;
  size_t i = 0;
  for (auto _ : state) {
    auto prepared = prepare_node(card, nodes[i++ & (kMix - 1)], "");
    auto price = price_node(*prepared);
    benchmark::DoNotOptimize(prepared);
    benchmark::DoNotOptimize(price);
  }
  mix_counters(state);
}
BENCHMARK(BM_PrepareAndPrice);

void BM_QuoteText(benchmark::State& state) {
  const RateCard& card = *sample_card();
  const auto& nodes = data().nodes;
  size_t i = 0;
  for (auto _ : state) {
    std::string q = quote_wire(card, nodes[i++ & (kMix - 1)]);
    benchmark::DoNotOptimize(q.data());
    benchmark::ClobberMemory();
  }
  mix_counters(state);
}
BENCHMARK(BM_QuoteText);

void BM_QuoteWire(benchmark::State& state) {
  const RateCard& card = *sample_card();
  const auto& texts = data().texts;
  size_t i = 0;
  for (auto _ : state) {
    auto node = parse_json_limited(texts[i++ & (kMix - 1)]);
    std::string out = quote_wire(card, *node);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  mix_counters(state);
}
BENCHMARK(BM_QuoteWire);

}  // namespace
}  // namespace credits::bench
