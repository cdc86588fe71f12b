// Quotes (SPEC §1–§3): every block type, exactness, ranges, parameter errors, overflow.
#include "credits/wire/quote_wire.hpp"
#include "test_support.hpp"

namespace credits::testing {
namespace {

nlohmann::json quote(const std::string& node, std::shared_ptr<const RateCard> card = test_card()) {
  return quote_json(*card, nlohmann::json::parse(node));
}

int64_t credits_of(const std::string& node) {
  auto q = quote(node);
  EXPECT_TRUE(q["ok"].get<bool>()) << q.dump();
  EXPECT_TRUE(q["exact"].get<bool>()) << q.dump();
  return q.value("credits", int64_t{-1});
}

std::string error_path(const std::string& node, const std::string& code = "invalid_param") {
  auto q = quote(node);
  EXPECT_FALSE(q["ok"].get<bool>()) << q.dump();
  EXPECT_EQ(q["error"]["code"], code) << q.dump();
  return q["error"]["path"].get<std::string>();
}

TEST(Estimator, PerUnitWithMultipliers) {
  EXPECT_EQ(credits_of(R"({"model":"vid","params":{"duration_s":8,"resolution":"1080p","audio":true}})"), 240);
  EXPECT_EQ(credits_of(R"({"model":"vid"})"), 40);  // defaults: 4 s, 720p, no audio
}

TEST(Estimator, QuoteCarriesIdBreakdownAndVersion) {
  auto q = quote(R"({"id":"n7","model":"vid","params":{"duration_s":8,"resolution":"1080p"}})");
  EXPECT_EQ(q["id"], "n7");
  EXPECT_EQ(q["model"], "vid");
  EXPECT_EQ(q["rate_card"], "test-1");
  EXPECT_EQ(q["min"], 120);
  EXPECT_EQ(q["max"], 120);
  ASSERT_EQ(q["breakdown"].size(), 3u);
  EXPECT_EQ(q["breakdown"][0]["detail"], "8 s × 10");
  EXPECT_EQ(q["breakdown"][1]["effect"], "×1.5");
  EXPECT_EQ(q["breakdown"][2]["max"], "120");
}

TEST(Estimator, TableOfFixedBuckets) {
  EXPECT_EQ(credits_of(R"({"model":"bucket","params":{"resolution":"768p","duration_s":10}})"), 45);
  EXPECT_EQ(credits_of(R"({"model":"bucket","params":{"resolution":"1080p","duration_s":6}})"), 48);
}

TEST(Estimator, BandedMultiplier) {
  EXPECT_EQ(credits_of(R"({"model":"vup","params":{"fps":30,"duration_s":10}})"), 10);
  EXPECT_EQ(credits_of(R"({"model":"vup","params":{"fps":31,"duration_s":10}})"), 20);
  EXPECT_EQ(credits_of(R"({"model":"vup","params":{"fps":120,"duration_s":10}})"), 40);
}

TEST(Estimator, IncludedUnitsThenPerStartedStep) {
  EXPECT_EQ(credits_of(R"({"model":"upscale","params":{"megapixels":1}})"), 2);
  EXPECT_EQ(credits_of(R"({"model":"upscale","params":{"megapixels":1.01}})"), 4);   // 2 + ceil(0.01) × 1.5 = 3.5
  EXPECT_EQ(credits_of(R"({"model":"upscale","params":{"megapixels":"4.2"}})"), 8);  // 2 + 4 × 1.5
}

TEST(Estimator, PerStartedMinute) {
  EXPECT_EQ(credits_of(R"({"model":"transcribe","params":{"duration_s":60}})"), 1);   // 0.6
  EXPECT_EQ(credits_of(R"({"model":"transcribe","params":{"duration_s":61}})"), 2);   // 1.2
  EXPECT_EQ(credits_of(R"({"model":"transcribe","params":{"duration_s":600}})"), 6);
}

TEST(Estimator, AddOnsAndMaximumClamp) {
  EXPECT_EQ(credits_of(R"({"model":"char3d"})"), 20);
  EXPECT_EQ(credits_of(R"({"model":"char3d","params":{"pbr":true}})"), 30);
  EXPECT_EQ(credits_of(R"({"model":"char3d","params":{"pbr":true,"faces":60000}})"), 32);  // 35 clamped
}

TEST(Estimator, MinimumClamp) {
  EXPECT_EQ(credits_of(R"({"model":"lipsync","params":{"duration_s":1}})"), 20);  // 19 -> at least 20
  EXPECT_EQ(credits_of(R"({"model":"lipsync","params":{"duration_s":2}})"), 38);
}

TEST(Estimator, RoundsUpOnceAtTheEnd) {
  // 3 images × 3.5 = 10.5 -> 11; per-image rounding would give 12.
  EXPECT_EQ(credits_of(R"({"model":"img","params":{"num_images":3}})"), 11);
}

TEST(Estimator, TokensGiveARangeUntilTheRunDecides) {
  auto q = quote(R"({"model":"llm","params":{"input_tokens":2000,"max_output_tokens":4000}})");
  EXPECT_EQ(q["exact"], false);
  EXPECT_FALSE(q.contains("credits"));
  EXPECT_EQ(q["min"], 1);  // 0.25
  EXPECT_EQ(q["max"], 5);  // 0.25 + 4
  EXPECT_EQ(credits_of(R"({"model":"llm","params":{"input_tokens":2000,"output_tokens":1000}})"), 2);
}

TEST(Estimator, APriceThatDoesNotDependOnTheUnknownIsExact) {
  // lipsync with an unknown duration is a range, but a flat-priced model is exact whatever it is.
  auto q = quote(R"({"model":"lipsync"})");
  EXPECT_EQ(q["exact"], false);
  EXPECT_EQ(q["min"], 20);
  EXPECT_EQ(q["max"], 1140);
}

TEST(Estimator, ParameterErrorsPointAtTheParameter) {
  EXPECT_EQ(error_path(R"({"model":"vid","params":{"duration_s":7}})"), "/params/duration_s");
  EXPECT_EQ(error_path(R"({"model":"vid","params":{"duration_s":"four"}})"), "/params/duration_s");
  EXPECT_EQ(error_path(R"({"model":"vid","params":{"resolution":"4k"}})"), "/params/resolution");
  EXPECT_EQ(error_path(R"({"model":"vid","params":{"audio":1}})"), "/params/audio");
  EXPECT_EQ(error_path(R"({"model":"vid","params":{"seed":42}})"), "/params/seed");
  EXPECT_EQ(error_path(R"({"model":"img","params":{"num_images":2.5}})"), "/params/num_images");
  EXPECT_EQ(error_path(R"({"model":"img","params":{"num_images":-1}})"), "/params/num_images");
  EXPECT_EQ(error_path(R"({"model":"img","params":{"num_images":0}})"), "/params/num_images");
  EXPECT_EQ(error_path(R"({"model":"vid","params":[]})"), "/params");
  EXPECT_EQ(error_path(R"({"model":"sora-9"})", "unknown_model"), "/model");
  EXPECT_EQ(error_path(R"({"params":{}})"), "/model");
  EXPECT_EQ(error_path(R"({"model":"vid","colour":"red"})"), "/colour");
}

TEST(Estimator, HugeQuantitiesAreRejectedNotWrapped) {
  EXPECT_EQ(error_path(R"({"model":"lipsync","params":{"duration_s":1e15}})"), "/params/duration_s");
  EXPECT_EQ(error_path(R"({"model":"img","params":{"num_images":1099511627776}})"), "/params/num_images");
  EXPECT_EQ(error_path(R"({"model":"img","params":{"num_images":1e300}})"), "/params/num_images");
  EXPECT_EQ(error_path(R"({"model":"img","params":{"num_images":18446744073709551615}})"), "/params/num_images");
}

TEST(Estimator, OverflowInsideTheComputationIsAnError) {
  // A card whose rate × quantity leaves int64: the quote is refused, not wrapped.
  auto card = load_rate_card(R"({"version":"x","models":[{"id":"m","kind":"text","label":"M",
      "params":{"n":{"type":"int","min":0,"max":1000000000000000,"default":1000000000000000}},
      "price":[{"type":"per_unit","param":"n","rate":"100000"}]}]})");
  ASSERT_TRUE(card.ok());
  auto q = quote_json(*card, nlohmann::json::parse(R"({"model":"m"})"));
  EXPECT_EQ(q["ok"], false);
  EXPECT_EQ(q["error"]["code"], "invalid_param");
}

