#include "ledger_service.hpp"

#include <pthread.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "credits/wire/error_wire.hpp"
#include "credits/wire/json_text.hpp"
#include "credits/wire/operation_wire.hpp"

namespace credits::server {

using nlohmann::json;

namespace {

Timestamp wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t micros_since(std::chrono::steady_clock::time_point t0) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count());
}

Error shutting_down() { return Error(ErrorCode::unavailable, "the server is shutting down"); }

json unavailable() { return failed_operation_json(nullptr, shutting_down()); }

// Says why the server stops without answering (stderr), before it exits 70: the restart
// recovers from what is durable.
[[noreturn]] void stop_unanswered(const Error& why) {
  std::fprintf(stderr, "%s\n", to_wire(failure_json(why)).c_str());
  std::fflush(stderr);
  std::_Exit(70);
}

void append(CommitBatch& into, CommitBatch&& from) {
  auto move_all = [](auto& dst, auto& src) {
    if (dst.empty())
      dst = std::move(src);
    else
      dst.insert(dst.end(), std::make_move_iterator(src.begin()),
                 std::make_move_iterator(src.end()));
  };
  move_all(into.records, from.records);
  move_all(into.entries, from.entries);
  move_all(into.payers, from.payers);  // upserts in order: the latest state of a payer wins
  move_all(into.cards, from.cards);
  move_all(into.history, from.history);  // versions, each under its own journal record
  move_all(into.events, from.events);
  if (from.snapshot) into.snapshot = std::move(from.snapshot);  // the newest one is kept
  into.backfilled = into.backfilled || from.backfilled;
}

}  // namespace

struct LedgerService::Job {
  bool swap = false;
  std::vector<json> ops;  // applied in order, results in the same order
  std::vector<json> results;
  std::optional<std::string> viewer;
  std::optional<LoadedCard> card;  // a swap's card
  std::optional<Result<CardSwap>> swap_result;
  Render render;         // a rendered read's renderer (submit_render_async)
  std::string rendered;  // its text, when the operation was accepted
  // Called by the committer once the job is durable: hands the results on and deletes the job.
  std::function<void(Job&)> durable;
};

LedgerService::LedgerService(DurableLedger& ledger, LedgerStore& store, bool trust_client_time)
    : ledger_(ledger), store_(store), trust_client_time_(trust_client_time) {
  publish_card();
  stats_.journal_seq = ledger_.last_seq();
  stats_.events_seq = ledger_.ledger().balance_events().last_seq();
  durable_seq_ = released_seq_ = ledger_.last_seq();
  publish_cache();
  if (store_.shared()) {
    writer_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "credits-shared");
      shared_loop();
    });
    return;
  }
  writer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "credits-writer");
    writer_loop();
  });
  committer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "credits-commit");
    committer_loop();
  });
}

LedgerService::~LedgerService() { stop(); }

void LedgerService::stop() {
  {
    std::lock_guard<std::mutex> l(in_mutex_);
    stopping_ = true;
  }
  in_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (committer_.joinable()) committer_.join();
}

void LedgerService::publish_card() {
  auto text = std::make_shared<const std::string>(ledger_.card_text());
  std::lock_guard<std::mutex> l(card_mutex_);
  card_ = ledger_.card();
  card_text_ = std::move(text);
}

std::shared_ptr<const RateCard> LedgerService::card() const {
  std::lock_guard<std::mutex> l(card_mutex_);
  return card_;
}

std::shared_ptr<const std::string> LedgerService::card_text() const {
  std::lock_guard<std::mutex> l(card_mutex_);
  return card_text_;
}

LedgerService::CardInForce LedgerService::card_in_force() const {
  std::lock_guard<std::mutex> l(card_mutex_);
  return {card_, card_text_};
}

void LedgerService::set_events_listener(EventsListener listener) {
  {
    std::lock_guard<std::mutex> l(out_mutex_);
    events_listener_ = listener;
  }
  if (listener) listener(stats_.events_seq);
}

