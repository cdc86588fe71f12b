// The routes of `credits serve` (docs/server.md, "Routes"): each request the transport hands
// over is answered here, at once (static files, health, metrics, quotes, plans, refusals) or
// once the ledger service has made its operations durable. Every route reads JSON, builds the
// SPEC §9 operation or pricing call, and delegates to the core; statuses come from the
// ErrorCode table (http_answer).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "event_waiters.hpp"
#include "http_metrics.hpp"
#include "http_transport.hpp"
#include "ledger_service.hpp"
#include "static_files.hpp"

namespace credits::server {

class Reply;

class ApiRoutes {
 public:
  // At most `max_event_waiters` GET /v1/events requests wait at once (503 beyond).
  ApiRoutes(LedgerService& service, size_t max_body, std::string token,
            std::optional<StaticFiles> static_files, size_t max_event_waiters);
  ~ApiRoutes();
  ApiRoutes(const ApiRoutes&) = delete;
  ApiRoutes& operator=(const ApiRoutes&) = delete;

  void set_transport(const HttpCounters* counters) { metrics_.set_transport(counters); }

  // Every request, on an io thread. Answers at once, or later from the ledger's callback; an
  // exception is answered 500 `internal`.
  void handle(HttpRequest req, HttpExchange x);

  // Puts a new rate card in force (the admin route, SIGHUP); `done` gets the answer and its
  // status once the swap is durable.
  void swap_card(const std::string& text, const std::string& source,
                 std::function<void(nlohmann::json, int)> done);

  // On shutdown, before the transport stops: answers the waiting GET /v1/events requests
  // (their empty page) and every later one at once.
  void stop_waiting() { waiters_.stop(); }

 private:
  // The front door: static files, /healthz, /metrics, then the token and the method of /v1.
  void route(const HttpRequest& req, const HttpExchange& x);
  bool serve_static(const HttpRequest& req, const HttpExchange& x) const;
  HttpResponse healthz() const;
  bool authorized(const HttpRequest& req, const HttpExchange& x);
  void answer_v1(const HttpRequest& req, const Reply& reply);

  // Bodies.
  std::optional<nlohmann::json> body_json(const HttpRequest& req, const Reply& reply,
                                          const char* op) const;
  std::optional<nlohmann::json> body_object(const HttpRequest& req, const Reply& reply,
                                            const char* op) const;

  // Operations, answered once durable.
  void submit(std::vector<nlohmann::json> ops, std::optional<std::string> viewer,
              const Reply& reply, bool as_array);
  void submit_one(nlohmann::json op, std::optional<std::string> viewer, const Reply& reply);
  void ops(const HttpRequest& req, const Reply& reply);
  void ops_batch(const HttpRequest& req, const Reply& reply);
  void resource_op(const HttpRequest& req, const Reply& reply, const char* op);
  void keyed_op(const HttpRequest& req, const Reply& reply, const char* prefix, const char* op_name,
                const char* key_field);
  void payer_read(const HttpRequest& req, const Reply& reply);
  void usage_csv(const HttpRequest& req, const Reply& reply);
  void events(const HttpRequest& req, const Reply& reply);

  // Pricing, on the card in force, answered at once.
  void quotes(const HttpRequest& req, const Reply& reply) const;
  void plans(const HttpRequest& req, const Reply& reply) const;

  // The rate card.
  void rate_card(const Reply& reply) const;
  void rate_card_diff(const HttpRequest& req, const Reply& reply) const;
  void admin_rate_card(const HttpRequest& req, const Reply& reply);

  LedgerService& service_;
  const size_t max_body_;
  const std::string token_;
  const std::optional<StaticFiles> static_files_;
  Metrics metrics_;
  EventWaiters waiters_;  // after metrics_: its answers record into it
};

// One JSON line on stderr for every swap, whatever asked for it.
void log_swap(const std::string& source, const nlohmann::json& result);

}  // namespace credits::server
