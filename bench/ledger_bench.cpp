// In-memory ledger charges per second. 64 users, each subscribed and topped up with 10^15
// credits, charge nodes from the realistic mix, every charge under a distinct idempotency key
// and at the correct quoted price (so every charge succeeds and takes the full path):
//   LedgerCharge          Ledger::charge(at, request), requests built up front
//   ApplyOperationCharge  apply_operation(ledger, op) with the op JSON objects built up front
//   ApplyLineCharge       apply_operation_text(ledger, text): one line in, one line out (the
//                         typed reader and the text writer, no JSON document)
//   ApplyLineChargeJson   apply_operation_line(ledger, text) + dump(): the nlohmann result
// Requests come from a pre-built pool; when a run uses up the pool's keys, the ledger is
// replaced by a fresh one outside the timing (PauseTiming, once per kPool charges).
#include <benchmark/benchmark.h>

#include "bench_support.hpp"
#include "credits/ledger.hpp"
#include "credits/operation.hpp"
#include "credits/wire/operation_text.hpp"
#include "credits/wire/plan_wire.hpp"

namespace credits::bench {
namespace {

constexpr size_t kPool = size_t{1} << 16;
constexpr int kUsers = 64;
const char* const kAt = "2026-11-24T10:00:00Z";

Timestamp at() {
  static const Timestamp t = *parse_timestamp(kAt);
  return t;
}

struct ChargeData {
  std::vector<ChargeRequest> requests;
  std::vector<json> ops;
  std::vector<std::string> lines;
  size_t ranged = 0;
};

const ChargeData& data() {
  static const ChargeData d = [] {
    ChargeData c;
    const RateCard& card = *sample_card();
    std::vector<json> mix = node_mix(1024, 1234);
    std::vector<Price> prices;
    for (const json& n : mix) {
      auto p = prepare_node(card, n, "");
      prices.push_back(*price_node(*p));
    }
    c.requests.reserve(kPool);
    c.ops.reserve(kPool);
    c.lines.reserve(kPool);
    for (size_t i = 0; i < kPool; ++i) {
      const json& node = mix[i % mix.size()];
      const Price& price = prices[i % mix.size()];
      ChargeRequest r;
      r.user = "u" + std::to_string(i % kUsers);
      r.key = "charge-" + std::to_string(i);
      r.node = node_from_json(node);
      r.quoted = price.max;
      if (!price.exact()) r.quoted_min = price.min, ++c.ranged;
      r.rate_card = card.version;
      json op = {{"op", "charge"}, {"at", kAt}, {"user", r.user}, {"key", r.key}, {"node", node},
                 {"rate_card", card.version}};
      op["quoted"] = price.exact() ? json(price.max) : json{{"min", price.min}, {"max", price.max}};
      c.lines.push_back(op.dump());
      c.ops.push_back(std::move(op));
      c.requests.push_back(std::move(r));
    }
    return c;
  }();
  return d;
}

std::unique_ptr<Ledger> funded_ledger() {
  auto ledger = std::make_unique<Ledger>(sample_card());
  for (int u = 0; u < kUsers; ++u) {
    const std::string user = "u" + std::to_string(u), payer = "user:" + user;
    bool ok = ledger->create_user(at(), user).ok() && ledger->subscribe(at(), payer, kMaxAmount, "").ok() &&
              ledger->top_up(at(), payer, kMaxAmount, "top-up-" + user, "").ok();
    if (!ok) die("cannot set up user " + user);
  }
  return ledger;
}

void charge_counters(benchmark::State& state) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["users"] = kUsers;
  state.counters["ranged_pct"] = 100.0 * static_cast<double>(data().ranged) / static_cast<double>(kPool);
}

// Runs `one(ledger, i)` per iteration, i counting 0..pool-1 over and over, with a fresh ledger
// each time it starts again (outside the timing); false from `one` ends the run with `error`.
template <typename F>
void run_pooled(benchmark::State& state, size_t pool, const char* error, F one) {
  auto ledger = funded_ledger();
  size_t i = 0;
  for (auto _ : state) {
    if (i == pool) {
      state.PauseTiming();
      ledger = funded_ledger();
      i = 0;
      state.ResumeTiming();
    }
    if (!one(*ledger, i++)) {
      state.SkipWithError(error);
      break;
    }
  }
  // The ledger is destroyed here, after the timed loop has ended.
}

template <typename F>
void run_charges(benchmark::State& state, F one) {
  data();
  run_pooled(state, kPool, "a charge was refused", one);
  charge_counters(state);
}

void BM_LedgerCharge(benchmark::State& state) {
  const auto& requests = data().requests;
  const Timestamp t = at();
  run_charges(state, [&](Ledger& ledger, size_t i) {
    auto r = ledger.charge(t, requests[i]);
    benchmark::DoNotOptimize(r);
    return r.ok() && !r->replayed;
  });
}
BENCHMARK(BM_LedgerCharge);

void BM_ApplyOperationCharge(benchmark::State& state) {
  const auto& ops = data().ops;
  run_charges(state, [&](Ledger& ledger, size_t i) {
    json r = apply_operation(ledger, ops[i]);
    benchmark::DoNotOptimize(r);
    return r["ok"].get<bool>();
  });
}
BENCHMARK(BM_ApplyOperationCharge);

void BM_ApplyLineCharge(benchmark::State& state) {
  const auto& lines = data().lines;
  run_charges(state, [&](Ledger& ledger, size_t i) {
    std::string out = apply_operation_text(ledger, lines[i]);
    benchmark::DoNotOptimize(out.data());
    return out.compare(0, 7, "{\"at\":\"") == 0;  // an accepted charge's first key; a refusal starts {"error"
  });
}
BENCHMARK(BM_ApplyLineCharge);

void BM_ApplyLineChargeJson(benchmark::State& state) {
  const auto& lines = data().lines;
  run_charges(state, [&](Ledger& ledger, size_t i) {
    json r = apply_operation_line(ledger, lines[i]);
    std::string out = r.dump();
    benchmark::DoNotOptimize(out.data());
    return r["ok"].get<bool>();
  });
}
BENCHMARK(BM_ApplyLineChargeJson);


// Run budgets (SPEC §11): one iteration is a whole run on one user's account: `reserve` of an
// 8-node graph (the ledger plans it), the 8 charges drawn from the hold, then `release`. Items
// are runs; `ops` counts the 10 operations of each. Typed calls, and the JSON Lines text path.
constexpr int kRunNodes = 8;
constexpr size_t kRuns = size_t{1} << 12;

struct RunData {
  json graph;
  std::vector<json> nodes;
  std::vector<Node> typed_nodes;  // the same nodes, as a charge request holds them
  std::vector<Price> prices;
};

const RunData& run_data() {
  static const RunData d = [] {
    RunData r;
    std::vector<json> mix = node_mix(kRunNodes, 99);
    r.graph = {{"nodes", json::array()}};
    for (int i = 0; i < kRunNodes; ++i) {
      json node = mix[static_cast<size_t>(i)];
      node["id"] = "n" + std::to_string(i);
      r.graph["nodes"].push_back(node);
      r.prices.push_back(*price_node(*prepare_node(*sample_card(), node, "")));
      r.typed_nodes.push_back(node_from_json(node));
      r.nodes.push_back(std::move(node));
    }
    return r;
  }();
  return d;
}

std::string run_line(const std::string& user, size_t run, int step) {
  const RunData& d = run_data();
  const std::string key = "run-" + std::to_string(run);
  if (step == 0)
    return json{{"op", "reserve"}, {"at", kAt}, {"user", user}, {"key", key}, {"graph", d.graph},
                {"rate_card", sample_card()->version}}
        .dump();
  if (step == kRunNodes + 1) return json{{"op", "release"}, {"at", kAt}, {"reservation", key}}.dump();
  const size_t n = static_cast<size_t>(step - 1);
  const Price& p = d.prices[n];
  json op = {{"op", "charge"}, {"at", kAt}, {"user", user}, {"key", key + "-" + std::to_string(n)},
             {"node", d.nodes[n]}, {"rate_card", sample_card()->version}, {"reservation", key}};
  op["quoted"] = p.exact() ? json(p.max) : json{{"min", p.min}, {"max", p.max}};
  return op.dump();
}

// One whole run per iteration, with a fresh ledger per kRuns runs.
template <typename F>
void run_runs(benchmark::State& state, F one) {
  run_pooled(state, kRuns, "a step of the run was refused", one);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["ops"] = benchmark::Counter(static_cast<double>(state.iterations()) * (kRunNodes + 2),
                                             benchmark::Counter::kIsRate);
}

void BM_ReservedRun(benchmark::State& state) {
  const RunData& d = run_data();
  const Timestamp t = at();
  run_runs(state, [&](Ledger& ledger, size_t run) {
    const std::string user = "u" + std::to_string(run % kUsers), key = "run-" + std::to_string(run);
    ReserveRequest req;
    req.user = user;
    req.key = key;
    req.graph = *parse_graph(d.graph);
    req.graph_text = d.graph.dump();
    req.rate_card = sample_card()->version;
    bool ok = ledger.reserve(t, std::move(req)).ok();
    for (size_t n = 0; ok && n < static_cast<size_t>(kRunNodes); ++n) {
      ChargeRequest c;
      c.user = user;
      c.key = key + "-" + std::to_string(n);
      c.node = d.typed_nodes[n];
      c.quoted = d.prices[n].max;
      if (!d.prices[n].exact()) c.quoted_min = d.prices[n].min;
      c.rate_card = sample_card()->version;
      c.reservation = key;
      ok = ledger.charge(t, std::move(c)).ok();
    }
    return ok && ledger.release(t, key).ok();
  });
}
BENCHMARK(BM_ReservedRun);

void BM_ReservedRunLines(benchmark::State& state) {
  std::vector<std::string> lines;
  for (size_t r = 0; r < kRuns; ++r)
    for (int s = 0; s < kRunNodes + 2; ++s) lines.push_back(run_line("u" + std::to_string(r % kUsers), r, s));
  run_runs(state, [&](Ledger& ledger, size_t run) {
    bool ok = true;
    for (size_t s = 0; s < static_cast<size_t>(kRunNodes + 2); ++s) {
      std::string out = apply_operation_text(ledger, lines[run * (kRunNodes + 2) + s]);
      ok = ok && out.find("\"ok\":true") != std::string::npos;
    }
    return ok;
  });
}
BENCHMARK(BM_ReservedRunLines);

}  // namespace
}  // namespace credits::bench
