// A LedgerStore in memory, with the same all-or-nothing commit as SQLite's: the durable
// ledger's tests (durable_ledger_test, reservation_test, balance_events_test) recover from it.
// With `keeps_records`, it also keeps the history's record versions and snapshots, as the
// SQLite and PostgreSQL stores do, and the ledger reads its history through a cache.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "credits/ledger_store.hpp"

namespace credits::testing {

class MemoryStore : public LedgerStore, public RecordSource {
 public:
  explicit MemoryStore(bool keeps_records = false) : keeps_records_(keeps_records) {}

  RecordSource* records() override { return keeps_records_ ? this : nullptr; }
  bool needs_backfill() const override { return keeps_records_ && backfill; }
  StoreStatus load_snapshot(std::optional<StoredSnapshot>& out) override {
    out = snapshot;
    return {};
  }
  StoreStatus find_record(const std::string& key, int64_t as_of, std::optional<StoredRecord>& out) override {
    ++record_reads;
    out.reset();
    for (const StoredRecord& r : versions)
      if (r.key == key && r.seq <= as_of && (!out || r.seq >= out->seq)) out = r;
    return {};
  }
  StoreStatus scan_charges(const std::string& payer, int64_t as_of, bool newest_first,
                           const std::function<bool(StoredRecord&&)>& fn) override {
    std::map<std::string, StoredRecord> newest;  // by key
    for (const StoredRecord& r : versions)
      if (r.kind == RecordKind::charge && r.payer == payer && r.seq <= as_of &&
          (!newest.count(r.key) || newest[r.key].seq <= r.seq))
        newest[r.key] = r;
    std::vector<StoredRecord> rows;
    for (auto& [k, r] : newest) rows.push_back(r);
    std::sort(rows.begin(), rows.end(), [&](const StoredRecord& a, const StoredRecord& b) {
      return newest_first ? a.order > b.order : a.order < b.order;
    });
    for (StoredRecord& r : rows)
      if (!fn(std::move(r))) break;
    return {};
  }

  StoreStatus scan_events(int64_t after, const std::function<bool(StoredEvent&&)>& fn) override {
    ++event_scans;
    for (const StoredEvent& e : events)
      if (e.seq > after)
        if (StoredEvent copy = e; !fn(std::move(copy))) break;
    return {};
  }

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
    if (keeps_records_) {
      versions.insert(versions.end(), b.history.begin(), b.history.end());
      events.insert(events.end(), b.events.begin(), b.events.end());
      if (b.snapshot) snapshot = b.snapshot;
      if (b.backfilled) backfill = false;
    }
    ++commits;
    return {};
  }

  std::vector<StoredCard> cards;
  std::vector<JournalRecord> journal;
  std::vector<Entry> entries;
  std::map<std::string, PayerState> payers;
  int commits = 0;
  std::vector<StoredRecord> versions;
  std::optional<StoredSnapshot> snapshot;
  bool backfill = false;  // set by a test: as a store upgraded from a schema without records
  int record_reads = 0;
  std::vector<StoredEvent> events;
  int event_scans = 0;

 private:
  bool keeps_records_;
};

}  // namespace credits::testing
