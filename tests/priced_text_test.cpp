// priced_quote and priced_plan: the code of the error their text holds is the one they report,
// so the server answers with that code's status and never reads its own text back.

#include "credits/operation.hpp"
#include "credits/wire/plan_wire.hpp"
#include "test_support.hpp"

namespace credits::testing {
namespace {

using nlohmann::json;

std::vector<json> nodes_of(const std::string& relative) {
  std::vector<json> out;
  std::stringstream ss(read_file(relative));
  std::string line;
  while (std::getline(ss, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (auto j = parse_json_limited(line)) out.push_back(std::move(*j));
  }
  return out;
}

// The outcome the text itself states: nullopt for ok, else its error's code.
std::optional<ErrorCode> stated(const std::string& text) {
  const json j = json::parse(text);
  if (j.value("ok", false)) return std::nullopt;
  return parse_error_code(j["error"]["code"].get<std::string>());
}

void expect_same(const PricedText& got, const std::string& wire, const std::string& what) {
  EXPECT_EQ(got.text, wire) << what;
  EXPECT_EQ(got.error, stated(wire)) << what;
}

TEST(PricedText, QuotesAreQuoteWiresBytesWithTheirOutcome) {
  size_t failed = 0, total = 0;
  for (const char* file : {"tests/golden/nodes.jsonl", "tests/bad-input/nodes.jsonl"})
    for (const json& node : nodes_of(file)) {
      const PricedText got = priced_quote(*sample_card(), node);
      expect_same(got, quote_wire(*sample_card(), node), node.dump());
      failed += got.error.has_value();
      ++total;
    }
  EXPECT_GT(total, 300u);
  EXPECT_GT(failed, 20u);  // refusals of every kind, not only prices
}

TEST(PricedText, PlansArePlanWiresBytesWithTheirOutcome) {
  const json canvas = json::parse(read_file("demo/canvas.json"));
  const json balance = {{"subscription", 200}, {"wallet", 150}};
  const json bad_balance = {{"subscription", -1}, {"wallet", 0}};
  json inline_balance = canvas;
  inline_balance["balance"] = bad_balance;
  json cycle = {{"nodes",
                 {{{"id", "a"}, {"model", "veo-3"}, {"inputs", {{"video", "b"}}}},
                  {{"id", "b"}, {"model", "veo-3"}, {"inputs", {{"video", "a"}}}}}}};
  const json graphs[] = {canvas,        inline_balance, cycle,
                         json::array(), json("nodes"),  json::object()};
  for (const json& g : graphs) {
    expect_same(priced_plan(*sample_card(), g, nullptr), plan_wire(*sample_card(), g, nullptr),
                g.dump());
    for (const json* b : {&balance, &bad_balance})
      expect_same(priced_plan(*sample_card(), g, b), plan_wire(*sample_card(), g, b),
                  g.dump() + b->dump());
  }
  EXPECT_FALSE(priced_plan(*sample_card(), canvas, &balance).error.has_value());
  EXPECT_TRUE(priced_plan(*sample_card(), cycle, nullptr).error.has_value());
}

}  // namespace
}  // namespace credits::testing