// On the committer thread, once the events up to `events_seq` are durable.
void LedgerService::publish_events(int64_t events_seq) {
  if (events_seq == stats_.events_seq) return;
  stats_.events_seq = events_seq;
  EventsListener listener;
  {
    std::lock_guard<std::mutex> l(out_mutex_);
    listener = events_listener_;
  }
  if (listener) listener(events_seq);
}

size_t LedgerService::waiting() const {
  std::lock_guard<std::mutex> l(in_mutex_);
  return inbox_ops_;
}

bool LedgerService::enqueue(Job* job) {
  {
    std::lock_guard<std::mutex> l(in_mutex_);
    if (stopping_) return false;
    inbox_.push_back(job);
    inbox_ops_ += job->swap ? 1 : job->ops.size();
  }
  in_cv_.notify_one();
  return true;
}

void LedgerService::submit_async(std::vector<json> ops, std::optional<std::string> viewer,
                                 Done done) {
  if (ops.empty()) return done({});
  auto job = std::make_unique<Job>();
  job->ops = std::move(ops);
  job->viewer = std::move(viewer);
  job->durable = [done](Job& j) {
    std::vector<json> results = std::move(j.results);
    delete &j;
    done(std::move(results));
  };
  const size_t n = job->ops.size();
  if (enqueue(job.get())) {
    job.release();  // owned by the queue now; deleted by `durable`
    return;
  }
  done(std::vector<json>(n, unavailable()));
}

void LedgerService::swap_card_async(LoadedCard card, SwapDone done) {
  auto job = std::make_unique<Job>();
  job->swap = true;
  job->card = std::move(card);
  job->durable = [done](Job& j) {
    Result<CardSwap> swap = std::move(*j.swap_result);
    delete &j;
    done(std::move(swap));
  };
  if (enqueue(job.get())) {
    job.release();  // owned by the queue now; deleted by `durable`
    return;
  }
  done(shutting_down());
}

void LedgerService::submit_render_async(json op, std::optional<std::string> viewer, Render render,
                                        RenderDone done) {
  auto job = std::make_unique<Job>();
  job->ops.push_back(std::move(op));
  job->viewer = std::move(viewer);
  job->render = std::move(render);
  job->durable = [done](Job& j) {
    json result = std::move(j.results.front());
    std::string text = std::move(j.rendered);
    delete &j;
    done(std::move(result), std::move(text));
  };
  if (enqueue(job.get())) {
    job.release();  // owned by the queue now; deleted by `durable`
    return;
  }
  done(unavailable(), std::string());
}

// On the writer thread: a job's operations in order, and a rendered read's text right after its
// operation, while the ledger is exactly the state its result reflects.
void LedgerService::apply_ops(Job& job, std::optional<Timestamp> now) {
  const std::string* viewer = job.viewer ? &*job.viewer : nullptr;
  job.results.reserve(job.ops.size());
  for (json& op : job.ops) {
    try {
      job.results.push_back(ledger_.apply(std::move(op), now, viewer));
      if (job.render && job.results.back().value("ok", false))
        job.rendered = job.render(ledger_.ledger());
    } catch (const std::exception& e) {
      // Nothing in apply is expected to throw (out of memory aside); if it does, the
      // ledger may be half changed: stop without answering, recover from the disk.
      stop_unanswered(Error(ErrorCode::internal, std::string("stopping: ") + e.what()));
    }
  }
}

void LedgerService::apply_jobs(const std::vector<Job*>& jobs) {
  std::vector<const json*> ops;
  for (const Job* job : jobs)
    for (const json& op : job->ops) ops.push_back(&op);
  ledger_.prefetch(ops);
  for (Job* job : jobs) {
    const std::optional<Timestamp> now =
        trust_client_time_ ? std::nullopt : std::optional(wall_clock_ms());
    if (job->swap) {
      job->swap_result = ledger_.use_rate_card(*job->card, now);
      if (*job->swap_result && (*job->swap_result)->changed) {
        publish_card();
        ++stats_.card_swaps;
      }
      continue;
    }
    apply_ops(*job, now);
  }
}

