#include <algorithm>
#include <nlohmann/json.hpp>

#include "credits/wire/json_text.hpp"
#include "credits/wire/node_wire.hpp"
#include "credits/wire/operation_text.hpp"

namespace credits {

using nlohmann::json;

namespace {

// The fields of a charge operation, each allowed once.
// `reservation` (SPEC §11) is the only optional one.
enum class ChargeField { op, at, user, key, node, quoted, rate_card, reservation };

std::optional<ChargeField> charge_field(std::string_view key) {
  static constexpr std::pair<std::string_view, ChargeField> kFields[] = {
      {"op", ChargeField::op},
      {"at", ChargeField::at},
      {"user", ChargeField::user},
      {"key", ChargeField::key},
      {"node", ChargeField::node},
      {"quoted", ChargeField::quoted},
      {"rate_card", ChargeField::rate_card},
      {"reservation", ChargeField::reservation}};
  for (const auto& [name, field] : kFields)
    if (name == key) return field;
  return std::nullopt;
}

// What a charge line holds, read by nlohmann's SAX events straight into strings, the typed
// node and the "quoted" value, with no document built around them. It gives up (returns false,
// which stops the parse) at the first thing a well-formed charge does not have: the caller
// then reads the line with the full reader, which words the error. So nothing here decides an
// error; it only has to refuse at least everything the full reader refuses (duplicate keys,
// inexact numbers, unknown fields, a wrong type), and give the node node_from_json() gives.
// A node with anything but a valid "id", a "model" and scalar "params" takes the full reader.
class ChargeLine {
 public:
  using string_t = json::string_t;

