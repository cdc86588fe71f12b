// The incremental re-plan must always equal pricing the edited graph from scratch.
#include <random>

#include "credits/plan_session.hpp"
#include "test_support.hpp"

namespace credits::testing {
namespace {

using nlohmann::json;

json canvas() {
  return json::parse(R"({"nodes":[
    {"id":"v","model":"vid","params":{"duration_s":4}},
    {"id":"l","model":"lipsync","inputs":{"video":"v"}},
    {"id":"i","model":"img"},
    {"id":"u","model":"upscale","inputs":{"image":"i"}},
    {"id":"t","model":"tts"},
    {"id":"x","model":"transcribe","inputs":{"audio":"t"}}]})");
}

// The graph as the session now holds it, written out again.
json full_plan_of(const json& graph) { return plan_json(*test_card(), graph, nullptr); }

TEST(PlanSession, OneEditRepricesTheNodeAndWhatIsDownstreamOnly) {
  PlanSession s(test_card());
  json first = json::parse(s.load(canvas(), nullptr));
  ASSERT_EQ(first["ok"], true);
  json r = json::parse(s.update_node(json::parse(R"({"id":"v","model":"vid","params":{"duration_s":8}})")));
  ASSERT_EQ(r["ok"], true) << r.dump();
  ASSERT_EQ(r["changed"].size(), 2u);
  EXPECT_EQ(r["changed"][0]["credits"], 80);
  EXPECT_EQ(r["changed"][1]["id"], "l");
  EXPECT_EQ(r["changed"][1]["credits"], 8 * 19);
  json g = canvas();
  g["nodes"][0]["params"]["duration_s"] = 8;
  EXPECT_EQ(json::parse(s.plan(nullptr)), full_plan_of(g));
}

TEST(PlanSession, EdgeEditsAndCyclesAreHandled) {
  PlanSession s(test_card());
  s.load(canvas(), nullptr);
  // Feed the lip-sync from nothing: its duration becomes a range.
  json r = json::parse(s.set_input("l", "video", ""));
  ASSERT_EQ(r["ok"], true);
  EXPECT_EQ(r["changed"][0]["exact"], false);
  // An edge that needs a new run order: the lip-sync, listed after v, now feeds... v cannot take
  // a video, but an edge from a later node to an earlier one must still reorder.
  r = json::parse(s.set_input("v", "ref", "x"));
  ASSERT_EQ(r["ok"], true) << r.dump();
  json before = json::parse(s.plan(nullptr));
  r = json::parse(s.set_input("t", "loop", "x"));  // x reads t: a cycle
  EXPECT_EQ(r["ok"], false);
  EXPECT_EQ(json::parse(s.plan(nullptr)), before);  // refused and changed nothing
}

TEST(PlanSession, RandomEditsAlwaysEqualAFullPlan) {
  std::mt19937_64 rng(42);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  PlanSession s(test_card());
  json graph = canvas();
  s.load(graph, nullptr);
  const std::vector<std::string> ids{"v", "l", "i", "u", "t", "x"};
  for (int step = 0; step < 400; ++step) {
    const int n = pick(0, 5);
    json node = graph["nodes"][static_cast<size_t>(n)];
    switch (pick(0, 3)) {
      case 0:
        if (node["model"] == "vid") node["params"]["duration_s"] = std::array<int, 5>{4, 5, 6, 8, 7}[static_cast<size_t>(pick(0, 4))];
        if (node["model"] == "img") node["params"]["num_images"] = pick(0, 9);
        if (node["model"] == "tts") node["params"]["characters"] = pick(1, 500);
        break;
      case 1: node["skip"] = pick(0, 1) == 1; break;
      case 2: node["params"] = json::object(); break;
      default: {
        json inputs = node.contains("inputs") ? node["inputs"] : json::object();
        const std::string port = std::array<const char*, 3>{"video", "image", "audio"}[static_cast<size_t>(pick(0, 2))];
        if (pick(0, 2) == 0) inputs.erase(port);
        else inputs[port] = ids[static_cast<size_t>(pick(0, 5))];
        node["inputs"] = inputs;
      }
    }
    json r = json::parse(s.update_node(node));
    json candidate = graph;
    candidate["nodes"][static_cast<size_t>(n)] = node;
    json full = full_plan_of(candidate);
    ASSERT_EQ(r["ok"], full["ok"]) << node.dump() << "\n" << r.dump() << "\n" << full.dump();
    if (r["ok"].get<bool>()) graph = candidate;
    ASSERT_EQ(json::parse(s.plan(nullptr)), full_plan_of(graph)) << "after step " << step << ": " << node.dump();
  }
}

}  // namespace
}  // namespace credits::testing
