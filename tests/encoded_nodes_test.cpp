// The fast path must agree with the JSON path on every node it prices, and hand back the rest.
#include "encoded_nodes.hpp"
#include "credits/quote.hpp"
#include "test_support.hpp"

namespace credits::testing {
namespace {

using nlohmann::json;

// Encodes a node as the JS package does; false when it would go the JSON way.
bool encode(const RateCard& card, const json& node, std::vector<double>& out) {
  if (!node.is_object() || !node.contains("model") || !node["model"].is_string()) return false;
  auto it = card.index.find(node["model"].get<std::string>());
  if (it == card.index.end()) return false;
  const Model& m = card.models[static_cast<size_t>(it->second)];
  std::vector<double> rec{static_cast<double>(it->second), 0};
  if (node.contains("params")) {
    if (!node["params"].is_object()) return false;
    for (auto p = node["params"].begin(); p != node["params"].end(); ++p) {
      const int32_t slot = m.param_index(p.key());
      if (slot < 0) return false;
      const ParamSpec& spec = m.params[static_cast<size_t>(slot)];
      double v;
      if (spec.type == ParamType::string) {
        if (!p->is_string()) return false;
        auto c = std::find(spec.choices.begin(), spec.choices.end(), p->get<std::string>());
        if (c == spec.choices.end()) return false;
        v = static_cast<double>(c - spec.choices.begin());
      } else if (spec.type == ParamType::boolean) {
        if (!p->is_boolean()) return false;
        v = p->get<bool>() ? 1 : 0;
      } else {
        if (!p->is_number_integer()) return false;
        v = static_cast<double>(p->get<int64_t>());
      }
      rec.push_back(slot);
      rec.push_back(v);
      rec[1] += 1;
    }
  }
  out.insert(out.end(), rec.begin(), rec.end());
  return true;
}

TEST(EncodedNodes, AgreeWithTheJsonPathOnTheGoldenCorpus) {
  std::stringstream ss(read_file("tests/golden/nodes.jsonl"));
  std::string line;
  std::vector<json> nodes;
  std::vector<double> stream;
  while (std::getline(ss, line)) {
    json n = json::parse(line);
    if (encode(*sample_card(), n, stream)) nodes.push_back(n);
  }
  ASSERT_GT(nodes.size(), 200u);  // decimal-string parameters and errors go the JSON way
  std::vector<double> out(3 * nodes.size());
  const size_t priced = price_encoded_nodes(*sample_card(), stream.data(), stream.size(), nodes.size(), out.data());
  size_t handed_back = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    json q = quote_json(*sample_card(), nodes[i]);
    if (out[3 * i] == 1) {
      ++handed_back;
      continue;
    }
    ASSERT_EQ(q["ok"], true) << nodes[i].dump();
    EXPECT_EQ(out[3 * i + 1], q["min"].get<double>()) << nodes[i].dump();
    EXPECT_EQ(out[3 * i + 2], q["max"].get<double>()) << nodes[i].dump();
  }
  EXPECT_EQ(priced + handed_back, nodes.size());
  EXPECT_GT(priced, 180u);
}

TEST(EncodedNodes, AnythingUnsettledIsHandedBack) {
  const RateCard& card = *test_card();
  const double vid = static_cast<double>(card.index.at("vid"));
  const double slot = static_cast<double>(card.find("vid")->param_index("duration_s"));
  std::vector<double> in{vid, 1, slot, 7,        // 7 s is not allowed
                         vid, 1, slot, 4.5,      // fractional
                         vid, 2, slot, 4, slot, 8,  // the same slot twice
                         vid, 0,                 // defaults: priced
                         99, 0};                 // no such model: the rest is handed back
  std::vector<double> out(15, -1);
  EXPECT_EQ(price_encoded_nodes(card, in.data(), in.size(), 5, out.data()), 1u);
  EXPECT_EQ(out[0], 1);
  EXPECT_EQ(out[3], 1);
  EXPECT_EQ(out[6], 1);
  EXPECT_EQ(out[9], 0);
  EXPECT_EQ(out[11], 40);
  EXPECT_EQ(out[12], 1);
}

}  // namespace
}  // namespace credits::testing
