#include "credits/wire/rate_card_diff.hpp"

#include <map>
#include <optional>
#include <set>

#include "credits/estimator.hpp"
#include "credits/wire/json_text.hpp"
#include "credits/wire/node_wire.hpp"

namespace credits {

using nlohmann::json;

namespace {

// A parameter value written as JSON text: numbers exactly as the card wrote them.
std::string value_text(const ParamSpec& p, const Decimal& number, int32_t choice) {
  std::string out;
  if (p.type == ParamType::string) append_json_string(out, p.choices[static_cast<size_t>(choice)]);
  else if (p.type == ParamType::boolean) out = choice ? "true" : "false";
  else out = number.to_string();
  return out;
}

// Every value worth pricing of one parameter: each choice or listed value, or a range's ends.
std::vector<std::string> domain_of(const ParamSpec& p) {
  std::vector<std::string> values;
  if (p.type == ParamType::string)
    for (size_t c = 0; c < p.choices.size(); ++c) values.push_back(value_text(p, {}, static_cast<int32_t>(c)));
  else if (p.type == ParamType::boolean)
    values = {"false", "true"};
  else if (!p.allowed.empty())
    for (const Decimal& d : p.allowed) values.push_back(value_text(p, d, -1));
  else
    for (const auto& end : {p.min, p.max})
      if (end) values.push_back(value_text(p, *end, -1));
  return values;
}

// The value a node must give when the parameter has no default (the first of its domain);
// none for parameters the run or an upstream node decides.
std::optional<std::string> required_value(const ParamSpec& p) {
  if (p.default_value || p.decided_by_run || p.input) return std::nullopt;
  std::vector<std::string> values = domain_of(p);
  if (values.empty()) return std::nullopt;
  return values.front();
}

json node_of(const Model& model, size_t k, const std::map<std::string, std::string>& params) {
  std::string text = "{\"id\":";
  append_json_string(text, model.id + "@" + std::to_string(k));
  text += ",\"model\":";
  append_json_string(text, model.id);
  text += ",\"params\":{";
  bool first = true;
  for (const auto& [name, value] : params) {
    if (!first) text += ',';
    first = false;
    append_json_string(text, name);
    text += ':';
    text += value;
  }
  text += "}}";
  auto node = parse_json_strict(text);
  return node ? std::move(*node) : json();  // every piece above is JSON the card itself held
}

struct NodePrice {
  bool priced = false;
  Price price;
  bool operator==(const NodePrice& o) const {
    return priced == o.priced && (!priced || (price.min == o.price.min && price.max == o.price.max));
  }
};

NodePrice price_on(const RateCard& card, const json& node) {
  auto prepared = prepare_node(card, node, "");
  if (!prepared) return {};
  auto price = price_node(*prepared);
  if (!price) return {};
  return {true, *price};
}

void write_price(std::string& out, const NodePrice& p) {
  if (!p.priced) {
    out += "null";
    return;
  }
  out += "{\"max\":";
  append_json_int(out, p.price.max);
  out += ",\"min\":";
  append_json_int(out, p.price.min);
  out += '}';
}

// Each model's JSON as the card wrote it, by id, canonical (key order and spacing do not count).
std::map<std::string, std::string> models_as_written(const json& doc) {
  std::map<std::string, std::string> out;
  auto models = doc.find("models");
  if (models == doc.end() || !models->is_array()) return out;
  for (const json& m : *models)
    if (m.is_object() && m.contains("id") && m["id"].is_string()) out[m["id"].get<std::string>()] = to_wire(m);
  return out;
}

void write_id_list(std::string& out, const std::vector<std::string>& ids) {
  out += '[';
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, ids[i]);
  }
  out += ']';
}

void write_model_changes(std::string& out, const json& from_doc, const json& to_doc) {
  const auto before = models_as_written(from_doc), after = models_as_written(to_doc);
  std::vector<std::string> added, changed, removed;
  for (const auto& [id, text] : after) {
    auto it = before.find(id);
    if (it == before.end()) added.push_back(id);
    else if (it->second != text) changed.push_back(id);
  }
  for (const auto& [id, text] : before)
    if (!after.count(id)) removed.push_back(id);
  out += "{\"added\":";
  write_id_list(out, added);
  out += ",\"changed\":";
  write_id_list(out, changed);
  out += ",\"removed\":";
  write_id_list(out, removed);
  out += '}';
}

