#include "credits/wire/json_text.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

namespace credits {

using nlohmann::json;

namespace {

// Well-formed UTF-8 (Unicode Table 3-7) with no byte that JSON must escape.
bool copyable(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      if (c < 0x20 || c == '"' || c == '\\') return false;
      ++p;
      continue;
    }
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) n = 1;
    else if (c == 0xE0) n = 2, lo = 0xA0;
    else if (c >= 0xE1 && c <= 0xEC) n = 2;
    else if (c == 0xED) n = 2, hi = 0x9F;
    else if (c >= 0xEE && c <= 0xEF) n = 2;
    else if (c == 0xF0) n = 3, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) n = 3;
    else if (c == 0xF4) n = 3, hi = 0x8F;
    else return false;
    if (static_cast<size_t>(end - p) < n + 1) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (size_t k = 2; k <= n; ++k)
      if (p[k] < 0x80 || p[k] > 0xBF) return false;
    p += n + 1;
  }
  return true;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  if (copyable(s)) {
    out += '"';
    out += s;
    out += '"';
    return;
  }
  out += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void append_json_int(std::string& out, int64_t v) {
  char buf[24];
  char* e = buf + sizeof buf;
  char* p = e;
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  do {
    *--p = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) *--p = '-';
  out.append(p, static_cast<size_t>(e - p));
}

namespace {

// The exact decimal value of a JSON number token: value = digits × 10^exponent, with no
// leading or trailing zeros in digits (zero is empty digits). Exponents are saturated far
// beyond any double, so "1e-99999999999" still compares as not zero.
struct ExactNumber {
  bool negative = false;
  std::string digits;
  int64_t exponent = 0;
  bool operator==(const ExactNumber& o) const {
    return negative == o.negative && digits == o.digits && exponent == o.exponent;
  }
};

ExactNumber exact_number(std::string_view s) {
  ExactNumber n;
  size_t i = 0;
  if (i < s.size() && s[i] == '-') n.negative = true, ++i;
  auto is_digit = [&](size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '9'; };
  while (is_digit(i)) n.digits += s[i++];
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (is_digit(i)) n.digits += s[i++], --n.exponent;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool negative_exponent = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative_exponent = s[i++] == '-';
    int64_t e = 0;
    constexpr int64_t kSaturated = int64_t{1} << 40;
    while (is_digit(i)) e = std::min(kSaturated, e * 10 + (s[i++] - '0'));
    n.exponent += negative_exponent ? -e : e;
  }
  const size_t first = n.digits.find_first_not_of('0');
  if (first == std::string::npos) return ExactNumber{};  // zero, whatever its sign
  n.digits.erase(0, first);
  while (n.digits.back() == '0') n.digits.pop_back(), ++n.exponent;
  return n;
}

// Builds the document from nlohmann's SAX events, refusing what its own parser would let
// through: a key given twice in one object (nlohmann keeps the last), and a number whose text
// a double cannot hold exactly (7.9999999999999999 would silently become 8). Every reader of
// the document reads a float by its shortest round-trip text (read_json_decimal), so a float
// kept here is read back as exactly the value its text wrote.
class StrictDocument {
 public:
  using string_t = json::string_t;

  explicit StrictDocument(std::string_view not_json_message) : not_json_message_(not_json_message) {}

