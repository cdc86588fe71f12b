// The usage export (SPEC §12, wire/usage_csv.hpp): RFC 4180 quoting, the header, integers and
// times, every generation of the payer oldest first, and the payer's errors.
#include "credits/wire/usage_csv.hpp"

#include "test_support.hpp"

namespace credits::testing {
namespace {

constexpr const char* kHeader =
    "at,key,payer,user,node,model,params,exact,rate_card,status,held,from_subscription,from_wallet,"
    "returned_to_subscription,returned_to_wallet,credits,closed_at\r\n";

std::string field(std::string_view s) {
  std::string out;
  append_csv_field(out, s);
  return out;
}

std::vector<std::string> records(const std::string& csv) {
  std::vector<std::string> out;
  for (size_t at = 0; at < csv.size();) {
    const size_t end = csv.find("\r\n", at);
    EXPECT_NE(end, std::string::npos) << "every record ends with CRLF";
    if (end == std::string::npos) break;
    out.push_back(csv.substr(at, end - at));
    at = end + 2;
  }
  return out;
}

TEST(UsageCsv, FieldsAreQuotedOnlyWhenRfc4180NeedsIt) {
  EXPECT_EQ(field("plain-id_1.2@x:y"), "plain-id_1.2@x:y");
  EXPECT_EQ(field(""), "");
  EXPECT_EQ(field("a,b"), "\"a,b\"");
  EXPECT_EQ(field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(field("cr\rhere"), "\"cr\rhere\"");
  EXPECT_EQ(field("\""), "\"\"\"\"");
}

TEST(UsageCsv, AnEmptyHistoryIsTheHeaderAlone) {
  EXPECT_EQ(usage_csv(std::vector<const Charge*>{}), kHeader);
  Book book;
  book.ok(R"({"op":"create_user","user":"ana"})");
  auto csv = usage_csv(book.ledger, "user:ana");
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(*csv, kHeader);
}

// A charge still open, a refunded one and a settled one: amounts as integers, closing times.
TEST(UsageCsv, EachChargeIsOneRowWithItsSplitStatusAndReturns) {
  Book book;
  book.ok(R"({"op":"create_user","user":"ana"})");
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":100})");
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":20,"key":"t1"})");
  book.ok(Book::charge_text("ana", "c1", 4));
  book.ok(Book::charge_text("ana", "c2", 8));  // 80: the 60 left of the quota, then 20 of the wallet
  book.at = "2026-01-31T11:00:00Z";
  book.ok(R"({"op":"fail","charge":"c2"})");
  book.ok(R"({"op":"charge","user":"ana","key":"c3","node":{"id":"n","model":"llm","params":)"
          R"({"input_tokens":1000,"max_output_tokens":16000}},"quoted":17,"rate_card":"test-1"})");
  book.at = "2026-01-31T12:30:00Z";
  book.ok(R"({"op":"complete","charge":"c3","usage":{"output_tokens":3875}})");
  auto csv = usage_csv(book.ledger, "user:ana");
  ASSERT_TRUE(csv.ok()) << csv.error().message;
  const auto rows = records(*csv);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0] + "\r\n", kHeader);
  EXPECT_EQ(rows[1], "2026-01-31T10:00:00Z,c1,user:ana,ana,n1,vid,\"{\"\"duration_s\"\":4}\",true,test-1,"
                     "charged,40,40,0,0,0,40,");
  EXPECT_EQ(rows[2], "2026-01-31T10:00:00Z,c2,user:ana,ana,n1,vid,\"{\"\"duration_s\"\":8}\",true,test-1,"
                     "refunded,80,60,20,60,20,0,2026-01-31T11:00:00Z");
  EXPECT_EQ(rows[3], "2026-01-31T11:00:00Z,c3,user:ana,ana,n,llm,"
                     "\"{\"\"input_tokens\"\":1000,\"\"max_output_tokens\"\":16000}\",false,test-1,"
                     "settled,17,17,0,13,0,4,2026-01-31T12:30:00Z");
}

// `usage` shows the recent ones; the export holds every generation, oldest first.
TEST(UsageCsv, EveryGenerationOldestFirstOnlyThePayers) {
  Book book;
  book.ok(R"({"op":"create_user","user":"ana"})");
  book.ok(R"({"op":"create_user","user":"bo"})");
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":100000,"key":"ta"})");
  book.ok(R"({"op":"top_up","payer":"user:bo","credits":100,"key":"tb"})");
  for (int i = 0; i < 25; ++i) book.ok(Book::charge_text("ana", "a" + std::to_string(i), 4));
  book.ok(Book::charge_text("bo", "b0", 4));
  const auto rows = records(*usage_csv(book.ledger, "user:ana"));
  ASSERT_EQ(rows.size(), 26u);
  for (size_t i = 0; i < 25; ++i) {
    const std::string prefix = "2026-01-31T10:00:00Z,a" + std::to_string(i) + ",user:ana,";
    EXPECT_EQ(rows[i + 1].substr(0, prefix.size()), prefix);
  }
  EXPECT_EQ(records(*usage_csv(book.ledger, "user:bo")).size(), 2u);
}

// Ids cannot hold a comma, a quote or a line break (the id rule); a rate card's version can.
TEST(UsageCsv, ARateCardVersionWithCommaQuoteAndNewlineIsQuoted) {
  auto doc = nlohmann::json::parse(read_file("tests/data/test-card.json"));
  const std::string version = "v2, \"spring\"\nedition";
  doc["version"] = version;
  auto card = load_rate_card(doc.dump());
  ASSERT_TRUE(card.ok()) << card.error().message;
  Book book(std::make_shared<const RateCard>(std::move(*card)));
  book.ok(R"({"op":"create_user","user":"ana"})");
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":100,"key":"t1"})");
  nlohmann::json charge = nlohmann::json::parse(Book::charge_text("ana", "c1", 4));
  charge["rate_card"] = version;
  charge["at"] = book.at;
  ASSERT_TRUE(apply_operation(book.ledger, charge).value("ok", false));
  const std::string csv = *usage_csv(book.ledger, "user:ana");
  EXPECT_NE(csv.find(",true,\"v2, \"\"spring\"\"\nedition\",charged,40,"), std::string::npos) << csv;
}

TEST(UsageCsv, APayerTheLedgerDoesNotHoldIsRefused) {
  Book book;
  book.ok(R"({"op":"create_user","user":"ana"})");
  EXPECT_EQ(usage_csv(book.ledger, "user:nobody").error().code, ErrorCode::unknown_user);
  EXPECT_EQ(usage_csv(book.ledger, "workspace:none").error().code, ErrorCode::unknown_workspace);
  EXPECT_EQ(usage_csv(book.ledger, "ana").error().code, ErrorCode::invalid_op);
  EXPECT_EQ(usage_csv(book.ledger, "user:a,b").error().code, ErrorCode::invalid_op);
}

}  // namespace
}  // namespace credits::testing
