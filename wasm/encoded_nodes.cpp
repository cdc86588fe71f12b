#include "encoded_nodes.hpp"

#include <cmath>

#include "credits/estimator.hpp"

namespace credits {

namespace {

bool whole(double v, double lo, double hi) { return v >= lo && v <= hi && std::floor(v) == v; }

// Reads one record into `node`; false when the fast path cannot settle it.
bool decode(const RateCard& card, const double* in, size_t length, size_t& pos, PreparedNode& node) {
  if (pos + 2 > length) return false;
  const double model_index = in[pos], count = in[pos + 1];
  if (!whole(model_index, 0, static_cast<double>(card.models.size()) - 1)) return false;
  const Model& model = card.models[static_cast<size_t>(model_index)];
  if (!whole(count, 0, static_cast<double>(model.params.size()))) return false;
  const size_t n = static_cast<size_t>(count);
  if (pos + 2 + 2 * n > length) return false;
  const double* pairs = in + pos + 2;
  pos += 2 + 2 * n;
  node.model = &model;
  node.values.assign(model.params.size(), ParamValue{});
  node.given.assign(model.params.size(), false);
  for (size_t k = 0; k < n; ++k) {
    const double slot = pairs[2 * k], v = pairs[2 * k + 1];
    if (!whole(slot, 0, static_cast<double>(model.params.size()) - 1)) return false;
    const size_t s = static_cast<size_t>(slot);
    if (node.given[s]) return false;
    const ParamSpec& p = model.params[s];
    ParamValue pv;
    if (p.type == ParamType::string) {
      if (!whole(v, 0, static_cast<double>(p.choices.size()) - 1)) return false;
      pv.choice = static_cast<int32_t>(v);
    } else if (p.type == ParamType::boolean) {
      if (v != 0 && v != 1) return false;
      pv.choice = static_cast<int32_t>(v);
    } else {
      if (!whole(v, -kMaxParamMagnitude, kMaxParamMagnitude)) return false;
      pv.lo = pv.hi = Decimal::from_int(static_cast<int64_t>(v));
      if (!p.allows(pv.lo)) return false;
    }
    node.values[s] = pv;
    node.given[s] = true;
  }
  return true;
}

}  // namespace

size_t price_encoded_nodes(const RateCard& card, const double* in, size_t length, size_t count, double* out) {
  PreparedNode node;  // reused: no allocation per node once its vectors have grown
  size_t pos = 0, priced = 0;
  bool stream_ok = true;
  for (size_t i = 0; i < count; ++i) {
    double* o = out + 3 * i;
    o[0] = 1, o[1] = 0, o[2] = 0;
    if (!stream_ok) continue;
    const size_t start = pos;
    if (!decode(card, in, length, pos, node)) {
      // Skip a malformed record if its length is readable; otherwise give up on the rest.
      if (pos == start) stream_ok = false;
      continue;
    }
    if (!complete_params(node, "")) continue;
    auto price = price_node(node);
    // Amounts cross to JavaScript as doubles: beyond 2^53 the JSON path reports them exactly.
    if (!price || price->max > (int64_t{1} << 53)) continue;
    o[0] = 0;
    o[1] = static_cast<double>(price->min);
    o[2] = static_cast<double>(price->max);
    ++priced;
  }
  return priced;
}

}  // namespace credits
