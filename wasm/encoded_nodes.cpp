#include "encoded_nodes.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "credits/estimator.hpp"
#include "credits/wire/quote_wire.hpp"

namespace credits {

namespace {

bool whole(double v, double lo, double hi) { return v >= lo && v <= hi && std::floor(v) == v; }

// A number parameter's value, read as the JSON path reads the same JS number: a whole number
// is the integer (JSON.stringify writes it without a fraction), anything else goes through
// read_json_decimal on the double, the very function that reads a JSON float.
std::optional<Decimal> numeric_value(double v) {
  if (whole(v, -kMaxParamMagnitude, kMaxParamMagnitude)) return Decimal::from_int(static_cast<int64_t>(v));
  if (!std::isfinite(v) || std::fabs(v) > kMaxParamMagnitude) return std::nullopt;
  return read_json_decimal(nlohmann::json(v));
}

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
    o[0] = 1, o[1] = 0, o[2] = 0;
    if (!stream_ok) continue;
    const size_t start = pos;
    const Decoded d = decode(card, in, length, pos, node);
    // Skip a malformed record if its length is readable; otherwise give up on the rest.
    if (pos == start) stream_ok = false;
    if (d != Decoded::ok) {
      if (d == Decoded::refused) o[0] = 2;
      continue;
    }
    auto price = price_node(node);
    if (!price) o[0] = 2;  // no table row prices it, or it overflows: the JSON path says so too
    if (!price || !fits_a_double(*price)) continue;
    o[0] = 0;
    o[1] = static_cast<double>(price->min);
    o[2] = static_cast<double>(price->max);
    ++priced;
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
