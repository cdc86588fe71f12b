// Bad input of any kind gets a structured error and changes nothing: a corpus of malformed
// lines (tests/bad-input/*.jsonl) plus generated junk, through the quote and ledger paths.
#include <random>

#include "credits/quote.hpp"
#include "test_support.hpp"

namespace credits::testing {
namespace {

using nlohmann::json;

std::vector<std::string> lines_of(const std::string& relative) {
  std::vector<std::string> out;
  std::stringstream ss(read_file(relative));
  std::string line;
  while (std::getline(ss, line))
    if (!line.empty() && line[0] != '#') out.push_back(line);
  return out;
}

std::vector<std::string> generated_junk() {
  std::vector<std::string> out;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 300; ++i) {
    std::string s(static_cast<size_t>(rng() % 200), '\0');
    for (auto& c : s) c = static_cast<char>(rng() % 256);
    out.push_back(s);
  }
  out.push_back(std::string(100000, '['));
  out.push_back(std::string(100000, '{'));
  std::string deep;
  for (int i = 0; i < 70; ++i) deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 70; ++i) deep += "}";
  out.push_back(deep);
  out.push_back("\"" + std::string(5000, '\\') + "\"");
  out.push_back(std::string("{\"op\":\"charge\",\"user\":\"\xff\xfe\"}"));
  return out;
}

void expect_structured_error(const json& r, const std::string& input) {
  ASSERT_TRUE(r.is_object()) << input;
  ASSERT_EQ(r["ok"], false) << input << " -> " << r.dump();
  ASSERT_TRUE(r["error"]["code"].is_string()) << r.dump();
  ASSERT_TRUE(r["error"]["message"].is_string()) << r.dump();
  ASSERT_TRUE(r["error"]["path"].is_string()) << r.dump();
  // The result must be printable as JSON whatever bytes the input held.
  ASSERT_FALSE(to_wire(r).empty());
}

json state_of(const Ledger& l) {
  json d = json::object();
  for (const auto& [id, p] : l.payers()) d[id] = {p.sub.remaining, p.wallet, p.sub.quota, std::string(to_string(p.sub.status))};
  d["entries"] = l.entries().size();
  d["charges"] = l.charges().size();
  d["now"] = l.now();
  return d;
}

TEST(BadInput, EveryMalformedNodeGetsAStructuredError) {
  auto lines = lines_of("tests/bad-input/nodes.jsonl");
  ASSERT_GE(lines.size(), 30u);
  for (const auto& extra : generated_junk()) lines.push_back(extra);
  for (const auto& line : lines) {
    auto parsed = parse_json_limited(line);
    json r = parsed ? quote_json(*test_card(), *parsed) : failed_quote_json(nullptr, parsed.error());
    expect_structured_error(r, line);
  }
}

TEST(BadInput, EveryMalformedOperationChangesNothing) {
  auto lines = lines_of("tests/bad-input/ops.jsonl");
  ASSERT_GE(lines.size(), 40u);
  for (const auto& extra : generated_junk()) lines.push_back(extra);
  Book book;
  book.ok(R"({"op":"create_user","user":"ana"})");
  book.ok(R"({"op":"create_user","user":"bob"})");
  book.ok(R"({"op":"create_workspace","workspace":"studio","admin":"ana"})");
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":100})");
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":50,"key":"t1"})");
  book.ok(Book::charge_text("ana", "c1", 4));
  const json before = state_of(book.ledger);
  for (const auto& line : lines) {
    json r = apply_operation_line(book.ledger, line);
    expect_structured_error(r, line);
    ASSERT_EQ(state_of(book.ledger), before) << line;
  }
}

}  // namespace
}  // namespace credits::testing
