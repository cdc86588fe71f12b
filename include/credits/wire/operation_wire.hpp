// The wire module of operations: SPEC §9 operations read from JSON into their typed
// Operation, and results written from the typed outcome as JSON. The only place the ledger's
// types meet JSON (operation.hpp and ledger.hpp hold the types and the apply); the text fast
// path is wire/operation_text.hpp.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "credits/wire/json_text.hpp"
#include "credits/operation.hpp"

namespace credits {

// The kind named by an operation object's "op"; nullopt when it names none.
std::optional<OpKind> operation_kind(const nlohmann::json& op);

// Reads one operation object strictly: each field's type is checked and a field the operation
// does not take is refused (`invalid_op` with its pointer), so a typo never means something else.
[[nodiscard]] Result<Operation> parse_operation(const nlohmann::json& op);
// The same from JSON text, read with the engine's limits (parse_json_limited).
[[nodiscard]] Result<Operation> parse_operation(std::string_view text);

// The one writer of operation results: {"op", "ok": true, ...} for an accepted operation.
nlohmann::json operation_result_json(const Operation& op, const OperationOutcome& outcome);

// Parses, applies and writes one operation object. Never throws and never fails as a call: a
// rejected operation is a result with "ok": false (failed_operation_json) and changes nothing.
nlohmann::json apply_operation(Ledger& ledger, const nlohmann::json& op);
// Applies and writes an operation already parsed: the same bytes as apply_operation.
nlohmann::json apply_parsed_operation(Ledger& ledger, Operation&& op);

// Parses one line of JSON Lines input and applies it; malformed JSON is an `invalid_json`
// result. Input nested deeper than kMaxJsonDepth is refused before it is parsed.
nlohmann::json apply_operation_line(Ledger& ledger, std::string_view line);

// The "op" of a refused operation's result: the operation's name as given, or null.
nlohmann::json given_op_name(const nlohmann::json& op);

// An exception caught at the operation boundary: a bug, never the caller's fault, so it is
// reported as `internal` (never as a refusal of the operation).
Error internal_error(const std::exception& e);

// Views as JSON (the `balance` and `usage` results, without "op"/"ok").
nlohmann::json balance_to_json(const BalanceView& view);
nlohmann::json usage_to_json(const UsageView& view);
// The `forecast` result without "op"/"ok" (docs/balances.md, "Forecast").
nlohmann::json forecast_to_json(const Forecast& forecast);
nlohmann::json charge_to_json(const Charge& charge);
// A reservation (SPEC §11), as reserve and release answer it.
nlohmann::json reservation_to_json(const Reservation& reservation);
// One balance event (SPEC §11) as the `events` read lists it: seq, at, type, payer, below,
// available, and for top_up_requested also credits, key and to.
nlohmann::json balance_event_to_json(const BalanceEvent& event);

}  // namespace credits
