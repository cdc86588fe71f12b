// The typed path's WASM side, natively: records as web/src/encode.js writes them (model index,
// then (slot, value) pairs), priced by price_encoded_nodes. The mix is the kind of record no
// table answers (EncodedPricer): every model that has a parameter of a wide range (a duration in
// hundredths of a second, token counts), each parameter given a valid random value, three in
// four times, as web/test/random-nodes.js draws them.
//   EncodedContinuous   price_encoded_nodes over 4096 such records, one call per record
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>

#include "bench_support.hpp"
#include "encoded_nodes.hpp"

namespace credits::bench {
namespace {

constexpr size_t kRecords = 4096;  // a power of two: the loop indexes with a mask

double to_double(const Decimal& d) { return std::stod(d.to_string()); }

// A valid value of `p` as the JS package writes it, or NaN when the parameter is left out.
double random_value(const ParamSpec& p, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0, 1);
  if (unit(rng) < 0.25) return NAN;
  if (p.type == ParamType::string) return std::floor(unit(rng) * static_cast<double>(p.choices.size()));
  if (p.type == ParamType::boolean) return unit(rng) < 0.5 ? 0 : 1;
  if (!p.allowed.empty()) return to_double(p.allowed[static_cast<size_t>(unit(rng) * static_cast<double>(p.allowed.size()))]);
  const double lo = p.min ? to_double(*p.min) : 0, hi = p.max ? to_double(*p.max) : 1000;
  double v = lo + unit(rng) * (hi - lo);
  v = p.type == ParamType::integer ? std::round(v) : std::round(v * 100) / 100;
  if (p.step) v = lo + std::round((v - lo) / to_double(*p.step)) * to_double(*p.step);
  return v;
}

bool wide(const ParamSpec& p) {
  if (!p.is_numeric() || !p.allowed.empty()) return false;
  return p.type == ParamType::decimal || !p.min || !p.max || to_double(*p.max) - to_double(*p.min) >= 4096;
}

struct Records {
  std::vector<double> stream;
  std::vector<size_t> starts, lengths;
};

const Records& records() {
  static const Records r = [] {
    const RateCard& card = *sample_card();
    std::vector<size_t> models;
    for (size_t m = 0; m < card.models.size(); ++m)
      for (const ParamSpec& p : card.models[m].params)
        if (wide(p)) {
          models.push_back(m);
          break;
        }
    std::mt19937_64 rng(20261124);
    Records out;
    std::vector<double> priced(3);
    while (out.starts.size() < kRecords) {
      const size_t m = models[rng() % models.size()];
      std::vector<double> rec{static_cast<double>(m), 0};
      const Model& model = card.models[m];
      for (size_t s = 0; s < model.params.size(); ++s) {
        const double v = random_value(model.params[s], rng);
        if (std::isnan(v)) continue;
        rec.insert(rec.end(), {static_cast<double>(s), v});
        rec[1] += 1;
      }
      // Only records the engine prices (the random corpus's refusals go the JSON way in JS).
      if (price_encoded_nodes(card, rec.data(), rec.size(), 1, priced.data()) != 1) continue;
      out.starts.push_back(out.stream.size());
      out.lengths.push_back(rec.size());
      out.stream.insert(out.stream.end(), rec.begin(), rec.end());
    }
    return out;
  }();
  return r;
}

void BM_EncodedContinuous(benchmark::State& state) {
  const RateCard& card = *sample_card();
  const Records& r = records();
  PreparedNode scratch;
  double out[3];
  size_t i = 0;
  for (auto _ : state) {
    const size_t k = i++ & (kRecords - 1);
    benchmark::DoNotOptimize(price_encoded_nodes(card, r.stream.data() + r.starts[k], r.lengths[k], 1, out, scratch));
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_EncodedContinuous);

}  // namespace
}  // namespace credits::bench
