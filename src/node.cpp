#include "credits/node.hpp"

#include <cmath>
#include <cstring>

namespace credits {

namespace {

Error bad(const std::string& path, std::string message) {
  return Error(ErrorCode::invalid_param, std::move(message), path);
}

std::string describe_allowed(const ParamSpec& p) {
  std::string out;
  if (p.type == ParamType::string) {
    for (size_t i = 0; i < p.choices.size(); ++i) out += (i ? ", " : "") + p.choices[i];
  } else if (!p.allowed.empty()) {
    for (size_t i = 0; i < p.allowed.size(); ++i) out += (i ? ", " : "") + p.allowed[i].to_string();
  } else {
    out = (p.min ? p.min->to_string() : "") + " to " + (p.max ? p.max->to_string() : "");
    if (p.step) out += " in steps of " + p.step->to_string();
  }
  return out;
}

}  // namespace

std::optional<Decimal> given_decimal(const GivenScalar& v) {
  using Kind = GivenValue::Kind;
  switch (v.kind) {
    case Kind::unsigned_integer:
      if (v.unsigned_integer > static_cast<uint64_t>(kMaxParamMagnitude)) return std::nullopt;
      return Decimal::from_int(static_cast<int64_t>(v.unsigned_integer));
    case Kind::integer:
      if (v.integer > static_cast<int64_t>(kMaxParamMagnitude) ||
          v.integer < -static_cast<int64_t>(kMaxParamMagnitude))
        return std::nullopt;
      return Decimal::from_int(v.integer);
    case Kind::floating:
      if (!std::isfinite(v.floating) || std::fabs(v.floating) > kMaxParamMagnitude)
        return std::nullopt;
      return Decimal::parse(v.text);  // the float's shortest round-trip text: the user's text
    case Kind::string:
      return Decimal::parse(v.text);
    default:
      return std::nullopt;
  }
}

namespace {

// nlohmann's rule for two numbers: a cast to the other's kind (an integer and an unsigned as
// integers, anything with a float as doubles).
bool same_number(const GivenValue& a, const GivenValue& b) {
  using Kind = GivenValue::Kind;
  auto as_double = [](const GivenValue& v) {
    return v.kind == Kind::floating  ? v.floating
           : v.kind == Kind::integer ? static_cast<double>(v.integer)
                                     : static_cast<double>(v.unsigned_integer);
  };
  if (a.kind == Kind::floating || b.kind == Kind::floating) return as_double(a) == as_double(b);
  if (a.kind == b.kind)
    return a.kind == Kind::integer ? a.integer == b.integer
                                   : a.unsigned_integer == b.unsigned_integer;
  const GivenValue& u = a.kind == Kind::unsigned_integer ? a : b;
  const GivenValue& i = a.kind == Kind::unsigned_integer ? b : a;
  return static_cast<int64_t>(u.unsigned_integer) == i.integer;
}

}  // namespace

bool operator==(const GivenValue& a, const GivenValue& b) {
  using Kind = GivenValue::Kind;
  if (a.is_number() && b.is_number()) return same_number(a, b);
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Kind::null:
      return true;
    case Kind::boolean:
      return a.boolean == b.boolean;
    case Kind::string:
      return a.text == b.text;
    default: {  // an array or an object: members are kept in name order, so in step
      static const std::vector<std::pair<std::string, GivenValue>> kNone;
      const auto& x = a.children ? *a.children : kNone;
      const auto& y = b.children ? *b.children : kNone;
      if (x.size() != y.size()) return false;
      for (size_t k = 0; k < x.size(); ++k)
        if (x[k].first != y[k].first || x[k].second != y[k].second) return false;
      return true;
    }
  }
}

