#include "credits/rate_card.hpp"

namespace credits {

std::string_view to_string(ModelKind kind) {
  switch (kind) {
    case ModelKind::image: return "image";
    case ModelKind::video: return "video";
    case ModelKind::audio: return "audio";
    case ModelKind::voice: return "voice";
    case ModelKind::lipsync: return "lipsync";
    case ModelKind::character: return "character";
    case ModelKind::transcription: return "transcription";
    case ModelKind::text: return "text";
  }
  return "unknown";
}

std::string_view to_string(ParamType type) {
  switch (type) {
    case ParamType::integer: return "int";
    case ParamType::decimal: return "decimal";
    case ParamType::string: return "string";
    case ParamType::boolean: return "bool";
  }
  return "unknown";
}

std::string_view to_string(BlockType type) {
  switch (type) {
    case BlockType::flat: return "flat";
    case BlockType::per_unit: return "per_unit";
    case BlockType::table: return "table";
    case BlockType::multiplier: return "multiplier";
    case BlockType::addon: return "addon";
    case BlockType::included_units: return "included_units";
    case BlockType::tokens: return "tokens";
    case BlockType::clamp: return "clamp";
  }
  return "unknown";
}

bool ParamSpec::allows(const Decimal& d) const {
  if (!allowed.empty()) {
    for (const auto& a : allowed)
      if (a == d) return true;
    return false;
  }
  if (min && d < *min) return false;
  if (max && d > *max) return false;
  if (type == ParamType::integer && !d.is_integer()) return false;
  if (step) {
    const Decimal base = min.value_or(Decimal());
    // Whole steps from a whole base take every whole number: the usual integer parameter, asked
    // about on every quote, answered without the division below.
    if (d.is_integer() && base.is_integer() && *step == Decimal::from_int(1)) return true;
    auto off = d.sub(base);
    auto k = off ? off->ceil_div(*step) : std::nullopt;
    auto back = k ? k->mul(*step) : std::nullopt;
    if (!back || *back != *off) return false;
  }
  return true;
}

int32_t Model::param_index(std::string_view name) const {
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].name == name) return static_cast<int32_t>(i);
  return -1;
}

const OutputSpec* Model::output(std::string_view name) const {
  for (const auto& o : outputs)
    if (o.name == name) return &o;
  return nullptr;
}

const Model* RateCard::find(std::string_view id) const {
  for (const Model& m : models)
    if (m.id.size() == id.size() && m.id == id) return &m;
  return nullptr;
}

}  // namespace credits
