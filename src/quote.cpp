#include "credits/quote.hpp"

namespace credits {

using nlohmann::json;

std::string to_wire(const json& j) {
  // Invalid UTF-8 in echoed input must never abort the output: replace it.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json error_to_json(const Error& error) {
  return json{{"code", std::string(to_string(error.code))}, {"message", error.message}, {"path", error.path}};
}

json failed_quote_json(const json& id, const Error& error) {
  return json{{"id", id.is_string() ? id : json(nullptr)}, {"ok", false}, {"error", error_to_json(error)}};
}

json quote_to_json(const std::string* id, const Model& model, const Price& price,
                   const std::vector<BreakdownLine>& breakdown, const std::string& version) {
  json lines = json::array();
  for (const auto& line : breakdown) {
    lines.push_back({{"block", line.rounding ? std::string("round") : std::string(to_string(line.block))},
                     {"label", line.label},
                     {"detail", line.detail},
                     {"effect", line.effect},
                     {"min", line.subtotal.lo.to_string()},
                     {"max", line.subtotal.hi.to_string()}});
  }
  json q = {{"id", id ? json(*id) : json(nullptr)},
            {"ok", true},
            {"model", model.id},
            {"kind", std::string(to_string(model.kind))},
            {"exact", price.exact()}};
  if (price.exact()) q["credits"] = price.min;
  q["min"] = price.min;
  q["max"] = price.max;
  q["rate_card"] = version;
  q["breakdown"] = std::move(lines);
  return q;
}

json quote_json(const RateCard& card, const json& node) {
  json id = node.is_object() && node.contains("id") ? node["id"] : json(nullptr);
  auto prepared = prepare_node(card, node, "");
  if (!prepared) return failed_quote_json(id, prepared.error());
  std::vector<BreakdownLine> breakdown;
  auto price = price_node(*prepared, &breakdown);
  if (!price) return failed_quote_json(id, price.error());
  std::string sid = id.is_string() ? id.get<std::string>() : std::string();
  return quote_to_json(id.is_string() ? &sid : nullptr, *prepared->model, *price, breakdown, card.version);
}

}  // namespace credits
