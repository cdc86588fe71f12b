// How an outcome becomes an HTTP answer: the body is a result, or an error envelope written by
// error_wire, followed by a newline; the status is the ErrorCode table's (error.cpp). The only
// place the server turns a code into a status.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "credits/error.hpp"
#include "credits/wire/quote_wire.hpp"
#include "http_transport.hpp"

namespace credits::server {

// The table's status for `code`; 500 for a code the table keeps off HTTP (the command line's):
// the server answering with one is a bug.
int status_of(ErrorCode code);
// 200 when the result is ok, else its error code's status (500 for a code outside the table).
int status_of(const nlohmann::json& result);

// `body` and a newline, with `status`.
HttpResponse answer(int status, std::string body);
// A result, with its own status unless `status` is given.
HttpResponse result_answer(const nlohmann::json& result, int status = 0);
// {"error": {...}, "ok": false}.
HttpResponse error_answer(const Error& error);
// {"error": {...}, "ok": false, "op": op}: a refused operation (`op` a name or null).
HttpResponse operation_error_answer(const nlohmann::json& op, const Error& error);
// A quote or a plan, with its outcome's status.
HttpResponse priced_answer(PricedText priced);

}  // namespace credits::server
