#include "credits/estimator.hpp"

namespace credits {

namespace {

Error overflow() {
  return Error(ErrorCode::invalid_param, "the price of this node is too large to compute", "/params");
}

std::string range_text(const Decimal& lo, const Decimal& hi) {
  return lo == hi ? lo.to_string() : lo.to_string() + "–" + hi.to_string();
}

std::string value_text(const ParamSpec& p, const ParamValue& v) {
  if (p.type == ParamType::string || p.type == ParamType::boolean)
    return p.choices[static_cast<size_t>(v.choice)];
  std::string s = range_text(v.lo, v.hi);
  if (!p.unit.empty()) s += " " + p.unit;
  return s;
}

// Billable units for a quantity: q / 10^per, or ceil(q / step).
std::optional<Decimal> units_of(const UnitRule& rule, const Decimal& q) {
  if (rule.step) return q.ceil_div(*rule.step);
  if (rule.per_exponent == 0) return q;
  return q.div_pow10(rule.per_exponent);
}

std::string units_text(const UnitRule& rule, const ParamSpec& p, const ParamValue& v,
                       const Decimal& rate) {
  std::string q = value_text(p, v);
  if (rule.step) return "⌈" + q + " / " + rule.step->to_string() + "⌉ × " + rate.to_string();
  if (rule.per_exponent > 0) {
    Decimal per = Decimal::from_int(1);
    for (int i = 0; i < rule.per_exponent; ++i) per = *per.mul(Decimal::from_int(10));
    return q + " × " + rate.to_string() + " / " + per.to_string();
  }
  return q + " × " + rate.to_string();
}

bool match_contains(const Match& m, const ParamValue& v, bool numeric, bool any) {
  // any: whether some value of the range matches; otherwise whether every value does.
  if (!numeric) return m.choice == v.choice;
  if (m.equals) return any ? (*m.equals >= v.lo && *m.equals <= v.hi) : (v.is_exact() && *m.equals == v.lo);
  if (any) return (!m.lo || v.hi >= *m.lo) && (!m.hi || v.lo <= *m.hi);
  return (!m.lo || v.lo >= *m.lo) && (!m.hi || v.hi <= *m.hi);
}

class Evaluator {
 public:
  Evaluator(const PreparedNode& node, std::vector<BreakdownLine>* out) : node_(node), out_(out) {}

  Result<Price> run() {
    for (const PriceBlock& b : node_.model->price) {
      Status s = step(b);
      if (!s) return s.error();
    }
    auto lo = sub_.lo.ceil_to_int64();
    auto hi = sub_.hi.ceil_to_int64();
    if (!lo || !hi) return overflow();
    if (out_) {
      Decimal dlo = Decimal::from_int(*lo), dhi = Decimal::from_int(*hi);
      if (dlo != sub_.lo || dhi != sub_.hi || out_->empty())
        out_->push_back({BlockType::clamp, true, "Rounded up", "to whole credits", "", {dlo, dhi}});
    }
    return Price{*lo, *hi};
  }

 private:
  const ParamSpec& spec(int32_t slot) const { return node_.model->params[static_cast<size_t>(slot)]; }
  const ParamValue& val(int32_t slot) const { return node_.values[static_cast<size_t>(slot)]; }

  Status add(const Decimal& lo, const Decimal& hi) {
    auto a = sub_.lo.add(lo);
    auto b = sub_.hi.add(hi);
    if (!a || !b) return overflow();
    sub_ = {*a, *b};
    return Ok{};
  }

  void explain(const PriceBlock& b, const char* default_label, std::string detail, std::string effect) {
    if (!out_) return;
    out_->push_back({b.type, false, b.label.empty() ? default_label : b.label, std::move(detail),
                     std::move(effect), sub_});
  }

  // rate × units(q) over q's range; computed once for one value (a given quantity).
  Status per_units(const UnitRule& rule, const Decimal& rate, const ParamValue& q, Amount& out) {
    const bool one = q.lo == q.hi;
    auto ulo = units_of(rule, q.lo);
    auto uhi = one ? ulo : units_of(rule, q.hi);
    if (!ulo || !uhi) return overflow();
    auto lo = rate.mul(*ulo);
    auto hi = one ? lo : rate.mul(*uhi);
    if (!lo || !hi) return overflow();
    out = {*lo, *hi};
    return Ok{};
  }

  // One block, by its type; each type's arithmetic and explanation is its own function.
  Status step(const PriceBlock& b) {
    switch (b.type) {
      case BlockType::flat: return flat(b);
      case BlockType::per_unit: return per_unit(b);
      case BlockType::included_units: return included_units(b);
      case BlockType::tokens: return tokens(b);
      case BlockType::table: return table(b);
      case BlockType::multiplier: return multiplier(b);
      case BlockType::addon: return addon(b);
      case BlockType::clamp: return clamp(b);
    }
    return Ok{};
  }

