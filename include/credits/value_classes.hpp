// Which values of one numeric parameter price alike. A model's blocks look at a number in few
// ways: billed per started step (a 4.2 s clip costs what a 5 s one does), matched against bands
// or exact values (tables, multipliers, add-ons), or not at all (a flat price). Between the
// points where any of them changes, every allowed value gives the same price, so a memo of the
// price per class (wasm/encoded_nodes.hpp) answers for values it has never seen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "credits/rate_card.hpp"

namespace credits {

// The allowed values of one numeric parameter, in classes 0 .. count-1. A value equal to
// points[j] is in class at[j]; one strictly between points[j-1] and points[j] in class
// between[j] (between[0]: below the first point, between[points.size()]: above the last).
// -1: the value is not allowed (or, for whole_only, no whole value lies there).
//
// The promise: a value v of the parameter is allowed (ParamSpec::allows) exactly when its class
// is not -1 and v is whole or whole_only is false; and two allowed values of one class give the
// same result from complete_params and price_node (the same price, or both refused) whatever
// the node's other parameters are.
struct ValueClasses {
  std::vector<Decimal> points;  // ascending, distinct; the first is the smallest allowed value
  std::vector<int32_t> at;      // one per point
  std::vector<int32_t> between;  // points.size() + 1
  bool whole_only = false;       // an integer parameter: a fractional value is not allowed
  int32_t count = 0;
};

// The classes of model.params[slot], or nullopt when the price follows the value itself (a
// per-unit rate without a step, tokens), it bounds or is bounded by another parameter
// (max_from), it has no lower or upper bound, a step the classes cannot express, or would need
// more than max_points points.
std::optional<ValueClasses> value_classes(const Model& model, size_t slot, size_t max_points);

}  // namespace credits
