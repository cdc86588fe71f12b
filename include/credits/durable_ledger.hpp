// A ledger whose every accepted operation is journaled, so it can be rebuilt after a crash.
// No I/O and no clock: the caller brings the time (or honours each operation's "at") and a
// LedgerStore (ledger_store.hpp) that makes batches durable.
//
// The cycle an edge runs: apply() operations (each result is final but must not be
// acknowledged yet), take_batch(), store.commit(batch), then acknowledge those operations.
// Several operations share one commit (group commit). If a commit fails, the in-memory state
// is ahead of the store: the edge must stop and recover from the store.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "credits/access.hpp"
#include "credits/cached_records.hpp"
#include "credits/ledger.hpp"
#include "credits/ledger_store.hpp"
#include "credits/rate_card.hpp"

namespace credits {

struct RecoveryReport {
  bool ok = true;
  std::vector<std::string> problems;  // each difference between the replay and the store
  int64_t records = 0;                // journal records replayed
  int64_t operations = 0;
  int64_t entries = 0;
  int64_t payers = 0;
  int64_t snapshot = 0;  // the journal record of the snapshot it started from (0: the whole journal)
  std::string rate_card;  // the version in force at the end of the journal, "" for a new store

  nlohmann::json to_json() const;
};

// A rate card read from text: the card and its canonical JSON text (what is stored and
// compared: two texts that differ only in spacing or key order are the same card).
struct LoadedCard {
  std::shared_ptr<const RateCard> card;
  std::string text;
};
Result<LoadedCard> load_card_text(std::string_view text, RateCardErrors* all_errors = nullptr);

struct CardSwap {
  std::string previous;  // "" when there was none
  std::string current;
  bool changed = false;
};

class DurableLedger {
 public:
  DurableLedger() = default;
  DurableLedger(const DurableLedger&) = delete;
  DurableLedger& operator=(const DurableLedger&) = delete;

  // Rebuilds the state from the store: replays the journal into a fresh ledger and checks the
  // replay against the stored entries and payer balances. On any difference the report is
  // not ok and lists each one; the ledger must not be used then.
  RecoveryReport recover(LedgerStore& store);
  // Forgets the state and recovers it from the store again: after a failed commit, when the
  // state in memory is ahead of the store.
  RecoveryReport rebuild(LedgerStore& store);
  // Applies the journal records other writers of a shared store committed after last_seq(),
  // by the replay recovery runs (rate card swaps, access and balance events follow). With
  // `head` (read under lock_head()), checks that the ledger then stands exactly there. Only
  // between batches (nothing pending). Not ok: the state differs from the store; rebuild it.
  RecoveryReport catch_up(LedgerStore& store, const StoreHead* head = nullptr);
  // Called during recover() every `every` journal records replayed, with the count so far (a
  // long replay can show its progress; `credits verify` does on a terminal).
  void on_progress(std::function<void(int64_t records)> progress, int64_t every) {
    progress_ = std::move(progress);
    progress_every_ = every < 1 ? 1 : every;
  }

  // Puts a rate card in force from now on (journaled). The same version with the same text is
  // a no-op; a version that was ever in force with other content is refused (invalid_rate_card):
  // a client quoting that version would otherwise be charged a different price.
  // `now` stamps the swap (nullopt: the time of the last operation).
  Result<CardSwap> use_rate_card(const LoadedCard& card, std::optional<Timestamp> now);

  // Applies one SPEC §9 operation. With `server_now`, the operation is stamped with
  // max(server_now, the last operation's time), replacing any "at" it has, so server time
  // never goes backwards; without it, "at" is honoured as given (replays and tests).
  // With `viewer`, balance and usage are refused unless that user may see the payer (§5).
  // The result is final, but only durable once the batch holding it has been committed.
  nlohmann::json apply(nlohmann::json op, std::optional<Timestamp> server_now,
                       const std::string* viewer = nullptr);

  // Everything applied since the last call, for one commit.
  CommitBatch take_batch();
  // The batches up to journal record `seq` are durable: what they wrote may leave memory. From
  // the thread that applies operations (the cache is not shared), after commit() returned.
  void durable_through(int64_t seq);