  Status flat(const PriceBlock& b) {
    if (Status s = add(b.credits, b.credits); !s) return s;
    if (out_) explain(b, "Per run", "flat", "+" + b.credits.to_string());
    return Ok{};
  }

  Status per_unit(const PriceBlock& b) {
    Amount a;
    if (Status s = per_units(b.units, b.rate, val(b.param), a); !s) return s;
    if (Status s = add(a.lo, a.hi); !s) return s;
    if (out_) explain(b, "Per unit", units_text(b.units, spec(b.param), val(b.param), b.rate), "+" + range_text(a.lo, a.hi));
    return Ok{};
  }

  Status included_units(const PriceBlock& b) {
    const ParamValue& q = val(b.param);
    ParamValue extra;
    auto elo = q.lo.sub(b.included);
    auto ehi = q.hi.sub(b.included);
    if (!elo || !ehi) return overflow();
    extra.lo = elo->is_negative() ? Decimal() : *elo;
    extra.hi = ehi->is_negative() ? Decimal() : *ehi;
    Amount a;
    if (Status s = per_units(b.units, b.rate, extra, a); !s) return s;
    auto lo = b.credits.add(a.lo);
    auto hi = b.credits.add(a.hi);
    if (!lo || !hi) return overflow();
    if (Status s = add(*lo, *hi); !s) return s;
    if (out_) {
      const ParamSpec& p = spec(b.param);
      std::string d = b.credits.to_string() + " including " + b.included.to_string() +
                      (p.unit.empty() ? "" : " " + p.unit) + ", then " + units_text(b.units, p, extra, b.rate) +
                      " extra";
      explain(b, "Base plus extra units", d, "+" + range_text(*lo, *hi));
    }
    return Ok{};
  }

  Status tokens(const PriceBlock& b) {
    Amount in, outp;
    if (Status s = per_units(b.units, b.rate, val(b.param), in); !s) return s;
    if (Status s = per_units(b.units, b.output_rate, val(b.output_param), outp); !s) return s;
    auto lo = in.lo.add(outp.lo);
    auto hi = in.hi.add(outp.hi);
    if (!lo || !hi) return overflow();
    if (Status s = add(*lo, *hi); !s) return s;
    if (out_) {
      std::string d = "input " + units_text(b.units, spec(b.param), val(b.param), b.rate) + "; output " +
                      units_text(b.units, spec(b.output_param), val(b.output_param), b.output_rate);
      explain(b, "Tokens", d, "+" + range_text(*lo, *hi));
    }
    return Ok{};
  }

  Status addon(const PriceBlock& b) {
    const ParamSpec& p = spec(b.param);
    bool all = match_contains(b.when, val(b.param), p.is_numeric(), false);
    bool any = match_contains(b.when, val(b.param), p.is_numeric(), true);
    if (!any) return Ok{};
    Decimal lo = all ? b.credits : Decimal();
    if (Status s = add(lo, b.credits); !s) return s;
    if (out_) explain(b, "Add-on", p.name + " = " + value_text(p, val(b.param)), "+" + range_text(lo, b.credits));
    return Ok{};
  }

  Status clamp(const PriceBlock& b) {
    bool raised = false, cut = false;
    if (b.min) {
      if (sub_.lo < *b.min) sub_.lo = *b.min, raised = true;
      if (sub_.hi < *b.min) sub_.hi = *b.min;
    }
    if (b.max) {
      if (sub_.hi > *b.max) sub_.hi = *b.max, cut = true;
      if (sub_.lo > *b.max) sub_.lo = *b.max;
    }
    if (out_ && (raised || cut)) {
      std::string d = b.min && b.max ? "between " + b.min->to_string() + " and " + b.max->to_string()
                      : b.min      ? "minimum charge " + b.min->to_string()
                                   : "maximum charge " + b.max->to_string();
      std::string effect = raised && cut ? "at least " + b.min->to_string() + ", at most " + b.max->to_string()
                           : raised      ? "at least " + b.min->to_string()
                                         : "at most " + b.max->to_string();
      explain(b, "Limit", d, effect);
    }
    return Ok{};
  }

