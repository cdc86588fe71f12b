// The text of a record of the ledger's history (a charge, a top-up, a reservation) as a store
// keeps it (StoredRecord::body, ledger_store.hpp). Written by the engine and read back by it:
// every field, exactly, so a record read from the store is the record that was written (the
// retry check compares a charge's node as it was given; settlement prices it again on the card
// it was priced with).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "credits/balance_events.hpp"
#include "credits/charge.hpp"
#include "credits/error.hpp"
#include "credits/reservation.hpp"

namespace credits {

// A rate card by version: the card a stored charge was priced with (null: none is stored).
using CardByVersion = std::function<std::shared_ptr<const RateCard>(const std::string& version)>;

std::string write_charge_record(const Charge& c);
std::string write_top_up_record(const TopUpRecord& t);
std::string write_event_record(const BalanceEvent& e);
Result<BalanceEvent> read_event_record(std::string_view text);
std::string write_reservation_record(const Reservation& r);

// `internal` when the text is not a record this engine wrote (a damaged store).
Result<Charge> read_charge_record(std::string_view text, const CardByVersion& cards);
Result<TopUpRecord> read_top_up_record(std::string_view text);
Result<Reservation> read_reservation_record(std::string_view text);

}  // namespace credits
