// Shared helpers for the benchmarks: the sample rate card from the source tree, and
// deterministic generators of realistic nodes and canvas graphs built from the card itself
// (so they stay valid while the card's prices are tuned).
//
// Everything here runs outside the timed loops.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "credits/estimator.hpp"
#include "credits/node.hpp"
#include "credits/rate_card.hpp"
#include "credits/wire/node_wire.hpp"

namespace credits::bench {

using nlohmann::json;

[[noreturn]] inline void die(const std::string& message) {
  std::fprintf(stderr, "credits_bench: %s\n", message.c_str());
  std::exit(2);
}

inline std::string read_source_file(const std::string& relative) {
  const std::string path = std::string(CREDITS_SOURCE_DIR) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The sample card's text, read once.
inline const std::string& sample_card_text() {
  static const std::string text = read_source_file("demo/rate-card.json");
  return text;
}

// The sample card, loaded and validated once, shared by every benchmark.
inline std::shared_ptr<const RateCard> sample_card() {
  static const std::shared_ptr<const RateCard> card = [] {
    RateCardErrors all;
    auto loaded = load_rate_card(sample_card_text(), &all);
    if (!loaded) {
      std::string msg = "demo/rate-card.json does not load:";
      for (const auto& e : all.errors) msg += "\n  " + e.path + ": " + e.message;
      die(msg);
    }
    return std::make_shared<const RateCard>(std::move(*loaded));
  }();
  return card;
}

// The card as raw JSON: the generators read parameter domains from it.
inline const json& sample_card_json() {
  static const json raw = json::parse(sample_card_text());
  return raw;
}

// A small deterministic generator (splitmix64), so every run benchmarks the same inputs.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
  bool chance(int percent) { return below(100) < static_cast<uint64_t>(percent); }

 private:
  uint64_t s_;
};

inline double number_of(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return std::strtod(v.get_ref<const std::string&>().c_str(), nullptr);
  die("not a number in the card: " + v.dump());
}

// One random value within a parameter's declared domain, as a client would send it.
inline json random_value(const json& spec, Rng& rng) {
  const std::string type = spec.value("type", "int");
  if (spec.contains("values")) {
    const json& values = spec["values"];
    return values[rng.below(values.size())];
  }
  if (type == "bool") return rng.chance(50);
  const double lo = spec.contains("min") ? number_of(spec["min"]) : 0.0;
  double hi = spec.contains("max") ? number_of(spec["max"]) : lo + 100.0;
  if (spec.contains("step")) {
    const double step = number_of(spec["step"]);
    const auto steps = static_cast<uint64_t>(std::floor((hi - lo) / step + 1e-9));
    const double v = lo + static_cast<double>(rng.below(steps + 1)) * step;
    if (type == "int") return static_cast<int64_t>(std::llround(v));
    return v;
  }
  if (type == "int") {
    const auto a = static_cast<int64_t>(std::ceil(lo)), b = static_cast<int64_t>(std::floor(hi));
    return a + static_cast<int64_t>(rng.below(static_cast<uint64_t>(b - a + 1)));
  }
  // A decimal without a step: tenths within the range (5.5 s of video, 0.8 MP).
  const auto a = static_cast<int64_t>(std::ceil(lo * 10)), b = static_cast<int64_t>(std::floor(hi * 10));
  return static_cast<double>(a + static_cast<int64_t>(rng.below(static_cast<uint64_t>(b - a + 1)))) / 10.0;
}

// How often each kind of model appears in the mix: canvases are mostly video and image
// generation, then LLM calls and lip-sync.
inline int kind_weight(const std::string& kind) {
  if (kind == "video" || kind == "image") return 4;
  if (kind == "text" || kind == "lipsync") return 3;
  return 1;  // voice, audio, character, transcription
}

struct NodeOptions {
  // For a standalone quote, the client often knows an input-bound quantity (the upstream
  // clip's length) and sends it; in a graph the downstream value flows from the edge instead.
  int give_input_percent = 50;
  // Parameters with a default are set explicitly this often.
  int give_default_percent = 60;
};

// Params for one node of `model` (raw card JSON). Parameters bound to an input port are left
// out when `leave_inputs` is set; run-decided quantities (output tokens) are always left out,
// so LLM quotes are ranges as in real use.
inline json random_params(const json& model, Rng& rng, const NodeOptions& opt, bool leave_inputs) {
  json params = json::object();
  for (auto it = model["params"].begin(); it != model["params"].end(); ++it) {
    const json& spec = it.value();
    if (spec.value("decided_by_run", false)) continue;
    if (spec.contains("input")) {
      if (!leave_inputs && rng.chance(opt.give_input_percent)) params[it.key()] = random_value(spec, rng);
      continue;
    }
    if (!spec.contains("default") || rng.chance(opt.give_default_percent))
      params[it.key()] = random_value(spec, rng);
  }
  return params;
}

// Whether the engine accepts and prices the node (some combinations, such as a 10 s 1080p
// Hailuo clip, have no price on purpose).
inline bool prices(const RateCard& card, const json& node) {
  auto prepared = prepare_node(card, node, "");
  return prepared && price_node(*prepared).ok();
}

// A valid node of `model` with id `id`; tries a few parameter draws before giving up.
inline json random_node(const RateCard& card, const json& model, const std::string& id, Rng& rng,
                        const NodeOptions& opt = {}, bool leave_inputs = false) {
  for (int attempt = 0; attempt < 64; ++attempt) {
    json node = {{"id", id}, {"model", model["id"]}, {"params", random_params(model, rng, opt, leave_inputs)}};
    if (prices(card, node)) return node;
  }
  die("cannot draw a valid node of " + model["id"].get<std::string>());
}

// `count` realistic nodes over every model of the card, weighted by kind.
inline std::vector<json> node_mix(size_t count, uint64_t seed = 42) {
  const RateCard& card = *sample_card();
  const json& models = sample_card_json()["models"];
  std::vector<size_t> weighted;
  for (size_t m = 0; m < models.size(); ++m)
    for (int w = 0; w < kind_weight(models[m].value("kind", "")); ++w) weighted.push_back(m);
  Rng rng(seed);
  std::vector<json> nodes;
  nodes.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const json& model = models[weighted[rng.below(weighted.size())]];
    nodes.push_back(random_node(card, model, "n" + std::to_string(i), rng));
  }
  return nodes;
}

