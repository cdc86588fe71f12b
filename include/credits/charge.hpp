// A charge as the ledger records it: the node as the request gave it, what it took from each
// bucket, and how it ended (refunded or settled). The usage history and the CSV are made of
// these; the ledger keeps them behind its records port (ledger_records.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "credits/civil_time.hpp"
#include "credits/money.hpp"
#include "credits/node.hpp"
#include "credits/rate_card.hpp"

namespace credits {

enum class ChargeStatus { charged, refunded, settled };
std::string_view to_string(ChargeStatus s);

struct Charge {
  std::string key;
  std::string payer;
  std::string user;
  std::string model;
  Node node;  // the node as the request gave it: {"id", "model", "params"}
  std::shared_ptr<const RateCard> card;  // the card it was priced with; settlement uses it
  Timestamp at = 0;
  int64_t entry_seq = 0;  // its charge entry's number: orders a payer's charges, oldest first
  bool exact = true;
  Credits held = 0;  // what was taken at send time (the maximum of a ranged quote)
  Credits from_subscription = 0;
  Credits from_wallet = 0;
  int64_t cap_period = 0;      // the member-cap period it counted in (workspaces)
  ChargeStatus status = ChargeStatus::charged;
  Credits actual = 0;  // once settled
  Credits back_to_subscription = 0;  // refund or settlement
  Credits back_to_wallet = 0;
  Timestamp closed_at = 0;
  // What the client showed, kept to tell a retry (same content) from a conflict.
  std::optional<Credits> quoted, quoted_min;
  std::string rate_card_shown;
  std::string reservation;  // the reservation it drew from, "" for none

  Credits net() const { return held - back_to_subscription - back_to_wallet; }
  const std::string& node_id() const { return node.id; }  // "" when the node had none
  const std::vector<GivenParam>& params() const { return node.params; }  // as given
};

struct TopUpOutcome {
  std::string payer;
  std::string key;
  Credits credits = 0;
  Credits wallet_after = 0;
  bool replayed = false;
};

// A top-up as kept for its key: a retry replays the outcome; `by` tells a retry from a conflict.
struct TopUpRecord {
  TopUpOutcome outcome;
  std::string by;
};

}  // namespace credits
