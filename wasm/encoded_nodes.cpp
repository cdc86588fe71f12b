#include "encoded_nodes.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "credits/estimator.hpp"
#include "credits/wire/json_text.hpp"
#include "credits/wire/quote_wire.hpp"

namespace credits {

namespace {

bool whole(double v, double lo, double hi) { return v >= lo && v <= hi && std::floor(v) == v; }

}  // namespace

std::optional<Decimal> fractional_value(double v) {
  // A positive number below 10^5 that is the nearest double to a decimal of at most two
  // fractional digits (durations such as 4.27 s) is read without writing its text: the same
  // decimal as to_chars and Decimal::parse give, digits and scale (checked for every such
  // number by tests/encoded_nodes_test.cpp). Whole numbers keep to_chars' "2.0" (scale 1).
  if (v > 0 && v < 1e5) {
    const double hundredths = std::nearbyint(v * 100);
    if (hundredths / 100 == v) {
      auto m = static_cast<int64_t>(hundredths);
      if (m % 100 != 0)
        return m % 10 == 0 ? Decimal::from_int(m / 10).div_pow10(1)
                           : Decimal::from_int(m).div_pow10(2);
    }
  }
  return fractional_value_from_text(v);
}

std::optional<Decimal> fractional_value_from_text(double v) {
  if (!std::isfinite(v) || std::fabs(v) > kMaxParamMagnitude) return std::nullopt;
  // read_json_decimal(json(v)) parses v.dump(), which writes a float with nlohmann's to_chars
  // (serializer::dump_float): the same text, without a json and a std::string per number.
  std::array<char, 64> text;
  const char* end = nlohmann::detail::to_chars(text.data(), text.data() + text.size(), v);
  return Decimal::parse(std::string_view(text.data(), static_cast<size_t>(end - text.data())));
}

std::optional<Decimal> numeric_value(double v) {
  if (whole(v, -kMaxParamMagnitude, kMaxParamMagnitude)) return Decimal::from_int(static_cast<int64_t>(v));
  return fractional_value(v);
}

namespace {

}  // namespace

bool read_here(double v) {
  if (!std::isfinite(v) || std::floor(v) == v) return true;
  return v > 0 && v < 1e5 && std::nearbyint(v * 100) / 100 == v;
}

namespace {

// What a record comes to: priced, refused (the JSON path refuses the same node too), or not
// settled here (a malformed record; the JSON path decides).
enum class Decoded { ok, refused, unsettled };

// One (slot, value) pair into `node`. Slot -1 is a parameter the model does not declare; a
// value outside its slot's domain (-1 for a choice, NaN for a number) is one of the wrong type.
Decoded decode_pair(const Model& model, double slot, double v, PreparedNode& node) {
  if (slot == -1) return Decoded::refused;
  if (!whole(slot, 0, static_cast<double>(model.params.size()) - 1)) return Decoded::unsettled;
  const size_t s = static_cast<size_t>(slot);
  if (node.given[s]) return Decoded::unsettled;
  const ParamSpec& p = model.params[s];
  ParamValue pv;
  if (p.type == ParamType::string) {
    if (!whole(v, 0, static_cast<double>(p.choices.size()) - 1)) return Decoded::refused;
    pv.choice = static_cast<int32_t>(v);
  } else if (p.type == ParamType::boolean) {
    if (v != 0 && v != 1) return Decoded::refused;
    pv.choice = static_cast<int32_t>(v);
  } else {
    if (!read_here(v)) return Decoded::unsettled;
    const auto d = numeric_value(v);
    if (!d || !p.allows(*d)) return Decoded::refused;
    pv.lo = pv.hi = *d;
  }
  node.values[s] = pv;
  node.given[s] = true;
  return Decoded::ok;
}

// Reads one record into `node`, advancing `pos` past it when its length is readable. Model
// index -1 is a model the card does not have.
Decoded decode(const RateCard& card, const double* in, size_t length, size_t& pos, PreparedNode& node) {
  if (pos + 2 > length) return Decoded::unsettled;
  const double model_index = in[pos], count = in[pos + 1];
  if (!whole(count, 0, static_cast<double>(length))) return Decoded::unsettled;
  const size_t n = static_cast<size_t>(count);
  if (pos + 2 + 2 * n > length) return Decoded::unsettled;
  const double* pairs = in + pos + 2;
  pos += 2 + 2 * n;
  if (model_index == -1) return Decoded::refused;
  if (!whole(model_index, 0, static_cast<double>(card.models.size()) - 1)) return Decoded::unsettled;
  const Model& model = card.models[static_cast<size_t>(model_index)];
  node.model = &model;
  node.values.assign(model.params.size(), ParamValue{});
  node.given.assign(model.params.size(), false);
  // Unsettled wins over refused: a malformed record is the JSON path's to judge.
  Decoded result = Decoded::ok;
  for (size_t k = 0; k < n; ++k) {
    const Decoded d = decode_pair(model, pairs[2 * k], pairs[2 * k + 1], node);
    if (d == Decoded::unsettled) return d;
    if (d == Decoded::refused) result = d;
  }
  if (result != Decoded::ok) return result;
  return complete_params(node, "").ok() ? Decoded::ok : Decoded::refused;
}

// Amounts cross to JavaScript as doubles: beyond 2^53 the JSON path reports them exactly.
bool fits_a_double(const Price& price) { return price.max <= (int64_t{1} << 53); }

// One record at `pos` priced into `o` (status, min, max); false when the rest of the stream
// cannot be read (its length is not readable).
bool price_one(const RateCard& card, const double* in, size_t length, size_t& pos, PreparedNode& node, double* o) {
  o[0] = 1, o[1] = 0, o[2] = 0;
  const size_t start = pos;
  const Decoded d = decode(card, in, length, pos, node);
  // Skip a malformed record if its length is readable; otherwise give up on the rest.
  const bool readable = pos != start;
  if (d != Decoded::ok) {
    if (d == Decoded::refused) o[0] = 2;
    return readable;
  }
  auto price = price_node(node);
  if (!price) o[0] = 2;  // no table row prices it, or it overflows: the JSON path says so too
  if (!price || !fits_a_double(*price)) return readable;
  o[0] = 0;
  o[1] = static_cast<double>(price->min);
  o[2] = static_cast<double>(price->max);
  return readable;
}

}  // namespace

size_t price_encoded_nodes(const RateCard& card, const double* in, size_t length, size_t count, double* out) {
  PreparedNode node;
  return price_encoded_nodes(card, in, length, count, out, node);
}

size_t price_encoded_nodes(const RateCard& card, const double* in, size_t length, size_t count, double* out,
                           PreparedNode& node) {
  // `node` is reused: no allocation per node once its vectors have grown.
  size_t pos = 0, priced = 0;
  bool stream_ok = true;
  for (size_t i = 0; i < count; ++i) {
    double* o = out + 3 * i;
    if (!stream_ok) {
      o[0] = 1, o[1] = 0, o[2] = 0;
      continue;
    }
    stream_ok = price_one(card, in, length, pos, node, o);
    if (o[0] == 0) ++priced;
  }
  return priced;
}


namespace {

// A value's digit in a slot of classes (its class), or -1 when it is not in the table. NaN
// compares false with every point, so it falls below the first: -1, as below the minimum.
int64_t class_digit(const std::vector<double>& points, const std::vector<int32_t>& at,
                    const std::vector<int32_t>& between, bool whole_only, double v) {
  if (whole_only ? !(std::floor(v) == v) : !read_here(v)) return -1;
  const size_t j = static_cast<size_t>(std::lower_bound(points.begin(), points.end(), v) - points.begin());
  return j < points.size() && points[j] == v ? at[j] : between[j];
}

}  // namespace

EncodedPricer::Entry* EncodedPricer::lookup(Table& table, const double* pairs, size_t n) {
  size_t key = 0;
  uint64_t seen = 0;  // the slots given (a model with a table has at most 63 parameters)
  for (size_t k = 0; k < n; ++k) {
    const double slot = pairs[2 * k], v = pairs[2 * k + 1];
    if (!whole(slot, 0, static_cast<double>(table.slots.size()) - 1)) return nullptr;
    const size_t s = static_cast<size_t>(slot);
    if (seen & (uint64_t{1} << s)) return nullptr;
    seen |= uint64_t{1} << s;
    const Slot& d = table.slots[s];
    size_t digit;
    if (d.kind == Slot::Kind::choice) {
      if (!whole(v, 0, static_cast<double>(d.size) - 1)) return nullptr;
      digit = static_cast<size_t>(v);
    } else if (d.kind == Slot::Kind::whole_values) {
      double k = v;
      if (d.scale != 1) {
        const double scale = static_cast<double>(d.scale);
        k = std::nearbyint(v * scale);
        if (k / scale != v) return nullptr;  // not a hundredth (NaN included)
      }
      const double lo = static_cast<double>(d.lo);
      if (!whole(k, lo, lo + static_cast<double>(d.size) - 1)) return nullptr;
      digit = static_cast<size_t>(k - lo);
      if (!d.allowed.empty() && !d.allowed[digit]) return nullptr;  // refused: the general path says so
    } else {
      const int64_t c = class_digit(d.points, d.at, d.between, d.whole_only, v);
      if (c < 0) return nullptr;
      digit = static_cast<size_t>(c);
    }
    key += (digit + 1) * table.stride[s];
  }
  if (table.entries.empty()) table.allocate();
  return &table.entries[key];
}

size_t EncodedPricer::price(const double* in, size_t length, size_t count, double* out) {
  size_t pos = 0, priced = 0;
  bool stream_ok = true;
  for (size_t i = 0; i < count; ++i) {
    double* o = out + 3 * i;
    if (!stream_ok) {
      o[0] = 1, o[1] = 0, o[2] = 0;
      continue;
    }
    // A record of a model with a table, its values all in their domains: the table's entry.
    Entry* entry = nullptr;
    Table* table_of_entry = nullptr;
    if (pos + 2 <= length) {
      const double model = in[pos], n = in[pos + 1];
      if (whole(model, 0, static_cast<double>(tables_.size()) - 1) && whole(n, 0, 64) &&
          pos + 2 + 2 * static_cast<size_t>(n) <= length) {
        Table& t = table(static_cast<size_t>(model));
        if (!t.slots.empty()) entry = lookup(t, in + pos + 2, static_cast<size_t>(n)), table_of_entry = &t;
        if (entry && entry->status >= 0) {
          o[0] = entry->status, o[1] = entry->min, o[2] = entry->max;
          pos += 2 + 2 * static_cast<size_t>(n);
          if (o[0] == 0) ++priced;
          continue;
        }
      }
    }
    stream_ok = price_one(card_, in, length, pos, scratch_, o);
    if (entry) table_of_entry->fill(entry, o);
    if (o[0] == 0) ++priced;
  }
  return priced;
}

std::string quote_encoded_node(const RateCard& card, const double* record, size_t length) {
  PreparedNode node;
  size_t pos = 0;
  if (decode(card, record, length, pos, node) != Decoded::ok) return {};
  std::vector<BreakdownLine> breakdown;
  auto price = price_node(node, &breakdown);
  if (!price || !fits_a_double(*price)) return {};
  std::string out;
  write_quote(out, nullptr, *node.model, *price, breakdown, card.version);
  return out;
}

}  // namespace credits
