#include "http_answer.hpp"

#include "credits/wire/error_wire.hpp"
#include "credits/wire/quote_wire.hpp"
#include "credits/wire/json_text.hpp"

namespace credits::server {

using nlohmann::json;

int status_of(ErrorCode code) {
  const int status = http_status(code);
  return status != 0 ? status : http_status(ErrorCode::internal);
}

int status_of(const json& result) {
  // Results are written by operation_result_json and failed_operation_json, whose codes are
  // the table's names; anything else here is a bug.
  if (!result.is_object()) return status_of(ErrorCode::internal);
  if (const auto ok = result.find("ok"); ok != result.end() && ok->is_boolean() && ok->get<bool>())
    return 200;
  const auto error = result.find("error");
  if (error == result.end() || !error->is_object()) return status_of(ErrorCode::internal);
  const auto code = error->find("code");
  if (code == error->end() || !code->is_string()) return status_of(ErrorCode::internal);
  return status_of(
      parse_error_code(code->get_ref<const std::string&>()).value_or(ErrorCode::internal));
}

HttpResponse answer(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.body += '\n';
  return r;
}

HttpResponse result_answer(const json& result, int status) {
  return answer(status ? status : status_of(result), to_wire(result));
}

HttpResponse error_answer(const Error& error) {
  return answer(status_of(error.code), failure_wire(error));
}

HttpResponse operation_error_answer(const json& op, const Error& error) {
  return answer(status_of(error.code), to_wire(failed_operation_json(op, error)));
}

HttpResponse priced_answer(PricedText priced) {
  return answer(priced.error ? status_of(*priced.error) : 200, std::move(priced.text));
}

}  // namespace credits::server
