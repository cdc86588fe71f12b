// SPEC §9 operations as JSON: one object in, one result object out. Shared by the CLI, the
// server and the browser so all three give the same bytes for the same operation.
#pragma once

#include <nlohmann/json.hpp>

#include "credits/ledger.hpp"

namespace credits {

// Applies one operation. Never throws and never fails as a call: a rejected operation is a
// result with "ok": false and changes nothing.
nlohmann::json apply_operation(Ledger& ledger, const nlohmann::json& op);

// Parses one line of JSON Lines input and applies it; malformed JSON is an `invalid_json`
// result. Input nested deeper than kMaxJsonDepth is refused before it is parsed.
nlohmann::json apply_operation_line(Ledger& ledger, std::string_view line);

// Parses JSON text with the engine's limits (depth, size) through the one strict reader
// (parse_json_strict: duplicate keys and numbers that cannot be read exactly are
// `invalid_json` with a pointer). Every JSON input of the engine comes through here.
inline constexpr int kMaxJsonDepth = 64;
inline constexpr size_t kMaxJsonBytes = 4 << 20;             // one line: a node, an operation
inline constexpr size_t kMaxDocumentBytes = size_t{1} << 30;  // a whole canvas or batch
Result<nlohmann::json> parse_json_limited(std::string_view text, size_t max_bytes = kMaxJsonBytes,
                                          std::string_view not_json_message = "not valid JSON");

// Views as JSON (the `balance` and `usage` results, without "op"/"ok").
nlohmann::json balance_to_json(const BalanceView& view);
nlohmann::json usage_to_json(const UsageView& view);
nlohmann::json charge_to_json(const Charge& charge);

}  // namespace credits