  bool null() { return put(json(nullptr)); }
  bool boolean(bool b) { return put(json(b)); }
  bool number_integer(json::number_integer_t v) { return put(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return put(json(v)); }
  bool number_float(json::number_float_t v, const string_t& text) {
    if (!float_text_is_exact(v, text)) {
      const std::string shown = shown_number(text);
      return refuse(value_path(), "the number " + shown +
                                      " has more digits than can be read exactly; write it as a decimal string (\"" +
                                      shown + "\")");
    }
    return put(json(v));
  }
  bool string(string_t& s) { return put(json(std::move(s))); }
  bool binary(json::binary_t&) { return refuse(value_path(), std::string(not_json_message_)); }  // never from text
  bool start_object(std::size_t) { return open(json::value_t::object); }
  bool start_array(std::size_t) { return open(json::value_t::array); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(string_t& k) {
    auto& object = stack_.back()->get_ref<json::object_t&>();
    auto [it, inserted] = object.emplace(std::move(k), nullptr);
    if (!inserted) {
      keys_.back() = &it->first;
      return refuse(value_path(), "the key \"" + it->first + "\" appears twice in one object");
    }
    keys_.back() = &it->first;
    element_ = &it->second;
    return true;
  }
  bool parse_error(std::size_t, const std::string& token, const nlohmann::detail::exception& e) {
    // 406: a number too large for a double (1e400). Said as such, where it is: "not valid
    // JSON" would send the writer looking for a syntax error.
    if (e.id == 406) return refuse(value_path(), "the number " + shown_number(token) + " is too large to be read");
    not_json();
    return false;
  }
  void not_json() {
    if (!error_) error_ = Error(ErrorCode::invalid_json, std::string(not_json_message_));
  }

  Result<json> result() && {
    if (error_) return std::move(*error_);
    return std::move(root_);
  }

 private:
  bool put(json&& v) {
    place(std::move(v));
    return true;
  }
  json* place(json&& v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    json* top = stack_.back();
    if (top->is_array()) {
      auto& a = top->get_ref<json::array_t&>();
      a.push_back(std::move(v));
      return &a.back();
    }
    *element_ = std::move(v);
    return element_;
  }
  bool open(json::value_t type) {
    json* container = place(json(type));
    stack_.push_back(container);
    keys_.push_back(nullptr);
    return true;
  }
  bool close() {
    stack_.pop_back();
    keys_.pop_back();
    return true;
  }
  // The JSON Pointer of the value being read (built only for an error).
  std::string value_path() const {
    std::string path;
    for (size_t i = 0; i < stack_.size(); ++i) {
      const json& c = *stack_[i];
      const bool last = i + 1 == stack_.size();
      if (c.is_object()) path = keys_[i] ? pointer_join(path, *keys_[i]) : path;
      else path = pointer_join(path, last ? c.size() : c.size() - 1);
    }
    return path;
  }
  static std::string shown_number(const std::string& text) {
    return text.size() > 40 ? text.substr(0, 40) + "..." : text;
  }
  bool refuse(std::string path, std::string message) {
    error_ = Error(ErrorCode::invalid_json, std::move(message), std::move(path));
    return false;
  }

  std::string_view not_json_message_;
  json root_;
  std::vector<json*> stack_;
  std::vector<const std::string*> keys_;  // the current key of each open object
  json* element_ = nullptr;               // where the next value of the innermost object goes
  std::optional<Error> error_;
};

}  // namespace

bool float_text_is_exact(double value, const std::string& text) {
  return exact_number(text) == exact_number(json(value).dump());
}

Status check_json_limits(std::string_view text, size_t max_bytes, int max_depth) {
  if (text.size() > max_bytes)
    return Error(ErrorCode::invalid_json, "input over " + std::to_string(max_bytes) + " bytes");
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char ch : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (ch == '\\') escaped = true;
      else if (ch == '"') in_string = false;
      continue;
    }
    if (ch == '"') in_string = true;
    else if (ch == '[' || ch == '{') {
      if (++depth > max_depth)
        return Error(ErrorCode::invalid_json, "nested deeper than " + std::to_string(max_depth) + " levels");
    } else if (ch == ']' || ch == '}') --depth;
  }
  return Ok{};
}

Result<json> parse_json_strict(std::string_view text, std::string_view not_json_message) {
  StrictDocument doc(not_json_message);
  bool parsed = false;
  try {
    parsed = json::sax_parse(text.begin(), text.end(), &doc);
  } catch (const std::exception&) {
    return Error(ErrorCode::invalid_json, std::string(not_json_message));
  }
  if (!parsed) doc.not_json();
  return std::move(doc).result();
}

Result<json> parse_json_limited(std::string_view text, size_t max_bytes, std::string_view not_json_message) {
  // Limits first, so no input can exhaust the stack.
  if (Status s = check_json_limits(text, max_bytes, kMaxJsonDepth); !s) return s.error();
  return parse_json_strict(text, not_json_message);
}

std::optional<Credits> json_amount(const json& v) {
  if (!v.is_number_integer()) return std::nullopt;
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(kMaxAmount)) return std::nullopt;
    return static_cast<Credits>(u);
  }
  const Credits c = v.get<int64_t>();
  if (!is_amount(c)) return std::nullopt;
  return c;
}

std::string to_wire(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace credits