bool same_node(const Node& stored, const Node& given) {
  // A fault is content that no accepted node has (an unknown field, a non-string id or model).
  if (stored.fault != NodeFault::none || given.fault != NodeFault::none) return false;
  auto same_value = [](const std::shared_ptr<const GivenValue>& a,
                       const std::shared_ptr<const GivenValue>& b) {
    return a && b ? *a == *b : !a && !b;
  };
  return stored.has_id == given.has_id && stored.id == given.id && stored.model == given.model &&
         stored.params_form == given.params_form && stored.params_form != Node::Params::other &&
         stored.params == given.params && same_value(stored.inputs, given.inputs) &&
         same_value(stored.skip, given.skip);
}

Status bind_numeric(PreparedNode& node, int32_t slot, Decimal lo, Decimal hi,
                    const std::string& path) {
  const ParamSpec& p = node.model->params[static_cast<size_t>(slot)];
  Decimal pmin = p.min ? *p.min : (p.allowed.empty() ? Decimal() : p.allowed.front());
  Decimal pmax = p.max ? *p.max : (p.allowed.empty() ? hi : p.allowed.back());
  for (const auto& a : p.allowed) {
    if (a < pmin) pmin = a;
    if (a > pmax) pmax = a;
  }
  if (hi < pmin || lo > pmax)
    return bad(path, p.name + " from the input is " + (lo == hi ? lo.to_string() : lo.to_string() + " to " + hi.to_string()) +
                         ", outside what " + node.model->id + " takes (" + describe_allowed(p) + ")");
  // An exact upstream value must be one the parameter takes (a value list, a step).
  if (lo == hi && !p.allows(lo))
    return bad(path, p.name + " from the input is " + lo.to_string() + ", which " + node.model->id +
                         " does not take (" + describe_allowed(p) + ")");
  // A range is cut to what the parameter takes: longer inputs are refused at run time, so they
  // can never be charged; the quote's maximum is the most the run can cost.
  if (lo < pmin) lo = pmin;
  if (hi > pmax) hi = pmax;
  node.values[static_cast<size_t>(slot)] = ParamValue{lo, hi, -1};
  return Ok{};
}

Status complete_params(PreparedNode& node, std::string_view path_prefix) {
  const Model& model = *node.model;
  auto params_path = [&] { return std::string(path_prefix) + "/params"; };
  // Defaults first, then unknowns: an unknown's upper bound may read another parameter
  // (max_from), which must hold its final value by then whatever the declaration order.
  for (size_t s = 0; s < model.params.size(); ++s) {
    const ParamSpec& p = model.params[s];
    if (node.given[s] || p.decided_by_run || p.input) continue;
    if (!p.default_value)
      return bad(pointer_join(params_path(), p.name), model.id + " needs \"" + p.name + "\" (" + describe_allowed(p) + ")");
    node.values[s] = *p.default_value;
  }
  for (size_t s = 0; s < model.params.size(); ++s) {
    const ParamSpec& p = model.params[s];
    if (!(p.decided_by_run || p.input)) continue;
    const ParamValue* bound = p.max_from >= 0 ? &node.values[static_cast<size_t>(p.max_from)] : nullptr;
    if (node.given[s]) {
      // The run's actual quantity cannot exceed the bound the node set (output <= max tokens).
      if (bound && node.values[s].hi > bound->hi)
        return bad(pointer_join(params_path(), p.name), p.name + " = " + node.values[s].hi.to_string() + " exceeds " +
                                                          model.params[static_cast<size_t>(p.max_from)].name + " = " +
                                                          bound->hi.to_string());
      continue;
    }
    Decimal lo = p.min ? *p.min : (p.allowed.empty() ? Decimal() : p.allowed.front());
    Decimal hi = p.max ? *p.max : (p.allowed.empty() ? Decimal() : p.allowed.back());
    for (const auto& a : p.allowed) {
      if (a < lo) lo = a;
      if (a > hi) hi = a;
    }
    if (bound && bound->hi < hi) hi = bound->hi < lo ? lo : bound->hi;
    node.values[s] = ParamValue{lo, hi, -1};
  }
  return Ok{};
}

void start_prepared(const Model& model, PreparedNode& node) {
  node.model = &model;
  node.values.assign(model.params.size(), ParamValue{});
  node.given.assign(model.params.size(), false);
}

