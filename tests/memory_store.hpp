// A LedgerStore in memory, with the same all-or-nothing commit as SQLite's: the durable
// ledger's tests (durable_ledger_test, reservation_test, balance_events_test) recover from it.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "credits/ledger_store.hpp"

namespace credits::testing {

class MemoryStore : public LedgerStore {
 public:
  StoreStatus load_cards(std::vector<StoredCard>& out) override {
    out = cards;
    return {};
  }
  StoreStatus scan_journal(const std::function<bool(JournalRecord&&)>& fn) override {
    for (JournalRecord r : journal)
      if (!fn(std::move(r))) break;
    return {};
  }
  StoreStatus scan_entries(const std::function<bool(Entry&&)>& fn) override {
    for (Entry e : entries)
      if (!fn(std::move(e))) break;
    return {};
  }
  StoreStatus load_payers(std::vector<PayerState>& out) override {
    for (const auto& [id, p] : payers) out.push_back(p);
    return {};
  }
  StoreStatus commit(const CommitBatch& b) override {
    cards.insert(cards.end(), b.cards.begin(), b.cards.end());
    journal.insert(journal.end(), b.records.begin(), b.records.end());
    entries.insert(entries.end(), b.entries.begin(), b.entries.end());
    for (const PayerState& p : b.payers) payers[p.payer] = p;
    ++commits;
    return {};
  }

  std::vector<StoredCard> cards;
  std::vector<JournalRecord> journal;
  std::vector<Entry> entries;
  std::map<std::string, PayerState> payers;
  int commits = 0;
};

}  // namespace credits::testing
