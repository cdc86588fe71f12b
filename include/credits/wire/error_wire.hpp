// The error envelope on the wire: {"code", "message", "path"}, and the failed-result shapes
// built on it. The only place these keys are written, as text (the hot paths: quotes, plans)
// and as nlohmann values (operations, the edges); error_wire_test checks both forms give the
// same bytes. Keys are in byte order, as nlohmann's std::map objects print them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "credits/error.hpp"

namespace credits {

// Appends {"code", "message", "path"}.
void write_error(std::string& out, const Error& error);
nlohmann::json error_to_json(const Error& error);

// {"error": {...}, "ok": false}: a whole call that failed.
std::string failure_wire(const Error& error);
nlohmann::json failure_json(const Error& error);

// Appends {"error": {...}, "id": id or null, "ok": false}: a node that could not be priced.
void write_failed_quote(std::string& out, const std::string* id, const Error& error);
nlohmann::json failed_quote_json(const nlohmann::json& id, const Error& error);

// {"error": {...}, "ok": false, "op": name or null}: a refused ledger operation.
void write_failed_operation(std::string& out, const std::string* op_name, const Error& error);
nlohmann::json failed_operation_json(const nlohmann::json& op_name, const Error& error);

// {"error": {..., ...extra}, "ok": false}: the command line's exit-status-2 error on stderr;
// `extra`'s keys (an "errors" list, a "report") join the error object.
nlohmann::json command_error_json(const Error& error, const nlohmann::json& extra = nullptr);

}  // namespace credits
