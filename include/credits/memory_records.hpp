// The ledger's history kept entirely in memory (ledger_records.hpp): for the CLI without --db,
// the WASM build and the tests. Records never move (deques), so pointers stay valid for ever.
#pragma once

#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "credits/ledger_records.hpp"

namespace credits {

class MemoryRecords final : public LedgerRecords {
 public:
  std::optional<RecordKind> kind_of(const std::string& key) override;
  Charge* find_charge(const std::string& key) override;
  const TopUpRecord* find_top_up(const std::string& key) override;
  Reservation* find_reservation(const std::string& key) override;
  Charge& add_charge(Charge charge) override;
  void add_top_up(TopUpRecord top_up) override;
  Reservation& add_reservation(Reservation reservation) override;
  void changed(const Charge&) override {}
  void changed(const Reservation&) override {}
  void newest_charges(const std::string& payer, const std::function<bool(const Charge&)>& more) override;
  void charges_in_order(const std::string& payer, const std::function<bool(const Charge&)>& more) override;

  // Every record, oldest first (tests and fuzzers look inside).
  const std::deque<Charge>& charges() const { return charges_; }
  const std::deque<Reservation>& reservations() const { return reservations_; }
  size_t top_up_count() const { return top_ups_.size(); }

 private:
  struct KeyUse {
    RecordKind kind;
    size_t index;  // into the deque of its kind
  };
  const KeyUse* use(const std::string& key, RecordKind kind) const;

  std::deque<Charge> charges_;
  std::deque<TopUpRecord> top_ups_;
  std::deque<Reservation> reservations_;
  std::unordered_map<std::string, KeyUse> keys_;
  std::unordered_map<std::string, std::vector<size_t>> by_payer_;  // charge indices, oldest first
};

}  // namespace credits
