// The long poll of GET /v1/events (SPEC §11, docs/server.md "Balance events"): a request whose
// `events` page is empty is parked here, holding no thread, until an event with a greater seq is
// durable (the ledger service reports each commit that made events durable) or its deadline.
// Every answer is the core's `events` result, read through the ledger service as any read is:
// when an event arrives, the parked request's read is submitted again and its page answered;
// at the deadline (or on shutdown) the last page read, which was empty, is answered.
//
// Bounded: at most `max_waiting` requests wait at once; one more is answered 503 `unavailable`
// (its connection stays usable). One thread of its own sleeps until the earliest deadline; the
// event loops only hand requests over and write answers.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ledger_service.hpp"

namespace credits::server {

struct EventWaitStats {
  std::atomic<uint64_t> polls{0};      // GET /v1/events requests taken
  std::atomic<uint64_t> waits{0};      // of those, parked (their first page was empty)
  std::atomic<uint64_t> woken{0};      // parked requests woken by a durable event
  std::atomic<uint64_t> timed_out{0};  // parked requests answered at their deadline (empty page)
  std::atomic<uint64_t> refused{0};    // refused over the cap (503)
  std::atomic<uint64_t> waiting{0};    // parked now (gauge)
};

class EventWaiters {
 public:
  static constexpr int kMaxWaitSeconds = 60;
  using Answer = std::function<void(nlohmann::json result)>;

  // `service` outlives this. Starts the deadline thread.
  EventWaiters(LedgerService& service, size_t max_waiting);
  ~EventWaiters();
  EventWaiters(const EventWaiters&) = delete;
  EventWaiters& operator=(const EventWaiters&) = delete;

  // Reads `op` (an `events` operation) for `viewer`; answers its result at once when it is
  // refused, holds an event, or `wait_s` is 0; else parks it up to `wait_s` seconds. `answer`
  // runs once, on a ledger thread or the deadline thread, so it must only hand the result on.
  void poll(nlohmann::json op, std::optional<std::string> viewer, int wait_s, Answer answer);
  // From the committer: events up to `events_seq` are durable. Wakes the requests waiting for
  // one of them.
  void on_durable(int64_t events_seq);
  // Answers every parked request with its (empty) page, and every later one at once; stops the
  // deadline thread. Idempotent.
  void stop();

  const EventWaitStats& stats() const { return stats_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Waiter {
    nlohmann::json op;
    std::optional<std::string> viewer;
    Clock::time_point deadline;
    int64_t wake_after = 0;  // parked until an event with a greater seq is durable
    nlohmann::json page;     // the last page read (empty): the answer at the deadline
    Answer answer;
    bool admitted = false;  // counted against the cap
  };
  using WaiterPtr = std::shared_ptr<Waiter>;

  void read(WaiterPtr w);
  void settle(WaiterPtr w, nlohmann::json result);
  // Parks `w`; false when it must be read again at once (an event was committed meanwhile).
  // Over the cap, answers 503 and returns true.
  bool park(const WaiterPtr& w);
  void finish(const WaiterPtr& w, nlohmann::json result);
  void deadline_loop();

  LedgerService& service_;
  const size_t max_waiting_;
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<WaiterPtr> parked_;
  size_t admitted_ = 0;
  int64_t durable_seq_ = 0;
  bool stopping_ = false;
  EventWaitStats stats_;
  std::thread deadlines_;
};

}  // namespace credits::server
