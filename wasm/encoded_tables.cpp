// How EncodedPricer makes a model's table (which parameters have which domain) and shows its
// layout to the JS package. Runs once per model, off the hot path (encoded_nodes.cpp), so the
// WASM build compiles it for size.
#include <algorithm>
#include <array>
#include <cmath>
#include <nlohmann/json.hpp>

#include "encoded_nodes.hpp"
#include "credits/value_classes.hpp"
#include "credits/wire/json_text.hpp"

namespace credits {

namespace {

// A number parameter's values k / scale for whole k (scale 1: its whole values; 100: its
// hundredths), from the smallest to the largest it may take: the first k and their count (which
// of them it takes is ParamSpec::allows' answer); false when they are not a short range.
bool number_domain(const ParamSpec& p, uint32_t scale, int64_t& lo_out, uint32_t& size_out) {
  std::optional<Decimal> lo = p.min, hi = p.max;
  for (const Decimal& a : p.allowed) {
    if (!lo || a < *lo) lo = a;
    if (!hi || a > *hi) hi = a;
  }
  const Decimal factor = Decimal::from_int(scale);
  if (lo) lo = lo->mul(factor);
  if (hi) hi = hi->mul(factor);
  // Read into plain integers (GCC's -Wmaybe-uninitialized misreads optionals of optionals).
  const std::optional<int64_t> lo_int = lo ? lo->ceil_to_int64() : std::optional<int64_t>();
  const std::optional<int64_t> hi_int = hi ? hi->ceil_to_int64() : std::optional<int64_t>();
  if (!lo_int || !hi_int) return false;
  const int64_t l = lo_int.value_or(0), h = hi_int.value_or(0);
  // Below 2^40 consecutive hundredths are distinct doubles, and every k is exact.
  constexpr double kLargest = 1099511627776.0;
  if (h < l || h - l >= static_cast<int64_t>(EncodedPricer::kMaxTableEntries) ||
      std::fabs(static_cast<double>(l)) > kLargest || std::fabs(static_cast<double>(h)) > kLargest)
    return false;
  lo_out = l;
  size_out = static_cast<uint32_t>(h - l + 1);
  return true;
}

// Whether every value k / scale of the domain is allowed, known without asking allows() for
// each (a range of 40,000 characters would take milliseconds): a range without a list whose
// ends are the domain's, and no step but whole steps from a whole minimum.
bool every_value_allowed(const ParamSpec& p, const EncodedPricer::Slot& slot) {
  if (!p.allowed.empty() || !p.min || !p.max) return false;
  const Decimal factor = Decimal::from_int(slot.scale);
  const auto lo = p.min->mul(factor), hi = p.max->mul(factor);
  if (!lo || !hi || *lo != Decimal::from_int(slot.lo) || *hi != Decimal::from_int(slot.lo + slot.size - 1)) return false;
  if (slot.scale != 1) return p.type == ParamType::decimal && !p.step;
  return !p.step || (*p.step == Decimal::from_int(1) && p.min->is_integer());
}

// A decimal as the nearest double, where that is one division of exact doubles: a mantissa
// of at most 2^53 over a power of ten up to 10^22 (its text gives both); nullopt otherwise.
// (strtod would do it for all, but is 7 KB of the module.)
std::optional<double> nearest_double(const Decimal& d) {
  const std::string text = d.to_string();
  int64_t mantissa = 0;
  int scale = 0;
  bool fraction = false;
  for (char c : text) {
    if (c == '-') continue;
    if (c == '.') {
      fraction = true;
      continue;
    }
    if (mantissa > (int64_t{1} << 53) / 10) return std::nullopt;
    mantissa = mantissa * 10 + (c - '0');
    scale += fraction ? 1 : 0;
  }
  if (scale > 22) return std::nullopt;
  double power = 1;
  for (int k = 0; k < scale; ++k) power *= 10;  // exact: 10^22 = 5^22 * 2^22, and 5^22 < 2^53
  const double v = static_cast<double>(mantissa) / power;
  return d.is_negative() ? -v : v;
}

// A number parameter's value classes as the numbers a record carries: each point the double
// the engine reads as it (numeric_value). A record's value is looked up only where the typed
// path reads it (read_here: whole numbers and hundredths), so every value of a class is one
// the engine reads exactly.
bool class_domain(const Model& model, size_t slot, EncodedPricer::Slot& out) {
  const auto classes = value_classes(model, slot, EncodedPricer::kMaxTableEntries);
  if (!classes || classes->count == 0) return false;
  out.points.clear();
  for (const Decimal& point : classes->points) {
    const std::optional<double> d = nearest_double(point);
    const auto read = d ? numeric_value(*d) : std::nullopt;
    if (!read || *read != point) return false;
    out.points.push_back(*d);
  }
  out.kind = EncodedPricer::Slot::Kind::classes;
  out.size = static_cast<uint32_t>(classes->count);
  out.at = classes->at;
  out.between = classes->between;
  out.whole_only = classes->whole_only;
  return true;
}

// A number parameter's whole values, as number_domain finds them.
bool whole_domain(const ParamSpec& p, EncodedPricer::Slot& out) {
  out.scale = 1;
  if (!number_domain(p, 1, out.lo, out.size)) return false;
  out.kind = EncodedPricer::Slot::Kind::whole_values;
  return true;
}

// A decimal parameter's hundredths (4.27 s), for a range without a list or a step: the engine
// reads the double nearest k / 100 as that decimal (fractional_value), and a record's value is
// one of them when k / 100 gives it back for k = its value times 100, rounded.
bool hundredths_domain(const ParamSpec& p, EncodedPricer::Slot& out) {
  if (p.type != ParamType::decimal || !p.allowed.empty() || p.step) return false;
  out.scale = 100;
  if (!number_domain(p, 100, out.lo, out.size)) return false;
  out.kind = EncodedPricer::Slot::Kind::whole_values;
  return true;
}

// Whether every value of a number parameter is whole: then its whole values are its domain.
bool whole_numbers_only(const ParamSpec& p) {
  if (p.type == ParamType::integer) return true;
  if (p.allowed.empty()) return false;
  return std::all_of(p.allowed.begin(), p.allowed.end(), [](const Decimal& a) { return a.is_integer(); });
}

}  // namespace

EncodedPricer::EncodedPricer(const RateCard& card)
    : card_(card), tables_(card.models.size()), built_(card.models.size(), false) {}

// A model's table, made on its first record (making every table at once cost milliseconds of
// a cold start): the domains first, and only when they fit, which numbers are allowed. A number
// parameter's domain is first its whole values when it has only whole ones, and otherwise its
// classes, else its hundredths, else its whole values; if that makes too many combinations, its
// classes wherever it has them, else its whole values.
EncodedPricer::Table& EncodedPricer::table(size_t m) {
  Table& t = tables_[m];
  if (built_[m]) return t;
  built_[m] = true;
  const Model& model = card_.models[m];
  if (model.params.empty() || model.params.size() > 63) return t;
  for (const bool smallest : {false, true}) {
    Table made;
    size_t combinations = 1;
    for (size_t s = 0; s < model.params.size() && combinations <= kMaxTableEntries; ++s) {
      const ParamSpec& p = model.params[s];
      Slot slot;
      bool found = true;
      if (p.type == ParamType::string) slot.size = static_cast<uint32_t>(p.choices.size());
      else if (p.type == ParamType::boolean) slot.size = 2;
      else if (!smallest && whole_numbers_only(p))
        found = whole_domain(p, slot) || class_domain(model, s, slot);
      else if (!smallest)
        found = class_domain(model, s, slot) || hundredths_domain(p, slot) || whole_domain(p, slot);
      else
        found = class_domain(model, s, slot) || whole_domain(p, slot);
      if (!found) break;
      made.stride.push_back(static_cast<uint32_t>(combinations));
      combinations *= slot.size + 1;
      made.slots.push_back(std::move(slot));
    }
    if (made.slots.size() != model.params.size() || combinations > kMaxTableEntries) continue;
    for (size_t s = 0; s < made.slots.size(); ++s) {
      Slot& slot = made.slots[s];
      if (slot.kind != Slot::Kind::whole_values || every_value_allowed(model.params[s], slot)) continue;
      const int digits = slot.scale == 1 ? 0 : 2;
      for (int64_t k = slot.lo; k < slot.lo + static_cast<int64_t>(slot.size); ++k) {
        const auto v = Decimal::from_int(k).div_pow10(digits);
        slot.allowed.push_back(v && model.params[s].allows(*v));
      }
    }
    made.combinations = combinations;
    t = std::move(made);
    return t;
  }
  return t;
}

void EncodedPricer::Table::allocate() {
  entries.resize(combinations);
  exact.assign(combinations, kNotComputed);
}

void EncodedPricer::Table::fill(Entry* entry, const double* o) {
  *entry = Entry{o[0], o[1], o[2]};
  int32_t& e = exact[static_cast<size_t>(entry - entries.data())];
  if (o[0] == 2) e = kRefused;
  else if (o[0] == 0 && o[1] == o[2] && o[2] >= 0 && o[2] <= 2147483647.0) e = static_cast<int32_t>(o[2]);
  else e = kAskTheEngine;
}

namespace {

// A double as the shortest text that reads back as it (nlohmann's to_chars, which dump() uses).
void append_double(std::string& out, double v) {
  std::array<char, 64> text;
  const char* end = nlohmann::detail::to_chars(text.data(), text.data() + text.size(), v);
  out.append(text.data(), static_cast<size_t>(end - text.data()));
}

}  // namespace

// Numbers written with append_json_int (std::to_string would link snprintf into the module).
std::string EncodedPricer::expose_tables() {
  std::string out = "[";
  const auto field = [&](const char* key, int64_t v) {
    out += key;
    append_json_int(out, v);
  };
  for (size_t m = 0; m < tables_.size(); ++m) {
    Table& t = table(m);
    if (t.slots.empty()) continue;
    if (t.entries.empty()) t.allocate();
    out += out.size() > 1 ? "," : "";
    field("{\"model\":", static_cast<int64_t>(m));
    field(",\"entries\":", static_cast<int64_t>(reinterpret_cast<uintptr_t>(t.exact.data())));
    out += ",\"stride\":[";
    for (size_t s = 0; s < t.stride.size(); ++s) field(s ? "," : "", t.stride[s]);
    out += "],\"slots\":[";
    for (size_t s = 0; s < t.slots.size(); ++s) {
      const Slot& d = t.slots[s];
      field(s ? ",{\"lo\":" : "{\"lo\":", d.lo);
      field(",\"size\":", d.size);
      if (d.kind == Slot::Kind::whole_values) {
        field(",\"scale\":", d.scale);
        if (!d.allowed.empty()) {  // none: every value of the domain is allowed
          out += ",\"allowed\":\"";
          for (bool a : d.allowed) out += a ? '1' : '0';
          out += '"';
        }
      } else if (d.kind == Slot::Kind::classes) {
        out += ",\"points\":[";
        for (size_t j = 0; j < d.points.size(); ++j) append_double(out.append(j ? "," : ""), d.points[j]);
        out += "],\"at\":[";
        for (size_t j = 0; j < d.at.size(); ++j) field(j ? "," : "", d.at[j]);
        out += "],\"between\":[";
        for (size_t j = 0; j < d.between.size(); ++j) field(j ? "," : "", d.between[j]);
        out += d.whole_only ? "],\"whole\":true" : "],\"whole\":false";
      }
      out += '}';
    }
    out += "]}";
  }
  return out + "]";
}

}  // namespace credits
