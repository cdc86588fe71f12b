// A compact numeric form of nodes for pricing whole canvases from the browser without a JSON
// round trip per node. The JS package writes it into WebAssembly memory; this prices it with
// the same complete_params and price_node as every other path.
//
// Input, one record per node, as doubles:
//   model_index, n, then n pairs (slot, value)
// where slot indexes the model's parameters (Engine::models order) and value is the choice
// index of a string parameter, 0/1 for a bool, or the number itself (whole numbers only).
// Output, three doubles per node: status (0 priced, 1 take the JSON path), min, max.
//
// Status 1 is returned for anything the fast path does not settle itself (a fractional
// number, a value not allowed, a malformed record): the caller prices that node from its JSON,
// which produces the exact error. So the fast path can only ever agree with the JSON path.
#pragma once

#include <cstddef>

#include "credits/rate_card.hpp"

namespace credits {

// Returns the number of nodes priced with status 0.
size_t price_encoded_nodes(const RateCard& card, const double* input, size_t input_length,
                           size_t node_count, double* output);

}  // namespace credits