TEST(Estimator, FloatsAreReadByTheirDecimalText) {
  // 0.1 as a double is not 0.1; read by its text it is. 10 × 0.1 × ... stays exact.
  EXPECT_EQ(credits_of(R"({"model":"upscale","params":{"megapixels":0.1}})"), 2);
  EXPECT_EQ(credits_of(R"({"model":"lipsync","params":{"duration_s":1.1}})"), 21);  // 20.9
}

TEST(Estimator, ARangeUsesTheDefaultFactorOnlyWhereNoFactorCovers) {
  auto card = load_rate_card(R"({"version":"x","models":[{"id":"m","kind":"video","label":"M",
      "params":{"d":{"type":"int","min":0,"max":20,"decided_by_run":true},
                "e":{"type":"decimal","min":"0","max":"20","decided_by_run":true}},
      "price":[{"type":"flat","credits":"10"},
               {"type":"multiplier","param":"d","bands":[{"max":10,"factor":"2"},{"min":11,"factor":"3"}],"default":"1"},
               {"type":"multiplier","param":"e","bands":[{"max":10,"factor":"1"},{"min":11,"factor":"1"}],"default":"5"}]}]})");
  ASSERT_TRUE(card.ok()) << card.error().message;
  // d's bands cover every integer: ×2..3 without the default. e (a decimal) leaves (10, 11): ×1..5.
  auto q = quote_json(*card, nlohmann::json::parse(R"({"model":"m","params":{"e":5}})"));
  EXPECT_EQ(q["min"], 20);
  EXPECT_EQ(q["max"], 30);
  q = quote_json(*card, nlohmann::json::parse(R"({"model":"m","params":{"d":4}})"));
  EXPECT_EQ(q["min"], 20);
  EXPECT_EQ(q["max"], 100);
}

