// A node as the estimator sees it: a model and one value per declared parameter, checked
// against the rate card. Preparing a node is where all parameter validation happens, so the
// pricing itself never meets a bad value.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "credits/rate_card.hpp"

namespace credits {

// The largest magnitude a numeric parameter may have (about 10^15): beyond it a double no
// longer holds every integer, so two different inputs could price the same. The JSON reader
// (node.cpp) and the typed path of the browser (wasm/encoded_nodes.cpp) both refuse what is past it.
inline constexpr double kMaxParamMagnitude = 1e15;

struct PreparedNode {
  const Model* model = nullptr;
  std::vector<ParamValue> values;  // one per model->params slot
  std::vector<bool> given;         // whether the node set the slot (vs default or unknown)
};

// Reads `params` (a JSON object, or null for none) for `model`. Missing parameters take their
// declared default; parameters decided by the run or fed from an input become a range when not
// given; anything else missing, undeclared, mistyped or outside its allowed values is
// `invalid_param` with the JSON Pointer `path_prefix + "/params/<name>"`.
Result<PreparedNode> prepare_params(const Model& model, const nlohmann::json* params,
                                    const std::string& path_prefix);

// Fills what the node did not give: declared defaults, and ranges for quantities the run or an
// input decides (bounded by max_from); checks given run quantities against that bound.
// `node.values`/`node.given` hold the given values on entry. Errors point at
// `path_prefix + "/params/<name>"`.
Status complete_params(PreparedNode& node, std::string_view path_prefix);

// Reads a whole node object {"id", "model", "params", ...}. `allow_graph_fields` accepts the
// plan-only "inputs" and "skip".
Result<PreparedNode> prepare_node(const RateCard& card, const nlohmann::json& node,
                                  const std::string& path_prefix);

// Sets a numeric parameter to a value (or range), as the plan does from an upstream output.
// Values outside the parameter's range are cut to it; a range wholly outside is an error.
Status bind_numeric(PreparedNode& node, int32_t slot, Decimal lo, Decimal hi,
                    const std::string& path);

// Parses a JSON number or decimal string exactly. JSON floats are taken by their shortest
// round-trip text (5.5 stays 5.5); NaN, infinities and magnitudes over 10^15 are refused.
std::optional<Decimal> read_json_decimal(const nlohmann::json& v);

}  // namespace credits
