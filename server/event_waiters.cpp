#include "event_waiters.hpp"

#include <pthread.h>

#include <algorithm>

#include "credits/wire/error_wire.hpp"

namespace credits::server {

using nlohmann::json;

EventWaiters::EventWaiters(LedgerService& service, size_t max_waiting)
    : service_(service), max_waiting_(std::max<size_t>(1, max_waiting)) {
  deadlines_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "credits-events");
    deadline_loop();
  });
}

EventWaiters::~EventWaiters() { stop(); }

void EventWaiters::poll(json op, std::optional<std::string> viewer, int wait_s, Answer answer) {
  ++stats_.polls;
  auto w = std::make_shared<Waiter>();
  w->op = std::move(op);
  w->viewer = std::move(viewer);
  w->deadline = Clock::now() + std::chrono::seconds(std::clamp(wait_s, 0, kMaxWaitSeconds));
  w->answer = std::move(answer);
  read(std::move(w));
}

// The `events` read through the ledger service, as every read: answered once durable.
void EventWaiters::read(WaiterPtr w) {
  std::vector<json> ops;
  ops.push_back(w->op);  // kept: a woken request reads again
  const std::optional<std::string> viewer = w->viewer;
  service_.submit_async(std::move(ops), viewer, [this, w](std::vector<json> results) mutable {
    settle(std::move(w), std::move(results.front()));
  });
}

// A page with an event, a refusal, or a deadline passed is the answer; an empty page waits.
// (With a viewer, a page can be empty although newer events exist: they are others'; the
// request then waits for an event newer than those.)
void EventWaiters::settle(WaiterPtr w, json result) {
  const auto events = result.find("events");
  const bool empty = result.value("ok", false) && events != result.end() && events->empty();
  if (!empty || Clock::now() >= w->deadline) return finish(w, std::move(result));
  w->wake_after = result.value("last_seq", int64_t{0});
  w->page = std::move(result);
  if (!park(w)) read(std::move(w));
}

bool EventWaiters::park(const WaiterPtr& w) {
  std::unique_lock<std::mutex> l(m_);
  if (stopping_) {
    l.unlock();
    finish(w, std::move(w->page));
    return true;
  }
  if (durable_seq_ > w->wake_after) return false;  // committed while the read was answered
  if (!w->admitted) {
    if (admitted_ >= max_waiting_) {
      l.unlock();
      ++stats_.refused;
      w->answer(failed_operation_json(
          "events", Error(ErrorCode::unavailable,
                          "too many requests waiting for events (" + std::to_string(max_waiting_) +
                              "); poll again later, or without wait_s")));
      return true;
    }
    w->admitted = true;
    ++admitted_;
    ++stats_.waits;
    stats_.waiting = admitted_;
  }
  parked_.push_back(w);
  l.unlock();
  cv_.notify_one();  // its deadline may be the earliest
  return true;
}

void EventWaiters::finish(const WaiterPtr& w, json result) {
  if (w->admitted) {
    std::lock_guard<std::mutex> l(m_);
    --admitted_;
    stats_.waiting = admitted_;
  }
  w->answer(std::move(result));
}

void EventWaiters::on_durable(int64_t events_seq) {
  std::vector<WaiterPtr> due;
  {
    std::lock_guard<std::mutex> l(m_);
    durable_seq_ = std::max(durable_seq_, events_seq);
    auto woken = std::stable_partition(parked_.begin(), parked_.end(),
                                       [&](const WaiterPtr& w) { return w->wake_after >= durable_seq_; });
    due.assign(std::make_move_iterator(woken), std::make_move_iterator(parked_.end()));
    parked_.erase(woken, parked_.end());
  }
  stats_.woken += due.size();
  for (WaiterPtr& w : due) read(std::move(w));
}

// Sleeps until the earliest deadline (or a new request, or stop), then answers the requests
// whose deadline has passed with their empty page.
void EventWaiters::deadline_loop() {
  std::unique_lock<std::mutex> l(m_);
  while (!stopping_) {
    if (parked_.empty()) {
      cv_.wait(l);
    } else {
      Clock::time_point earliest = parked_.front()->deadline;
      for (const WaiterPtr& w : parked_) earliest = std::min(earliest, w->deadline);
      cv_.wait_until(l, earliest);
    }
    const Clock::time_point now = Clock::now();
    auto expired = std::stable_partition(parked_.begin(), parked_.end(),
                                         [&](const WaiterPtr& w) { return w->deadline > now; });
    std::vector<WaiterPtr> due(std::make_move_iterator(expired), std::make_move_iterator(parked_.end()));
    parked_.erase(expired, parked_.end());
    if (due.empty()) continue;
    l.unlock();
    stats_.timed_out += due.size();
    for (WaiterPtr& w : due) finish(w, std::move(w->page));
    l.lock();
  }
}

void EventWaiters::stop() {
  std::vector<WaiterPtr> due;
  {
    std::lock_guard<std::mutex> l(m_);
    stopping_ = true;
    due.swap(parked_);
  }
  cv_.notify_all();
  if (deadlines_.joinable()) deadlines_.join();
  for (WaiterPtr& w : due) finish(w, std::move(w->page));
}

}  // namespace credits::server
