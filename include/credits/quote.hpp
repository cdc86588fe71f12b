// A quote: what one node will cost, why, and against which rate card. The JSON form is the
// contract shared by the CLI, the server and the browser package (SPEC §9).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "credits/estimator.hpp"

namespace credits {

// Quotes one node object from JSON, never failing: errors become {"ok": false, "error"}.
nlohmann::json quote_json(const RateCard& card, const nlohmann::json& node);

// The JSON of a priced node (ok: true).
nlohmann::json quote_to_json(const std::string* id, const Model& model, const Price& price,
                             const std::vector<BreakdownLine>& breakdown,
                             const std::string& rate_card_version);

// {"code", "message", "path"} and the failing line's {"id", "ok": false, "error"}.
nlohmann::json error_to_json(const Error& error);
nlohmann::json failed_quote_json(const nlohmann::json& id, const Error& error);

// The exact text of the quote's JSON, as the CLI prints it and the browser returns it.
std::string to_wire(const nlohmann::json& j);

}  // namespace credits