// Once the jobs are durable (or refused whole): counted, then handed on.
void LedgerService::acknowledge(std::vector<Job*>& jobs) {
  for (Job* job : jobs) {
    for (const json& r : job->results)
      if (r.value("ok", false))
        ++stats_.ops_accepted;
      else
        ++stats_.ops_refused;
    // Moved out first: an asynchronous job deletes itself inside the call.
    auto durable = std::move(job->durable);
    durable(*job);
  }
}

void LedgerService::writer_loop() {
  std::vector<Job*> jobs;
  for (;;) {
    {
      std::unique_lock<std::mutex> l(in_mutex_);
      in_cv_.wait(l, [&] { return !inbox_.empty() || stopping_ || durable_seq_ != released_seq_; });
      if (inbox_.empty() && !stopping_) {  // woken by the committer: nothing to apply
        l.unlock();
        release_durable();
        continue;
      }
      if (inbox_.empty()) break;  // stopping, and everything submitted is applied
      jobs.assign(inbox_.begin(), inbox_.end());
      inbox_.clear();
      inbox_ops_ = 0;
    }
    release_durable();
    apply_jobs(jobs);
    publish_cache();  // what the jobs read counts at once, even when they wrote nothing
    Unit unit{ledger_.take_batch(), std::move(jobs), ledger_.ledger().balance_events().last_seq()};
    jobs.clear();
    {
      std::lock_guard<std::mutex> l(out_mutex_);
      outbox_.push_back(std::move(unit));
    }
    out_cv_.notify_one();
  }
  {
    std::lock_guard<std::mutex> l(out_mutex_);
    writer_done_ = true;
  }
  out_cv_.notify_one();
}

void LedgerService::committer_loop() {
  std::deque<Unit> units;
  for (;;) {
    {
      std::unique_lock<std::mutex> l(out_mutex_);
      out_cv_.wait(l, [&] { return !outbox_.empty() || writer_done_; });
      if (outbox_.empty()) break;
      units.swap(outbox_);
    }
    // Everything the writer applied while the previous commit ran goes into one transaction.
    CommitBatch merged = std::move(units.front().batch);
    for (size_t i = 1; i < units.size(); ++i) append(merged, std::move(units[i].batch));
    size_t ops = 0;
    for (const Unit& u : units)
      for (const Job* j : u.jobs) ops += j->swap ? 1 : j->ops.size();
    if (!merged.empty()) {
      const auto t0 = std::chrono::steady_clock::now();
      StoreStatus s = store_.commit(merged);
      if (!s) {
        // The ledger in memory is ahead of the store and cannot be rolled back: stop without
        // acknowledging anything.
        stop_unanswered(Error(ErrorCode::storage_failed,
                              "a commit failed; stopping without acknowledging it: " + s.error));
      }
      const uint64_t us = micros_since(t0);
      ++stats_.commits;
      stats_.commit_micros += us;
      stats_.committed_records += merged.records.size();
      if (us > stats_.max_commit_micros) stats_.max_commit_micros = us;
      if (!merged.records.empty()) stats_.journal_seq = merged.records.back().seq;
    }
    if (ops > stats_.max_batch_ops) stats_.max_batch_ops = ops;
    if (!merged.records.empty()) {
      // The writer may let what this commit wrote leave memory: told under its lock, so its
      // wait cannot miss it.
      std::lock_guard<std::mutex> l(in_mutex_);
      durable_seq_ = merged.records.back().seq;
      in_cv_.notify_one();
    }
    for (Unit& u : units) acknowledge(u.jobs);
    publish_events(units.back().events_seq);
    units.clear();
  }
}

