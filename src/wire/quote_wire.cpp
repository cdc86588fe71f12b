#include "credits/wire/quote_wire.hpp"

#include "credits/wire/json_text.hpp"
#include "credits/wire/node_wire.hpp"

namespace credits {

using nlohmann::json;

// Keys in byte order, as nlohmann's std::map objects print them.
void write_quote(std::string& out, const std::string* id, const Model& model, const Price& price,
                 const std::vector<BreakdownLine>& breakdown, const std::string& version, const Price* would_cost) {
  const Price shown = would_cost ? Price{} : price;
  out += "{\"breakdown\":[";
  for (size_t i = 0; i < breakdown.size(); ++i) {
    const BreakdownLine& line = breakdown[i];
    if (i) out += ',';
    out += "{\"block\":\"";
    out += line.rounding ? std::string_view("round") : to_string(line.block);
    out += "\",\"detail\":";
    append_json_string(out, line.detail);
    out += ",\"effect\":";
    append_json_string(out, line.effect);
    out += ",\"label\":";
    append_json_string(out, line.label);
    out += ",\"max\":\"";
    out += line.subtotal.hi.to_string();
    out += "\",\"min\":\"";
    out += line.subtotal.lo.to_string();
    out += "\"}";
  }
  out += ']';
  if (shown.exact()) {
    out += ",\"credits\":";
    append_json_int(out, shown.min);
  }
  out += shown.exact() ? ",\"exact\":true,\"id\":" : ",\"exact\":false,\"id\":";
  if (id) append_json_string(out, *id);
  else out += "null";
  out += ",\"kind\":\"";
  out += to_string(model.kind);
  out += "\",\"max\":";
  append_json_int(out, shown.max);
  out += ",\"min\":";
  append_json_int(out, shown.min);
  out += ",\"model\":";
  append_json_string(out, model.id);
  out += ",\"ok\":true,\"rate_card\":";
  append_json_string(out, version);
  if (would_cost) {
    out += ",\"skipped\":true,\"would_cost\":{\"max\":";
    append_json_int(out, would_cost->max);
    out += ",\"min\":";
    append_json_int(out, would_cost->min);
    out += '}';
  }
  out += '}';
}

PricedText failed_quote(const std::string* id, const Error& error) {
  PricedText out;
  write_failed_quote(out.text, id, error);
  out.error = error.code;
  return out;
}

PricedText priced_quote(const RateCard& card, const json& node) {
  const std::string* id = nullptr;
  if (node.is_object())
    if (auto it = node.find("id"); it != node.end() && it->is_string()) id = &it->get_ref<const std::string&>();
  auto prepared = prepare_node(card, node, "");
  if (!prepared) return failed_quote(id, prepared.error());
  std::vector<BreakdownLine> breakdown;
  auto price = price_node(*prepared, &breakdown);
  if (!price) return failed_quote(id, price.error());
  PricedText out;
  out.text.reserve(512);
  write_quote(out.text, id, *prepared->model, *price, breakdown, card.version);
  return out;
}

std::string quote_wire(const RateCard& card, const json& node) { return priced_quote(card, node).text; }


}  // namespace credits