TEST(Estimator, ANodeNoTableRowPricesBlamesTheKeyThatHasNoRow) {
  auto card = load_rate_card(R"({"version":"x","models":[{"id":"m","kind":"video","label":"M",
      "params":{"resolution":{"type":"string","values":["720p","1080p"],"default":"720p"},
                "duration_s":{"type":"int","min":1,"max":10,"default":6}},
      "price":[{"type":"table","keys":["resolution","duration_s"],"rows":[
        {"when":{"resolution":"720p","duration_s":{"max":6}},"credits":"27"},
        {"when":{"resolution":"720p","duration_s":{"min":7}},"credits":"45"},
        {"when":{"resolution":"1080p","duration_s":{"max":6}},"credits":"48"}]}]}]})");
  ASSERT_TRUE(card.ok()) << card.error().message;
  auto q = quote_json(*card, nlohmann::json::parse(R"({"model":"m","params":{"resolution":"1080p","duration_s":10}})"));
  EXPECT_EQ(q["error"]["code"], "invalid_param");
  EXPECT_EQ(q["error"]["path"], "/params/duration_s");
}

TEST(Estimator, ClampSaysBothWhenARangeIsRaisedAndCut) {
  auto q = quote(R"({"model":"lipsync"})");  // 19..1140, at least 20
  EXPECT_EQ(q["breakdown"][1]["effect"], "at least 20");
}

}  // namespace
}  // namespace credits::testing