// The shared store's writer (docs/storage.md). Every batch is one transaction that holds the
// ledger's head from before the catch-up to its COMMIT, so the batch is applied on exactly the
// state every other server's commits left; nothing is answered before that COMMIT returns.
namespace {

constexpr int kSharedAttempts = 4;  // a batch whose transaction the database refused, tried again
constexpr auto kIdleCatchUp = std::chrono::milliseconds(20);

}  // namespace

void LedgerService::shared_loop() {
  std::vector<Job*> jobs;
  for (;;) {
    {
      std::unique_lock<std::mutex> l(in_mutex_);
      if (!in_cv_.wait_for(l, kIdleCatchUp, [&] { return !inbox_.empty() || stopping_; })) {
        l.unlock();
        idle_catch_up();  // no work: see what the other servers committed
        continue;
      }
      if (inbox_.empty()) break;  // stopping, and everything submitted is answered
      jobs.assign(inbox_.begin(), inbox_.end());
      inbox_.clear();
      inbox_ops_ = 0;
    }
    commit_shared(jobs);
    jobs.clear();
  }
}

// A refused transaction leaves the state in memory ahead of the store: it is rebuilt from the
// store and the batch applied again from the operations as submitted (their results were not
// answered). A lost connection leaves the commit's outcome unknown: stop, answering nothing.
void LedgerService::commit_shared(std::vector<Job*>& jobs) {
  std::vector<std::vector<json>> submitted;
  submitted.reserve(jobs.size());
  for (const Job* job : jobs) submitted.push_back(job->ops);
  std::string why;
  for (int attempt = 1; attempt <= kSharedAttempts; ++attempt) {
    if (attempt > 1) {
      rebuild_or_stop(why);
      for (size_t i = 0; i < jobs.size(); ++i) {
        jobs[i]->ops = submitted[i];
        jobs[i]->results.clear();
        jobs[i]->rendered.clear();
        jobs[i]->swap_result.reset();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2 << attempt));
    }
    StoreStatus s = try_shared(jobs, submitted);
    if (s) return acknowledge(jobs);
    if (!s.rolled_back)
      stop_unanswered(
          Error(ErrorCode::storage_failed,
                "a commit's outcome is unknown; stopping without acknowledging it: " + s.error));
    why = s.error;
  }
  rebuild_or_stop(why);
  refuse_all(jobs, "not applied: its transaction failed " + std::to_string(kSharedAttempts) +
                       " times, the last: " + why);
}

// Jobs submitted while this server waited for the head join the batch: one commit for them all.
void LedgerService::take_queued(std::vector<Job*>& jobs,
                                std::vector<std::vector<json>>& submitted) {
  std::lock_guard<std::mutex> l(in_mutex_);
  for (Job* job : inbox_) {
    jobs.push_back(job);
    submitted.push_back(job->ops);
  }
  inbox_.clear();
  inbox_ops_ = 0;
}

StoreStatus LedgerService::try_shared(std::vector<Job*>& jobs,
                                      std::vector<std::vector<json>>& submitted) {
  StoreHead head;
  if (StoreStatus s = store_.lock_head(head); !s) return s;
  int64_t replayed = 0;
  if (StoreStatus s = catch_up(&head, replayed); !s) return s;
  take_queued(jobs, submitted);
  apply_jobs(jobs);
  CommitBatch batch = ledger_.take_batch();
  const bool writes = !batch.empty();
  const int64_t last = batch.records.empty() ? 0 : batch.records.back().seq;
  const size_t records = batch.records.size();
  const auto t0 = std::chrono::steady_clock::now();
  // An empty batch ends the transaction; what was only read must be durable before it is answered.
  if (StoreStatus s = store_.commit(batch); !s) return s;
  if (!writes && replayed > 0)
    if (StoreStatus s = store_.make_durable(); !s) return s;
  ledger_.durable_through(ledger_.last_seq());  // one thread: committed and durable now
  publish_cache();
  if (writes) {
    const uint64_t us = micros_since(t0);
    ++stats_.commits;
    stats_.commit_micros += us;
    stats_.committed_records += records;
    if (us > stats_.max_commit_micros) stats_.max_commit_micros = us;
    if (last) stats_.journal_seq = last;
  }
  size_t ops = 0;
  for (const Job* job : jobs) ops += job->swap ? 1 : job->ops.size();
  if (ops > stats_.max_batch_ops) stats_.max_batch_ops = ops;
  publish_events(ledger_.ledger().balance_events().last_seq());
  return {};
}

