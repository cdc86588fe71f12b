#include "credits/wire/node_wire.hpp"

#include <array>
#include <cstring>

namespace credits {

using nlohmann::json;

namespace {

bool is(const std::string& key, std::string_view word) {
  return key.size() == word.size() && std::memcmp(key.data(), word.data(), word.size()) == 0;
}

// A float's text as nlohmann writes it (serializer::dump_float): the text a parameter reads.
std::string float_text(double v) {
  std::array<char, 64> text;
  const char* end = nlohmann::detail::to_chars(text.data(), text.data() + text.size(), v);
  return std::string(text.data(), static_cast<size_t>(end - text.data()));
}

// The scalar kinds only: what a parameter can be (an array or object is kept whole by
// given_from_json, for the retry check).
bool read_scalar(const json& v, GivenValue& out) {
  using Kind = GivenValue::Kind;
  switch (v.type()) {
    case json::value_t::null:
      out.kind = Kind::null;
      return true;
    case json::value_t::boolean:
      out.kind = Kind::boolean;
      out.boolean = v.get<bool>();
      return true;
    case json::value_t::number_integer:
      out.kind = Kind::integer;
      out.integer = v.get<int64_t>();
      return true;
    case json::value_t::number_unsigned:
      out.kind = Kind::unsigned_integer;
      out.unsigned_integer = v.get<uint64_t>();
      return true;
    case json::value_t::number_float:
      out.kind = Kind::floating;
      out.floating = v.get<double>();
      out.text = float_text(out.floating);
      return true;
    case json::value_t::string:
      out.kind = Kind::string;
      out.text = v.get_ref<const std::string&>();
      return true;
    default:
      return false;
  }
}

// The fields of a node object, and the first fault of its own fields, in prepare_node()'s
// order: not an object, an unknown field (in byte order), the id, the model.
struct NodeFields {
  NodeFault fault = NodeFault::none;
  std::string unknown_field;
  const json* id = nullptr;
  const json* model = nullptr;
  const json* params = nullptr;
  const json* inputs = nullptr;
  const json* skip = nullptr;
};

NodeFields scan_node(const json& node) {
  NodeFields f;
  if (!node.is_object()) {
    f.fault = NodeFault::not_object;
    return f;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string& k = it.key();
    if (is(k, "id"))
      f.id = &*it;
    else if (is(k, "model"))
      f.model = &*it;
    else if (is(k, "params"))
      f.params = &*it;
    else if (is(k, "inputs"))
      f.inputs = &*it;
    else if (is(k, "skip"))
      f.skip = &*it;
    else if (f.fault == NodeFault::none) {
      f.fault = NodeFault::unknown_field;
      f.unknown_field = k;
    }
  }
  if (f.fault != NodeFault::none) return f;
  if (f.id && (!f.id->is_string() || !is_valid_id(f.id->get_ref<const std::string&>())))
    f.fault = NodeFault::bad_id;
  else if (!f.model || !f.model->is_string())
    f.fault = NodeFault::bad_model;
  return f;
}

// A value as give_param() reads it, its text a view into `v` (or, for a float, into
// `float_text`): nothing copied. An array or object is a kind alone (no parameter takes one).
GivenScalar scalar_in_place(const json& v, std::array<char, 64>& float_text) {
  using Kind = GivenValue::Kind;
  GivenScalar out;
  switch (v.type()) {
    case json::value_t::boolean:
      out.kind = Kind::boolean;
      out.boolean = v.get<bool>();
      break;
    case json::value_t::number_integer:
      out.kind = Kind::integer;
      out.integer = v.get<int64_t>();
      break;
    case json::value_t::number_unsigned:
      out.kind = Kind::unsigned_integer;
      out.unsigned_integer = v.get<uint64_t>();
      break;
    case json::value_t::number_float: {
      out.kind = Kind::floating;
      out.floating = v.get<double>();
      const char* end = nlohmann::detail::to_chars(
          float_text.data(), float_text.data() + float_text.size(), out.floating);
      out.text = std::string_view(float_text.data(), static_cast<size_t>(end - float_text.data()));
      break;
    }
    case json::value_t::string:
      out.kind = Kind::string;
      out.text = v.get_ref<const std::string&>();
      break;
    case json::value_t::array:
      out.kind = Kind::array;
      break;
    case json::value_t::object:
      out.kind = Kind::object;
      break;
    default:
      break;  // null
  }
  return out;
}

std::shared_ptr<const GivenValue> shared_given(const json* v) {
  return v ? std::make_shared<const GivenValue>(given_from_json(*v)) : nullptr;
}

}  // namespace

GivenValue given_float(double v) {
  GivenValue out;
  out.kind = GivenValue::Kind::floating;
  out.floating = v;
  out.text = float_text(v);
  return out;
}

GivenValue given_from_json(const json& v) {
  GivenValue out;
  if (read_scalar(v, out)) return out;
  out.kind = v.is_array() ? GivenValue::Kind::array : GivenValue::Kind::object;
  auto children = std::make_shared<std::vector<std::pair<std::string, GivenValue>>>();
  children->reserve(v.size());
  if (v.is_array())
    for (const json& item : v) children->emplace_back(std::string(), given_from_json(item));
  else
    for (auto it = v.begin(); it != v.end(); ++it)
      children->emplace_back(it.key(), given_from_json(it.value()));
  out.children = std::move(children);
  return out;
}

json given_to_json(const GivenValue& v) {
  using Kind = GivenValue::Kind;
  switch (v.kind) {
    case Kind::null:
      return json(nullptr);
    case Kind::boolean:
      return json(v.boolean);
    case Kind::integer:
      return json(v.integer);
    case Kind::unsigned_integer:
      return json(v.unsigned_integer);
    case Kind::floating:
      return json(v.floating);
    case Kind::string:
      return json(v.text);
    default:
      break;
  }
  json out = v.kind == Kind::array ? json::array() : json::object();
  if (v.children)
    for (const auto& [name, child] : *v.children) {
      if (v.kind == Kind::array)
        out.push_back(given_to_json(child));
      else
        out[name] = given_to_json(child);
    }
  return out;
}

Node node_from_json(const json& node) {
  NodeFields f = scan_node(node);
  Node out;
  out.fault = f.fault;
  out.unknown_field = std::move(f.unknown_field);
  if (f.id) {
    out.has_id = true;
    if (f.id->is_string()) out.id = f.id->get_ref<const std::string&>();
  }
  if (f.model && f.model->is_string()) out.model = f.model->get_ref<const std::string&>();
  if (f.params) {
    out.params_form = f.params->is_null()     ? Node::Params::null
                      : f.params->is_object() ? Node::Params::object
                                              : Node::Params::other;
    if (f.params->is_object()) {
      out.params.reserve(f.params->size());
      for (auto it = f.params->begin(); it != f.params->end(); ++it)
        out.params.push_back(GivenParam{it.key(), given_from_json(it.value())});
    }
  }
  out.inputs = shared_given(f.inputs);
  out.skip = shared_given(f.skip);
  return out;
}

json params_to_json(const std::vector<GivenParam>& params) {
  json out = json::object();
  for (const GivenParam& p : params) out[p.name] = given_to_json(p.value);
  return out;
}

Usage usage_from_json(const json* usage) {
  Usage out;
  if (!usage || usage->is_null()) return out;
  if (!usage->is_object()) {
    out.form = Usage::Form::not_object;
    return out;
  }
  out.form = Usage::Form::quantities;
  out.quantities.reserve(usage->size());
  for (auto it = usage->begin(); it != usage->end(); ++it)
    out.quantities.push_back(GivenParam{it.key(), given_from_json(it.value())});
  return out;
}

Result<PreparedNode> prepare_node(const RateCard& card, const json& node,
                                  std::string_view path_prefix) {
  NodeFields f = scan_node(node);
  if (f.fault != NodeFault::none) return node_fault_error(f.fault, f.unknown_field, path_prefix);
  const std::string& model_id = f.model->get_ref<const std::string&>();
  const Model* model = card.find(model_id);
  if (!model) return unknown_model_error(card, model_id, path_prefix);
  if (f.params && !f.params->is_null() && !f.params->is_object())
    return params_not_object_error(path_prefix);
  PreparedNode prepared;
  start_prepared(*model, prepared);
  if (f.params && f.params->is_object()) {
    std::array<char, 64> float_text;  // a float's text, read where it lies like a string's
    for (auto it = f.params->begin(); it != f.params->end(); ++it) {
      const GivenScalar value = scalar_in_place(it.value(), float_text);
      if (Status st = give_param(prepared, it.key(), value, path_prefix); !st) return st.error();
    }
  }
  if (Status st = complete_params(prepared, path_prefix); !st) return st.error();
  return prepared;
}

std::optional<Decimal> read_json_decimal(const json& v) {
  std::array<char, 64> float_text;
  return given_decimal(scalar_in_place(v, float_text));
}

}  // namespace credits