  Status table(const PriceBlock& b) {
    bool found = false;
    Decimal lo, hi;
    bool all_exact = true;
    for (int32_t k : b.keys) all_exact = all_exact && val(k).is_exact();
    for (const TableRow& row : b.rows) {
      bool match = true;
      for (size_t k = 0; k < b.keys.size() && match; ++k)
        match = match_contains(row.when[k], val(b.keys[k]), spec(b.keys[k]).is_numeric(), true);
      if (!match) continue;
      if (!found) lo = hi = row.credits;
      else {
        if (row.credits < lo) lo = row.credits;
        if (row.credits > hi) hi = row.credits;
      }
      found = true;
      if (all_exact) break;  // the first matching row prices an exact node
    }
    auto keys_text = [&] {
      std::string keys;
      for (size_t k = 0; k < b.keys.size(); ++k)
        keys += (k ? ", " : "") + spec(b.keys[k]).name + " = " + value_text(spec(b.keys[k]), val(b.keys[k]));
      return keys;
    };
    if (!found) {
      // Blame the first key whose value no row takes at all; else the last key of the combination.
      int32_t culprit = b.keys.back();
      for (int32_t k = 0; k < static_cast<int32_t>(b.keys.size()); ++k) {
        bool any = false;
        for (const TableRow& row : b.rows)
          any = any || match_contains(row.when[static_cast<size_t>(k)], val(b.keys[static_cast<size_t>(k)]),
                                      spec(b.keys[static_cast<size_t>(k)]).is_numeric(), true);
        if (!any) {
          culprit = b.keys[static_cast<size_t>(k)];
          break;
        }
      }
      return Error(ErrorCode::invalid_param, node_.model->id + " has no price for " + keys_text(),
                   pointer_join("/params", spec(culprit).name));
    }
    if (Status s = add(lo, hi); !s) return s;
    if (out_) explain(b, "Price table", keys_text(), "+" + range_text(lo, hi));
    return Ok{};
  }

  Status multiplier(const PriceBlock& b) {
    const ParamSpec& p = spec(b.param);
    const ParamValue& v = val(b.param);
    bool found = false;
    Decimal lo, hi;
    auto consider = [&](const Decimal& f) {
      if (!found) lo = hi = f;
      else {
        if (f < lo) lo = f;
        if (f > hi) hi = f;
      }
      found = true;
    };
    if (!p.is_numeric() || v.is_exact()) {
      // One value: the first factor that names it, else the default.
      for (const auto& [m, f] : b.factors)
        if (match_contains(m, v, p.is_numeric(), false)) {
          consider(f);
          break;
        }
      if (!found && b.default_factor) consider(*b.default_factor);
    } else {
      // A range: every factor some value of it takes, and the default only if some value of
      // the range has no factor.
      for (const auto& [m, f] : b.factors)
        if (match_contains(m, v, true, true)) consider(f);
      if (b.default_factor && !range_covered(b, p, v)) consider(*b.default_factor);
    }
    if (!found)
      return Error(ErrorCode::invalid_param, node_.model->id + " has no factor for " + p.name + " = " + value_text(p, v),
                   pointer_join("/params", p.name));
    auto a = sub_.lo.mul(lo);
    auto c = sub_.hi.mul(hi);
    if (!a || !c) return overflow();
    sub_ = {*a, *c};
    if (out_) explain(b, "Multiplier", p.name + " = " + value_text(p, v), "×" + range_text(lo, hi));
    return Ok{};
  }

  // Whether every value of the range [v.lo, v.hi] that the parameter takes has a factor.
  static bool range_covered(const PriceBlock& b, const ParamSpec& p, const ParamValue& v) {
    if (!p.allowed.empty()) {
      for (const Decimal& a : p.allowed) {
        if (a < v.lo || a > v.hi) continue;
        bool has = false;
        for (const auto& [m, f] : b.factors) has = has || match_contains(m, ParamValue{a, a, -1}, true, false);
        if (!has) return false;
      }
      return true;
    }
    // A continuous range: sweep the bands from the low end. Integers need no value between
    // bands that end at n and start at n + 1.
    const bool integral = p.type == ParamType::integer;
    Decimal covered_to = v.lo;
    bool first = true;
    for (bool progress = true; progress;) {
      progress = false;
      for (const auto& [m, f] : b.factors) {
        if (!m.is_band()) continue;
        bool starts_in_time;
        if (!m.lo) starts_in_time = true;
        else if (first) starts_in_time = *m.lo <= covered_to;
        else if (integral) starts_in_time = *m.lo <= *covered_to.add(Decimal::from_int(1));
        else starts_in_time = *m.lo <= covered_to;
        if (!starts_in_time) continue;
        if (!m.hi) return true;
        if (*m.hi > covered_to || (first && *m.hi >= covered_to)) {
          covered_to = *m.hi;
          first = false;
          progress = true;
          if (covered_to >= v.hi) return true;
        }
      }
    }
    return false;
  }

  const PreparedNode& node_;
  std::vector<BreakdownLine>* out_;
  Amount sub_;
};

}  // namespace

Result<Price> price_node(const PreparedNode& node) { return Evaluator(node, nullptr).run(); }

Result<Price> price_node(const PreparedNode& node, std::vector<BreakdownLine>* breakdown) {
  return Evaluator(node, breakdown).run();
}

}  // namespace credits
