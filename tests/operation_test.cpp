// Typed operations (operation.hpp): each SPEC §9 operation parses to its own struct, knows
// whether it reads, and applies to the same result bytes as the JSON entry points.
#include "credits/operation.hpp"

#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "credits/wire/node_wire.hpp"
#include "credits/wire/operation_text.hpp"
#include "credits/wire/quote_wire.hpp"
#include "test_support.hpp"

namespace credits {
namespace {

using nlohmann::json;

Operation parsed(const std::string& text) {
  auto op = parse_operation(std::string_view(text));
  EXPECT_TRUE(op.ok()) << text << ": " << (op.ok() ? "" : op.error().message);
  return op.ok() ? std::move(*op) : Operation(ops::CreateUser{});
}

TEST(Operation, EachOperationParsesToItsOwnStruct) {
  const std::string at = R"("at":"2026-11-24T10:00:00Z")";
  const auto top_up = parsed(R"({"op":"top_up","payer":"user:maya","credits":500,"key":"t1",)" + at + "}");
  ASSERT_EQ(kind_of(top_up), OpKind::top_up);
  const auto& t = std::get<ops::TopUp>(top_up);
  EXPECT_EQ(t.payer.text(), "user:maya");
  EXPECT_EQ(t.payer.kind(), PayerKind::user);
  EXPECT_EQ(t.payer.id(), "maya");
  EXPECT_EQ(t.credits, 500);
  EXPECT_EQ(t.key, "t1");
  EXPECT_EQ(t.by, "");
  EXPECT_EQ(format_timestamp(t.at), "2026-11-24T10:00:00Z");

  const auto member = parsed(R"({"op":"add_member","workspace":"w","user":"leo","by":"maya","role":"admin",)" + at + "}");
  EXPECT_EQ(std::get<ops::AddMember>(member).role, Role::admin);
  const auto sw = parsed(R"({"op":"switch","user":"leo","workspace":null,)" + at + "}");
  EXPECT_FALSE(std::get<ops::Switch>(sw).workspace.has_value());
  const auto cap = parsed(R"({"op":"set_member_cap","workspace":"w","user":"leo","by":"maya","cap":null,)" + at + "}");
  EXPECT_FALSE(std::get<ops::SetMemberCap>(cap).cap.has_value());
  const auto usage = parsed(R"({"op":"usage","payer":"workspace:w","limit":5,)" + at + "}");
  EXPECT_EQ(std::get<ops::Usage>(usage).limit, 5u);
  const auto charge = parsed(R"({"op":"charge","user":"maya","key":"g1","node":{"model":"vid"},"quoted":{"min":1,"max":9},"rate_card":"v1",)" + at + "}");
  const auto& c = std::get<ops::Charge>(charge).request;
  EXPECT_EQ(c.quoted, 9);
  EXPECT_EQ(c.quoted_min, 1);
  EXPECT_TRUE(same_node(c.node, node_from_json(json({{"model", "vid"}}))));
  EXPECT_EQ(c.node.model, "vid");
  EXPECT_EQ(c.node.params_form, Node::Params::absent);
}

TEST(Operation, OnlyBalanceAndUsageAreReads) {
  for (size_t i = 0; i < std::variant_size_v<Operation>; ++i) {
    const auto kind = static_cast<OpKind>(i);
    EXPECT_EQ(is_read(kind), kind == OpKind::balance || kind == OpKind::usage || kind == OpKind::forecast ||
                                 kind == OpKind::events)
        << op_name(kind);
    EXPECT_EQ(operation_kind(json{{"op", op_name(kind)}}), kind);
  }
  EXPECT_FALSE(operation_kind(json{{"op", "transfer"}}).has_value());
  EXPECT_FALSE(operation_kind(json::array()).has_value());
  EXPECT_EQ(op_name(OpKind::switch_context), "switch");
}

TEST(Operation, ParseErrorsCarryTheCodeAndPointerOfTheFirstProblem) {
  auto unknown = parse_operation(json{{"op", "transfer"}, {"at", "2026-11-24T10:00:00Z"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::invalid_op);
  EXPECT_EQ(unknown.error().path, "/op");
  auto typo = parse_operation(json{{"op", "balance"}, {"at", "2026-11-24T10:00:00Z"}, {"payer", "user:a"}, {"payr", 1}});
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().path, "/payr");
  auto no_time = parse_operation(json{{"op", "balance"}, {"payer", "user:a"}});
  ASSERT_FALSE(no_time.ok());
  EXPECT_EQ(no_time.error().path, "/at");
  auto not_json = parse_operation(std::string_view("{\"op\":"));
  ASSERT_FALSE(not_json.ok());
  EXPECT_EQ(not_json.error().code, ErrorCode::invalid_json);
}

TEST(Operation, TheTypedPathWritesTheSameBytesAsTheJsonEntryPoints) {
  const std::vector<std::string> lines = {
      R"({"op":"create_user","user":"maya","at":"2026-11-01T00:00:00Z"})",
      R"({"op":"subscribe","payer":"user:maya","quota":1000,"at":"2026-11-01T00:00:00Z"})",
      R"({"op":"top_up","payer":"user:maya","credits":300,"key":"t1","at":"2026-11-02T00:00:00Z"})",
      R"({"op":"top_up","payer":"user:maya","credits":300,"key":"t1","at":"2026-11-02T00:00:01Z"})",
      R"({"op":"balance","payer":"user:maya","at":"2026-11-03T00:00:00Z"})",
      R"({"op":"usage","payer":"user:maya","limit":3,"at":"2026-11-03T00:00:00Z"})",
      R"({"op":"pause","payer":"user:maya","at":"2026-11-04T00:00:00Z"})",
      R"({"op":"fail","charge":"nope","at":"2026-11-04T00:00:00Z"})",
  };
  Ledger by_line(testing::test_card()), typed(testing::test_card());
  for (const std::string& line : lines) {
    const std::string expected = to_wire(apply_operation_line(by_line, line));
    auto op = parse_operation(std::string_view(line));
    ASSERT_TRUE(op.ok()) << line;
    EXPECT_EQ(to_wire(apply_parsed_operation(typed, std::move(*op))), expected) << line;
  }
}

// The text path (read_charge_text, the text writer) against the document path (the strict
// reader, parse_operation, the nlohmann result): the same bytes for every line, accepted or
// refused, so the fast reader never accepts what the full reader refuses.
std::string by_document(Ledger& ledger, const std::string& line) {
  auto j = parse_json_limited(line);
  if (!j) return to_wire(failed_operation_json(nullptr, j.error()));
  return to_wire(apply_operation(ledger, *j));
}

void expect_text_path_matches(const std::shared_ptr<const RateCard>& card, const std::vector<std::string>& lines) {
  Ledger text(card), line(card), document(card);
  for (const std::string& l : lines) {
    const std::string expected = by_document(document, l);
    EXPECT_EQ(apply_operation_text(text, l), expected) << l;
    EXPECT_EQ(to_wire(apply_operation_line(line, l)), expected) << l;
  }
  EXPECT_EQ(text.entries().size(), document.entries().size());
}

std::vector<std::string> lines_of(const std::string& relative) {
  std::vector<std::string> out;
  std::istringstream in(testing::read_file(relative));
  for (std::string l; std::getline(in, l);)
    if (!l.empty() && l[0] != '#') out.push_back(l);
  return out;
}

TEST(OperationText, TheSampleMonthAndTheBadInputGiveTheSameBytesAsTheDocumentPath) {
  expect_text_path_matches(testing::sample_card(), lines_of("demo/month.jsonl"));
  expect_text_path_matches(testing::test_card(), lines_of("tests/bad-input/ops.jsonl"));
}

TEST(OperationText, ChargesAcceptedRefusedAndMalformedGiveTheSameBytesAsTheDocumentPath) {
  const std::string at = R"("at":"2026-11-24T10:00:00Z")";
  auto charge = [&](const std::string& fields) { return R"({"op":"charge",)" + at + "," + fields + "}"; };
  const std::string node = R"("node":{"id":"n1","model":"vid","params":{"duration_s":4}})";
  const std::vector<std::string> lines = {
      R"({"op":"create_user","user":"maya",)" + at + "}",
      R"({"op":"create_user","user":"leo",)" + at + "}",
      R"({"op":"create_workspace","workspace":"w","admin":"maya",)" + at + "}",
      R"({"op":"subscribe","payer":"user:maya","quota":100,)" + at + "}",
      R"({"op":"top_up","payer":"user:maya","credits":50,"key":"t1",)" + at + "}",
      R"({"op":"top_up","payer":"user:maya","credits":50,"key":"t1",)" + at + "}",
      charge(R"("user":"maya","key":"g1",)" + node + R"(,"quoted":40,"rate_card":"test-1")"),
      charge(R"("user":"maya","key":"g1",)" + node + R"(,"quoted":40,"rate_card":"test-1")"),  // replayed
      charge(R"("user":"maya","key":"g1",)" + node + R"(,"quoted":41,"rate_card":"test-1")"),  // conflict
      charge(R"("rate_card":"test-1","quoted":40,)" + node + R"(,"key":"g2","user":"maya")"),  // any order
      charge(R"("user":"maya","key":"g3",)" + node + R"(,"quoted":{"max":40},"rate_card":"test-1")"),
      charge(R"("user":"maya","key":"g4",)" + node + R"(,"quoted":{"min":40,"max":40},"rate_card":"test-1")"),
      charge(R"("user":"maya","key":"g5",)" + node + R"(,"quoted":{"min":1,"max":40,"x":2},"rate_card":"test-1")"),
      charge(R"("user":"maya","key":"g6",)" + node + R"(,"quoted":40.0,"rate_card":"test-1")"),
      charge(R"("user":"maya","key":"g7",)" + node + R"(,"quoted":"40","rate_card":"test-1")"),
      charge(R"("user":"maya","key":"g8",)" + node + R"(,"quoted":40,"rate_card":"old")"),
      charge(R"("user":"maya","key":"g9",)" + node + R"(,"quoted":40,"rate_card":"")"),
      charge(R"("user":"maya","key":"g10",)" + node + R"(,"quoted":40)"),
      charge(R"("user":"maya","key":"g11",)" + node + R"(,"quoted":40,"rate_card":"test-1","extra":1)"),
      charge(R"("user":"maya","key":"g12",)" + node + R"(,"quoted":40,"rate_card":"test-1","key":"g13")"),
      charge(R"("user":"maya","key":"g14","node":{"model":"vid","params":{"duration_s":4,"duration_s":5}},"quoted":40,"rate_card":"test-1")"),
      charge(R"("user":"maya","key":"g15","node":{"model":"vid","params":{"duration_s":4.0000000000000001}},"quoted":40,"rate_card":"test-1")"),
      charge(R"("user":"maya","key":"g16","node":{"model":"vid","params":{"duration_s":4.5}},"quoted":45,"rate_card":"test-1")"),
      charge(R"("user":"maya","key":"g17","node":{"model":"vid","params":{"duration_s":[4]}},"quoted":40,"rate_card":"test-1")"),
      charge(R"("user":"maya","key":"g18","node":"vid","quoted":40,"rate_card":"test-1")"),
      charge(R"("user":"maya","key":"g19","node":{"model":"nope"},"quoted":40,"rate_card":"test-1")"),
      charge(R"("user":"maya","key":"g20","node":{"model":"vid","params":{"duration_s":4},"inputs":{"a":[1,{"b":null}]},"skip":false},"quoted":40,"rate_card":"test-1")"),
      charge(R"("user":"maya","key":"g21",)" + node + R"(,"quoted":4000,"rate_card":"test-1")"),  // price mismatch
      charge(R"("user":"nobody","key":"g22",)" + node + R"(,"quoted":40,"rate_card":"test-1")"),
      charge(R"("user":"","key":"g23",)" + node + R"(,"quoted":40,"rate_card":"test-1")"),
      charge(R"("user":"ma ya","key":"g24",)" + node + R"(,"quoted":40,"rate_card":"test-1")"),
      charge(R"("user":"maya","key":"g25",)" + node + R"(,"quoted":1000000000000001,"rate_card":"test-1")"),
      charge(R"("user":"maya","key":"g26",)" + node + R"(,"quoted":-1,"rate_card":"test-1")"),
      charge(R"("user":"maya","key":"g27","node":{"id":"caf\u00e9","model":"vid"},"quoted":40,"rate_card":"test-1")"),
      charge(R"("user":"maya","key":"g28",)" + node + R"(,"quoted":40,"rate_card":"test-1"} trailing)"),
      R"({"op":"charge","at":"2026-11-24T09:00:00Z","user":"maya","key":"g29",)" + node + R"(,"quoted":40,"rate_card":"test-1"})",
      R"({"op":"charge","at":"yesterday","user":"maya","key":"g30",)" + node + R"(,"quoted":40,"rate_card":"test-1"})",
      R"({"op":"charge","op":"charge",)" + at + R"(,"user":"maya","key":"g31",)" + node + R"(,"quoted":40,"rate_card":"test-1"})",
      R"({"op":"Charge",)" + at + R"(,"user":"maya","key":"g32",)" + node + R"(,"quoted":40,"rate_card":"test-1"})",
      R"([{"op":"charge"}])",
      "{\"op\":\"charge\"," + at + ",\"user\":\"ma\xffya\",\"key\":\"g33\"," + node + ",\"quoted\":40,\"rate_card\":\"test-1\"}",
      std::string(70, '[') + std::string(70, ']'),
      charge(R"("user":"maya","key":"g34",)" + node + R"(,"quoted":400,"rate_card":"test-1")"),  // insufficient
      R"({"op":"fail","charge":"g1",)" + at + "}",
      R"({"op":"fail","charge":"g1",)" + at + "}",
      R"({"op":"complete","charge":"g2",)" + at + "}",
      R"({"op":"complete","charge":"g3","usage":{"duration_s":2},)" + at + "}",
      R"({"op":"switch","user":"maya","workspace":"w",)" + at + "}",
      charge(R"("user":"maya","key":"g35",)" + node + R"(,"quoted":40,"rate_card":"test-1")"),  // no funds
      R"({"op":"top_up","payer":"workspace:w","credits":500,"key":"t2","by":"maya",)" + at + "}",
      charge(R"("user":"maya","key":"g36",)" + node + R"(,"quoted":40,"rate_card":"test-1")"),
      R"({"op":"usage","payer":"workspace:w",)" + at + "}",
      R"({"op":"balance","payer":"user:maya",)" + at + "}",
  };
  expect_text_path_matches(testing::test_card(), lines);
}

// Charge lines with random damage (a byte dropped, doubled or replaced by JSON punctuation,
// digits, letters or a byte that is not UTF-8): whatever the fast reader accepts, the full
// reader accepts as the same charge; whatever it gives up on is worded by the full reader.
TEST(OperationText, DamagedChargeLinesGiveTheSameBytesAsTheDocumentPath) {
  const std::string at = R"("at":"2026-11-24T10:00:00Z")";
  std::vector<std::string> lines = {
      R"({"op":"create_user","user":"maya",)" + at + "}",
      R"({"op":"top_up","payer":"user:maya","credits":100000,"key":"t1",)" + at + "}",
  };
  const std::string good = R"({"op":"charge",)" + at +
                           R"(,"user":"maya","key":"g0","node":{"id":"n1","model":"vid","params":{"duration_s":4,"resolution":"1080p"}},"quoted":{"min":60,"max":60},"rate_card":"test-1"})";
  const std::string alphabet = "{}[]\",:0123456789.eE-+ tnfalsrue\\\xff\x01";
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string l = good;
    l.replace(l.find("g0"), 2, "g" + std::to_string(i));  // a new key each, so most charge anew
    const int damage = 1 + static_cast<int>(rng() % 2);
    for (int d = 0; d < damage; ++d) {
      const size_t pos = rng() % l.size();
      switch (rng() % 3) {
        case 0: l.erase(pos, 1); break;
        case 1: l.insert(pos, 1, l[pos]); break;
        default: l[pos] = alphabet[rng() % alphabet.size()]; break;
      }
    }
    lines.push_back(l);
  }
  expect_text_path_matches(testing::test_card(), lines);
}

TEST(PayerId, ParsesUserAndWorkspacePayersOnceAndRefusesAnythingElse) {
  auto user = PayerId::parse("user:maya");
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(user->kind(), PayerKind::user);
  EXPECT_EQ(user->id(), "maya");
  auto ws = PayerId::parse("workspace:studio");
  ASSERT_TRUE(ws.has_value());
  EXPECT_TRUE(ws->is_workspace());
  EXPECT_EQ(ws->id(), "studio");
  EXPECT_EQ(ws->text(), "workspace:studio");
  for (const char* bad : {"maya", "user:", "workspace:", "users:maya", "user:ma ya", "User:maya", ""})
    EXPECT_FALSE(PayerId::parse(bad).has_value()) << bad;
  EXPECT_EQ(PayerId::of(PayerKind::workspace, "w").text(), "workspace:w");
  // split_payer does not judge the id: callers word the error for a malformed one.
  auto parts = split_payer("user:ma ya");
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->id, "ma ya");
}

TEST(Buckets, AnInputAmountIsZeroToTenToTheFifteen) {
  EXPECT_TRUE(is_amount(0));
  EXPECT_TRUE(is_amount(kMaxAmount));
  EXPECT_FALSE(is_amount(kMaxAmount + 1));
  EXPECT_FALSE(is_amount(-1));
  EXPECT_EQ((Buckets{3, 4}.total()), 7);
}

}  // namespace
}  // namespace credits
