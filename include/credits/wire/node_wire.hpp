// A node's and a run's usage JSON: read into the typed `Node` and `Usage` without judging them
// (prepare_node() in node.cpp does, in SPEC order), and their values written back exactly as
// they were given. The quote's own fast path reads a node object straight into a prepared node
// with the same checks, so a quote builds no `Node` on the way.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "credits/ledger.hpp"
#include "credits/node.hpp"

namespace credits {

// Any JSON value, typed (arrays and objects whole).
GivenValue given_from_json(const nlohmann::json& v);
nlohmann::json given_to_json(const GivenValue& v);
// A JSON float as given_from_json() reads it (its text as nlohmann writes it).
GivenValue given_float(double v);

// A node object's fields, whatever they hold: the first fault is kept for prepare_node().
Node node_from_json(const nlohmann::json& node);
// A node's "params" as JSON (an empty object when it gave none), as the usage read shows them.
nlohmann::json params_to_json(const std::vector<GivenParam>& params);

// complete's "usage" (nullptr or null when none was given).
Usage usage_from_json(const nlohmann::json* usage);

// prepare_node() on a node object read in place, for quotes: the same checks, errors and
// paths, with no `Node` built.
Result<PreparedNode> prepare_node(const RateCard& card, const nlohmann::json& node,
                                  std::string_view path_prefix);

// Parses a JSON number or decimal string exactly, as given_decimal() reads the same value.
std::optional<Decimal> read_json_decimal(const nlohmann::json& v);

}  // namespace credits
