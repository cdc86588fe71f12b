// Loading validates everything and reports each problem with a JSON Pointer (SPEC §2).
#include "test_support.hpp"

namespace credits::testing {
namespace {

// A valid one-model card whose model JSON the tests then break in one place.
nlohmann::json base_card() {
  return nlohmann::json::parse(R"({
    "version": "v1",
    "models": [{
      "id": "m", "kind": "video", "label": "M",
      "params": {
        "resolution": {"type": "string", "values": ["720p", "1080p"], "default": "720p"},
        "duration_s": {"type": "int", "values": [4, 8], "default": 4}
      },
      "price": [
        {"type": "per_unit", "param": "duration_s", "rate": "0.5"},
        {"type": "multiplier", "param": "resolution", "factors": {"720p": "1", "1080p": "2"}}
      ]
    }]
  })");
}

std::vector<Error> errors_of(const nlohmann::json& card) {
  RateCardErrors all;
  auto r = load_rate_card(card.dump(), &all);
  EXPECT_FALSE(r.ok());
  return all.errors;
}

bool has_error(const std::vector<Error>& errors, const std::string& path) {
  for (const auto& e : errors)
    if (e.path == path) return true;
  std::string got;
  for (const auto& e : errors) got += e.path + " (" + e.message + ") ";
  ADD_FAILURE() << "no error at " << path << "; got: " << got;
  return false;
}

TEST(RateCard, TheTestCardAndTheSampleCardLoad) {
  ASSERT_NE(test_card(), nullptr);
  ASSERT_NE(sample_card(), nullptr);
  EXPECT_TRUE(load_rate_card(base_card().dump()).ok());
}

TEST(RateCard, UnknownKeysAreReported) {
  auto c = base_card();
  c["models"][0]["colour"] = "red";
  c["models"][0]["price"][0]["rat"] = "1";
  auto e = errors_of(c);
  has_error(e, "/models/0/colour");
  has_error(e, "/models/0/price/0/rat");
}

TEST(RateCard, UnknownBlockTypeIsReported) {
  auto c = base_card();
  c["models"][0]["price"][0]["type"] = "per_frame";
  has_error(errors_of(c), "/models/0/price/0/type");
}

TEST(RateCard, BlockReadingAnUndeclaredParameterIsReported) {
  auto c = base_card();
  c["models"][0]["price"][0]["param"] = "fps";
  has_error(errors_of(c), "/models/0/price/0/param");
}

TEST(RateCard, EnumValueThatIsNotAllowedIsReported) {
  auto c = base_card();
  c["models"][0]["price"][1]["factors"]["4k"] = "3";
  has_error(errors_of(c), "/models/0/price/1/factors/4k");
  auto d = base_card();
  d["models"][0]["params"]["resolution"]["default"] = "480p";
  has_error(errors_of(d), "/models/0/params/resolution/default");
}

TEST(RateCard, NegativeOrMalformedRatesAreReported) {
  for (auto bad : {nlohmann::json("-1"), nlohmann::json(-1), nlohmann::json("1,5"), nlohmann::json("1e3"),
                   nlohmann::json(0.5), nlohmann::json(true), nlohmann::json("")}) {
    auto c = base_card();
    c["models"][0]["price"][0]["rate"] = bad;
    has_error(errors_of(c), "/models/0/price/0/rate");
  }
}

TEST(RateCard, DuplicateModelIdsAreReported) {
  auto c = base_card();
  c["models"].push_back(c["models"][0]);
  has_error(errors_of(c), "/models/1/id");
}

TEST(RateCard, IncompleteTablesAndMissingFactorsAreReported) {
  auto c = base_card();
  c["models"][0]["price"] = nlohmann::json::parse(R"([{"type":"table","keys":["resolution","duration_s"],"rows":[
      {"when":{"resolution":"720p","duration_s":4},"credits":"1"},
      {"when":{"resolution":"720p","duration_s":8},"credits":"2"},
      {"when":{"resolution":"1080p","duration_s":4},"credits":"3"}]}])");
  auto e = errors_of(c);
  ASSERT_TRUE(has_error(e, "/models/0/price/0/rows"));
  EXPECT_NE(e[0].message.find("resolution=1080p, duration_s=8"), std::string::npos) << e[0].message;
  auto d = base_card();
  d["models"][0]["price"][1]["factors"].erase("1080p");
  has_error(errors_of(d), "/models/0/price/1");
}

TEST(RateCard, AnIncompleteTableIsReportedEvenAfterAnUnrelatedError) {
  auto c = base_card();
  c["models"][0]["kind"] = "hologram";
  c["models"][0]["price"] = nlohmann::json::parse(R"([{"type":"table","keys":["resolution"],"rows":[
      {"when":{"resolution":"720p"},"credits":"1"}]}])");
  auto e = errors_of(c);
  has_error(e, "/models/0/kind");
  has_error(e, "/models/0/price/0/rows");
}

TEST(RateCard, FreeTextFieldsMustBeText) {
  auto c = base_card();
  c["models"][0]["notes"] = 42;
  has_error(errors_of(c), "/models/0/notes");
}

TEST(RateCard, PerMustBeAPowerOfTenSoRatesStayExact) {
  auto c = base_card();
  c["models"][0]["price"][0]["per"] = "60";
  has_error(errors_of(c), "/models/0/price/0/per");
}

TEST(RateCard, EveryProblemIsReportedNotJustTheFirst) {
  auto c = base_card();
  c["models"][0]["kind"] = "hologram";
  c["models"][0]["price"][0]["rate"] = "-2";
  c["extra"] = 1;
  EXPECT_GE(errors_of(c).size(), 3u);
}

TEST(RateCard, NotJsonIsInvalidJson) {
  auto r = load_rate_card("{\"version\": ");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::invalid_json);
}

}  // namespace
}  // namespace credits::testing
