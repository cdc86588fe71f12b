#include "http_metrics.hpp"

#include <cstdio>

namespace credits::server {

void Metrics::observe(const std::string& route, int status, double seconds) {
  std::lock_guard<std::mutex> l(m_);
  ++requests_[{route, status}];
  auto& h = latency_[route];
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.counts[i];
  ++h.count;
  h.sum += seconds;
}

std::string Metrics::text(const LedgerService& service) {
  std::string out;
  auto line = [&](const std::string& s) { out += s + "\n"; };
  const ServiceStats& s = service.stats();
  line("# HELP credits_http_requests_total HTTP requests by route and status.");
  line("# TYPE credits_http_requests_total counter");
  std::lock_guard<std::mutex> l(m_);
  for (const auto& [k, n] : requests_)
    line("credits_http_requests_total{route=\"" + k.first + "\",status=\"" +
         std::to_string(k.second) + "\"} " + std::to_string(n));
  line(
      "# HELP credits_http_request_seconds Time from a request's parsed body to its durable "
      "answer.");
  line("# TYPE credits_http_request_seconds histogram");
  for (const auto& [route, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      char le[32];
      std::snprintf(le, sizeof le, "%g", kBuckets[i]);
      line("credits_http_request_seconds_bucket{route=\"" + route + "\",le=\"" + le + "\"} " +
           std::to_string(h.counts[i]));
    }
    line("credits_http_request_seconds_bucket{route=\"" + route + "\",le=\"+Inf\"} " +
         std::to_string(h.count));
    char sum[64];
    std::snprintf(sum, sizeof sum, "%.6f", h.sum);
    line("credits_http_request_seconds_sum{route=\"" + route + "\"} " + sum);
    line("credits_http_request_seconds_count{route=\"" + route + "\"} " + std::to_string(h.count));
  }
  auto metric = [&](const char* name, const char* type, const char* help,
                    const std::string& value) {
    line(std::string("# HELP ") + name + " " + help);
    line(std::string("# TYPE ") + name + " " + type);
    line(std::string(name) + " " + value);
  };
  auto counter = [&](const char* name, const char* help, uint64_t v, const char* type = "counter") {
    metric(name, type, help, std::to_string(v));
  };
  auto seconds = [](uint64_t micros) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(micros) / 1e6);
    return std::string(buf);
  };
  counter("credits_ops_accepted_total", "Operations the ledger accepted.", s.ops_accepted);
  counter("credits_ops_refused_total", "Operations the ledger refused (nothing changed).",
          s.ops_refused);
  counter("credits_commits_total", "Durable commits (each may hold many operations).", s.commits);
  counter("credits_committed_records_total", "Journal records made durable.", s.committed_records);
  metric("credits_commit_seconds_total", "counter", "Time spent in commits (fsync included).",
         seconds(s.commit_micros));
  metric("credits_commit_seconds_max", "gauge", "The longest commit so far.",
         seconds(s.max_commit_micros));
  counter("credits_commit_batch_max", "The most operations answered by one commit.",
          s.max_batch_ops, "gauge");
  counter("credits_journal_seq", "The last durable journal record.",
          static_cast<uint64_t>(s.journal_seq.load()), "gauge");
  counter("credits_waiting", "Requests waiting for the ledger's lock.", service.waiting(), "gauge");
  counter("credits_rate_card_swaps_total", "Rate cards put in force since start.", s.card_swaps);
  if (transport_) {
    counter("credits_http_connections", "Client connections open.", transport_->open.load(),
            "gauge");
    counter("credits_http_connections_refused_total",
            "Connections refused over --max-connections (503).", transport_->refused.load());
    counter("credits_http_timeouts_total",
            "Connections closed at a deadline (--read-timeout, --keep-alive).",
            transport_->timeouts.load());
    counter("credits_http_malformed_total",
            "Requests refused by the parser or the header limits (400, 413, 431).",
            transport_->malformed.load());
  }
  line("# HELP credits_rate_card_info The rate card in force.");
  line("# TYPE credits_rate_card_info gauge");
  line("credits_rate_card_info{version=\"" + service.card()->version + "\"} 1");
  return out;
}

}  // namespace credits::server
