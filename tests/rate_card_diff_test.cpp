// `credits diff` (SPEC §12): which models a new card adds, removes and changes, and which nodes
// it prices differently, on given nodes or on a sample over every model's domain.
#include "credits/wire/rate_card_diff.hpp"
#include "test_support.hpp"

namespace credits::testing {
namespace {

using nlohmann::json;

struct Cards {
  json from_doc, to_doc;
  std::shared_ptr<const RateCard> from, to;
};

json model_of(json& doc, const std::string& id) {
  for (json& m : doc["models"])
    if (m["id"] == id) return m;
  return nullptr;
}

// The test card, and a candidate: vid costs 12 a second instead of 10, img is relabelled only,
// tts is gone, "new-img" is added (a copy of img at twice the rate).
Cards candidate() {
  Cards c;
  c.from_doc = json::parse(read_file("tests/data/test-card.json"));
  c.to_doc = c.from_doc;
  c.to_doc["version"] = "test-2";
  json models = json::array();
  for (json m : c.to_doc["models"]) {
    if (m["id"] == "tts") continue;
    if (m["id"] == "vid") m["price"][0]["rate"] = "12";
    if (m["id"] == "img") m["label"] = "Images";
    models.push_back(m);
  }
  json added = model_of(c.from_doc, "img");
  added["id"] = "new-img";
  added["price"][0]["rate"] = "7";
  models.push_back(added);
  c.to_doc["models"] = models;
  auto from = load_rate_card(c.from_doc.dump());
  auto to = load_rate_card(c.to_doc.dump());
  EXPECT_TRUE(from.ok() && to.ok());
  c.from = std::make_shared<const RateCard>(std::move(*from));
  c.to = std::make_shared<const RateCard>(std::move(*to));
  return c;
}

json diff(const Cards& c, const std::vector<json>* nodes) {
  return json::parse(rate_card_diff_wire({*c.from, c.from_doc}, {*c.to, c.to_doc}, nodes));
}

TEST(RateCardDiff, ListsModelsAddedRemovedAndChangedAsWritten) {
  json d = diff(candidate(), nullptr);
  ASSERT_EQ(d["ok"], true) << d.dump();
  EXPECT_EQ(d["from"], "test-1");
  EXPECT_EQ(d["to"], "test-2");
  EXPECT_EQ(d["models"]["added"], json::array({"new-img"}));
  EXPECT_EQ(d["models"]["removed"], json::array({"tts"}));
  // A relabelled model is a change even though no price moves.
  EXPECT_EQ(d["models"]["changed"], json::array({"img", "vid"}));
}

TEST(RateCardDiff, GivenNodesListOnlyThoseWhosePriceChanges) {
  const std::vector<json> nodes = {
      json::parse(R"({"id":"a","model":"vid","params":{"duration_s":8,"resolution":"1080p"}})"),
      json::parse(R"({"id":"b","model":"img","params":{"num_images":2}})"),
      json::parse(R"({"id":"c","model":"tts","params":{"characters":1000}})"),
      json::parse(R"({"id":"d","model":"nope"})")};
  json d = diff(candidate(), &nodes);
  EXPECT_EQ(d["sampled"], false);
  EXPECT_EQ(d["compared"], 4);
  ASSERT_EQ(d["nodes"].size(), 2u) << d.dump();
  // 8 s × 10 × 1.5 = 120 before, 8 × 12 × 1.5 = 144 after.
  EXPECT_EQ(d["nodes"][0], json::parse(R"({"id":"a","model":"vid","new":{"max":144,"min":144},
      "old":{"max":120,"min":120},"params":{"duration_s":8,"resolution":"1080p"}})"));
  // A removed model: the new card cannot price the node.
  EXPECT_EQ(d["nodes"][1]["id"], "c");
  EXPECT_EQ(d["nodes"][1]["old"], json::parse(R"({"max":50,"min":50})"));
  EXPECT_TRUE(d["nodes"][1]["new"].is_null());
}

TEST(RateCardDiff, TheSampleCoversEveryChoiceOfEveryModelOfBothCards) {
  json d = diff(candidate(), nullptr);
  EXPECT_EQ(d["sampled"], true);
  std::set<std::string> models;
  int vid_nodes = 0;
  for (const json& n : d["nodes"]) {
    models.insert(n["model"].get<std::string>());
    vid_nodes += n["model"] == "vid";
  }
  EXPECT_EQ(models, (std::set<std::string>{"new-img", "tts", "vid"}));
  // vid at its defaults (720p, 4 s, no audio), then each other value of one parameter:
  // 1080p; 5, 6 and 8 s; audio.
  EXPECT_EQ(vid_nodes, 6);
}

TEST(RateCardDiff, SampleNodesAreValidNodesOfTheirModel) {
  for (const Model& m : sample_card()->models) {
    const std::vector<json> nodes = sample_nodes(m);
    ASSERT_FALSE(nodes.empty()) << m.id;
    for (const json& n : nodes) {
      EXPECT_TRUE(is_valid_id(n["id"].get<std::string>())) << n.dump();
      json q = quote_json(*sample_card(), n);
      EXPECT_EQ(q["ok"], true) << n.dump() << " " << q.dump();
    }
  }
}

TEST(RateCardDiff, TheSameCardChangesNothing) {
  Cards c = candidate();
  c.to = c.from;
  c.to_doc = c.from_doc;
  json d = diff(c, nullptr);
  EXPECT_EQ(d["nodes"], json::array());
  EXPECT_EQ(d["models"], json::parse(R"({"added":[],"changed":[],"removed":[]})"));
  // At least each model at its defaults was compared.
  EXPECT_GE(d["compared"].get<size_t>(), c.from->models.size());
}

}  // namespace
}  // namespace credits::testing
