// The durable ledger as a service for many threads: one writer thread owns the DurableLedger
// and applies operations in arrival order; one committer thread makes them durable, merging
// whatever has queued up while the previous fsync ran into one transaction (group commit).
// A caller is answered only once the batch holding its operation is committed, so every
// answer, an acceptance or a refusal, reflects only durable state. submit_async() returns at
// once and calls back from the committer thread: the HTTP server's event loop never waits on a
// commit.
//
// On a shared store (PostgreSQL with several servers) one thread does both, one batch after
// another: it holds the store's head, catches up with what the other servers committed, applies
// the batch, commits it and answers (docs/storage.md); idle, it catches up every few ms so
// long polls wake on every server.
//
// (A design without threads of its own, where each caller applies under a mutex and one of
// them leads the commit, was measured slower on the 2-core machine: 30% more CPU per charge,
// from callers sleeping on the contended mutex.)
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "credits/durable_ledger.hpp"

namespace credits::server {

struct ServiceStats {
  std::atomic<uint64_t> ops_accepted{0};
  std::atomic<uint64_t> ops_refused{0};
  std::atomic<uint64_t> commits{0};
  std::atomic<uint64_t> committed_records{0};
  std::atomic<uint64_t> commit_micros{0};
  std::atomic<uint64_t> max_commit_micros{0};
  std::atomic<uint64_t> max_batch_ops{0};
  std::atomic<int64_t> journal_seq{0};
  std::atomic<uint64_t> card_swaps{0};
  std::atomic<int64_t> events_seq{0};          // the last durable balance event (SPEC §11)
  std::atomic<uint64_t> caught_up_records{0};  // others' journal records replayed here
  std::atomic<uint64_t> rebuilds{0};           // shared store: state rebuilt after a failed commit
  // The history's cache (a store that keeps it), as the writer last saw it.
  std::atomic<uint64_t> cache_records{0};
  std::atomic<uint64_t> cache_pinned{0};
  std::atomic<uint64_t> cache_capacity{0};
  std::atomic<uint64_t> cache_hits{0};
  std::atomic<uint64_t> cache_loads{0};
  std::atomic<uint64_t> cache_misses{0};
  std::atomic<uint64_t> cache_evictions{0};
  // What start-up read: journal records replayed, entries and payers checked.
  std::atomic<uint64_t> start_journal_records{0};
  std::atomic<uint64_t> start_entries{0};
  std::atomic<uint64_t> start_payers{0};
  std::atomic<uint64_t> start_snapshot{0};
};

class LedgerService {
 public:
  // `ledger` must be recovered and have a rate card in force; both outlive the service.
  // Starts the writer and committer threads.
  LedgerService(DurableLedger& ledger, LedgerStore& store, bool trust_client_time);
  ~LedgerService();

  // Refuses new operations ("unavailable"), applies and commits those submitted, and stops
  // the threads.
  void stop();

  // Applies operations in order, one after another as if submitted back to back; `done` gets
  // the results, in the operations' order, once they are durable, on the committer thread (or
  // at once, on the caller's, when the service is stopping: each `unavailable`), so it must only
  // hand them on. `viewer` is the user the calling backend acts for, checked on reads (balance,
  // usage).
  using Done = std::function<void(std::vector<nlohmann::json> results)>;
  void submit_async(std::vector<nlohmann::json> ops, std::optional<std::string> viewer, Done done);
  // One read whose answer is text the core renders from the ledger (the usage CSV): `op` is
  // applied as submit_async applies it (the viewer checked, a reset that time passing made
  // durable first); when it is accepted, `render` runs on the writer thread right after it, on
  // the state the result reflects. `done` gets the result and the text ("" when refused).
  using Render = std::function<std::string(const Ledger& ledger)>;
  using RenderDone = std::function<void(nlohmann::json result, std::string text)>;
  void submit_render_async(nlohmann::json op, std::optional<std::string> viewer, Render render,
                           RenderDone done);
  // Puts a new rate card in force, journaled; `done` as for submit_async, once it is durable.
  using SwapDone = std::function<void(Result<CardSwap> swap)>;
  void swap_card_async(LoadedCard card, SwapDone done);

  // The rate card in force, for quotes and plans (which need no ledger state).
  std::shared_ptr<const RateCard> card() const;
  std::shared_ptr<const std::string> card_text() const;
  // The card and its canonical text from one swap: two calls above may straddle a swap.
  struct CardInForce {
    std::shared_ptr<const RateCard> card;
    std::shared_ptr<const std::string> text;
  };
  CardInForce card_in_force() const;

  // `listener` is told, on the committer thread, each time a commit made balance events
  // durable: the seq of the newest (and at once, with the current one). It must not block.
  using EventsListener = std::function<void(int64_t events_seq)>;
  void set_events_listener(EventsListener listener);

  const ServiceStats& stats() const { return stats_; }
  size_t waiting() const;  // operations queued for the writer
  // What the start-up's recovery read, for /metrics.
  void note_start(const RecoveryReport& report);

 private:
  struct Job;
  struct Unit {
    CommitBatch batch;
    std::vector<Job*> jobs;
    int64_t events_seq = 0;  // the ledger's newest balance event once the jobs are applied
  };
  bool enqueue(Job* job);
  void apply_ops(Job& job, std::optional<Timestamp> now);
  void apply_jobs(const std::vector<Job*>& jobs);
  void acknowledge(std::vector<Job*>& jobs);
  void writer_loop();
  void committer_loop();
  // The shared store's one thread.
  void shared_loop();
  void commit_shared(std::vector<Job*>& jobs);
  StoreStatus try_shared(std::vector<Job*>& jobs,
                         std::vector<std::vector<nlohmann::json>>& submitted);
  void take_queued(std::vector<Job*>& jobs, std::vector<std::vector<nlohmann::json>>& submitted);
  StoreStatus catch_up(const StoreHead* head, int64_t& replayed);
  void idle_catch_up();
  void rebuild_or_stop(const std::string& why);
  void refuse_all(std::vector<Job*>& jobs, const std::string& why);
  void publish_card();
  void publish_events(int64_t events_seq);
  // On the writer thread: what the committer made durable may leave the cache.
  void release_durable();
  void publish_cache();

  DurableLedger& ledger_;
  LedgerStore& store_;
  const bool trust_client_time_;

  mutable std::mutex in_mutex_;
  std::condition_variable in_cv_;
  std::deque<Job*> inbox_;
  size_t inbox_ops_ = 0;
  bool stopping_ = false;
  std::atomic<int64_t> durable_seq_{0};  // the committer's last durable journal record
  int64_t released_seq_ = 0;             // the writer's: what release_durable() last saw

  std::mutex out_mutex_;
  std::condition_variable out_cv_;
  std::deque<Unit> outbox_;
  bool writer_done_ = false;
  EventsListener events_listener_;  // under out_mutex_

  mutable std::mutex card_mutex_;
  std::shared_ptr<const RateCard> card_;
  std::shared_ptr<const std::string> card_text_;

  std::thread writer_;
  std::thread committer_;
  ServiceStats stats_;
};

}  // namespace credits::server