Status give_param(PreparedNode& node, const std::string& name, const GivenScalar& v,
                  std::string_view path_prefix) {
  using Kind = GivenValue::Kind;
  const Model& model = *node.model;
  // Error paths are built only when there is an error: this runs for every quote.
  auto path = [&] { return pointer_join(std::string(path_prefix) + "/params", name); };
  int32_t slot = model.param_index(name);
  if (slot < 0) return bad(path(), model.id + " takes no parameter \"" + name + "\"");
  const ParamSpec& p = model.params[static_cast<size_t>(slot)];
  ParamValue pv;
  if (p.type == ParamType::string) {
    if (v.kind != Kind::string)
      return bad(path(), p.name + " must be one of: " + describe_allowed(p));
    for (size_t c = 0; c < p.choices.size(); ++c)
      if (p.choices[c] == v.text) pv.choice = static_cast<int32_t>(c);
    if (pv.choice < 0) return bad(path(), p.name + " must be one of: " + describe_allowed(p));
  } else if (p.type == ParamType::boolean) {
    if (v.kind != Kind::boolean) return bad(path(), p.name + " must be true or false");
    pv.choice = v.boolean ? 1 : 0;
  } else {
    if (!v.is_number() && v.kind != Kind::string) return bad(path(), p.name + " must be a number");
    // An int is a JSON number ("6" is text, not a count); a decimal may also be written as a
    // decimal string ("4.2"), read exactly.
    if (v.kind == Kind::string && p.type == ParamType::integer)
      return bad(path(),
                 p.name + " is a whole number: write it as a JSON number (6), not a string");
    auto d = given_decimal(v);
    if (!d) return bad(path(), p.name + " must be a finite number of at most 10^15");
    if (!p.allows(*d))
      return bad(path(),
                 p.name + " = " + d->to_string() + " is not allowed (" + describe_allowed(p) + ")");
    pv.lo = pv.hi = *d;
  }
  node.values[static_cast<size_t>(slot)] = pv;
  node.given[static_cast<size_t>(slot)] = true;
  return Ok{};
}

Result<PreparedNode> prepare_params(const Model& model, const std::vector<GivenParam>& params,
                                    std::string_view path_prefix) {
  PreparedNode node;
  start_prepared(model, node);
  for (const GivenParam& p : params)
    if (Status st = give_param(node, p.name, GivenScalar(p.value), path_prefix); !st)
      return st.error();
  if (Status st = complete_params(node, path_prefix); !st) return st.error();
  return node;
}

Error node_fault_error(NodeFault fault, const std::string& unknown_field,
                       std::string_view path_prefix) {
  const std::string prefix(path_prefix);
  switch (fault) {
    case NodeFault::not_object:
      return bad(prefix, "a node must be a JSON object");
    case NodeFault::unknown_field:
      return bad(pointer_join(prefix, unknown_field),
                 "unknown node field \"" + unknown_field + "\"");
    case NodeFault::bad_id:
      return bad(prefix + "/id", id_rule_message("id"));
    default:
      return bad(prefix + "/model", "a node needs \"model\", a model id string");
  }
}

Error unknown_model_error(const RateCard& card, const std::string& model_id,
                          std::string_view path_prefix) {
  return Error(ErrorCode::unknown_model,
               "no model \"" + model_id + "\" in rate card " + card.version,
               std::string(path_prefix) + "/model");
}

Error params_not_object_error(std::string_view path_prefix) {
  return bad(std::string(path_prefix) + "/params", "\"params\" must be an object");
}

Result<PreparedNode> prepare_node(const RateCard& card, const Node& node,
                                  std::string_view path_prefix) {
  if (node.fault != NodeFault::none)
    return node_fault_error(node.fault, node.unknown_field, path_prefix);
  const Model* model = card.find(node.model);
  if (!model) return unknown_model_error(card, node.model, path_prefix);
  if (node.params_form == Node::Params::other) return params_not_object_error(path_prefix);
  return prepare_params(*model, node.params, path_prefix);
}

}  // namespace credits
