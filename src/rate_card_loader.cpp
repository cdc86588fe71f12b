// Reads a rate card from JSON and validates all of it, collecting every problem with a JSON
// Pointer rather than stopping at the first: an author fixing a card wants the whole list.
#include <nlohmann/json.hpp>
#include <set>

#include "credits/operation.hpp"
#include "credits/rate_card.hpp"

namespace credits {

using nlohmann::json;

namespace {

constexpr size_t kMaxTableCombinations = 100'000;

class Loader {
 public:
  std::vector<Error> errors;

  void fail(const std::string& path, std::string message) {
    errors.emplace_back(ErrorCode::invalid_rate_card, std::move(message), path);
  }

  void check_keys(const json& obj, std::initializer_list<const char*> allowed,
                  const std::string& path) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      bool known = false;
      for (const char* k : allowed) known = known || it.key() == k;
      if (!known) fail(pointer_join(path, it.key()), "unknown key \"" + it.key() + "\"");
    }
  }

  const json* object_field(const json& obj, const char* key, const std::string& path,
                           bool required) {
    auto it = obj.find(key);
    if (it == obj.end()) {
      if (required) fail(pointer_join(path, key), std::string("missing \"") + key + "\"");
      return nullptr;
    }
    return &*it;
  }

  std::optional<std::string> read_string(const json& obj, const char* key,
                                         const std::string& path, bool required) {
    const json* v = object_field(obj, key, path, required);
    if (!v) return std::nullopt;
    if (!v->is_string() || v->get_ref<const std::string&>().empty()) {
      fail(pointer_join(path, key), std::string("\"") + key + "\" must be a non-empty string");
      return std::nullopt;
    }
    return v->get<std::string>();
  }

