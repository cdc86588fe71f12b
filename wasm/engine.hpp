// The engine behind the browser package: one rate card, a plan session for the canvas being
// edited, and previews of money movements, all spoken in JSON text so that what the browser
// receives is byte for byte what the CLI prints. The embind layer only forwards strings.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "credits/plan_session.hpp"
#include "encoded_nodes.hpp"
#include "credits/rate_card.hpp"

namespace credits {

class Engine {
 public:
  // Starts with `default_card_json` loaded (the sample card), if it is valid.
  explicit Engine(std::string_view default_card_json = {});

  // {"ok": true, "version"} or {"ok": false, "errors": [{code, message, path}, ...]}.
  std::string load_rate_card(std::string_view json_text);
  // Makes an already loaded and validated card the current one (the module's embedded card,
  // read from its binary form): what a successful load_rate_card does after reading the JSON.
  void use_rate_card(RateCard card);
  // use_rate_card of a card in the binary form of rate_card_binary.hpp; false if unreadable.
  bool use_binary_rate_card(std::string_view bytes);
  std::string rate_card_version() const;
  // Every model and its parameters, for pickers and for the JS fast path.
  std::string models() const;
  // The JS typed path's index of the current card, smaller than models(): {"ok": true,
  // "version", "models": [[id, kind, [name, type, choices or null, ...]], ...]}, each model's
  // parameters in slot order (the slot is the position), choices only for string parameters.
  std::string encoder_index() const;

  // The typed path of quote, quoteMany and priceMany (see encoded_nodes.hpp): nodes written as
  // numbers, priced on the current card; returns how many were priced.
  size_t price_encoded(const double* input, size_t input_length, size_t count, double* output) const;
  // The current card's tables for the JS package (EncodedPricer::expose_tables); "[]" when none.
  std::string encoded_tables() const;
  // Which loaded card is current (an index that stays valid: cards are kept), so that a quote's
  // breakdown, asked for later, is explained on the card that priced it; -1 when none.
  int card_index() const { return static_cast<int>(loaded_.size()) - 1; }
  // The whole quote of one record priced on card `card_index` (id null), or a failed quote.
  std::string quote_encoded(int card_index, const double* record, size_t length) const;

  std::string quote(std::string_view node_json) const;       // a CLI quote line
  std::string quote_many(std::string_view nodes_json) const;  // a JSON array of those
  std::string plan(std::string_view graph_json, std::string_view balances_json) const;

  // The canvas being edited (see PlanSession).
  std::string session_load(std::string_view graph_json, std::string_view balances_json);
  std::string session_update_node(std::string_view node_json);
  std::string session_set_input(std::string_view to, std::string_view port, std::string_view from);
  std::string session_plan(std::string_view balances_json) const;

  // Previews on given balances: {"balance": {"subscription", "wallet"}, ...}.
  //   charge: {"balance", "price"} -> split and balances after, or insufficient_credits
  //   refund: {"balance", "from_subscription", "from_wallet", "has_current_period"?}
  //   settle: {"balance", "from_subscription", "from_wallet", "actual", "has_current_period"?}
  std::string preview(std::string_view kind, std::string_view request_json) const;

 private:
  std::shared_ptr<const RateCard> card_;
  std::vector<std::shared_ptr<const RateCard>> loaded_;  // every card loaded, newest last
  std::unique_ptr<PlanSession> session_;
  // price_encoded's, for the current card: its scratch node and its tables kept between calls
  // (one engine per thread), built on first use.
  mutable std::unique_ptr<EncodedPricer> pricer_;
  EncodedPricer& pricer() const;
};

}  // namespace credits
