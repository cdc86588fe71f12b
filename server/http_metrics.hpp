// The server's Prometheus text (GET /metrics): requests by route and status, a latency
// histogram per route, and the ledger service's and the transport's counters.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "event_waiters.hpp"
#include "http_transport.hpp"
#include "ledger_service.hpp"

namespace credits::server {

class Metrics {
 public:
  static constexpr std::array<double, 11> kBuckets = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,  0.5,   1.0};
  void set_transport(const HttpCounters* counters) { transport_ = counters; }
  void set_events(const EventWaitStats* events) { events_ = events; }
  // One answered request of `route`, `seconds` after its body was read. From any thread.
  void observe(const std::string& route, int status, double seconds);
  std::string text(const LedgerService& service);

 private:
  // The requests and their latencies, under the lock.
  void write_requests(std::string& out);

  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  const HttpCounters* transport_ = nullptr;
  const EventWaitStats* events_ = nullptr;
  std::mutex m_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
};

}  // namespace credits::server
