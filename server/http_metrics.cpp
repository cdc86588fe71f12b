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

namespace {

void line(std::string& out, const std::string& s) {
  out += s;
  out += '\n';
}

// One metric of the Prometheus text format: its help, its type, its value.
void metric(std::string& out, const char* name, const char* type, const char* help,
            const std::string& value) {
  line(out, std::string("# HELP ") + name + " " + help);
  line(out, std::string("# TYPE ") + name + " " + type);
  line(out, std::string(name) + " " + value);
}

void counter(std::string& out, const char* name, const char* help, uint64_t v,
             const char* type = "counter") {
  metric(out, name, type, help, std::to_string(v));
}

std::string seconds(uint64_t micros) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(micros) / 1e6);
  return std::string(buf);
}

// The history's cache and what start-up read: bounded by configuration and by the number of
// accounts, never by the length of the history (SPEC §13).
void write_history(std::string& out, const ServiceStats& s) {
  counter(out, "credits_start_journal_records", "Journal records start-up replayed (those after its snapshot).",
          s.start_journal_records, "gauge");
  counter(out, "credits_start_entries", "Stored entries start-up read to check the replay.", s.start_entries,
          "gauge");
  counter(out, "credits_start_payers", "Stored payers start-up read and checked.", s.start_payers, "gauge");
  counter(out, "credits_start_snapshot", "The journal record of the snapshot start-up began from (0: none).",
          s.start_snapshot, "gauge");
  counter(out, "credits_cache_records", "History records (charges, top-ups, reservations) in memory.",
          s.cache_records, "gauge");
  counter(out, "credits_cache_pinned", "Of those, written and not yet durable: they stay until they are.",
          s.cache_pinned, "gauge");
  counter(out, "credits_cache_capacity", "The most unpinned records kept in memory (--cache-records).",
          s.cache_capacity, "gauge");
  counter(out, "credits_cache_hits_total", "History reads answered from memory.", s.cache_hits);
  counter(out, "credits_cache_loads_total", "History records read from the store.", s.cache_loads);
  counter(out, "credits_cache_misses_total", "Keys looked up that no record uses.", s.cache_misses);
  counter(out, "credits_cache_evictions_total", "History records that left memory.", s.cache_evictions);
}

void write_service(std::string& out, const LedgerService& service) {
  const ServiceStats& s = service.stats();
  counter(out, "credits_ops_accepted_total", "Operations the ledger accepted.", s.ops_accepted);
  counter(out, "credits_ops_refused_total", "Operations the ledger refused (nothing changed).",
          s.ops_refused);
  counter(out, "credits_commits_total", "Durable commits (each may hold many operations).",
          s.commits);
  counter(out, "credits_committed_records_total", "Journal records made durable.",
          s.committed_records);
  metric(out, "credits_commit_seconds_total", "counter", "Time spent in commits (fsync included).",
         seconds(s.commit_micros));
  metric(out, "credits_commit_seconds_max", "gauge", "The longest commit so far.",
         seconds(s.max_commit_micros));
  counter(out, "credits_commit_batch_max", "The most operations answered by one commit.",
          s.max_batch_ops, "gauge");
  counter(out, "credits_journal_seq", "The last durable journal record.",
          static_cast<uint64_t>(s.journal_seq.load()), "gauge");
  counter(out, "credits_waiting", "Requests waiting for the ledger's lock.", service.waiting(),
          "gauge");
  counter(out, "credits_rate_card_swaps_total", "Rate cards put in force since start.",
          s.card_swaps);
  counter(out, "credits_caught_up_records_total",
          "Journal records other servers of a shared PostgreSQL ledger committed, replayed here.",
          s.caught_up_records);
  counter(out, "credits_rebuilds_total",
          "Ledger state rebuilt from the store after a refused transaction (shared PostgreSQL).",
          s.rebuilds);
  write_history(out, s);
}

void write_transport(std::string& out, const HttpCounters& t) {
  counter(out, "credits_http_connections", "Client connections open.", t.open.load(), "gauge");
  counter(out, "credits_http_connections_refused_total",
          "Connections refused over --max-connections (503).", t.refused.load());
  counter(out, "credits_http_timeouts_total",
          "Connections closed at a deadline (--read-timeout, --keep-alive).", t.timeouts.load());
  counter(out, "credits_http_malformed_total",
          "Requests refused by the parser or the header limits (400, 413, 431).",
          t.malformed.load());
}

// GET /v1/events (route "events" in the request counts; its latency includes the wait).
void write_events(std::string& out, const EventWaitStats& e, int64_t events_seq) {
  counter(out, "credits_events_polls_total", "GET /v1/events requests.", e.polls.load());
  counter(out, "credits_events_waits_total",
          "GET /v1/events requests that waited (their first page was empty).", e.waits.load());
  counter(out, "credits_events_woken_total", "Waiting requests woken by a durable event.",
          e.woken.load());
  counter(out, "credits_events_timeouts_total",
          "Waiting requests answered at wait_s with an empty page.", e.timed_out.load());
  counter(out, "credits_events_wait_refused_total",
          "GET /v1/events requests refused over the cap on waiting requests (503).",
          e.refused.load());
  counter(out, "credits_events_waiting", "GET /v1/events requests waiting now.", e.waiting.load(),
          "gauge");
  counter(out, "credits_events_seq", "The last durable balance event.",
          static_cast<uint64_t>(events_seq), "gauge");
}

}  // namespace

std::string Metrics::text(const LedgerService& service) {
  std::string out;
  write_requests(out);
  write_service(out, service);
  if (transport_) write_transport(out, *transport_);
  if (events_) write_events(out, *events_, service.stats().events_seq.load());
  line(out, "# HELP credits_rate_card_info The rate card in force.");
  line(out, "# TYPE credits_rate_card_info gauge");
  line(out, "credits_rate_card_info{version=\"" + service.card()->version + "\"} 1");
  return out;
}

void Metrics::write_requests(std::string& out) {
  line(out, "# HELP credits_http_requests_total HTTP requests by route and status.");
  line(out, "# TYPE credits_http_requests_total counter");
  std::lock_guard<std::mutex> l(m_);
  for (const auto& [k, n] : requests_)
    line(out, "credits_http_requests_total{route=\"" + k.first + "\",status=\"" +
                  std::to_string(k.second) + "\"} " + std::to_string(n));
  line(out,
       "# HELP credits_http_request_seconds Time from a request's parsed body to its durable "
       "answer.");
  line(out, "# TYPE credits_http_request_seconds histogram");
  for (const auto& [route, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      char le[32];
      std::snprintf(le, sizeof le, "%g", kBuckets[i]);
      line(out, "credits_http_request_seconds_bucket{route=\"" + route + "\",le=\"" + le + "\"} " +
                    std::to_string(h.counts[i]));
    }
    line(out, "credits_http_request_seconds_bucket{route=\"" + route + "\",le=\"+Inf\"} " +
                  std::to_string(h.count));
    char sum[64];
    std::snprintf(sum, sizeof sum, "%.6f", h.sum);
    line(out, "credits_http_request_seconds_sum{route=\"" + route + "\"} " + sum);
    line(out,
         "credits_http_request_seconds_count{route=\"" + route + "\"} " + std::to_string(h.count));
  }
}

}  // namespace credits::server