  bool null() { return in_quoted() && put(json(nullptr)); }
  bool boolean(bool b) {
    if (in_quoted()) return put(json(b));
    GivenValue* v = param_value();
    if (!v) return false;
    v->kind = GivenValue::Kind::boolean;
    v->boolean = b;
    return true;
  }
  bool number_integer(json::number_integer_t n) {
    if (in_quoted() || depth_ == 1) return scalar_or_put(json(n));
    GivenValue* v = param_value();
    if (!v) return false;
    v->kind = GivenValue::Kind::integer;
    v->integer = n;
    return true;
  }
  bool number_unsigned(json::number_unsigned_t n) {
    if (in_quoted() || depth_ == 1) return scalar_or_put(json(n));
    GivenValue* v = param_value();
    if (!v) return false;
    v->kind = GivenValue::Kind::unsigned_integer;
    v->unsigned_integer = n;
    return true;
  }
  bool number_float(json::number_float_t n, const string_t& text) {
    if (!float_text_is_exact(n, text)) return false;
    if (in_quoted()) return put(json(n));
    GivenValue* v = param_value();
    if (!v) return false;
    *v = given_float(n);
    return true;
  }
  bool string(string_t& s);
  bool binary(json::binary_t&) { return false; }
  bool start_object(std::size_t) { return open(json::value_t::object); }
  bool start_array(std::size_t) { return open(json::value_t::array); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(string_t& k);
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

  // The charge, if the line held a well-formed one.
  std::optional<Operation> take() &&;

 private:
  // The node's fields this reader takes, each once.
  enum class NodeField { none, id, model, params };

  static unsigned bit(ChargeField f) { return 1u << static_cast<unsigned>(f); }
  bool in_quoted() const { return depth_ >= 2 && field_ == ChargeField::quoted; }
  bool in_node() const { return depth_ >= 2 && field_ == ChargeField::node; }
  // The parameter a value at depth 3 of the node belongs to; null for anything else.
  GivenValue* param_value() {
    return in_node() && depth_ == 3 && !node_.params.empty() ? &node_.params.back().value : nullptr;
  }
  std::string* text_field(ChargeField f) {
    switch (f) {
      case ChargeField::op:
        return &op_;
      case ChargeField::at:
        return &at_;
      case ChargeField::user:
        return &user_;
      case ChargeField::key:
        return &key_;
      case ChargeField::rate_card:
        return &rate_card_;
      case ChargeField::reservation:
        return &reservation_;
      default:
        return nullptr;
    }
  }
  // A top-level integer is only ever "quoted" as a plain amount.
  bool scalar_or_put(json&& v) {
    if (in_quoted()) return put(std::move(v));
    if (field_ != ChargeField::quoted) return false;
    quoted_ = std::move(v);
    return true;
  }
  bool put(json&& v) {
    json* top = stack_.back();
    if (top->is_array())
      top->get_ref<json::array_t&>().push_back(std::move(v));
    else
      *element_ = std::move(v);
    return true;
  }
  bool open(json::value_t type);
  bool open_quoted(json::value_t type);
  bool close() {
    if (in_quoted()) stack_.pop_back();
    if (in_node() && depth_ == 2) node_closed_ = true;
    --depth_;
    return true;
  }

  int depth_ = 0;
  std::optional<ChargeField> field_;
  unsigned seen_ = 0;
  std::string op_, at_, user_, key_, rate_card_, reservation_;
  Node node_;
  NodeField node_field_ = NodeField::none;
  unsigned node_seen_ = 0;
  bool node_closed_ = false;
  json quoted_;
  std::vector<json*> stack_;
  json* element_ = nullptr;
};

bool ChargeLine::string(string_t& s) {
  if (in_quoted()) return put(json(std::move(s)));
  if (in_node()) {
    if (depth_ == 3) {
      GivenValue* v = param_value();
      if (!v) return false;
      v->kind = GivenValue::Kind::string;
      v->text = std::move(s);
      return true;
    }
    if (node_field_ == NodeField::id && is_valid_id(s)) {
      node_.has_id = true;
      node_.id = std::move(s);
      return true;
    }
    if (node_field_ != NodeField::model) return false;
    node_.model = std::move(s);
    return true;
  }
  if (!field_) return false;
  std::string* target = text_field(*field_);
  if (!target) return false;
  *target = std::move(s);
  return true;
}

bool ChargeLine::key(string_t& k) {
  if (depth_ == 1) {
    field_ = charge_field(k);
    if (!field_ || (seen_ & bit(*field_))) return false;
    seen_ |= bit(*field_);
    return true;
  }
  if (in_node()) {
    if (depth_ == 3) {  // a parameter: duplicates are found once they are sorted
      node_.params.push_back(GivenParam{std::move(k), GivenValue()});
      return true;
    }
    node_field_ = k == "id"       ? NodeField::id
                  : k == "model"  ? NodeField::model
                  : k == "params" ? NodeField::params
                                  : NodeField::none;
    const unsigned b = 1u << static_cast<unsigned>(node_field_);
    if (node_field_ == NodeField::none || (node_seen_ & b)) return false;
    node_seen_ |= b;
    return true;
  }
  auto& object = stack_.back()->get_ref<json::object_t&>();
  auto [it, inserted] = object.emplace(std::move(k), nullptr);
  element_ = &it->second;
  return inserted;
}

bool ChargeLine::open(json::value_t type) {
  // nlohmann's SAX parser keeps its own stack on the heap, so depth is checked here, as the
  // full reader's pre-scan does, rather than by a second pass over the text.
  if (++depth_ > kMaxJsonDepth) return false;
  if (depth_ == 1) return type == json::value_t::object;
  if (field_ == ChargeField::quoted) return open_quoted(type);
  if (field_ != ChargeField::node || type != json::value_t::object) return false;
  if (depth_ == 2) return true;  // the node itself ("node" comes once)
  if (depth_ == 3 && node_field_ == NodeField::params) {
    node_.params_form = Node::Params::object;
    return true;
  }
  return false;
}

bool ChargeLine::open_quoted(json::value_t type) {
  if (depth_ == 2) {
    quoted_ = json(type);
    stack_.push_back(&quoted_);
    return true;
  }
  json* top = stack_.back();
  json* container;
  if (top->is_array()) {
    auto& a = top->get_ref<json::array_t&>();
    a.emplace_back(type);
    container = &a.back();
  } else {
    *element_ = json(type);
    container = element_;
  }
  stack_.push_back(container);
  return true;
}

// "quoted": credits, or {"min", "max"} (max required), each an input amount.
bool read_quoted(const json& q, ChargeRequest& req) {
  if (!q.is_object()) {
    auto amount = json_amount(q);
    if (!amount) return false;
    req.quoted = *amount;
    return true;
  }
  for (auto it = q.begin(); it != q.end(); ++it)
    if (it.key() != "min" && it.key() != "max") return false;
  auto max = q.find("max");
  if (max == q.end()) return false;
  auto max_amount = json_amount(*max);
  if (!max_amount) return false;
  req.quoted = *max_amount;
  if (auto min = q.find("min"); min != q.end()) {
    auto min_amount = json_amount(*min);
    if (!min_amount) return false;
    req.quoted_min = *min_amount;
  }
  return true;
}

std::optional<Operation> ChargeLine::take() && {
  const unsigned required = (1u << 7) - 1;
  const bool reserved = seen_ & bit(ChargeField::reservation);
  if ((seen_ & required) != required || op_ != "charge" || !node_closed_ || node_.model.empty() ||
      rate_card_.empty())
    return std::nullopt;
  // The parameters as node_from_json() gives them: in byte order of their names, each once.
  std::sort(node_.params.begin(), node_.params.end(),
            [](const GivenParam& a, const GivenParam& b) { return a.name < b.name; });
  for (size_t i = 1; i < node_.params.size(); ++i)
    if (node_.params[i].name == node_.params[i - 1].name) return std::nullopt;
  if (!is_valid_id(user_) || !is_valid_id(key_) || (reserved && !is_valid_id(reservation_))) return std::nullopt;
  auto at = parse_timestamp(at_);
  if (!at) return std::nullopt;
  ops::Charge c{{*at}, {}};
  if (!read_quoted(quoted_, c.request)) return std::nullopt;
  c.request.user = std::move(user_);
  c.request.key = std::move(key_);
  c.request.node = std::move(node_);
  c.request.rate_card = std::move(rate_card_);
  c.request.reservation = std::move(reservation_);
  return Operation(std::move(c));
}

}  // namespace

std::optional<Operation> read_charge_text(std::string_view line) {
  if (line.size() > kMaxJsonBytes) return std::nullopt;
  ChargeLine reader;
  try {
    if (!json::sax_parse(line.begin(), line.end(), &reader)) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return std::move(reader).take();
}

}  // namespace credits
