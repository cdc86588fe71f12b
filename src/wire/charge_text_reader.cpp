#include <nlohmann/json.hpp>

#include "credits/wire/json_text.hpp"
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

// What a charge line holds, read by nlohmann's SAX events straight into strings and the two
// nested values (node, quoted), with no document built around them. It gives up (returns
// false, which stops the parse) at the first thing a well-formed charge does not have: the
// caller then reads the line with the full reader, which words the error. So nothing here
// decides an error; it only has to refuse at least everything the full reader refuses
// (duplicate keys, inexact numbers, unknown fields, a wrong type).
class ChargeLine {
 public:
  using string_t = json::string_t;

  bool null() { return nested() && put(json(nullptr)); }
  bool boolean(bool b) { return nested() && put(json(b)); }
  bool number_integer(json::number_integer_t v) { return scalar_or_put(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return scalar_or_put(json(v)); }
  bool number_float(json::number_float_t v, const string_t& text) {
    return nested() && float_text_is_exact(v, text) && put(json(v));
  }
  bool string(string_t& s) {
    if (nested()) return put(json(std::move(s)));
    if (!field_) return false;
    std::string* target = text_field(*field_);
    if (!target) return false;
    *target = std::move(s);
    return true;
  }
  bool binary(json::binary_t&) { return false; }
  bool start_object(std::size_t) { return open(json::value_t::object); }
  bool start_array(std::size_t) { return open(json::value_t::array); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(string_t& k) {
    if (depth_ == 1) {
      field_ = charge_field(k);
      if (!field_ || (seen_ & bit(*field_))) return false;
      seen_ |= bit(*field_);
      return true;
    }
    auto& object = stack_.back()->get_ref<json::object_t&>();
    auto [it, inserted] = object.emplace(std::move(k), nullptr);
    element_ = &it->second;
    return inserted;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

  // The charge, if the line held a well-formed one.
  std::optional<Operation> take() &&;

 private:
  static unsigned bit(ChargeField f) { return 1u << static_cast<unsigned>(f); }
  bool nested() const { return depth_ >= 2; }
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
    if (nested()) return put(std::move(v));
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
  bool open(json::value_t type) {
    // nlohmann's SAX parser keeps its own stack on the heap, so depth is checked here, as the
    // full reader's pre-scan does, rather than by a second pass over the text.
    if (++depth_ > kMaxJsonDepth) return false;
    if (depth_ == 1) return type == json::value_t::object;
    if (depth_ == 2) {
      if (field_ != ChargeField::node && field_ != ChargeField::quoted) return false;
      json& root = field_ == ChargeField::node ? node_ : quoted_;
      root = json(type);
      stack_.push_back(&root);
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
  bool close() {
    if (depth_ >= 2) stack_.pop_back();
    --depth_;
    return true;
  }

  int depth_ = 0;
  std::optional<ChargeField> field_;
  unsigned seen_ = 0;
  std::string op_, at_, user_, key_, rate_card_, reservation_;
  json node_, quoted_;
  std::vector<json*> stack_;
  json* element_ = nullptr;
};

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
  if ((seen_ & required) != required || op_ != "charge" || !node_.is_object() || rate_card_.empty())
    return std::nullopt;
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
