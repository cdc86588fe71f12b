#include "credits/value_classes.hpp"

#include <algorithm>

#include "heap_sort.hpp"

namespace credits {

namespace {

// A value at which the price may change: a value equal to `at` may price unlike those just
// below it, or just above it, or both.
struct Cut {
  Decimal at;
  bool below = false;
  bool above = false;
};

// The cuts one parameter's value meets in a model's blocks (estimator.cpp reads them so).
class CutFinder {
 public:
  CutFinder(const Model& model, int32_t slot, size_t max_points)
      : model_(model), slot_(slot), spec_(model.params[static_cast<size_t>(slot)]), max_points_(max_points) {}

  // False when the value is read as a quantity (the price follows it) or the cuts are too many.
  bool find() {
    for (const PriceBlock& b : model_.price)
      if (!block(b)) return false;
    return cuts_.size() <= max_points_;
  }

  std::vector<Cut>& cuts() { return cuts_; }

 private:
  bool block(const PriceBlock& b) {
    switch (b.type) {
      case BlockType::flat:
      case BlockType::clamp:
        return true;
      case BlockType::per_unit:
        return b.param != slot_ || steps(Decimal(), b.units);
      case BlockType::included_units:
        return b.param != slot_ || steps(b.included, b.units);
      case BlockType::tokens:
        return (b.param != slot_ || steps(Decimal(), b.units)) && (b.output_param != slot_ || steps(Decimal(), b.units));
      case BlockType::addon:
        if (b.param == slot_) band(b.when);
        return true;
      case BlockType::multiplier:
        if (b.param == slot_)
          for (const auto& factor : b.factors) band(factor.first);
        return true;
      case BlockType::table:
        for (size_t k = 0; k < b.keys.size(); ++k)
          if (b.keys[k] == slot_)
            for (const TableRow& row : b.rows) band(row.when[k]);
        return true;
    }
    return false;  // a block this reading does not know
  }

  // A band's ends or an exact value.
  void band(const Match& m) {
    if (m.equals) cuts_.push_back({*m.equals, true, true});
    if (m.lo) cuts_.push_back({*m.lo, true, false});  // lo itself matches, as above it
    if (m.hi) cuts_.push_back({*m.hi, false, true});  // hi itself matches, as below it
  }

  // Billed per started step above `origin`: ceil((q - origin) / step) is the same on
  // (origin + (k-1) step, origin + k step], so only origin + k step cuts (from above). Below
  // origin the units are 0 (included_units) or negative steps of the same form. Without a
  // step the units follow the value itself.
  bool steps(const Decimal& origin, const UnitRule& units) {
    if (!units.step || units.step->is_negative() || units.step->is_zero() || !spec_.min || !spec_.max) return false;
    const Decimal& step = *units.step;
    auto first = spec_.min->sub(origin);
    auto k = first ? first->ceil_div(step) : std::nullopt;  // the first k with origin + k step >= min
    auto offset = k ? k->mul(step) : std::nullopt;
    auto point = offset ? origin.add(*offset) : std::nullopt;
    while (point && *point <= *spec_.max) {
      if (cuts_.size() > max_points_) return false;
      cuts_.push_back({*point, false, true});
      point = point->add(step);
    }
    return point.has_value();
  }

  const Model& model_;
  const int32_t slot_;
  const ParamSpec& spec_;
  const size_t max_points_;
  std::vector<Cut> cuts_;
};

// Whether some allowed value lies strictly between a and b (a < b).
bool value_between(const Decimal& a, const Decimal& b, bool whole_only) {
  if (!whole_only) return true;
  const std::optional<int64_t> up = a.ceil_to_int64();
  if (!up) return false;
  const Decimal next = a.is_integer() ? Decimal::from_int(*up + 1) : Decimal::from_int(*up);
  return next < b;
}

// A list of allowed values: each is its own class, nothing between them is allowed.
ValueClasses listed(const ParamSpec& p) {
  ValueClasses c;
  c.points = p.allowed;
  heap_sort(c.points.begin(), c.points.end(), [](const Decimal& a, const Decimal& b) { return a < b; });
  c.points.erase(std::unique(c.points.begin(), c.points.end()), c.points.end());
  for (size_t j = 0; j < c.points.size(); ++j) c.at.push_back(c.count++);
  c.between.assign(c.points.size() + 1, -1);
  return c;
}

// The range's classes from its cuts (the bounds among them).
ValueClasses ranged(std::vector<Cut>& cuts, bool whole_only) {
  heap_sort(cuts.begin(), cuts.end(), [](const Cut& a, const Cut& b) { return a.at < b.at; });
  std::vector<Cut> merged;
  for (const Cut& c : cuts) {
    if (!merged.empty() && merged.back().at == c.at) {
      merged.back().below = merged.back().below || c.below;
      merged.back().above = merged.back().above || c.above;
    } else {
      merged.push_back(c);
    }
  }
  ValueClasses out;
  const size_t n = merged.size();
  out.between.assign(n + 1, -1);  // below the minimum and above the maximum: not allowed
  for (size_t j = 1; j < n; ++j)
    if (value_between(merged[j - 1].at, merged[j].at, whole_only)) out.between[j] = out.count++;
  for (size_t j = 0; j < n; ++j) {
    const Cut& c = merged[j];
    out.points.push_back(c.at);
    int32_t cls;
    if (whole_only && !c.at.is_integer()) cls = -1;
    else if (!c.below && out.between[j] >= 0) cls = out.between[j];  // prices as just below
    else if (!c.above && out.between[j + 1] >= 0) cls = out.between[j + 1];
    else cls = out.count++;
    out.at.push_back(cls);
  }
  out.whole_only = whole_only;
  return out;
}

}  // namespace

std::optional<ValueClasses> value_classes(const Model& model, size_t slot, size_t max_points) {
  if (slot >= model.params.size()) return std::nullopt;
  const ParamSpec& p = model.params[slot];
  if (!p.is_numeric()) return std::nullopt;
  // A list: one class per value, whatever the blocks do with them.
  if (!p.allowed.empty()) {
    if (p.allowed.size() > max_points) return std::nullopt;
    return listed(p);
  }
  if (!p.min || !p.max || *p.max < *p.min) return std::nullopt;
  // A step is expressed only as "whole numbers" (step 1 from a whole minimum).
  const bool integer = p.type == ParamType::integer;
  if (p.step && !(integer && *p.step == Decimal::from_int(1) && p.min->is_integer())) return std::nullopt;
  // A bound read from another parameter, or one this parameter sets, follows the value itself.
  if (p.max_from >= 0) return std::nullopt;
  for (const ParamSpec& other : model.params)
    if (other.max_from == static_cast<int32_t>(slot)) return std::nullopt;
  CutFinder finder(model, static_cast<int32_t>(slot), max_points);
  if (!finder.find()) return std::nullopt;
  std::vector<Cut>& cuts = finder.cuts();
  // Only cuts inside the range matter: outside it nothing is allowed.
  cuts.erase(std::remove_if(cuts.begin(), cuts.end(), [&](const Cut& c) { return c.at < *p.min || c.at > *p.max; }),
             cuts.end());
  cuts.push_back({*p.min, true, false});
  cuts.push_back({*p.max, false, true});
  return ranged(cuts, integer);
}

}  // namespace credits
