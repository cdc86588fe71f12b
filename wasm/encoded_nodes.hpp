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
// read as that integer; a hundredth as its decimal, exactly as the JSON path reads a JSON float
// (read_json_decimal), so 4.27 is the decimal 4.27, never a binary approximation; any other
// fraction is the JSON path's to read (read_here). The encoder only translates names and values; every rule is checked here.
// Output, three doubles per node: status, min, max. Status
//   0  priced: min and max are whole credits (at most 2^53, so exact as doubles);
//   1  not settled here (a malformed record, a price past 2^53): the JSON path decides;
//   2  refused: the JSON path refuses the same node, and gives the error.
// For 1 and 2 the caller asks the JSON path when it needs the error's words, so the typed path
// can only ever agree with it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "credits/node.hpp"
#include "credits/rate_card.hpp"

namespace credits {

// A fractional JS number as a decimal, exactly as read_json_decimal reads the same JSON float
// (its shortest round-trip text); nullopt where it refuses one.
std::optional<Decimal> fractional_value(double v);
// The same through nlohmann's to_chars text and Decimal::parse, for every number.
std::optional<Decimal> fractional_value_from_text(double v);
// Whether the typed path reads a number itself: a whole number, a hundredth between 0 and 10^5
// (4.27: nlohmann writes it back as the text JSON.stringify gives, checked for every one by
// tests/encoded_nodes_test.cpp), or no finite number at all (NaN, infinity: refused, as the
// JSON path refuses them). Any other fraction is left to the JSON path (status 1): it reads the
// text JSON.stringify writes, the shortest, and its strict reader refuses one that nlohmann's
// Grisu2 would write back with other digits (3.541333333333333 comes back 3.5413333333333332).
bool read_here(double v);
// A number parameter's value, read as the JSON path reads the same JS number: a whole number
// is the integer (JSON.stringify writes it without a fraction), anything else as
// read_json_decimal reads a JSON float (fractional_value). nullopt where it refuses one.
std::optional<Decimal> numeric_value(double v);

// Returns the number of nodes priced with status 0. `scratch` is reused from call to call (one
// record at a time, as quote() sends them, would otherwise allocate its vectors every call).
size_t price_encoded_nodes(const RateCard& card, const double* input, size_t input_length,
                           size_t node_count, double* output, PreparedNode& scratch);
size_t price_encoded_nodes(const RateCard& card, const double* input, size_t input_length,
                           size_t node_count, double* output);

// price_encoded_nodes with a memo for the card's small models: for a model whose every
// parameter has a small finite domain, each combination's result is kept the first time it is
// computed (by the same decode, complete_params and price_node), and a record whose values are
// all in those domains is answered from it. A parameter's domain is its choices, its booleans,
// the whole numbers of a short range or list, or its value classes (credits/value_classes.hpp:
// values between the points where the model's blocks change price alike, so one entry answers
// for 4.27 s and 4.5 s of a per-started-second rate). At most kMaxTableEntries combinations,
// "not given" included. Anything else (a value outside its domain, an undeclared name, a slot
// twice, a larger model) is priced as price_encoded_nodes prices it. The same outputs, always.
// (Its tables are made in encoded_tables.cpp, its records priced in encoded_nodes.cpp.)
class EncodedPricer {
 public:
  static constexpr size_t kMaxTableEntries = 65536;
  static constexpr int32_t kNotComputed = -1, kRefused = -2, kAskTheEngine = -3;
  explicit EncodedPricer(const RateCard& card);
  size_t price(const double* input, size_t input_length, size_t node_count, double* output);
  // Which models have a table, and how many entries (for tests).
  bool has_table(size_t model_index) { return !table(model_index).slots.empty(); }
  size_t table_entries(size_t model_index) { return table(model_index).combinations; }
  // The tables for the JS package to answer records from without a call (web/src/encode.js):
  // every table's entries allocated now (never moved after), and their layout as JSON text,
  //   [{"model", "entries", "stride": [..], "slots": [{"lo", "size", "scale"?, "allowed"?,
  //     "points"?, "at"?, "between"?, "whole"?}]}, ...]
  // `entries`: the address of the first entry, an int32 each: the exact price of the
  // combination, or kNotComputed (-1, until price() meets it), kRefused (-2) or kAskTheEngine
  // (-3: price() answers from its own table). A record's key is the sum over its
  // values of (digit + 1) * stride[slot], the digit being a choice's index, a boolean's 0/1,
  // for a slot with `scale`, k - lo when the number is k / scale for a whole k below lo + size
  // (k: the number times scale, rounded) whose `allowed` character is '1' (no `allowed`: every
  // one is), or, for a slot with `points`, its class: at[j] for a value equal to points[j],
  // between[j] for one between points[j-1] and points[j] (when `whole`, only for a whole
  // number). Any other value, or a class of -1, is not in the table (the record goes to price()).
  std::string expose_tables();

  // One parameter's domain in a table.
  struct Slot {
    enum class Kind : uint8_t { choice, whole_values, classes };
    Kind kind = Kind::choice;      // choice: a string's choices or a boolean
    // whole_values: the values k / scale for whole k from lo (scale 1: whole numbers, 100:
    // hundredths), and whether each is allowed (ParamSpec::allows; empty: every one is).
    int64_t lo = 0;
    uint32_t scale = 1;
    uint32_t size = 0;             // values or classes in the domain (digit k + 1; 0: not given)
    std::vector<bool> allowed;
    std::vector<double> points;    // classes: ValueClasses::points as the numbers read as them
    std::vector<int32_t> at, between;
    bool whole_only = false;
  };

 private:
  struct Entry {
    double status = -1;  // -1: not computed yet
    double min = 0, max = 0;
  };
  struct Table {
    std::vector<Slot> slots;      // empty: the model has no table
    std::vector<uint32_t> stride;  // the key's place value of each slot
    std::vector<Entry> entries;    // allocated on first use
    // The same results for the JS package, 4 bytes each (a third of the cache lines an Entry
    // takes, which in Chromium cost more than the lookups): an exact price below 2^31, or
    // kNotComputed, kRefused, kAskTheEngine (a range, a larger price, an unsettled record).
    std::vector<int32_t> exact;
    size_t combinations = 0;
    void allocate();
    void fill(Entry* entry, const double* output);
  };
  Table& table(size_t model_index);
  // The record's table entry, or nullptr for the general path.
  Entry* lookup(Table& table, const double* pairs, size_t n);

  const RateCard& card_;
  std::vector<Table> tables_;
  std::vector<bool> built_;  // whether tables_[m] has been made (table())
  PreparedNode scratch_;
};

// One record's whole quote, breakdown included, with "id": null (the caller knows the id): the
// bytes quote_wire writes for the same node. Empty when the record is not one that
// price_encoded_nodes prices (the caller asks only about records it priced).
std::string quote_encoded_node(const RateCard& card, const double* record, size_t length);

}  // namespace credits
