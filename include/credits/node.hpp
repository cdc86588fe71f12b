// A node as the estimator sees it: a model and one value per declared parameter, checked
// against the rate card. Preparing a node is where all parameter validation happens, so the
// pricing itself never meets a bad value.
//
// A node arrives first as a `Node`: the fields a request gave, typed but not judged. The wire
// (wire/node_wire.hpp) reads it from JSON without refusing anything, because a node's errors
// are reported after the user, membership and rate-card checks (SPEC order); prepare_node()
// judges it, with the same codes, messages and JSON Pointer paths wherever it is read.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "credits/rate_card.hpp"

namespace credits {

// The largest magnitude a numeric parameter may have (about 10^15): beyond it a double no
// longer holds every integer, so two different inputs could price the same. The JSON reader
// (node.cpp) and the typed path of the browser (wasm/encoded_nodes.cpp) both refuse what is past it.
inline constexpr double kMaxParamMagnitude = 1e15;

// A value as a request wrote it, before any model judges it. Numbers keep the kind the reader
// gave them (4 and 4.0 are written back as given) and compare by the JSON rule the retry check
// has always used (4 equals 4.0). Arrays and objects are kept whole: a parameter never takes
// one, but a node's "inputs" and "skip" may hold any value, and a retry must give it again.
struct GivenValue {
  enum class Kind : uint8_t {
    null,
    boolean,
    integer,
    unsigned_integer,
    floating,
    string,
    array,
    object
  };
  Kind kind = Kind::null;
  union {
    bool boolean;
    int64_t integer;
    uint64_t unsigned_integer;
    double floating;
  };
  // A string's text; a float's shortest round-trip text as the wire writes it (the decimal a
  // parameter reads from it, so 5.5 stays 5.5).
  std::string text;
  // An array's items (names empty) or an object's members (in byte order of their names).
  std::shared_ptr<const std::vector<std::pair<std::string, GivenValue>>> children;

  GivenValue() : integer(0) {}
  bool is_number() const {
    return kind == Kind::integer || kind == Kind::unsigned_integer || kind == Kind::floating;
  }
};
// nlohmann's equality, kept exactly: numbers of different kinds compare as the library casts
// them (integer and float as doubles, so 4 == 4.0), objects by their members, whatever order.
bool operator==(const GivenValue& a, const GivenValue& b);
inline bool operator!=(const GivenValue& a, const GivenValue& b) { return !(a == b); }

// A scalar as give_param() reads it: a GivenValue's, or one the quote's path reads in place
// (the text a view into the request, so a quote copies no string).
struct GivenScalar {
  GivenValue::Kind kind = GivenValue::Kind::null;
  union {
    bool boolean;
    int64_t integer;
    uint64_t unsigned_integer;
    double floating;
  };
  std::string_view text;  // as GivenValue::text; an array or object is a kind alone

  GivenScalar() : integer(0) {}
  explicit GivenScalar(const GivenValue& v) : kind(v.kind), text(v.text) {
    std::memcpy(&integer, &v.integer, sizeof integer);  // whichever member the kind names
  }
  bool is_number() const {
    using Kind = GivenValue::Kind;
    return kind == Kind::integer || kind == Kind::unsigned_integer || kind == Kind::floating;
  }
};

// A named value: a node's parameter, or a quantity of a completed run.
struct GivenParam {
  std::string name;
  GivenValue value;
};
inline bool operator==(const GivenParam& a, const GivenParam& b) {
  return a.name == b.name && a.value == b.value;
}

// The first thing wrong with a node's own fields, found by the reader and reported by
// prepare_node() in its place: after the user, membership and rate-card checks.
enum class NodeFault : uint8_t {
  none,
  not_object,     // the node is not a JSON object
  unknown_field,  // `Node::unknown_field` is not a node field
  bad_id,         // "id" is not a valid id string
  bad_model,      // "model" is missing or not a string
};

// A node as a request gave it: {"id", "model", "params", "inputs", "skip"}.
struct Node {
  NodeFault fault = NodeFault::none;
  std::string unknown_field;  // the field `NodeFault::unknown_field` names
  bool has_id = false;
  std::string id;     // when "id" is a string (even an invalid one), else ""
  std::string model;  // when "model" is a string, else ""
  // "params": absent, null (none), an object (`params`), or something else (refused).
  enum class Params : uint8_t { absent, null, object, other };
  Params params_form = Params::absent;
  std::vector<GivenParam> params;  // in byte order of their names
  // The plan reads a graph's edges and skip flags itself (plan_wire); a charge takes any value
  // here and keeps it only to tell a retry from a conflict. Null when absent.
  std::shared_ptr<const GivenValue> inputs, skip;
};
// Whether two nodes are the same JSON, as the retry check has always compared them, for nodes
// the reader gave (a fault stands for content no accepted node has, so it never matches one).
bool same_node(const Node& stored, const Node& given);

struct PreparedNode {
  const Model* model = nullptr;
  std::vector<ParamValue> values;  // one per model->params slot
  std::vector<bool> given;         // whether the node set the slot (vs default or unknown)
};

// An empty prepared node for `model`: no slot given yet.
void start_prepared(const Model& model, PreparedNode& node);

// Sets one given parameter: undeclared, mistyped or outside its allowed values is
// `invalid_param` at `path_prefix + "/params/<name>"`.
Status give_param(PreparedNode& node, const std::string& name, const GivenScalar& value,
                  std::string_view path_prefix);

// Reads `params` (in byte order of their names) for `model`. Missing parameters take their
// declared default; parameters decided by the run or fed from an input become a range when not
// given; anything else missing, undeclared, mistyped or outside its allowed values is
// `invalid_param` with the JSON Pointer `path_prefix + "/params/<name>"`.
Result<PreparedNode> prepare_params(const Model& model, const std::vector<GivenParam>& params,
                                    std::string_view path_prefix);

// Fills what the node did not give: declared defaults, and ranges for quantities the run or an
// input decides (bounded by max_from); checks given run quantities against that bound.
// `node.values`/`node.given` hold the given values on entry. Errors point at
// `path_prefix + "/params/<name>"`.
Status complete_params(PreparedNode& node, std::string_view path_prefix);

// The errors of a node's own fields, in the order prepare_node() reports them.
Error node_fault_error(NodeFault fault, const std::string& unknown_field,
                       std::string_view path_prefix);
Error unknown_model_error(const RateCard& card, const std::string& model_id,
                          std::string_view path_prefix);
Error params_not_object_error(std::string_view path_prefix);

// Judges a whole node: its fields, its model on `card`, then its parameters.
Result<PreparedNode> prepare_node(const RateCard& card, const Node& node,
                                  std::string_view path_prefix);

// Sets a numeric parameter to a value (or range), as the plan does from an upstream output.
// Values outside the parameter's range are cut to it; a range wholly outside is an error.
Status bind_numeric(PreparedNode& node, int32_t slot, Decimal lo, Decimal hi,
                    const std::string& path);

// A given number or decimal string, exactly: floats by their shortest round-trip text (5.5
// stays 5.5); NaN, infinities and magnitudes over 10^15 are refused.
std::optional<Decimal> given_decimal(const GivenScalar& v);

}  // namespace credits