// The kinds of edge a canvas has: a generated video re-synced or upscaled, an image upscaled,
// a voice track driving a talking face.
struct Chain {
  std::vector<size_t> upstream;    // model indices (raw card) that produce the output
  std::vector<size_t> downstream;  // model indices with a parameter fed from the port
  std::string port;
};

inline std::vector<Chain> chains() {
  const json& models = sample_card_json()["models"];
  struct Want {
    const char* upstream_kind;
    const char* port;
  };
  const Want wants[] = {{"video", "video"}, {"image", "image"}, {"voice", "audio"}};
  std::vector<Chain> out;
  for (const Want& w : wants) {
    Chain c;
    c.port = w.port;
    std::string output;
    for (size_t m = 0; m < models.size(); ++m) {
      for (auto it = models[m]["params"].begin(); it != models[m]["params"].end(); ++it) {
        const json& spec = it.value();
        if (spec.contains("input") && spec["input"].value("port", "") == w.port) {
          c.downstream.push_back(m);
          output = spec["input"].value("output", "");
        }
      }
    }
    if (c.downstream.empty()) continue;
    for (size_t m = 0; m < models.size(); ++m) {
      const json& model = models[m];
      if (model.value("kind", "") != w.upstream_kind) continue;
      bool has_input = false;
      for (auto it = model["params"].begin(); it != model["params"].end(); ++it)
        has_input = has_input || it.value().contains("input");
      if (has_input || !model.contains("outputs") || !model["outputs"].contains(output)) continue;
      c.upstream.push_back(m);
    }
    if (!c.upstream.empty()) out.push_back(std::move(c));
  }
  if (out.empty()) die("the sample card has no models that can be chained");
  return out;
}

// A canvas graph of `count` nodes: repeating (upstream -> downstream, independent) triples, so
// about a third of the nodes have an edge; a few independent nodes are skipped (cached).
// Downstream nodes get their input-bound quantity from the edge.
inline json graph_doc(size_t count, uint64_t seed = 7) {
  const RateCard& card = *sample_card();
  const json& models = sample_card_json()["models"];
  const std::vector<Chain> cs = chains();
  std::vector<size_t> weighted;
  for (size_t m = 0; m < models.size(); ++m)
    for (int w = 0; w < kind_weight(models[m].value("kind", "")); ++w) weighted.push_back(m);
  Rng rng(seed);
  json nodes = json::array();
  size_t i = 0;
  auto id = [&] { return "n" + std::to_string(i++); };
  while (nodes.size() < count) {
    if (nodes.size() + 2 <= count) {
      const Chain& c = cs[rng.below(cs.size())];
      const json& up = models[c.upstream[rng.below(c.upstream.size())]];
      const json& down = models[c.downstream[rng.below(c.downstream.size())]];
      json u = random_node(card, up, id(), rng);
      json d = random_node(card, down, id(), rng, {}, /*leave_inputs=*/true);
      d["inputs"] = {{c.port, u["id"]}};
      nodes.push_back(std::move(u));
      nodes.push_back(std::move(d));
    }
    if (nodes.size() < count) {
      json n = random_node(card, models[weighted[rng.below(weighted.size())]], id(), rng);
      if (rng.chance(5)) n["skip"] = true;
      nodes.push_back(std::move(n));
    }
  }
  return json{{"nodes", std::move(nodes)}};
}

}  // namespace credits::bench
