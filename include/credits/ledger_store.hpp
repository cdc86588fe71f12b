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
// - every rate card ever in force, by version, as canonical JSON text;
// - in a store that keeps them (records() not null), the history's records: every version of
//   every charge, top-up and reservation, each written by one journal record, never edited;
//   and snapshots of the ledger's state (its payers, users, workspaces, open holds, settings:
//   what scales with accounts, not with history) as of a journal record.
// At start-up the newest snapshot is read and only the journal after it is replayed; the replay
// is checked against the stored entries and balances. `credits verify` replays the whole journal.
// Any difference is reported and the ledger refuses to run.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
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

// One version of a record of the ledger's history (ledger_records.hpp), as the store keeps it.
struct StoredRecord {
  RecordKind kind = RecordKind::charge;
  std::string key;    // its idempotency key: unique across the three kinds
  std::string payer;  // "user:ID" or "workspace:ID"
  int64_t order = 0;  // the number of the entry that made it: a payer's charges in order
  int64_t seq = 0;    // the journal record that wrote this version
  std::string body;   // the record's text (wire/record_wire.hpp)
};

// The ledger's state as of a journal record (wire/ledger_state_wire.hpp): start-up reads the
// newest one and replays only the journal after it.
struct StoredSnapshot {
  int64_t seq = 0;      // the last journal record it reflects
  int64_t entries = 0;  // the number of entries then
  std::string body;
};

// A balance event as the store keeps it (wire/record_wire.hpp): the ledger keeps only the
// newest in memory and reads older ones back for the `events` read.
struct StoredEvent {
  int64_t seq = 0;
  std::string payer;
  std::string body;
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
  std::vector<StoredRecord> history;       // record versions written (a store with records())
  std::optional<StoredSnapshot> snapshot;  // the state as of the batch's last record, now and then
  std::vector<StoredEvent> events;         // balance events the batch's records emitted
  // The history holds every record the journal made (a store upgraded from a schema without
  // records gets them from the first start's full replay): needs_backfill() is false after it.
  bool backfilled = false;

  bool empty() const {
    return records.empty() && entries.empty() && payers.empty() && cards.empty() && history.empty() && !snapshot &&
           events.empty() && !backfilled;
  }
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

// The history's records as a store keeps them. Called from the thread that applies operations
// while commit() may run on another (a connection of its own). `as_of` hides what journal
// records after it wrote: a replay sees each record as it stood at its point in the journal.
class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // The newest version of `key` written by journal record `as_of` or before; none if no record
  // with that key was written by then.
  virtual StoreStatus find_record(const std::string& key, int64_t as_of, std::optional<StoredRecord>& out) = 0;
  // find_record() for several keys at once: the newest version of each that has one, in any
  // order (a store across a network answers in one round trip; the default asks one by one).
  virtual StoreStatus find_records(const std::vector<std::string>& keys, int64_t as_of, std::vector<StoredRecord>& out) {
    for (const std::string& key : keys) {
      std::optional<StoredRecord> one;
      if (StoreStatus s = find_record(key, as_of, one); !s) return s;
      if (one) out.push_back(std::move(*one));
    }
    return {};
  }
  // Each of the payer's charges once, in its newest version as of `as_of`, ordered by `order`
  // (newest first when asked), while `fn` returns true.
  virtual StoreStatus scan_charges(const std::string& payer, int64_t as_of, bool newest_first,
                                   const std::function<bool(StoredRecord&&)>& fn) = 0;
  // The balance events with seq > after, in order, while `fn` returns true.
  virtual StoreStatus scan_events(int64_t after, const std::function<bool(StoredEvent&&)>& fn) = 0;
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

  // A store that keeps the history's records and snapshots (null: the ledger keeps its history
  // in memory and start-up replays the whole journal).
  virtual RecordSource* records() { return nullptr; }
  // A store with records() whose journal holds operations its records table does not (upgraded
  // from a schema without one): start-up replays the whole journal and its first commit writes
  // every record, with `backfilled` set.
  virtual bool needs_backfill() const { return false; }
  // The newest snapshot committed, none if there is none.
  virtual StoreStatus load_snapshot(std::optional<StoredSnapshot>& out) {
    out.reset();
    return {};
  }
  // The entries numbered after `after`, in order (the part a snapshot does not cover).
  virtual StoreStatus scan_entries_after(int64_t after, const std::function<bool(Entry&&)>& fn) {
    return scan_entries([&](Entry&& e) { return e.seq <= after || fn(std::move(e)); });
  }

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
  // open, else what is committed now. (The default reads the whole journal: a store overrides
  // it with an indexed read, since start-up from a snapshot reads only what follows it.)
  virtual StoreStatus scan_journal_after(int64_t after,
                                         const std::function<bool(JournalRecord&&)>& fn) {
    return scan_journal([&](JournalRecord&& r) { return r.seq <= after || fn(std::move(r)); });
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