  // Rates are decimal strings ("0.0021") or integers: never binary floating point.
  std::optional<Decimal> read_decimal(const json& v, const std::string& path,
                                      bool positive = false) {
    std::optional<Decimal> d;
    if (v.is_string()) {
      d = Decimal::parse(v.get_ref<const std::string&>());
      if (!d) {
        fail(path, "malformed decimal \"" + v.get<std::string>() + "\"");
        return std::nullopt;
      }
    } else if (v.is_number_integer()) {
      if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
        fail(path, "number out of range");
        return std::nullopt;
      }
      d = Decimal::from_int(v.get<int64_t>());
    } else if (v.is_number_float()) {
      fail(path, "write fractional numbers as decimal strings (\"0.5\"), not JSON floats");
      return std::nullopt;
    } else {
      fail(path, "expected a decimal string or an integer");
      return std::nullopt;
    }
    if (d->is_negative()) {
      fail(path, "must not be negative");
      return std::nullopt;
    }
    if (positive && d->is_zero()) {
      fail(path, "must be greater than zero");
      return std::nullopt;
    }
    return d;
  }

  std::optional<Decimal> decimal_field(const json& obj, const char* key, const std::string& path,
                                       bool required, bool positive = false) {
    const json* v = object_field(obj, key, path, required);
    if (!v) return std::nullopt;
    return read_decimal(*v, pointer_join(path, key), positive);
  }

  std::optional<int32_t> param_ref(const json& obj, const char* key, const Model& model,
                                   const std::string& path, bool numeric) {
    auto name = read_string(obj, key, path, true);
    if (!name) return std::nullopt;
    int32_t slot = model.param_index(*name);
    if (slot < 0) {
      fail(pointer_join(path, key), "block reads parameter \"" + *name +
                                        "\" that the model does not declare");
      return std::nullopt;
    }
    if (numeric && !model.params[static_cast<size_t>(slot)].is_numeric()) {
      fail(pointer_join(path, key), "parameter \"" + *name + "\" must be numeric here");
      return std::nullopt;
    }
    return slot;
  }

  // A value of a parameter written in a table row, a factor key or an add-on.
  std::optional<Match> read_match(const json& v, const ParamSpec& p, const std::string& path,
                                  bool allow_band) {
    Match m;
    if (p.type == ParamType::string) {
      if (!v.is_string()) return fail(path, "expected one of the values of \"" + p.name + "\""), std::nullopt;
      for (size_t i = 0; i < p.choices.size(); ++i)
        if (p.choices[i] == v.get_ref<const std::string&>()) m.choice = static_cast<int32_t>(i);
      if (m.choice < 0) {
        fail(path, "\"" + v.get<std::string>() + "\" is not an allowed value of \"" + p.name + "\"");
        return std::nullopt;
      }
      return m;
    }
    if (p.type == ParamType::boolean) {
      if (v.is_boolean()) m.choice = v.get<bool>() ? 1 : 0;
      else if (v == "true") m.choice = 1;
      else if (v == "false") m.choice = 0;
      else return fail(path, "expected true or false"), std::nullopt;
      return m;
    }
    if (v.is_object() && allow_band) {
      check_keys(v, {"min", "max"}, path);
      if (v.contains("min")) m.lo = read_decimal(v["min"], pointer_join(path, "min"));
      if (v.contains("max")) m.hi = read_decimal(v["max"], pointer_join(path, "max"));
      if (!m.lo && !m.hi) return fail(path, "a band needs \"min\" or \"max\""), std::nullopt;
      if (m.lo && m.hi && *m.lo > *m.hi) return fail(path, "band min exceeds max"), std::nullopt;
      return m;
    }
    auto d = read_decimal(v, path);
    if (!d) return std::nullopt;
    if (!p.allows(*d)) {
      fail(path, d->to_string() + " is not an allowed value of \"" + p.name + "\"");
      return std::nullopt;
    }
    m.equals = d;
    return m;
  }

  // A parameter, in the order its problems are reported: type, names, domain, where its value
  // comes from, default.
  void read_param(const std::string& name, const json& j, const std::string& path, Model& model) {
    ParamSpec p;
    p.name = name;
    if (!j.is_object()) return fail(path, "a parameter must be an object");
    check_keys(j, {"type", "label", "unit", "values", "min", "max", "step", "default",
                   "decided_by_run", "max_from", "input", "description"},
               path);
    auto type = read_string(j, "type", path, true);
    if (!type) return;
    if (*type == "int") p.type = ParamType::integer;
    else if (*type == "decimal") p.type = ParamType::decimal;
    else if (*type == "string") p.type = ParamType::string;
    else if (*type == "bool") p.type = ParamType::boolean;
    else return fail(pointer_join(path, "type"), "unknown parameter type \"" + *type + "\" (int, decimal, string, bool)");
    p.label = read_string(j, "label", path, false).value_or(name);
    read_string(j, "description", path, false);
    p.unit = read_string(j, "unit", path, false).value_or("");
    if (p.type == ParamType::boolean) read_bool_domain(j, path, p);
    else if (p.type == ParamType::string) read_string_domain(j, path, p);
    else if (j.contains("values")) read_number_list(j, path, p);
    else read_number_range(j, path, p);
    read_value_source(j, path, p);
    read_default(j, path, p);
    model.params.push_back(std::move(p));
  }

  void read_bool_domain(const json& j, const std::string& path, ParamSpec& p) {
    for (const char* k : {"values", "min", "max", "step"})
      if (j.contains(k)) fail(pointer_join(path, k), std::string("a bool parameter takes no \"") + k + "\"");
    p.choices = {"false", "true"};
  }

  void read_string_domain(const json& j, const std::string& path, ParamSpec& p) {
    const std::string values_path = pointer_join(path, "values");
    for (const char* k : {"min", "max", "step"})
      if (j.contains(k)) fail(pointer_join(path, k), std::string("a string parameter takes no \"") + k + "\"");
    const json* values = object_field(j, "values", path, true);
    if (values && (!values->is_array() || values->empty())) fail(values_path, "\"values\" must be a non-empty array");
    else if (values) {
      std::set<std::string> seen;
      for (size_t i = 0; i < values->size(); ++i) {
        const json& v = (*values)[i];
        if (!v.is_string()) { fail(pointer_join(values_path, i), "expected a string"); continue; }
        if (!seen.insert(v.get<std::string>()).second) fail(pointer_join(values_path, i), "duplicate value");
        p.choices.push_back(v.get<std::string>());
      }
    }
  }

  void read_number_list(const json& j, const std::string& path, ParamSpec& p) {
    const std::string values_path = pointer_join(path, "values");
    const json& values = j["values"];
    if (!values.is_array() || values.empty()) fail(values_path, "\"values\" must be a non-empty array");
    else
      for (size_t i = 0; i < values.size(); ++i) {
        auto d = read_decimal(values[i], pointer_join(values_path, i));
        if (!d) continue;
        if (p.type == ParamType::integer && !d->is_integer()) { fail(pointer_join(values_path, i), "an int parameter takes whole numbers"); continue; }
        for (const auto& a : p.allowed)
          if (a == *d) fail(pointer_join(values_path, i), "duplicate value");
        p.allowed.push_back(*d);
      }
    for (const char* k : {"min", "max", "step"})
      if (j.contains(k)) fail(pointer_join(path, k), std::string("give either \"values\" or a range, not both: \"") + k + "\"");
  }

  void read_number_range(const json& j, const std::string& path, ParamSpec& p) {
    p.min = decimal_field(j, "min", path, true);
    p.max = decimal_field(j, "max", path, true);
    p.step = decimal_field(j, "step", path, false, true);
    if (p.min && p.max && *p.min > *p.max) fail(pointer_join(path, "min"), "min exceeds max");
    if (p.type == ParamType::integer) {
      if (p.min && !p.min->is_integer()) fail(pointer_join(path, "min"), "an int parameter takes whole numbers");
      if (p.max && !p.max->is_integer()) fail(pointer_join(path, "max"), "an int parameter takes whole numbers");
      if (p.step && !p.step->is_integer()) fail(pointer_join(path, "step"), "an int parameter takes whole steps");
    }
  }

  // Whether the run decides the value, or an upstream node's output.
  void read_value_source(const json& j, const std::string& path, ParamSpec& p) {
    if (j.contains("decided_by_run")) {
      if (!j["decided_by_run"].is_boolean()) fail(pointer_join(path, "decided_by_run"), "expected a boolean");
      else p.decided_by_run = j["decided_by_run"].get<bool>();
      if (p.decided_by_run && !p.is_numeric()) fail(pointer_join(path, "decided_by_run"), "only a numeric parameter can be decided by the run");
    }
    if (j.contains("input")) {
      const json& in = j["input"];
      std::string ipath = pointer_join(path, "input");
      if (!in.is_object()) fail(ipath, "\"input\" must be an object {\"port\", \"output\"}");
      else {
        check_keys(in, {"port", "output"}, ipath);
        auto port = read_string(in, "port", ipath, true);
        auto output = read_string(in, "output", ipath, true);
        if (port && output) p.input = InputBinding{*port, *output};
        if (!p.is_numeric()) fail(ipath, "only a numeric parameter can come from an input");
      }
    }
  }

  void read_default(const json& j, const std::string& path, ParamSpec& p) {
    if (j.contains("default")) {
      const json& dv = j["default"];
      std::string dpath = pointer_join(path, "default");
      if (p.type == ParamType::string || p.type == ParamType::boolean) {
        auto m = read_match(dv, p, dpath, false);
        if (m) { ParamValue v; v.choice = m->choice; p.default_value = v; }
      } else if (auto d = read_decimal(dv, dpath)) {
        if (!p.allows(*d)) fail(dpath, "the default " + d->to_string() + " is not an allowed value");
        else p.default_value = ParamValue{*d, *d, -1};
      }
    } else if (p.type == ParamType::boolean) {
      fail(path, "a bool parameter needs a \"default\"");
    }
  }

  // How a block turns a quantity into billable units: "per" a power of ten, or per started "step".
  void read_units(const json& j, const std::string& path, UnitRule& u) {
    if (j.contains("step")) {
      if (j.contains("per")) fail(pointer_join(path, "per"), "give \"per\" or \"step\", not both");
      u.step = decimal_field(j, "step", path, true, true);
    } else if (j.contains("per")) {
      auto per = decimal_field(j, "per", path, true, true);
      if (per) {
        u.per_exponent = per->power_of_ten_exponent();
        if (u.per_exponent < 0) {
          fail(pointer_join(path, "per"), "\"per\" must be a power of ten (1, 1000, 1000000); bill per started step with \"step\" instead");
          u.per_exponent = 0;
        }
      }
    }
  }

  void read_block(const json& j, const std::string& path, Model& model) {
    PriceBlock b;
    if (!j.is_object()) return fail(path, "a price block must be an object");
    auto type = read_string(j, "type", path, true);
    if (!type) return;
    b.label = read_string(j, "label", path, false).value_or("");
    if (*type == "flat") {
      check_keys(j, {"type", "label", "credits"}, path);
      b.type = BlockType::flat;
      b.credits = decimal_field(j, "credits", path, true).value_or(Decimal());
    } else if (*type == "per_unit") {
      check_keys(j, {"type", "label", "param", "rate", "per", "step"}, path);
      b.type = BlockType::per_unit;
      b.param = param_ref(j, "param", model, path, true).value_or(-1);
      b.rate = decimal_field(j, "rate", path, true).value_or(Decimal());
      read_units(j, path, b.units);
    } else if (*type == "included_units") {
      check_keys(j, {"type", "label", "param", "base", "included", "rate", "per", "step"}, path);
      b.type = BlockType::included_units;
      b.param = param_ref(j, "param", model, path, true).value_or(-1);
      b.credits = decimal_field(j, "base", path, true).value_or(Decimal());
      b.included = decimal_field(j, "included", path, true).value_or(Decimal());
      b.rate = decimal_field(j, "rate", path, true).value_or(Decimal());
      read_units(j, path, b.units);
    } else if (*type == "tokens") {
      check_keys(j, {"type", "label", "input", "output", "input_rate", "output_rate", "per"}, path);
      b.type = BlockType::tokens;
      b.param = param_ref(j, "input", model, path, true).value_or(-1);
      b.output_param = param_ref(j, "output", model, path, true).value_or(-1);
      b.rate = decimal_field(j, "input_rate", path, true).value_or(Decimal());
      b.output_rate = decimal_field(j, "output_rate", path, true).value_or(Decimal());
      read_units(j, path, b.units);
    } else if (*type == "table") {
      check_keys(j, {"type", "label", "keys", "rows"}, path);
      b.type = BlockType::table;
      read_table(j, path, model, b);
    } else if (*type == "multiplier") {
      check_keys(j, {"type", "label", "param", "factors", "bands", "default"}, path);
      b.type = BlockType::multiplier;
      read_multiplier(j, path, model, b);
    } else if (*type == "addon") {
      check_keys(j, {"type", "label", "param", "equals", "min", "max", "credits"}, path);
      b.type = BlockType::addon;
      b.credits = decimal_field(j, "credits", path, true).value_or(Decimal());
      read_addon_match(j, path, model, b);
    } else if (*type == "clamp") {
      check_keys(j, {"type", "label", "min", "max"}, path);
      b.type = BlockType::clamp;
      b.min = decimal_field(j, "min", path, false);
      b.max = decimal_field(j, "max", path, false);
      if (!j.contains("min") && !j.contains("max")) fail(path, "a clamp needs \"min\" or \"max\"");
      if (b.min && b.max && *b.min > *b.max) fail(pointer_join(path, "min"), "min exceeds max");
    } else {
      return fail(pointer_join(path, "type"), "unknown block type \"" + *type +
                  "\" (flat, per_unit, table, multiplier, addon, included_units, tokens, clamp)");
    }
    model.price.push_back(std::move(b));
  }

  // When an add-on applies: a value it "equals", or a "min"/"max" band of a number.
  void read_addon_match(const json& j, const std::string& path, const Model& model, PriceBlock& b) {
    b.param = param_ref(j, "param", model, path, false).value_or(-1);
    if (b.param >= 0) {
      const ParamSpec& p = model.params[static_cast<size_t>(b.param)];
      if (j.contains("equals")) {
        b.when = read_match(j["equals"], p, pointer_join(path, "equals"), false).value_or(Match{});
      } else if (p.is_numeric() && (j.contains("min") || j.contains("max"))) {
        json band = json::object();
        if (j.contains("min")) band["min"] = j["min"];
        if (j.contains("max")) band["max"] = j["max"];
        b.when = read_match(band, p, path, true).value_or(Match{});
      } else {
        fail(path, "an add-on needs \"equals\" (or a \"min\"/\"max\" band for a number)");
      }
    }
  }

  void read_table(const json& j, const std::string& path, const Model& model, PriceBlock& b) {
    const json* keys = object_field(j, "keys", path, true);
    const json* rows = object_field(j, "rows", path, true);
    if (!keys || !rows) return;
    std::string kpath = pointer_join(path, "keys");
    if (!keys->is_array() || keys->empty()) return fail(kpath, "\"keys\" must be a non-empty array of parameter names");
    for (size_t i = 0; i < keys->size(); ++i) {
      const json& k = (*keys)[i];
      int32_t slot = k.is_string() ? model.param_index(k.get<std::string>()) : -1;
      if (slot < 0) return fail(pointer_join(kpath, i), "block reads a parameter the model does not declare");
      b.keys.push_back(slot);
    }
    std::string rpath = pointer_join(path, "rows");
    if (!rows->is_array() || rows->empty()) return fail(rpath, "\"rows\" must be a non-empty array");
    const size_t errors_before = errors.size();
    bool any_band = false;
    for (size_t r = 0; r < rows->size(); ++r) {
      const json& row = (*rows)[r];
      std::string path_r = pointer_join(rpath, r);
      if (!row.is_object()) { fail(path_r, "a row must be an object {\"when\", \"credits\"}"); continue; }
      check_keys(row, {"when", "credits"}, path_r);
      TableRow tr;
      auto credits = decimal_field(row, "credits", path_r, true);
      const json* when = object_field(row, "when", path_r, true);
      if (!credits || !when) continue;
      std::string wpath = pointer_join(path_r, "when");
      if (!when->is_object()) { fail(wpath, "\"when\" must be an object"); continue; }
      bool good = true;
      for (auto it = when->begin(); it != when->end(); ++it) {
        bool is_key = false;
        for (int32_t s : b.keys) is_key = is_key || model.params[static_cast<size_t>(s)].name == it.key();
        if (!is_key) { fail(pointer_join(wpath, it.key()), "\"" + it.key() + "\" is not one of the table's keys"); good = false; }
      }
      for (int32_t s : b.keys) {
        const ParamSpec& p = model.params[static_cast<size_t>(s)];
        auto it = when->find(p.name);
        if (it == when->end()) { fail(wpath, "row does not give key \"" + p.name + "\""); good = false; continue; }
        auto m = read_match(*it, p, pointer_join(wpath, p.name), true);
        if (!m) { good = false; continue; }
        any_band = any_band || m->is_band();
        tr.when.push_back(*m);
      }
      if (good) {
        tr.credits = *credits;
        b.rows.push_back(std::move(tr));
      }
    }
    if (!any_band && errors.size() == errors_before) check_table_complete(model, b, path);
  }

  // Every combination of finite key values must have exactly one row, so a valid node can
  // never fall through a table at quote time.
  void check_table_complete(const Model& model, const PriceBlock& b, const std::string& path) {
    size_t combos = 1;
    for (int32_t s : b.keys) {
      const ParamSpec& p = model.params[static_cast<size_t>(s)];
      if (!p.is_finite()) return;  // open numeric ranges are checked at quote time
      combos *= p.is_numeric() ? p.allowed.size() : p.choices.size();
      if (combos > kMaxTableCombinations) return;
    }
    std::vector<size_t> idx(b.keys.size(), 0);
    for (size_t c = 0; c < combos; ++c) {
      size_t hits = 0;
      for (const auto& row : b.rows) {
        bool match = true;
        for (size_t k = 0; k < b.keys.size() && match; ++k) {
          const ParamSpec& p = model.params[static_cast<size_t>(b.keys[k])];
          match = p.is_numeric() ? (*row.when[k].equals == p.allowed[idx[k]])
                                 : (row.when[k].choice == static_cast<int32_t>(idx[k]));
        }
        hits += match;
      }
      if (hits != 1) {
        std::string combo;
        for (size_t k = 0; k < b.keys.size(); ++k) {
          const ParamSpec& p = model.params[static_cast<size_t>(b.keys[k])];
          if (k) combo += ", ";
          combo += p.name + "=" + (p.is_numeric() ? p.allowed[idx[k]].to_string() : p.choices[idx[k]]);
        }
        fail(pointer_join(path, "rows"), (hits == 0 ? "no row prices " : "more than one row prices ") + combo);
      }
      for (size_t k = b.keys.size(); k-- > 0;) {
        const ParamSpec& p = model.params[static_cast<size_t>(b.keys[k])];
        size_t n = p.is_numeric() ? p.allowed.size() : p.choices.size();
        if (++idx[k] < n) break;
        idx[k] = 0;
      }
    }
  }

  void read_multiplier(const json& j, const std::string& path, const Model& model, PriceBlock& b) {
    auto slot = param_ref(j, "param", model, path, false);
    if (!slot) return;
    b.param = *slot;
    const ParamSpec& p = model.params[static_cast<size_t>(*slot)];
    b.default_factor = decimal_field(j, "default", path, false);
    if (j.contains("factors")) {
      const json& f = j["factors"];
      std::string fpath = pointer_join(path, "factors");
      if (!f.is_object()) return fail(fpath, "\"factors\" must be an object of value -> factor");
      for (auto it = f.begin(); it != f.end(); ++it) {
        std::string vpath = pointer_join(fpath, it.key());
        json key = it.key();  // object keys are text; a number is read from its decimal text
        auto m = read_match(key, p, vpath, false);
        auto factor = read_decimal(it.value(), vpath);
        if (m && factor) b.factors.emplace_back(*m, *factor);
      }
    }
    if (j.contains("bands")) {
      const json& bands = j["bands"];
      std::string bpath = pointer_join(path, "bands");
      if (!p.is_numeric()) return fail(bpath, "bands need a numeric parameter");
      if (!bands.is_array()) return fail(bpath, "\"bands\" must be an array");
      for (size_t i = 0; i < bands.size(); ++i) {
        std::string ipath = pointer_join(bpath, i);
        if (!bands[i].is_object()) { fail(ipath, "a band must be an object"); continue; }
        check_keys(bands[i], {"min", "max", "factor"}, ipath);
        json range = json::object();
        if (bands[i].contains("min")) range["min"] = bands[i]["min"];
        if (bands[i].contains("max")) range["max"] = bands[i]["max"];
        auto m = read_match(range, p, ipath, true);
        auto factor = decimal_field(bands[i], "factor", ipath, true);
        if (m && factor) b.factors.emplace_back(*m, *factor);
      }
    }
    if (!j.contains("factors") && !j.contains("bands")) return fail(path, "a multiplier needs \"factors\" or \"bands\"");
    if (!b.default_factor && p.is_finite()) {
      size_t n = p.is_numeric() ? p.allowed.size() : p.choices.size();
      for (size_t i = 0; i < n; ++i) {
        bool covered = false;
        for (const auto& [m, f] : b.factors)
          covered = covered || (p.is_numeric() ? (m.equals && *m.equals == p.allowed[i]) ||
                                                    (m.is_band() && (!m.lo || *m.lo <= p.allowed[i]) && (!m.hi || p.allowed[i] <= *m.hi))
                                               : m.choice == static_cast<int32_t>(i));
        if (!covered)
          fail(path, "no factor for " + p.name + "=" + (p.is_numeric() ? p.allowed[i].to_string() : p.choices[i]) + " and no \"default\"");
      }
    }
  }

  void read_outputs(const json& j, const std::string& path, Model& model) {
    if (!j.is_object()) return fail(path, "\"outputs\" must be an object");
    for (auto it = j.begin(); it != j.end(); ++it) {
      std::string opath = pointer_join(path, it.key());
      const json& o = it.value();
      OutputSpec out;
      out.name = it.key();
      if (!o.is_object()) { fail(opath, "an output must be an object"); continue; }
      check_keys(o, {"param", "map", "value", "min", "max"}, opath);
      if (o.contains("param")) {
        auto slot = param_ref(o, "param", model, opath, false);
        if (!slot) continue;
        const ParamSpec& p = model.params[static_cast<size_t>(*slot)];
        if (p.is_numeric()) {
          if (o.contains("map")) fail(pointer_join(opath, "map"), "a numeric parameter is copied, not mapped");
          out.param = *slot;
        } else {
          out.param = *slot;
          const json* map = object_field(o, "map", opath, true);
          if (!map) continue;
          if (!map->is_object()) { fail(pointer_join(opath, "map"), "\"map\" must be an object"); continue; }
          out.by_choice.assign(p.choices.size(), Decimal());
          for (size_t c = 0; c < p.choices.size(); ++c) {
            auto m = map->find(p.choices[c]);
            if (m == map->end()) { fail(pointer_join(opath, "map"), "no value for \"" + p.choices[c] + "\""); continue; }
            out.by_choice[c] = read_decimal(*m, pointer_join(pointer_join(opath, "map"), p.choices[c])).value_or(Decimal());
          }
        }
      } else if (o.contains("value")) {
        out.lo = out.hi = decimal_field(o, "value", opath, true);
      } else {
        out.lo = decimal_field(o, "min", opath, true);
        out.hi = decimal_field(o, "max", opath, true);
        if (out.lo && out.hi && *out.lo > *out.hi) fail(opath, "min exceeds max");
      }
      model.outputs.push_back(std::move(out));
    }
  }

  void read_model(const json& j, const std::string& path, RateCard& card) {
    if (!j.is_object()) return fail(path, "a model must be an object");
    check_keys(j, {"id", "kind", "label", "provider", "list_price", "params", "price", "outputs", "notes"}, path);
    Model model;
    auto id = read_string(j, "id", path, true);
    auto kind = read_string(j, "kind", path, true);
    model.label = read_string(j, "label", path, true).value_or("");
    model.provider = read_string(j, "provider", path, false).value_or("");
    model.list_price = read_string(j, "list_price", path, false).value_or("");
    read_string(j, "notes", path, false);
    if (kind) {
      static const std::pair<const char*, ModelKind> kKinds[] = {
          {"image", ModelKind::image}, {"video", ModelKind::video}, {"audio", ModelKind::audio},
          {"voice", ModelKind::voice}, {"lipsync", ModelKind::lipsync},
          {"character", ModelKind::character}, {"transcription", ModelKind::transcription},
          {"text", ModelKind::text}};
      bool found = false;
      for (const auto& [name, k] : kKinds)
        if (*kind == name) { model.kind = k; found = true; }
      if (!found) fail(pointer_join(path, "kind"), "unknown kind \"" + *kind + "\" (image, video, audio, voice, lipsync, character, transcription, text)");
    }
    if (id) {
      model.id = *id;
      if (card.index.count(*id)) fail(pointer_join(path, "id"), "duplicate model id \"" + *id + "\"");
    }
    std::string ppath = pointer_join(path, "params");
    if (j.contains("params")) {
      if (!j["params"].is_object()) fail(ppath, "\"params\" must be an object of name -> parameter");
      else
        for (auto it = j["params"].begin(); it != j["params"].end(); ++it)
          read_param(it.key(), it.value(), pointer_join(ppath, it.key()), model);
    }
    // max_from refers to other parameters, so it is resolved once all are read.
    if (j.contains("params") && j["params"].is_object())
      for (auto& p : model.params) {
        const json& pj = j["params"][p.name];
        if (!pj.is_object() || !pj.contains("max_from")) continue;
        std::string mpath = pointer_join(pointer_join(ppath, p.name), "max_from");
        int32_t slot = pj["max_from"].is_string() ? model.param_index(pj["max_from"].get<std::string>()) : -1;
        if (slot < 0 || !model.params[static_cast<size_t>(slot)].is_numeric() || &model.params[static_cast<size_t>(slot)] == &p)
          fail(mpath, "\"max_from\" must name another numeric parameter of the model");
        else if (!p.decided_by_run)
          fail(mpath, "\"max_from\" applies to a parameter decided by the run");
        else
          p.max_from = slot;
      }
    const json* price = object_field(j, "price", path, true);
    std::string bpath = pointer_join(path, "price");
    if (price && (!price->is_array() || price->empty())) fail(bpath, "\"price\" must be a non-empty array of blocks");
    else if (price)
      for (size_t i = 0; i < price->size(); ++i) read_block((*price)[i], pointer_join(bpath, i), model);
    if (j.contains("outputs")) read_outputs(j["outputs"], pointer_join(path, "outputs"), model);
    if (id && !card.index.count(*id)) {
      card.index.emplace(*id, static_cast<int32_t>(card.models.size()));
      card.models.push_back(std::move(model));
    }
  }
};

}  // namespace

