// The one table of error codes (error.hpp) and the documents that must follow it: the browser
// package's types (web/index.d.ts) and the server's status list (docs/server.md).
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <string>

#include "credits/error.hpp"
#include "credits/wire/error_wire.hpp"
#include "credits/wire/quote_wire.hpp"
#include "test_support.hpp"

namespace credits {
namespace {

using testing::read_file;

TEST(ErrorCodeTable, EveryCodeHasOneUniqueNameThatParsesBack) {
  std::set<std::string_view> names;
  for (const ErrorCodeInfo& row : error_codes()) {
    EXPECT_TRUE(names.insert(row.name).second) << row.name << " is in the table twice";
    EXPECT_EQ(to_string(row.code), row.name);
    auto parsed = parse_error_code(row.name);
    ASSERT_TRUE(parsed.has_value()) << row.name;
    EXPECT_EQ(*parsed, row.code);
    EXPECT_FALSE(row.description.empty()) << row.name;
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(ErrorCode::ledger_in_use) + 1);
  EXPECT_FALSE(parse_error_code("no_such_code").has_value());
  EXPECT_FALSE(parse_error_code("").has_value());
}

TEST(ErrorCodeTable, StatusesAreHttpErrorsOrZeroForTheCommandLine) {
  for (const ErrorCodeInfo& row : error_codes()) {
    const int s = http_status(row.code);
    EXPECT_TRUE(s == 0 || (s >= 400 && s <= 599)) << row.name << ": " << s;
  }
  EXPECT_EQ(http_status(ErrorCode::insufficient_credits), 402);
  EXPECT_EQ(http_status(ErrorCode::internal), 500);
  EXPECT_EQ(http_status(ErrorCode::usage), 0);
}

// The literals of `code:` in web/index.d.ts's CreditsError, in order of appearance.
std::set<std::string> declared_js_codes(const std::string& dts) {
  const size_t start = dts.find("export interface CreditsError {");
  EXPECT_NE(start, std::string::npos) << "web/index.d.ts has no CreditsError";
  const size_t code = dts.find("code:", start);
  const size_t end = dts.find(';', code);
  const std::string union_text = dts.substr(code, end - code);
  EXPECT_EQ(union_text.find("string"), std::string::npos)
      << "the code union is closed: no `| string` (" << union_text << ")";
  std::set<std::string> out;
  const std::regex literal("'([a-z_]+)'");
  for (auto it = std::sregex_iterator(union_text.begin(), union_text.end(), literal); it != std::sregex_iterator(); ++it)
    out.insert((*it)[1]);
  return out;
}

TEST(ErrorCodeTable, TheBrowserTypesListExactlyTheCodesThatReachJs) {
  const std::set<std::string> declared = declared_js_codes(read_file("web/index.d.ts"));
  std::set<std::string> expected;
  for (const ErrorCodeInfo& row : error_codes())
    if (row.reaches_js) expected.insert(std::string(row.name));
  EXPECT_EQ(declared, expected);
}

// docs/server.md, "HTTP status of a result: 200 when `ok`; otherwise by error code — 400
// `invalid_json`, ...": each status number applies to the codes after it.
std::map<std::string, int> documented_statuses(const std::string& doc) {
  const size_t start = doc.find("HTTP status of a result:");
  EXPECT_NE(start, std::string::npos) << "docs/server.md has no status list";
  const size_t from = doc.find("otherwise by error code", start);
  const size_t end = doc.find("\n\n", from);
  const std::string list = doc.substr(from, end - from);
  std::map<std::string, int> out;
  int status = 0;
  const std::regex token("(\\b[1-5][0-9][0-9]\\b)|`([a-z_]+)`");
  for (auto it = std::sregex_iterator(list.begin(), list.end(), token); it != std::sregex_iterator(); ++it) {
    if ((*it)[1].matched) status = std::stoi((*it)[1]);
    else out[(*it)[2]] = status;
  }
  return out;
}

TEST(ErrorCodeTable, TheServerDocumentationGivesEachCodeItsHttpStatus) {
  const auto documented = documented_statuses(read_file("docs/server.md"));
  EXPECT_GE(documented.size(), 25u);
  for (const auto& [name, status] : documented) {
    auto code = parse_error_code(name);
    ASSERT_TRUE(code.has_value()) << "docs/server.md lists `" << name << "`, which is not a code";
    EXPECT_EQ(http_status(*code), status) << name;
  }
  // Every code the server can answer with is in it, the HTTP parser's refusals included.
  for (const ErrorCodeInfo& row : error_codes())
    if (row.http_status != 0)
      EXPECT_TRUE(documented.count(std::string(row.name))) << row.name << " is not in docs/server.md's status list";
}

TEST(ErrorWire, TheTextAndTheJsonFormsOfTheEnvelopeAreTheSameBytes) {
  const std::string messages[] = {"plain", "a \"quoted\" \\ word", "tab\there\nnew line", "é ünïcode ✓",
                                  std::string("bad \xff utf-8"), std::string("nul \0 inside", 12), ""};
  for (const std::string& m : messages) {
    const Error e(ErrorCode::invalid_param, m, "/a~1b/0");
    std::string text;
    write_error(text, e);
    EXPECT_EQ(text, to_wire(error_to_json(e))) << m;
    EXPECT_EQ(failure_wire(e), to_wire(failure_json(e))) << m;
    std::string quote;
    const std::string id = "n1";
    write_failed_quote(quote, &id, e);
    EXPECT_EQ(quote, to_wire(failed_quote_json(id, e))) << m;
    quote.clear();
    write_failed_quote(quote, nullptr, e);
    EXPECT_EQ(quote, to_wire(failed_quote_json(nullptr, e))) << m;
  }
}

TEST(ErrorWire, ACommandErrorCarriesItsExtraKeysInsideTheError) {
  const Error e(ErrorCode::ledger_mismatch, "differs");
  EXPECT_EQ(to_wire(command_error_json(e, {{"report", {{"problems", 1}}}})),
            R"({"error":{"code":"ledger_mismatch","message":"differs","path":"","report":{"problems":1}},"ok":false})");
  EXPECT_EQ(to_wire(failed_operation_json("balance", Error(ErrorCode::unknown_user, "no user \"x\"", "/payer"))),
            R"({"error":{"code":"unknown_user","message":"no user \"x\"","path":"/payer"},"ok":false,"op":"balance"})");
}

}  // namespace
}  // namespace credits
