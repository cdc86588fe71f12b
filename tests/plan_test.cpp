// Plans (SPEC §3): upstream-derived quantities, skipped nodes, totals, projection.
#include "credits/wire/node_wire.hpp"
#include "credits/wire/plan_wire.hpp"
#include "test_support.hpp"

namespace credits::testing {
namespace {

nlohmann::json plan(const std::string& graph, const char* balance = nullptr) {
  nlohmann::json b = balance ? nlohmann::json::parse(balance) : nlohmann::json();
  return plan_json(*test_card(), nlohmann::json::parse(graph), balance ? &b : nullptr);
}

TEST(Plan, LipSyncIsPricedOnTheUpstreamVideosDuration) {
  auto p = plan(R"({"nodes":[
    {"id":"v","model":"vid","params":{"duration_s":6}},
    {"id":"l","model":"lipsync","inputs":{"video":"v"}}]})");
  ASSERT_EQ(p["ok"], true) << p.dump();
  EXPECT_EQ(p["nodes"][1]["credits"], 114);  // 6 s × 19
  EXPECT_EQ(p["total"]["credits"], 60 + 114);
  EXPECT_EQ(p["total"]["exact"], true);
}

TEST(Plan, UpscaleIsPricedOnTheUpstreamImagesMegapixels) {
  auto p = plan(R"({"nodes":[
    {"id":"i","model":"img","params":{"size":"2048x2048"}},
    {"id":"u","model":"upscale","inputs":{"image":"i"}}]})");
  EXPECT_EQ(p["nodes"][1]["credits"], 8);  // 4.194304 MP: 2 with 1 included, then ceil(3.19) = 4 × 1.5
}

TEST(Plan, AnUnknownUpstreamLengthMakesARange) {
  auto p = plan(R"({"nodes":[
    {"id":"t","model":"tts","params":{"characters":200}},
    {"id":"l","model":"lipsync","inputs":{"video":"t"}}]})");
  EXPECT_EQ(p["nodes"][1]["exact"], false);
  EXPECT_EQ(p["nodes"][1]["min"], 20);
  EXPECT_EQ(p["nodes"][1]["max"], 60 * 19);
  EXPECT_EQ(p["total"]["exact"], false);
  EXPECT_EQ(p["total"]["min"], 10 + 20);
}

TEST(Plan, SkippedNodesCostNothingButStillFeedDownstream) {
  auto p = plan(R"({"nodes":[
    {"id":"v","model":"vid","params":{"duration_s":8},"skip":true},
    {"id":"l","model":"lipsync","inputs":{"video":"v"}}]})");
  EXPECT_EQ(p["nodes"][0]["credits"], 0);
  EXPECT_EQ(p["nodes"][0]["skipped"], true);
  EXPECT_EQ(p["nodes"][0]["would_cost"]["max"], 80);
  EXPECT_EQ(p["total"]["credits"], 8 * 19);
  EXPECT_EQ(p["skipped"], 1);
}

TEST(Plan, UnpricedNodesAreCountedNotDropped) {
  auto p = plan(R"({"nodes":[
    {"id":"a","model":"vid"},
    {"id":"b","model":"nope"},
    {"id":"c","model":"vid","params":{"duration_s":3}}]})");
  EXPECT_EQ(p["priced"], 1);
  EXPECT_EQ(p["unpriced"], 2);
  EXPECT_EQ(p["total"]["exact"], false);
  EXPECT_EQ(p["total"]["min"], 40);
  EXPECT_EQ(p["nodes"][1]["error"]["code"], "unknown_model");
  EXPECT_EQ(p["nodes"][2]["error"]["path"], "/nodes/2/params/duration_s");
}

TEST(Plan, AnExactUpstreamValueTheParameterDoesNotTakeIsAnInputError) {
  // vid outputs 5 s; bucket takes 6 or 10 only. The error points at the edge, not a parameter.
  auto card = load_rate_card(R"({"version":"x","models":[
    {"id":"src","kind":"video","label":"S","params":{"d":{"type":"int","values":[5,6]}},"price":[{"type":"flat","credits":"1"}],
     "outputs":{"duration_s":{"param":"d"}}},
    {"id":"dst","kind":"lipsync","label":"D","params":{"d":{"type":"int","values":[6,10],"input":{"port":"video","output":"duration_s"}}},
     "price":[{"type":"per_unit","param":"d","rate":"1"}]}]})");
  ASSERT_TRUE(card.ok()) << card.error().message;
  auto p = plan_json(*card, nlohmann::json::parse(R"({"nodes":[{"id":"a","model":"src","params":{"d":5}},{"id":"b","model":"dst","inputs":{"video":"a"}}]})"), nullptr);
  EXPECT_EQ(p["nodes"][1]["error"]["path"], "/nodes/1/inputs/video");
  auto ok = plan_json(*card, nlohmann::json::parse(R"({"nodes":[{"id":"a","model":"src","params":{"d":6}},{"id":"b","model":"dst","inputs":{"video":"a"}}]})"), nullptr);
  EXPECT_EQ(ok["nodes"][1]["credits"], 6);
}

TEST(Plan, RunOrderPutsInputsFirst) {
  auto p = plan(R"({"nodes":[
    {"id":"l","model":"lipsync","inputs":{"video":"v"}},
    {"id":"x","model":"img"},
    {"id":"v","model":"vid"}]})");
  EXPECT_EQ(p["order"], nlohmann::json::parse(R"(["x","v","l"])"));
}

