// The binary form of a card (rate_card_binary.hpp) must give back the very card the JSON loader
// read: every field, compared one by one, for the sample card and the test card, and the golden
// corpus priced on the card read back gives the recorded bytes.
#include "credits/rate_card_binary.hpp"

#include "credits/wire/quote_wire.hpp"
#include "test_support.hpp"

namespace credits::testing {
namespace {

// Decimals compared by value and by text (the text is what breakdowns and models() print).
void same(const Decimal& a, const Decimal& b, const std::string& where) {
  EXPECT_TRUE(a == b) << where;
  EXPECT_EQ(a.to_string(), b.to_string()) << where;
}
void same(const std::optional<Decimal>& a, const std::optional<Decimal>& b,
          const std::string& where) {
  ASSERT_EQ(a.has_value(), b.has_value()) << where;
  if (a) same(*a, *b, where);
}
void same(const std::vector<Decimal>& a, const std::vector<Decimal>& b, const std::string& where) {
  ASSERT_EQ(a.size(), b.size()) << where;
  for (size_t i = 0; i < a.size(); ++i) same(a[i], b[i], where + "/" + std::to_string(i));
}
void same(const Match& a, const Match& b, const std::string& where) {
  EXPECT_EQ(a.choice, b.choice) << where;
  same(a.equals, b.equals, where + "/equals");
  same(a.lo, b.lo, where + "/lo");
  same(a.hi, b.hi, where + "/hi");
}

void same(const ParamSpec& a, const ParamSpec& b, const std::string& where) {
  EXPECT_EQ(a.name, b.name) << where;
  EXPECT_EQ(a.type, b.type) << where;
  EXPECT_EQ(a.label, b.label) << where;
  EXPECT_EQ(a.unit, b.unit) << where;
  EXPECT_EQ(a.choices, b.choices) << where;
  same(a.allowed, b.allowed, where + "/allowed");
  same(a.min, b.min, where + "/min");
  same(a.max, b.max, where + "/max");
  same(a.step, b.step, where + "/step");
  ASSERT_EQ(a.default_value.has_value(), b.default_value.has_value()) << where;
  if (a.default_value) {
    same(a.default_value->lo, b.default_value->lo, where + "/default");
    same(a.default_value->hi, b.default_value->hi, where + "/default");
    EXPECT_EQ(a.default_value->choice, b.default_value->choice) << where;
  }
  EXPECT_EQ(a.decided_by_run, b.decided_by_run) << where;
  EXPECT_EQ(a.max_from, b.max_from) << where;
  ASSERT_EQ(a.input.has_value(), b.input.has_value()) << where;
  if (a.input) {
    EXPECT_EQ(a.input->port, b.input->port) << where;
    EXPECT_EQ(a.input->output, b.input->output) << where;
  }
}

void same(const PriceBlock& a, const PriceBlock& b, const std::string& where) {
  EXPECT_EQ(a.type, b.type) << where;
  EXPECT_EQ(a.label, b.label) << where;
  same(a.credits, b.credits, where + "/credits");
  same(a.rate, b.rate, where + "/rate");
  same(a.output_rate, b.output_rate, where + "/output_rate");
  EXPECT_EQ(a.param, b.param) << where;
  EXPECT_EQ(a.output_param, b.output_param) << where;
  EXPECT_EQ(a.units.per_exponent, b.units.per_exponent) << where;
  same(a.units.step, b.units.step, where + "/units/step");
  same(a.included, b.included, where + "/included");
  EXPECT_EQ(a.keys, b.keys) << where;
  ASSERT_EQ(a.rows.size(), b.rows.size()) << where;
  for (size_t r = 0; r < a.rows.size(); ++r) {
    const std::string row = where + "/rows/" + std::to_string(r);
    ASSERT_EQ(a.rows[r].when.size(), b.rows[r].when.size()) << row;
    for (size_t k = 0; k < a.rows[r].when.size(); ++k)
      same(a.rows[r].when[k], b.rows[r].when[k], row);
    same(a.rows[r].credits, b.rows[r].credits, row);
  }
  ASSERT_EQ(a.factors.size(), b.factors.size()) << where;
  for (size_t f = 0; f < a.factors.size(); ++f) {
    same(a.factors[f].first, b.factors[f].first, where + "/factors");
    same(a.factors[f].second, b.factors[f].second, where + "/factors");
  }
  same(a.default_factor, b.default_factor, where + "/default_factor");
  same(a.when, b.when, where + "/when");
  same(a.min, b.min, where + "/min");
  same(a.max, b.max, where + "/max");
}

void same(const Model& a, const Model& b, const std::string& where) {
  EXPECT_EQ(a.id, b.id) << where;
  EXPECT_EQ(a.kind, b.kind) << where;
  EXPECT_EQ(a.label, b.label) << where;
  EXPECT_EQ(a.provider, b.provider) << where;
  EXPECT_EQ(a.list_price, b.list_price) << where;
  ASSERT_EQ(a.params.size(), b.params.size()) << where;
  for (size_t i = 0; i < a.params.size(); ++i)
    same(a.params[i], b.params[i], where + "/params/" + a.params[i].name);
  ASSERT_EQ(a.price.size(), b.price.size()) << where;
  for (size_t i = 0; i < a.price.size(); ++i)
    same(a.price[i], b.price[i], where + "/price/" + std::to_string(i));
  ASSERT_EQ(a.outputs.size(), b.outputs.size()) << where;
  for (size_t i = 0; i < a.outputs.size(); ++i) {
    const std::string out = where + "/outputs/" + a.outputs[i].name;
    EXPECT_EQ(a.outputs[i].name, b.outputs[i].name) << out;
    EXPECT_EQ(a.outputs[i].param, b.outputs[i].param) << out;
    same(a.outputs[i].by_choice, b.outputs[i].by_choice, out);
    same(a.outputs[i].lo, b.outputs[i].lo, out);
    same(a.outputs[i].hi, b.outputs[i].hi, out);
  }
}

void same(const RateCard& a, const RateCard& b) {
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.credit_value, b.credit_value);
  ASSERT_EQ(a.models.size(), b.models.size());
  for (size_t i = 0; i < a.models.size(); ++i)
    same(a.models[i], b.models[i], "/models/" + a.models[i].id);
  EXPECT_EQ(a.index, b.index);
}

RateCard round_trip(const RateCard& card) {
  auto back = read_rate_card_binary(write_rate_card_binary(card));
  EXPECT_TRUE(back.ok()) << (back.ok() ? "" : back.error().message);
  return back.ok() ? std::move(*back) : RateCard{};
}

TEST(RateCardBinary, TheSampleCardReadsBackFieldForField) {
  const RateCard back = round_trip(*sample_card());
  same(*sample_card(), back);
  EXPECT_EQ(write_rate_card_binary(back), write_rate_card_binary(*sample_card()));
}

TEST(RateCardBinary, TheTestCardReadsBackFieldForField) {
  same(*test_card(), round_trip(*test_card()));
}

TEST(RateCardBinary, DecimalsOfEveryLengthAndSignReadBackExactly) {
  RateCard card = *sample_card();
  ParamSpec& p = card.models[0].params[0];
  p.allowed.clear();
  for (const char* text : {"0", "-1", "0.5", "-0.0021", "123456789012.123456", "999999999999999999",
                           "0.123456789012345678", "-12345678901234567.8", "1000000000000000000000000"})
    p.allowed.push_back(*Decimal::parse(text));
  const RateCard back = round_trip(card);
  same(card, back);
  ASSERT_EQ(back.models[0].params[0].allowed.size(), 9u);
  EXPECT_EQ(back.models[0].params[0].allowed[8].to_string(), "1000000000000000000000000");
}

TEST(RateCardBinary, TheGoldenCorpusQuotesTheSameOnTheCardReadBack) {
  const RateCard back = round_trip(*sample_card());
  std::stringstream nodes(read_file("tests/golden/nodes.jsonl")),
      quotes(read_file("tests/golden/quotes.jsonl"));
  std::string node, quote;
  size_t n = 0;
  while (std::getline(nodes, node) && std::getline(quotes, quote)) {
    ASSERT_EQ(to_wire(quote_json(back, nlohmann::json::parse(node))), quote) << node;
    ++n;
  }
  EXPECT_GE(n, 300u);
}

TEST(RateCardBinary, IsSmallerThanTheCardsJson) {
  EXPECT_LT(write_rate_card_binary(*sample_card()).size(),
            read_file("demo/rate-card.json").size() / 2);
}

TEST(RateCardBinary, RefusesBytesItDidNotWrite) {
  const std::string bytes = write_rate_card_binary(*sample_card());
  EXPECT_FALSE(read_rate_card_binary("").ok());
  EXPECT_FALSE(read_rate_card_binary("{\"version\":\"x\"}").ok());
  EXPECT_FALSE(read_rate_card_binary(bytes + "x").ok());
  // Every truncation is refused, none reads past the end.
  for (size_t n = 0; n < bytes.size(); n += 97)
    EXPECT_FALSE(read_rate_card_binary(bytes.substr(0, n)).ok()) << n;
  EXPECT_TRUE(read_rate_card_binary(bytes).ok());
}

}  // namespace
}  // namespace credits::testing