Result<RateCard> load_rate_card(std::string_view json_text, RateCardErrors* all_errors) {
  // The engine's one JSON reader: duplicate keys and inexact numbers are refused here too.
  auto parsed = parse_json_limited(json_text, kMaxDocumentBytes, "the rate card is not valid JSON");
  const json doc = parsed ? std::move(*parsed) : json();
  Loader loader;
  RateCard card;
  if (!parsed) {
    loader.errors.push_back(parsed.error());
  } else if (!doc.is_object()) {
    loader.fail("", "a rate card must be a JSON object");
  } else {
    loader.check_keys(doc, {"version", "credit_value", "description", "models"}, "");
    card.version = loader.read_string(doc, "version", "", true).value_or("");
    card.credit_value = loader.read_string(doc, "credit_value", "", false).value_or("");
    loader.read_string(doc, "description", "", false);
    const json* models = loader.object_field(doc, "models", "", true);
    if (models && (!models->is_array() || models->empty()))
      loader.fail("/models", "\"models\" must be a non-empty array");
    else if (models)
      for (size_t i = 0; i < models->size(); ++i)
        loader.read_model((*models)[i], pointer_join("/models", i), card);
  }
  if (!loader.errors.empty()) {
    Error first = loader.errors.front();
    if (all_errors) all_errors->errors = std::move(loader.errors);
    return first;
  }
  return card;
}

}  // namespace credits
