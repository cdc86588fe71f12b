// The typed node and usage (credits/node.hpp) against the JSON they replace: the same equality
// (a retry of the same content replays), the same bytes written back, and the charge line's
// fast reader giving the node the full reader gives.
#include "credits/wire/node_wire.hpp"

#include <gtest/gtest.h>

#include "credits/operation.hpp"
#include "credits/wire/operation_text.hpp"
#include "test_support.hpp"

namespace credits {
namespace {

using nlohmann::json;
using testing::quote_json;
using testing::test_card;

TEST(GivenValue, ComparesAsNlohmannDoes) {
  const char* values[] = {"null",
                          "true",
                          "false",
                          "0",
                          "-0.0",
                          "0.0",
                          "4",
                          "4.0",
                          "4.5",
                          "-1",
                          "18446744073709551615",
                          "9007199254740993",
                          "9007199254740992",
                          "9007199254740992.0",
                          "\"4\"",
                          "\"\"",
                          "[]",
                          "{}",
                          "[1,2]",
                          "[1,2.0]",
                          "[2,1]",
                          "{\"a\":1,\"b\":[true]}",
                          "{\"b\":[true],\"a\":1.0}",
                          "{\"a\":1}",
                          "[null]",
                          "[[{}]]"};
  for (const char* a : values)
    for (const char* b : values) {
      const json ja = json::parse(a), jb = json::parse(b);
      EXPECT_EQ(given_from_json(ja) == given_from_json(jb), ja == jb) << a << " vs " << b;
      EXPECT_EQ(to_wire(given_to_json(given_from_json(ja))), to_wire(ja)) << a;
    }
}

TEST(Node, ReadsEveryFieldAndFindsTheFirstFaultInPrepareOrder) {
  auto node = [](const char* text) { return node_from_json(json::parse(text)); };
  EXPECT_EQ(node("5").fault, NodeFault::not_object);
  EXPECT_EQ(node(R"({"zeta":1,"id":7,"alpha":2})").fault, NodeFault::unknown_field);
  EXPECT_EQ(node(R"({"zeta":1,"id":7,"alpha":2})").unknown_field, "alpha");
  EXPECT_EQ(node(R"({"id":"a b","model":"vid"})").fault, NodeFault::bad_id);
  EXPECT_EQ(node(R"({"id":"a b","model":"vid"})").id, "a b");  // a reservation names it as given
  EXPECT_EQ(node(R"({"id":"a","model":3})").fault, NodeFault::bad_model);
  const Node n =
      node(R"({"id":"a","model":"vid","params":{"z":1.0,"a":"x"},"inputs":{"p":[1]},"skip":true})");
  EXPECT_EQ(n.fault, NodeFault::none);
  ASSERT_EQ(n.params.size(), 2u);
  EXPECT_EQ(n.params[0].name, "a");
  EXPECT_EQ(to_wire(params_to_json(n.params)), R"({"a":"x","z":1.0})");
  EXPECT_TRUE(n.inputs && n.skip);
  // Content no accepted node has never matches one.
  EXPECT_FALSE(
      same_node(node(R"({"model":"vid","params":5})"), node(R"({"model":"vid","params":5})")));
  EXPECT_TRUE(same_node(
      n,
      node(
          R"({"skip":true,"inputs":{"p":[1.0]},"params":{"a":"x","z":1},"model":"vid","id":"a"})")));
  EXPECT_FALSE(same_node(node(R"({"model":"vid"})"), node(R"({"model":"vid","params":null})")));
}

TEST(Node, TheChargeLineReaderGivesTheNodeTheFullReaderGives) {
  const std::string head =
      R"({"op":"charge","at":"2026-11-01T00:00:00Z","user":"u","key":"k","quoted":3,"rate_card":"v",)";
  const char* nodes[] = {
      R"({"model":"vid"})", R"({"id":"n1","model":"vid","params":{}})",
      R"({"model":"img","params":{"size":"1024x1024","num_images":2,"x":-3,"y":2.5,"b":false,"big":18446744073709551615}})",
      R"({"params":{"b":1,"a":2},"model":"m","id":"z"})"};
  for (const char* n : nodes) {
    const std::string line = head + "\"node\":" + n + "}";
    auto fast = read_charge_text(line);
    ASSERT_TRUE(fast) << line;
    auto full = parse_operation(std::string_view(line));
    ASSERT_TRUE(full) << line;
    const Node& a = std::get<ops::Charge>(*fast).request.node;
    const Node& b = std::get<ops::Charge>(*full).request.node;
    EXPECT_TRUE(same_node(a, b)) << n;
    EXPECT_EQ(a.has_id, b.has_id);
    EXPECT_EQ(to_wire(params_to_json(a.params)), to_wire(params_to_json(b.params))) << n;
    ASSERT_EQ(a.params.size(), b.params.size());
    for (size_t i = 0; i < a.params.size(); ++i) {
      EXPECT_EQ(a.params[i].value.kind, b.params[i].value.kind) << n;
      EXPECT_EQ(a.params[i].value.text, b.params[i].value.text) << n;
    }
  }
  // What the fast reader leaves to the full one: any field beyond id, model and scalar params.
  for (const char* n :
       {R"({"model":"vid","skip":false})", R"({"model":"vid","params":null})",
        R"({"model":"vid","params":{"a":[1]}})", R"({"model":"vid","params":{"a":1,"a":2}})",
        R"({"id":"a b","model":"vid"})", R"({"id":"a"})"})
    EXPECT_FALSE(read_charge_text(head + "\"node\":" + n + "}")) << n;
}

// A retry is told from a conflict by the node's content as JSON: 4 equals 4.0, and "inputs"
// (which a charge accepts whatever it holds) counts.
TEST(Node, ARetryReplaysOnTheSameContentWhateverTheNumberKind) {
  Ledger ledger(test_card());
  auto run = [&](const std::string& line) { return apply_operation_text(ledger, line); };
  const std::string at = R"("at":"2026-11-01T00:00:00Z")";
  ASSERT_NE(run(R"({"op":"create_user","user":"u",)" + at + "}").find("\"ok\":true"),
            std::string::npos);
  ASSERT_NE(run(R"({"op":"top_up","payer":"user:u","credits":100000,"key":"t",)" + at + "}")
                .find("\"ok\":true"),
            std::string::npos);
  const Credits price = quote_json(
      *test_card(), json::parse(R"({"model":"vid","params":{"duration_s":4}})"))["credits"];
  auto charge = [&](const std::string& node) {
    return run(R"({"op":"charge","user":"u","key":"c1","quoted":)" + std::to_string(price) +
               R"(,"rate_card":"test-1","node":)" + node + "," + at + "}");
  };
  const std::string first =
      charge(R"({"model":"vid","params":{"duration_s":4},"inputs":{"v":[1,{"w":2}]}})");
  ASSERT_NE(first.find("\"ok\":true"), std::string::npos) << first;
  EXPECT_NE(charge(R"({"inputs":{"v":[1.0,{"w":2}]},"params":{"duration_s":4.0},"model":"vid"})")
                .find("\"replayed\":true"),
            std::string::npos);
  EXPECT_NE(charge(R"({"model":"vid","params":{"duration_s":4},"inputs":{"v":[1,{"w":3}]}})")
                .find("idempotency_conflict"),
            std::string::npos);
  EXPECT_NE(charge(R"({"model":"vid","params":{"duration_s":4}})").find("idempotency_conflict"),
            std::string::npos);
}

}  // namespace
}  // namespace credits
