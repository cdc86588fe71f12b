// The typed path must agree with the JSON path on every node it prices (numbers and, when the
// breakdown is asked for, every byte of the quote), and hand back the rest.
#include "encoded_nodes.hpp"

#include <cmath>

#include "engine.hpp"

#include "credits/wire/quote_wire.hpp"
#include "test_support.hpp"

namespace credits::testing {
namespace {

using nlohmann::json;

// Encodes a node as the JS package does; false when it would go the JSON way.
// With `mark_unknown`, what the card does not know is marked as web/src/encode.js marks it
// (-1 for a model, a parameter or a choice, NaN for a number that is not one).
bool encode(const RateCard& card, const json& node, std::vector<double>& out, bool mark_unknown = false) {
  if (!node.is_object() || !node.contains("model") || !node["model"].is_string()) return false;
  if (node.contains("id") && (!node["id"].is_string() || !is_valid_id(node["id"].get<std::string>()))) return false;
  for (auto k = node.begin(); k != node.end(); ++k)
    if (k.key() != "id" && k.key() != "model" && k.key() != "params" && k.key() != "inputs" && k.key() != "skip") return false;
  auto it = card.index.find(node["model"].get<std::string>());
  if (it == card.index.end()) {
    if (!mark_unknown) return false;
    out.insert(out.end(), {-1.0, 0.0});
    return true;
  }
  const Model& m = card.models[static_cast<size_t>(it->second)];
  std::vector<double> rec{static_cast<double>(it->second), 0};
  if (node.contains("params") && !node["params"].is_null()) {
    if (!node["params"].is_object()) return false;
    for (auto p = node["params"].begin(); p != node["params"].end(); ++p) {
      const int32_t slot = m.param_index(p.key());
      if (slot < 0 && !mark_unknown) return false;
      if (slot < 0) {
        rec.insert(rec.end(), {-1.0, 0.0});
        rec[1] += 1;
        continue;
      }
      const ParamSpec& spec = m.params[static_cast<size_t>(slot)];
      double v;
      if (spec.type == ParamType::string) {
        if (!p->is_string() && !mark_unknown) return false;
        auto c = p->is_string() ? std::find(spec.choices.begin(), spec.choices.end(), p->get<std::string>()) : spec.choices.end();
        if (c == spec.choices.end() && !mark_unknown) return false;
        v = c == spec.choices.end() ? -1 : static_cast<double>(c - spec.choices.begin());
      } else if (spec.type == ParamType::boolean) {
        if (!p->is_boolean() && !mark_unknown) return false;
        v = p->is_boolean() ? (p->get<bool>() ? 1 : 0) : -1;
      } else if (p->is_string()) {
        return false;  // a decimal string: the JSON path reads it
      } else {
        // As JS holds it: a double; anything else not a number at all.
        if (!p->is_number() && !mark_unknown) return false;
        v = p->is_number() ? p->get<double>() : NAN;
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
  ASSERT_GT(nodes.size(), 200u);  // decimal-string parameters and mistyped values go the JSON way
  std::vector<double> out(3 * nodes.size());
  const size_t priced = price_encoded_nodes(*sample_card(), stream.data(), stream.size(), nodes.size(), out.data());
  size_t handed_back = 0, refused = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    json q = quote_json(*sample_card(), nodes[i]);
    if (out[3 * i] == 1) {
      ++handed_back;
      continue;
    }
    if (out[3 * i] == 2) {
      EXPECT_EQ(q["ok"], false) << nodes[i].dump();
      ++refused;
      continue;
    }
    ASSERT_EQ(q["ok"], true) << nodes[i].dump();
    EXPECT_EQ(out[3 * i + 1], q["min"].get<double>()) << nodes[i].dump();
    EXPECT_EQ(out[3 * i + 2], q["max"].get<double>()) << nodes[i].dump();
  }
  EXPECT_EQ(priced + handed_back + refused, nodes.size());
  EXPECT_GT(priced, 180u);
}

// Every record of the golden corpus, one at a time: the whole quote of a priced record is the
// bytes quote_wire writes for the node (with the id left out, as the JS package adds it).
TEST(EncodedNodes, QuoteOfARecordIsTheJsonPathsBytes) {
  std::stringstream ss(read_file("tests/golden/nodes.jsonl"));
  std::string line;
  size_t compared = 0;
  while (std::getline(ss, line)) {
    json n = json::parse(line);
    std::vector<double> rec;
    if (!encode(*sample_card(), n, rec)) continue;
    double out[3];
    if (price_encoded_nodes(*sample_card(), rec.data(), rec.size(), 1, out) != 1) continue;
    n.erase("id");
    EXPECT_EQ(quote_encoded_node(*sample_card(), rec.data(), rec.size()), quote_wire(*sample_card(), n)) << line;
    ++compared;
  }
  EXPECT_GT(compared, 180u);
}

// A fractional number is the decimal its shortest text spells, as the JSON path reads it:
// 4.27 s of lip-sync at 5 credits/s is 21.35, billed 22; never a binary approximation.
TEST(EncodedNodes, FractionalNumbersAreReadAsTheirDecimalText) {
  const RateCard& card = *sample_card();
  for (double d : {4.27, 0.1, 7.3, 12.05, 1e-7, 299.99}) {
    json node = {{"model", "sync-lipsync-2"}, {"params", {{"duration_s", d}}}};
    std::vector<double> rec;
    ASSERT_TRUE(encode(card, node, rec));
    double out[3];
    json q = quote_json(card, node);
    const size_t priced = price_encoded_nodes(card, rec.data(), rec.size(), 1, out);
    ASSERT_EQ(priced == 1, q["ok"] == true) << node.dump();
    if (!priced) continue;
    EXPECT_EQ(out[1], q["min"].get<double>()) << node.dump();
    EXPECT_EQ(out[2], q["max"].get<double>()) << node.dump();
    EXPECT_EQ(quote_encoded_node(card, rec.data(), rec.size()), quote_wire(card, node));
  }
}

TEST(EncodedNodes, RefusalsAndAnythingUnsettledAreHandedBack) {
  const RateCard& card = *test_card();
  const double vid = static_cast<double>(card.index.at("vid"));
  const double slot = static_cast<double>(card.find("vid")->param_index("duration_s"));
  const double res = static_cast<double>(card.find("vid")->param_index("resolution"));
  std::vector<double> in{vid, 1, slot, 7,           // 7 s is not allowed: refused
                         vid, 1, slot, 4.5,         // fractional, not in its list: refused
                         vid, 2, slot, 4, slot, 8,  // the same slot twice: not settled
                         vid, 0,                    // defaults: priced
                         -1, 0,                     // a model the card does not have: refused
                         vid, 1, -1, 0,             // an undeclared parameter: refused
                         vid, 1, res, -1,           // not one of its values: refused
                         vid, 1, slot, NAN,         // not a number: refused
                         99, 0};                    // no such model index: not settled
  std::vector<double> out(27, -1);
  EXPECT_EQ(price_encoded_nodes(card, in.data(), in.size(), 9, out.data()), 1u);
  std::vector<double> status;
  for (size_t i = 0; i < 9; ++i) status.push_back(out[3 * i]);
  EXPECT_EQ(status, (std::vector<double>{2, 2, 1, 0, 2, 2, 2, 2, 1}));
  EXPECT_EQ(out[11], 40);
  // Nor is a record it does not price quoted: the caller asks only about priced ones.
  EXPECT_EQ(quote_encoded_node(card, in.data(), 4), "");
  EXPECT_NE(quote_encoded_node(card, in.data() + 14, 2), "");
}

// Every refusal of the typed path is a refusal of the JSON path (so priceMany may report it
// without asking), checked on the golden corpus with unknown names encoded as the package does.
TEST(EncodedNodes, ARefusedRecordIsRefusedByTheJsonPath) {
  std::stringstream ss(read_file("tests/golden/nodes.jsonl"));
  std::string line;
  size_t refused = 0;
  while (std::getline(ss, line)) {
    json n = json::parse(line);
    std::vector<double> rec;
    if (!encode(*sample_card(), n, rec, true)) continue;
    double out[3];
    price_encoded_nodes(*sample_card(), rec.data(), rec.size(), 1, out);
    if (out[0] != 2) continue;
    ++refused;
    EXPECT_EQ(quote_json(*sample_card(), n)["ok"], false) << line;
  }
  EXPECT_GT(refused, 20u);
}

// A breakdown read after a card swap is explained on the card that priced the quote.
TEST(EncodedNodes, TheEngineQuotesARecordOnTheCardThatPricedIt) {
  Engine engine(read_file("demo/rate-card.json"));
  const int sample = engine.card_index();
  ASSERT_EQ(sample, 0);
  json node = {{"model", "veo-3"}, {"params", {{"duration_s", 8}}}};
  std::vector<double> rec;
  ASSERT_TRUE(encode(*sample_card(), node, rec));
  ASSERT_NE(json::parse(engine.load_rate_card(read_file("tests/data/test-card.json")))["ok"], false);
  EXPECT_EQ(engine.card_index(), 1);
  EXPECT_EQ(engine.quote_encoded(sample, rec.data(), rec.size()), quote_wire(*sample_card(), node));
  EXPECT_EQ(json::parse(engine.quote_encoded(7, rec.data(), rec.size()))["error"]["code"], "invalid_op");
  EXPECT_EQ(Engine().card_index(), -1);
}

// models() is written as text; it must be what nlohmann writes for the same value (keys in
// byte order, the same escapes), as it was when it was built as a nlohmann::json.
TEST(EncodedNodes, ModelsTextIsWhatNlohmannWrites) {
  for (const char* card : {"demo/rate-card.json", "tests/data/test-card.json"}) {
    const std::string text = Engine(read_file(card)).models();
    const json parsed = json::parse(text);
    EXPECT_EQ(to_wire(parsed), text) << card;
    EXPECT_EQ(parsed["ok"], true);
    EXPECT_EQ(parsed["models"][0]["params"].begin().value()["slot"].is_number_integer(), true);
  }
}

}  // namespace
}  // namespace credits::testing
