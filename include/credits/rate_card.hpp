// The rate card: every model a canvas can call, the parameters it takes and how its price is
// built from a fixed set of typed blocks. Loaded once from JSON (see docs/rate-card.md),
// validated in full, then immutable and shared by every quote.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "credits/decimal.hpp"
#include "credits/error.hpp"

namespace credits {

enum class ModelKind { image, video, audio, voice, lipsync, character, transcription, text };
std::string_view to_string(ModelKind kind);

enum class ParamType { integer, decimal, string, boolean };
std::string_view to_string(ParamType type);

// A concrete parameter value as blocks see it. Strings and booleans are known exactly (a
// missing one takes its default); numbers may be a range [lo, hi] when only the run, or an
// upstream node whose output is not known yet, decides them.
struct ParamValue {
  Decimal lo;
  Decimal hi;
  int32_t choice = -1;  // index into ParamSpec::choices for strings; 0/1 for booleans
  bool is_exact() const { return lo == hi; }
};

// Where a parameter's value can come from in a graph: output `output` of the upstream node
// connected to input port `port`.
struct InputBinding {
  std::string port;
  std::string output;
};

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::integer;
  std::string label;
  std::string unit;  // "s", "images", "tokens": used in breakdown text
  std::vector<std::string> choices;  // allowed strings (string params)
  std::vector<Decimal> allowed;      // allowed numbers (numeric params with a value list)
  std::optional<Decimal> min, max, step;  // numeric range; value must be min + k*step
  std::optional<ParamValue> default_value;
  // The run decides this quantity (output tokens, generated audio length). When the node does
  // not give it, the quote ranges over [min, max], or [min, value of max_from] when set.
  bool decided_by_run = false;
  int32_t max_from = -1;  // slot of the parameter bounding it from above
  std::optional<InputBinding> input;

  // Whether a number is one of this parameter's allowed values (list, or range and step).
  bool allows(const Decimal& d) const;

  bool is_numeric() const { return type == ParamType::integer || type == ParamType::decimal; }
  // A finite domain we can enumerate: strings, booleans, or numbers with a value list.
  bool is_finite() const { return !is_numeric() || !allowed.empty(); }
};

// One matcher for a parameter inside a table row, a multiplier or an add-on: an exact value,
// or an inclusive band [lo, hi] with either end open.
struct Match {
  int32_t choice = -1;            // strings and booleans
  std::optional<Decimal> equals;  // numbers
  std::optional<Decimal> lo, hi;  // bands
  bool is_band() const { return lo.has_value() || hi.has_value(); }
};

enum class BlockType { flat, per_unit, table, multiplier, addon, included_units, tokens, clamp };
std::string_view to_string(BlockType type);

struct TableRow {
  std::vector<Match> when;  // one per key, in key order
  Decimal credits;
};

// How a quantity becomes billable units: q / 10^per_exponent, or ceil(q / step) when billed per
// started step (in which case the rate is per step).
struct UnitRule {
  int per_exponent = 0;
  std::optional<Decimal> step;
};

struct PriceBlock {
  BlockType type = BlockType::flat;
  std::string label;
  // flat, addon: credits. per_unit, included_units: rate (per unit). tokens: rate (input).
  Decimal credits;
  Decimal rate;
  Decimal output_rate;  // tokens: per output unit (`rate` is per input unit)
  int32_t param = -1;
  int32_t output_param = -1;  // tokens: the output quantity (`param` is the input)
  UnitRule units;
  Decimal included;  // included_units
  std::vector<int32_t> keys;     // table
  std::vector<TableRow> rows;    // table
  std::vector<std::pair<Match, Decimal>> factors;  // multiplier
  std::optional<Decimal> default_factor;           // multiplier
  Match when;                                      // addon
  std::optional<Decimal> min, max;                 // clamp
};

// What a node produces that downstream nodes may be priced on (a video's duration, an
// image's megapixels).
struct OutputSpec {
  std::string name;
  int32_t param = -1;                 // copies a parameter's value...
  std::vector<Decimal> by_choice;     // ...or maps a string parameter's choice to a number
  std::optional<Decimal> lo, hi;      // ...or a fixed value or range
};

struct Model {
  std::string id;
  ModelKind kind = ModelKind::image;
  std::string label;
  std::string provider;
  std::string list_price;  // the published price it was converted from, for people
  std::vector<ParamSpec> params;
  std::vector<PriceBlock> price;
  std::vector<OutputSpec> outputs;

  int32_t param_index(std::string_view name) const;
  const OutputSpec* output(std::string_view name) const;
};

struct RateCard {
  std::string version;
  std::string credit_value;  // e.g. "0.01 USD": the conversion the list prices used
  std::vector<Model> models;
  std::unordered_map<std::string, int32_t> index;

  // Finds a model without building a string: models are few, and a quote looks one up each time.
  const Model* find(std::string_view id) const;
};

// Parses and validates a rate card. On failure, every problem found, each with a JSON Pointer.
struct RateCardErrors {
  std::vector<Error> errors;
};
Result<RateCard> load_rate_card(std::string_view json_text, RateCardErrors* all_errors = nullptr);

}  // namespace credits