// What the other servers committed, replayed (a swapped card is published at once: quotes need
// no durability). A failure is a refused transaction: the state is rebuilt before the next try.
StoreStatus LedgerService::catch_up(const StoreHead* head, int64_t& replayed) {
  const auto card_before = ledger_.card();
  RecoveryReport r = ledger_.catch_up(store_, head);
  replayed = r.records;
  stats_.caught_up_records += static_cast<uint64_t>(r.records);
  if (!r.ok) {
    store_.abort();
    StoreStatus s{"catching up with the journal: " +
                  (r.problems.empty() ? std::string("?") : r.problems.front())};
    s.rolled_back = true;
    return s;
  }
  if (ledger_.card() != card_before) publish_card();
  stats_.journal_seq = ledger_.last_seq();
  return {};
}

// The balance events other servers committed wake this server's long polls, once durable.
void LedgerService::idle_catch_up() {
  int64_t replayed = 0;
  StoreStatus s = catch_up(nullptr, replayed);
  // A read that failed replayed nothing: the next round tries again. A record that would not
  // replay means this server's state is wrong: rebuilt from the store.
  if (!s && replayed > 0) rebuild_or_stop(s.error);
  if (!s || replayed == 0) return;
  if (StoreStatus d = store_.make_durable(); !d)
    stop_unanswered(Error(ErrorCode::storage_failed, "stopping: " + d.error));
  publish_events(ledger_.ledger().balance_events().last_seq());
}

void LedgerService::note_start(const RecoveryReport& report) {
  stats_.start_journal_records = static_cast<uint64_t>(report.records);
  stats_.start_entries = static_cast<uint64_t>(report.entries);
  stats_.start_payers = static_cast<uint64_t>(report.payers);
  stats_.start_snapshot = static_cast<uint64_t>(report.snapshot);
}

void LedgerService::release_durable() {
  const int64_t seq = durable_seq_;
  if (seq == released_seq_) return;
  released_seq_ = seq;
  ledger_.durable_through(seq);
  publish_cache();
}

void LedgerService::publish_cache() {
  const CachedRecords* cache = ledger_.cache();
  if (!cache) return;
  stats_.cache_records = cache->size();
  stats_.cache_pinned = cache->pinned();
  stats_.cache_capacity = cache->capacity();
  stats_.cache_hits = cache->counters().hits;
  stats_.cache_loads = cache->counters().loads;
  stats_.cache_misses = cache->counters().misses;
  stats_.cache_evictions = cache->counters().evictions;
}

void LedgerService::rebuild_or_stop(const std::string& why) {
  store_.abort();
  const auto card_before = ledger_.card();
  RecoveryReport r = ledger_.rebuild(store_);
  ++stats_.rebuilds;
  if (!r.ok)
    stop_unanswered(Error(ErrorCode::ledger_mismatch,
                          "rebuilding the ledger after \"" + why + "\" failed: " +
                              (r.problems.empty() ? std::string("?") : r.problems.front())));
  if (ledger_.card() != card_before) publish_card();
  stats_.journal_seq = ledger_.last_seq();
}

void LedgerService::refuse_all(std::vector<Job*>& jobs, const std::string& why) {
  const Error error(ErrorCode::storage_failed, why);
  for (Job* job : jobs) {
    if (job->swap) {
      job->swap_result = error;
      continue;
    }
    job->results.clear();
    for (const json& op : job->ops)
      job->results.push_back(failed_operation_json(given_op_name(op), error));
    job->rendered.clear();
  }
  acknowledge(jobs);
}

}  // namespace credits::server
