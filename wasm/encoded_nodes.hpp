// A compact numeric form of nodes for pricing from the browser without a JSON round trip per
// node. The JS package (web/src/encode.js) indexes a card's models and parameters once and
// writes nodes into WebAssembly memory; this prices them with the same complete_params and
// price_node as every other path.
//
// Input, one record per node, as doubles:
//   model_index, n, then n pairs (slot, value)
// where model_index indexes the card's models (-1: a model the card does not have), slot indexes
// the model's parameters (Engine::models order; -1: one the model does not declare) and value
// is the choice index of a string parameter (-1: not one of its values, or not a string), 0/1
// for a bool (-1: not a boolean), or the number itself (NaN: not a number). A whole number is
// read as that integer; a fractional one from its shortest round-trip text, exactly as the JSON
// path reads a JSON float (read_json_decimal), so 4.27 is the decimal 4.27, never a binary
// approximation. The encoder only translates names and values; every rule is checked here.
// Output, three doubles per node: status, min, max. Status
//   0  priced: min and max are whole credits (at most 2^53, so exact as doubles);
//   1  not settled here (a malformed record, a price past 2^53): the JSON path decides;
//   2  refused: the JSON path refuses the same node, and gives the error.
// For 1 and 2 the caller asks the JSON path when it needs the error's words, so the typed path
// can only ever agree with it.
#pragma once

#include <cstddef>
#include <string>

#include "credits/node.hpp"
#include "credits/rate_card.hpp"

namespace credits {

// Returns the number of nodes priced with status 0. `scratch` is reused from call to call (one
// record at a time, as quote() sends them, would otherwise allocate its vectors every call).
size_t price_encoded_nodes(const RateCard& card, const double* input, size_t input_length,
                           size_t node_count, double* output, PreparedNode& scratch);
size_t price_encoded_nodes(const RateCard& card, const double* input, size_t input_length,
                           size_t node_count, double* output);

// One record's whole quote, breakdown included, with "id": null (the caller knows the id): the
// bytes quote_wire writes for the same node. Empty when the record is not one that
// price_encoded_nodes prices (the caller asks only about records it priced).
std::string quote_encoded_node(const RateCard& card, const double* record, size_t length);

}  // namespace credits
