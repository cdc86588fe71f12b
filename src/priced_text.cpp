#include "credits/priced_text.hpp"

#include <vector>

#include "credits/error_wire.hpp"
#include "credits/node.hpp"
#include "credits/plan.hpp"
#include "credits/quote.hpp"

namespace credits {

using nlohmann::json;

namespace {

PricedText failed(const Error& e) { return PricedText{failure_wire(e), e.code}; }

}  // namespace

// The steps of quote_wire (quote.cpp), keeping the error's code. A follow-up in the pricing
// files can make quote_wire return this and drop the copy of its three steps.
PricedText priced_quote(const RateCard& card, const json& node) {
  PricedText out;
  out.text.reserve(512);
  const std::string* id = nullptr;
  if (node.is_object())
    if (auto it = node.find("id"); it != node.end() && it->is_string())
      id = &it->get_ref<const std::string&>();
  auto prepared = prepare_node(card, node, "");
  if (!prepared) {
    write_failed_quote(out.text, id, prepared.error());
    out.error = prepared.error().code;
    return out;
  }
  std::vector<BreakdownLine> breakdown;
  auto price = price_node(*prepared, &breakdown);
  if (!price) {
    write_failed_quote(out.text, id, price.error());
    out.error = price.error().code;
    return out;
  }
  write_quote(out.text, id, *prepared->model, *price, breakdown, card.version);
  return out;
}

// The steps of plan_wire (plan.cpp), keeping the error's code.
PricedText priced_plan(const RateCard& card, const json& doc, const json* balances) {
  auto graph = parse_graph(doc);
  if (!graph) return failed(graph.error());
  std::optional<Balances> b;
  // Balances may come with the call, or inside the document as "balance".
  const json* bj = balances;
  if (!bj && doc.contains("balance")) bj = &doc["balance"];
  if (bj) {
    auto parsed = parse_balances(*bj, balances ? "" : "/balance");
    if (!parsed) return failed(parsed.error());
    b = *parsed;
  }
  auto plan = price_graph(card, *graph);
  if (!plan) return failed(plan.error());
  if (!b) return PricedText{write_plan(card, *graph, *plan, nullptr), std::nullopt};
  const Projection p = project(*graph, *plan, *b);
  return PricedText{write_plan(card, *graph, *plan, &p), std::nullopt};
}

}  // namespace credits