TEST(Plan, GraphShapeErrors) {
  EXPECT_EQ(plan(R"({"nodes":[{"id":"a","model":"vid"},{"id":"a","model":"vid"}]})")["error"]["path"], "/nodes/1/id");
  EXPECT_EQ(plan(R"({"nodes":[{"id":"a","model":"vid","inputs":{"video":"z"}}]})")["error"]["path"], "/nodes/0/inputs/video");
  auto cyc = plan(R"({"nodes":[{"id":"a","model":"lipsync","inputs":{"video":"b"}},{"id":"b","model":"lipsync","inputs":{"video":"a"}}]})");
  EXPECT_EQ(cyc["ok"], false);
  EXPECT_NE(cyc["error"]["message"].get<std::string>().find("cycle"), std::string::npos);
  EXPECT_EQ(plan(R"({"nodes":{}})")["ok"], false);
  EXPECT_EQ(plan(R"([])")["ok"], false);
}

TEST(Plan, ProjectionSplitsSubscriptionThenWalletAndFindsTheFirstUnaffordableNode) {
  const char* graph = R"({"nodes":[
    {"id":"a","model":"vid","params":{"duration_s":4}},
    {"id":"b","model":"vid","params":{"duration_s":8}},
    {"id":"c","model":"vid","params":{"duration_s":8}}]})";
  auto p = plan(graph, R"({"subscription":50,"wallet":100})");
  const auto& pr = p["projection"];
  EXPECT_EQ(pr["from_subscription"], 50);
  EXPECT_EQ(pr["from_wallet"], 70);
  EXPECT_EQ(pr["after"]["subscription"], 0);
  EXPECT_EQ(pr["after"]["wallet"], 30);
  EXPECT_EQ(pr["affordable"], false);
  EXPECT_EQ(pr["first_unaffordable"], "c");
  EXPECT_EQ(pr["shortfall"], 200 - 150);
  auto rich = plan(graph, R"({"subscription":500,"wallet":0})");
  EXPECT_EQ(rich["projection"]["affordable"], true);
  EXPECT_EQ(rich["projection"]["first_unaffordable"], nullptr);
  EXPECT_EQ(rich["projection"]["after"]["subscription"], 300);
  EXPECT_EQ(plan(graph, R"({"subscription":-1})")["ok"], false);
}

TEST(Plan, RepricingFromOneNodeEqualsPricingEverything) {
  auto graph_json = nlohmann::json::parse(R"({"nodes":[
    {"id":"v","model":"vid","params":{"duration_s":4}},
    {"id":"l","model":"lipsync","inputs":{"video":"v"}},
    {"id":"i","model":"img"}]})");
  auto graph = parse_graph(graph_json);
  ASSERT_TRUE(graph.ok());
  auto p = price_graph(*test_card(), *graph);
  graph->nodes[0].node = node_from_json(
      nlohmann::json::parse(R"({"id":"v","model":"vid","params":{"duration_s":8}})"));
  ASSERT_TRUE(reprice_from(*test_card(), *graph, *p, 0).ok());
  auto full = price_graph(*test_card(), *graph);
  EXPECT_EQ(plan_to_json(*test_card(), *graph, *p, nullptr), plan_to_json(*test_card(), *graph, *full, nullptr));
  EXPECT_EQ(p->total_max(), 80 + 8 * 19 + 4);
}

TEST(Plan, RepricingReturnsTheNodesPricedAgainInRunOrder) {
  // l is listed first but reads v: the run order is v, l; i is not downstream of v.
  auto graph = parse_graph(nlohmann::json::parse(R"({"nodes":[
    {"id":"l","model":"lipsync","inputs":{"video":"v"}},
    {"id":"v","model":"vid","params":{"duration_s":4}},
    {"id":"i","model":"img"}]})"));
  ASSERT_TRUE(graph.ok());
  auto p = price_graph(*test_card(), *graph);
  auto changed = reprice_from(*test_card(), *graph, *p, 1);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(*changed, (std::vector<int32_t>{1, 0}));
  EXPECT_FALSE(reprice_from(*test_card(), *graph, *p, 3).ok());
}

TEST(Plan, AnEditCannotWrapTheTotals) {
  // Each price fits in 64 bits, their sum need not: the written total holds at 2^63-1, and
  // taking a node out again (an edit) gives back the exact sum, not a wrapped one.
  Plan plan;
  plan.nodes.resize(3);
  for (PlannedNode& n : plan.nodes) n.price = Price{INT64_MAX - 1, INT64_MAX};
  for (int32_t i = 0; i < 3; ++i) count_planned_node(plan, i, +1);
  EXPECT_EQ(plan.total_max(), INT64_MAX);
  EXPECT_EQ(plan.total_min(), INT64_MAX);
  count_planned_node(plan, 0, -1);
  count_planned_node(plan, 1, -1);
  EXPECT_EQ(plan.total_max(), INT64_MAX);
  EXPECT_EQ(plan.total_min(), INT64_MAX - 1);
  EXPECT_EQ(plan.priced, 1);
}

TEST(Plan, EdgesThatCloseACycleLeaveTheGraphAsItWas) {
  auto graph = parse_graph(nlohmann::json::parse(R"({"nodes":[
    {"id":"v","model":"vid","params":{"duration_s":4}},
    {"id":"l","model":"lipsync","inputs":{"video":"v"}}]})"));
  ASSERT_TRUE(graph.ok());
  const std::vector<int32_t> order = graph->order;
  Status s = set_node_inputs(*graph, 0, {{"video", 1}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().path, "/nodes/0/inputs");
  EXPECT_TRUE(graph->nodes[0].inputs.empty());
  EXPECT_EQ(graph->order, order);
  EXPECT_EQ(graph->downstream[0], std::vector<int32_t>{1});
}

}  // namespace
}  // namespace credits::testing
