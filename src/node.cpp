#include "credits/node.hpp"

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

namespace credits {

using nlohmann::json;

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

std::optional<Decimal> read_json_decimal(const json& v) {
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(kMaxParamMagnitude)) return std::nullopt;
    return Decimal::from_int(static_cast<int64_t>(v.get<uint64_t>()));
  }
  if (v.is_number_integer()) {
    int64_t i = v.get<int64_t>();
    if (i > static_cast<int64_t>(kMaxParamMagnitude) || i < -static_cast<int64_t>(kMaxParamMagnitude))
      return std::nullopt;
    return Decimal::from_int(i);
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (!std::isfinite(d) || std::fabs(d) > kMaxParamMagnitude) return std::nullopt;
    // nlohmann prints the shortest text that reads back as the same double: the user's text.
    return Decimal::parse(v.dump());
  }
  if (v.is_string()) return Decimal::parse(v.get_ref<const std::string&>());
  return std::nullopt;
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

Result<PreparedNode> prepare_params(const Model& model, const json* params,
                                    const std::string& path_prefix) {
  PreparedNode node;
  node.model = &model;
  node.values.resize(model.params.size());
  node.given.assign(model.params.size(), false);
  // Error paths are built only when there is an error: this runs for every quote.
  auto params_path = [&] { return path_prefix + "/params"; };
  if (params && !params->is_null()) {
    if (!params->is_object()) return bad(params_path(), "\"params\" must be an object");
    for (auto it = params->begin(); it != params->end(); ++it) {
      auto path = [&] { return pointer_join(params_path(), it.key()); };
      int32_t slot = model.param_index(it.key());
      if (slot < 0) return bad(path(), model.id + " takes no parameter \"" + it.key() + "\"");
      const ParamSpec& p = model.params[static_cast<size_t>(slot)];
      const json& v = it.value();
      ParamValue pv;
      if (p.type == ParamType::string) {
        if (!v.is_string()) return bad(path(), p.name + " must be one of: " + describe_allowed(p));
        const std::string& text = v.get_ref<const std::string&>();
        for (size_t c = 0; c < p.choices.size(); ++c)
          if (p.choices[c] == text) pv.choice = static_cast<int32_t>(c);
        if (pv.choice < 0) return bad(path(), p.name + " must be one of: " + describe_allowed(p));
      } else if (p.type == ParamType::boolean) {
        if (!v.is_boolean()) return bad(path(), p.name + " must be true or false");
        pv.choice = v.get<bool>() ? 1 : 0;
      } else {
        if (!v.is_number() && !v.is_string())
          return bad(path(), p.name + " must be a number");
        // An int is a JSON number ("6" is text, not a count); a decimal may also be written as a
        // decimal string ("4.2"), read exactly.
        if (v.is_string() && p.type == ParamType::integer)
          return bad(path(), p.name + " is a whole number: write it as a JSON number (6), not a string");
        auto d = read_json_decimal(v);
        if (!d) return bad(path(), p.name + " must be a finite number of at most 10^15");
        if (!p.allows(*d))
          return bad(path(), p.name + " = " + d->to_string() + " is not allowed (" + describe_allowed(p) + ")");
        pv.lo = pv.hi = *d;
      }
      node.values[static_cast<size_t>(slot)] = pv;
      node.given[static_cast<size_t>(slot)] = true;
    }
  }
  if (Status st = complete_params(node, path_prefix); !st) return st.error();
  return node;
}

namespace {
bool is(const std::string& key, std::string_view word) {
  return key.size() == word.size() && std::memcmp(key.data(), word.data(), word.size()) == 0;
}
}  // namespace

Result<PreparedNode> prepare_node(const RateCard& card, const json& node,
                                  const std::string& path_prefix) {
  if (!node.is_object()) return bad(path_prefix, "a node must be a JSON object");
  // One pass over the keys finds the fields and refuses unknown ones.
  const json* id = nullptr;
  const json* model_field = nullptr;
  const json* params = nullptr;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string& k = it.key();
    if (is(k, "id")) id = &*it;
    else if (is(k, "model")) model_field = &*it;
    else if (is(k, "params")) params = &*it;
    else if (!is(k, "inputs") && !is(k, "skip"))
      return bad(pointer_join(path_prefix, k), "unknown node field \"" + k + "\"");
  }
  if (id && (!id->is_string() || !is_valid_id(id->get_ref<const std::string&>())))
    return bad(path_prefix + "/id", id_rule_message("id"));
  if (!model_field || !model_field->is_string())
    return bad(path_prefix + "/model", "a node needs \"model\", a model id string");
  const std::string& model_id = model_field->get_ref<const std::string&>();
  const Model* model = card.find(model_id);
  if (!model)
    return Error(ErrorCode::unknown_model, "no model \"" + model_id + "\" in rate card " + card.version,
                 path_prefix + "/model");
  return prepare_params(*model, params, path_prefix);
}

}  // namespace credits
