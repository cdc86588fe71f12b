// The server's one mapping from an outcome to an HTTP answer (server/http_answer): statuses are
// the ErrorCode table's, bodies are error_wire's envelope and a newline.
#include "http_answer.hpp"

#include <gtest/gtest.h>

#include "credits/wire/error_wire.hpp"
#include "credits/wire/quote_wire.hpp"
#include "credits/wire/json_text.hpp"

namespace credits::server {
namespace {

using nlohmann::json;

TEST(HttpAnswer, EveryCodeOnHttpHasTheTablesStatusAndTheCommandLinesAre500) {
  for (const ErrorCodeInfo& row : error_codes()) {
    const int expected = row.http_status != 0 ? row.http_status : 500;
    EXPECT_EQ(status_of(row.code), expected) << row.name;
    const HttpResponse r = error_answer(Error(row.code, "m"));
    EXPECT_EQ(r.status, expected) << row.name;
    EXPECT_EQ(r.body, failure_wire(Error(row.code, "m")) + "\n") << row.name;
  }
}

TEST(HttpAnswer, AResultsStatusIsItsCodesAndAnythingElseIsABug) {
  EXPECT_EQ(status_of(json{{"ok", true}}), 200);
  EXPECT_EQ(status_of(failed_operation_json("charge", Error(ErrorCode::insufficient_credits, "m"))),
            402);
  EXPECT_EQ(status_of(failed_operation_json(nullptr, Error(ErrorCode::unavailable, "m"))), 503);
  EXPECT_EQ(status_of(json{{"ok", false}}), 500);
  EXPECT_EQ(status_of(json{{"ok", false}, {"error", {{"code", "no_such_code"}}}}), 500);
  EXPECT_EQ(status_of(json{{"ok", false}, {"error", "text"}}), 500);
  EXPECT_EQ(status_of(json::array()), 500);
  EXPECT_EQ(status_of(json{{"ok", "yes"}}), 500);
}

TEST(HttpAnswer, AnOperationsRefusalNamesItsOperation) {
  const Error e(ErrorCode::invalid_op, "the body is a JSON object");
  const HttpResponse r = operation_error_answer("top_up", e);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, to_wire(failed_operation_json("top_up", e)) + "\n");
  EXPECT_EQ(r.body,
            "{\"error\":{\"code\":\"invalid_op\",\"message\":\"the body is a JSON "
            "object\",\"path\":\"\"},"
            "\"ok\":false,\"op\":\"top_up\"}\n");
}

TEST(HttpAnswer, APricedTextKeepsItsBytesAndTakesItsOutcomesStatus) {
  EXPECT_EQ(priced_answer(PricedText{"{\"ok\":true}", std::nullopt}).status, 200);
  const HttpResponse refused = priced_answer(PricedText{"{}", ErrorCode::unknown_model});
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.body, "{}\n");
}

}  // namespace
}  // namespace credits::server
