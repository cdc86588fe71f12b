// The golden corpus: nodes in, the exact quote JSON out, for the shipped sample card. The same
// test runs in the native and the WebAssembly builds, so both must give these very bytes.
#include "credits/plan.hpp"
#include "credits/wire/quote_wire.hpp"
#include "test_support.hpp"

namespace credits::testing {
namespace {

std::vector<std::string> lines(const std::string& relative) {
  std::vector<std::string> out;
  std::stringstream ss(read_file(relative));
  std::string line;
  while (std::getline(ss, line))
    if (!line.empty()) out.push_back(line);
  return out;
}

TEST(Golden, EveryNodeQuotesToTheRecordedBytes) {
  auto nodes = lines("tests/golden/nodes.jsonl");
  auto quotes = lines("tests/golden/quotes.jsonl");
  ASSERT_GE(nodes.size(), 300u);
  ASSERT_EQ(nodes.size(), quotes.size());
  size_t ranged = 0, errors = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::string got = to_wire(quote_json(*sample_card(), nlohmann::json::parse(nodes[i])));
    ASSERT_EQ(got, quotes[i]) << "line " << i + 1 << ": " << nodes[i];
    ranged += got.find("\"exact\":false") != std::string::npos;
    errors += got.find("\"ok\":false") != std::string::npos;
  }
  EXPECT_GT(ranged, 10u);  // the corpus covers ranges and errors, not only exact prices
  EXPECT_GT(errors, 10u);
}

TEST(Golden, TheSampleCanvasPlansToTheRecordedBytes) {
  const auto canvas = nlohmann::json::parse(read_file("demo/canvas.json"));
  EXPECT_EQ(to_wire(plan_json(*sample_card(), canvas, nullptr)) + "\n", read_file("tests/golden/canvas-plan.json"));
  const auto balance = nlohmann::json::parse(R"({"subscription":200,"wallet":150})");
  EXPECT_EQ(to_wire(plan_json(*sample_card(), canvas, &balance)) + "\n",
            read_file("tests/golden/canvas-plan-projected.json"));
}

}  // namespace
}  // namespace credits::testing
