// The storage interface of the durable ledger: what is kept, and the calls a store answers.
// The core never does I/O; an edge implements this (server/sqlite_store.hpp, one writer;
// server/pg_store.hpp, shared by several) and DurableLedger (durable_ledger.hpp) drives it.
//
// What is kept, all written together, all or nothing, by one commit:
// - the journal: every accepted operation as applied (its JSON text with the stamped "at"), and
//   every rate card swap, numbered 1, 2, 3... without gaps. Replaying it into a fresh Ledger
//   rebuilds the state exactly (the ledger is deterministic).
// - the ledger's entries (grants, expiries, top-ups, charges, refunds, settlements), append-only;
// - each payer's balances as they stood after the last commit that touched them;
// - every rate card ever in force, by version, as canonical JSON text.
// At start-up the journal is replayed and the replay is checked against the stored entries and
// balances; any difference is reported and the ledger refuses to run.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "credits/civil_time.hpp"
#include "credits/ledger.hpp"

namespace credits {

enum class JournalKind : int { operation = 0, rate_card = 1 };

struct JournalRecord {
  int64_t seq = 0;  // 1, 2, 3...
  Timestamp at = 0;  // the time the operation was stamped with
  JournalKind kind = JournalKind::operation;
  std::string body;  // operation: its JSON text as applied; rate_card: the version put in force
};

// One payer's balances as of the last commit that touched it.
struct PayerState {
  std::string payer;
  std::string status;  // subscription status
  Credits quota = 0;
  Credits remaining = 0;
  bool in_period = false;
  Timestamp period_start = 0;
  Timestamp period_end = 0;
  Credits wallet = 0;
  Credits held = 0;  // in open reservations
  PayerTotals totals;
  int64_t seq = 0;  // the journal record that last changed it

  bool same_balances(const PayerState& o) const {
    return payer == o.payer && status == o.status && quota == o.quota && remaining == o.remaining &&
           in_period == o.in_period && period_start == o.period_start && period_end == o.period_end &&
           wallet == o.wallet && held == o.held && totals.granted == o.totals.granted && totals.topped_up == o.totals.topped_up &&
           totals.spent == o.totals.spent && totals.refunded == o.totals.refunded && totals.expired == o.totals.expired;
  }
};

struct StoredCard {
  std::string version;
  std::string text;  // canonical JSON
};

// What one commit makes durable.
struct CommitBatch {
  std::vector<JournalRecord> records;
  std::vector<Entry> entries;
  std::vector<PayerState> payers;
  std::vector<StoredCard> cards;  // cards in force for the first time

  bool empty() const { return records.empty() && entries.empty() && payers.empty() && cards.empty(); }
};

// A store's answer: empty `error` when it worked. [[nodiscard]], as Result: a failed commit
// that nobody reads would leave memory ahead of the disk unnoticed.
struct [[nodiscard]] StoreStatus {
  std::string error;
  // Set with an error when the database itself refused the transaction (a serialization failure,
  // a deadlock, a constraint): nothing of it is durable, so the state may be rebuilt from the
  // store and the work tried again. Unset with an error (a lost connection), the outcome is
  // unknown.
  bool rolled_back = false;
  explicit operator bool() const { return error.empty(); }
};

// The ledger's serialization point in a shared store, as lock_head() read it.
struct StoreHead {
  int64_t seq = 0;      // the last journal record committed
  int64_t entries = 0;  // the number of entries committed
};

class LedgerStore {
 public:
  virtual ~LedgerStore() = default;

  // Reading everything back, at start-up.
  virtual StoreStatus load_cards(std::vector<StoredCard>& out) = 0;
  // Calls `fn` for each journal record in order; stops early (and returns) if `fn` returns false.
  virtual StoreStatus scan_journal(const std::function<bool(JournalRecord&&)>& fn) = 0;
  virtual StoreStatus scan_entries(const std::function<bool(Entry&&)>& fn) = 0;
  virtual StoreStatus load_payers(std::vector<PayerState>& out) = 0;

  // Makes the whole batch durable, or none of it. Returns only once it is durable: an
  // operation in it may be acknowledged after that, never before. In a shared store, inside
  // the transaction lock_head() opened when one is open.
  virtual StoreStatus commit(const CommitBatch& batch) = 0;

  // The reads of one recovery in one consistent snapshot, for a store others write meanwhile.
  virtual StoreStatus begin_read() { return {}; }
  virtual void end_read() {}

  // A store several processes write at once (PostgreSQL with several `credits serve`). Each
  // writer keeps its own in-memory ledger; the journal is the shared order. To write, a writer
  // calls lock_head() (a transaction holding the ledger's one serialization point until it
  // ends), catches up with scan_journal_after(its last seq), applies, then commit() or abort().
  virtual bool shared() const { return false; }
  virtual StoreStatus lock_head(StoreHead& head) {
    head = {};
    return {"this store has no shared head"};
  }
  // The journal records after `after`, in order: inside lock_head()'s transaction when one is
  // open, else what is committed now.
  virtual StoreStatus scan_journal_after(int64_t after,
                                         const std::function<bool(JournalRecord&&)>& fn) {
    (void)after;
    (void)fn;
    return {"this store has no shared journal"};
  }
  // Ends lock_head()'s transaction without writing anything.
  virtual void abort() {}
  // A shared store may show a commit to the other writers before it is durable (PostgreSQL
  // releases the head at COMMIT and flushes the WAL after, so the next writer need not wait for
  // this one's flush): returns once everything this writer committed or read is durable. commit()
  // calls it itself; a writer calls it before answering from records it only caught up with.
  virtual StoreStatus make_durable() { return {}; }
};

}  // namespace credits