  // A store that keeps the history (LedgerStore::records()) is read through a cache of at most
  // this many records (pinned ones aside). Before recover().
  static constexpr size_t kDefaultCacheRecords = 20000;
  void set_cache_records(size_t records) { cache_capacity_ = records; }
  // Such a store also keeps a snapshot of the state every this many journal records, and
  // recover() starts from the newest one, replaying only the journal after it; with
  // `full_replay`, recover() replays the whole journal instead and checks the newest snapshot
  // against the state the replay had at its point (`credits verify`).
  static constexpr int64_t kDefaultSnapshotEvery = 10000;
  // Such a store also keeps the balance events: memory keeps the newest this many of those
  // durable (the long polls' and the snapshot's), the `events` read finds older ones there.
  static constexpr size_t kDefaultEventsKept = 1000;
  void set_events_kept(size_t events) { events_kept_ = events; }
  void set_snapshot_every(int64_t records) { snapshot_every_ = records < 1 ? 1 : records; }
  void set_full_replay(bool full) { full_replay_ = full; }
  // The idempotency keys of these operations, read from the store in one request before they
  // are applied (one round trip to a networked store instead of one per key). Nothing else
  // changes: a key it could not read is read again when the operation asks.
  void prefetch(const std::vector<const nlohmann::json*>& ops);
  // The cache, when the history is in the store (null: it is in memory).
  const CachedRecords* cache() const { return cache_; }
  bool has_pending() const { return !pending_.records.empty() || !pending_.cards.empty(); }

  bool ready() const { return ledger_ != nullptr; }  // a rate card is in force
  const Ledger& ledger() const { return *ledger_; }
  std::shared_ptr<const RateCard> card() const { return card_.card; }
  const std::string& card_text() const { return card_.text; }
  int64_t last_seq() const { return seq_; }
  const AccessIndex& access() const { return access_; }

 private:
  std::function<void(int64_t)> progress_;
  int64_t progress_every_ = 100000;
  class Problems;
  // The steps of recover(), in order.
  bool recover_cards(LedgerStore& store, Problems& problems);
  bool replay_journal(LedgerStore& store, int64_t after, RecoveryReport& report, Problems& problems);
  bool start_from(LedgerStore& store, const StoredSnapshot& snapshot, Problems& problems);
  void check_snapshot(const JournalRecord& rec, Problems& problems);
  std::string snapshot_text() const;
  void take_events(CommitBatch& batch);
  void events_all_stored();
  std::unique_ptr<LedgerRecords> make_records();
  bool replay_card(const JournalRecord& rec, Problems& problems);
  bool catch_up_record(LedgerStore& store, JournalRecord&& rec, RecoveryReport& report,
                       Problems& problems);
  void replay_operation(const JournalRecord& rec, Problems& problems);
  void check_entries(LedgerStore& store, int64_t after, RecoveryReport& report, Problems& problems);
  void check_payers(LedgerStore& store, RecoveryReport& report, Problems& problems);
  bool read_changed_state(const std::string& payer, const std::optional<Subscription>& sub_before,
                          size_t entries_before, bool clock_moved) const;
  void journal(JournalKind kind, Timestamp at, std::string body);
  // A ledger on the card in force, its history in the store's records when it keeps them.
  void make_ledger();
  // Before each operation, applied or replayed as journal record `seq`.
  void start_operation(int64_t seq);
  void end_operation();
  nlohmann::json apply_one(nlohmann::json op, std::optional<Timestamp> server_now, const std::string* viewer);
  void set_replaying(bool replaying);
  void touch(const std::string& payer);

  std::unique_ptr<Ledger> ledger_;
  RecordSource* source_ = nullptr;  // the store's records, from recover(); null: in memory
  CachedRecords* cache_ = nullptr;  // the ledger's records when source_ is set (it owns them)
  size_t cache_capacity_ = kDefaultCacheRecords;
  bool replaying_ = false;         // replaying what the store holds: its records are stored
  bool backfill_pending_ = false;  // the next batch writes every record of a full replay
  int64_t snapshot_every_ = kDefaultSnapshotEvery;
  int64_t snapshot_seq_ = 0;  // the newest snapshot's journal record, stored or in a batch
  bool full_replay_ = false;
  std::optional<StoredSnapshot> snapshot_to_check_;  // a full replay's, at its journal record
  size_t events_kept_ = kDefaultEventsKept;
  int64_t events_stored_ = 0;  // the balance events up to this seq are in the store or a batch
  std::deque<std::pair<int64_t, int64_t>> events_batched_;  // (journal record, last event) per batch
  AccessIndex access_;
  LoadedCard card_;
  std::map<std::string, LoadedCard> cards_;  // every card ever in force, by version
  int64_t seq_ = 0;
  CommitBatch pending_;
  std::map<std::string, int64_t> dirty_;  // payers touched since the last batch -> last seq
};

}  // namespace credits