// A sample over every model of either card; a model on both is sampled over both domains, so
// a choice the new card drops is priced too.
std::vector<json> sample_both(const RateCard& from, const RateCard& to) {
  std::vector<json> nodes;
  std::set<std::string> seen;
  for (const RateCard* card : {&from, &to})
    for (const Model& m : card->models)
      for (json& n : sample_nodes(m)) {
        // The same model and params sampled from both cards is one node (ids follow the first).
        std::string key = m.id + to_wire(n["params"]);
        if (seen.insert(key).second) nodes.push_back(std::move(n));
      }
  return nodes;
}

void write_node_change(std::string& out, const json& node, const NodePrice& before, const NodePrice& after) {
  out += "{\"id\":";
  auto id = node.is_object() ? node.find("id") : node.end();
  if (id != node.end() && id->is_string()) append_json_string(out, id->get_ref<const std::string&>());
  else out += "null";
  out += ",\"model\":";
  auto model = node.is_object() ? node.find("model") : node.end();
  if (model != node.end() && model->is_string()) append_json_string(out, model->get_ref<const std::string&>());
  else out += "null";
  out += ",\"new\":";
  write_price(out, after);
  out += ",\"old\":";
  write_price(out, before);
  out += ",\"params\":";
  auto params = node.is_object() ? node.find("params") : node.end();
  out += params != node.end() ? to_wire(*params) : "{}";
  out += '}';
}

}  // namespace

std::vector<json> sample_nodes(const Model& model) {
  std::map<std::string, std::string> base;
  for (const ParamSpec& p : model.params)
    if (auto v = required_value(p)) base[p.name] = *v;
  std::vector<json> nodes{node_of(model, 0, base)};
  std::set<std::map<std::string, std::string>> seen{base};
  for (const ParamSpec& p : model.params) {
    if (p.input) continue;  // an upstream node decides it: the quote keeps the declared range
    const std::optional<std::string> default_text =
        p.default_value ? std::optional(value_text(p, p.default_value->lo, p.default_value->choice)) : std::nullopt;
    const std::vector<std::string> values = domain_of(p);
    for (const std::string& v : values) {
      if (v == default_text) continue;  // the node at the defaults has it
      std::map<std::string, std::string> params = base;
      params[p.name] = v;
      // A run-decided quantity bounded by another parameter (output tokens by max tokens):
      // at its top, the bound is raised to its own top so the node stays valid.
      if (p.max_from >= 0 && v == values.back()) {
        const ParamSpec& bound = model.params[static_cast<size_t>(p.max_from)];
        if (auto top = domain_of(bound); !top.empty()) params[bound.name] = top.back();
      }
      if (seen.insert(params).second) nodes.push_back(node_of(model, nodes.size(), params));
    }
  }
  return nodes;
}

std::string rate_card_diff_wire(const DiffedCard& from, const DiffedCard& to, const std::vector<json>* nodes) {
  const bool sampling = !nodes;
  std::vector<json> sampled;
  if (sampling) {
    sampled = sample_both(from.card, to.card);
    nodes = &sampled;
  }
  std::string changes;
  size_t listed = 0;
  for (const json& node : *nodes) {
    const NodePrice before = price_on(from.card, node), after = price_on(to.card, node);
    if (before == after) continue;
    if (listed++) changes += ',';
    write_node_change(changes, node, before, after);
  }
  std::string out = "{\"compared\":";
  append_json_int(out, static_cast<int64_t>(nodes->size()));
  out += ",\"from\":";
  append_json_string(out, from.card.version);
  out += ",\"models\":";
  write_model_changes(out, from.doc, to.doc);
  out += ",\"nodes\":[";
  out += changes;
  out += "],\"ok\":true,\"sampled\":";
  out += sampling ? "true" : "false";
  out += ",\"to\":";
  append_json_string(out, to.card.version);
  out += '}';
  return out;
}

}  // namespace credits
