// credits_bench: Google Benchmark's main, plus the rate card the figures were taken with.
#include <benchmark/benchmark.h>

#include "bench_support.hpp"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const auto card = credits::bench::sample_card();
  benchmark::AddCustomContext("rate_card", "demo/rate-card.json version " + card->version + ", " +
                                               std::to_string(card->models.size()) + " models");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
