// A quote's or a plan's JSON text together with its outcome, typed: what an edge needs to
// answer with the ErrorCode table's status (the server) without reading its own text back.
// The text is byte for byte quote_wire's and plan_wire's (tests/priced_text_test.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "credits/error.hpp"
#include "credits/rate_card.hpp"

namespace credits {

struct PricedText {
  std::string text;
  std::optional<ErrorCode> error;  // why it was not priced; nullopt when it was
};

// quote_wire with its outcome.
PricedText priced_quote(const RateCard& card, const nlohmann::json& node);
// plan_wire with its outcome.
PricedText priced_plan(const RateCard& card, const nlohmann::json& graph,
                       const nlohmann::json* balances);

}  // namespace credits
