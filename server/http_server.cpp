#include "http_server.hpp"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "bearer_token.hpp"
#include "command_io.hpp"
#include "credits/wire/error_wire.hpp"
#include "credits/wire/json_text.hpp"
#include "credits/operation.hpp"
#include "credits/wire/plan_wire.hpp"
#include "credits/wire/quote_wire.hpp"
#include "http_routes.hpp"
#include "http_transport.hpp"
#include "ledger_service.hpp"
#include "open_ledger.hpp"
#include "static_files.hpp"

namespace credits::server {

using nlohmann::json;

namespace {

// The connection cap must fit the process's file descriptors (the db and its WAL, the
// listener, a few spare): the soft limit is raised to the hard one, and the cap lowered to fit.
size_t connection_cap(size_t wanted) {
  struct rlimit r;
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return wanted;
  if (r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
    ::getrlimit(RLIMIT_NOFILE, &r);
  }
  const size_t spare = 64;
  if (r.rlim_cur == RLIM_INFINITY || r.rlim_cur > wanted + spare) return wanted;
  return r.rlim_cur > spare * 2 ? static_cast<size_t>(r.rlim_cur) - spare : spare;
}

int io_threads(int asked) {
  if (asked > 0) return asked;
  const unsigned n = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(n, 1u, 8u));
}

void print_started(const ServeOptions& o, const OpenLedger& opened, const LedgerService& service,
                   int port, const std::string& token_where, bool token_created, int threads) {
  const std::string host_in_url =
      o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  const std::string url = "http://" + host_in_url + ":" + std::to_string(port);
  std::cout << to_wire(json{{"ok", true},
                            {"listening", url},
                            {"port", port},
                            {"db", printable_db(o.db)},
                            {"token_file", token_where},
                            {"rate_card", service.card()->version},
                            {"trust_client_time", o.trust_client_time},
                            {"recovered", opened.report.to_json()},
                            {"replay_seconds", opened.replay_seconds}})
            << std::endl;
  std::cerr << "credits serve: listening on " << url << " (" << threads << " io threads)\n"
            << "  ledger     " << printable_db(o.db) << " (" << opened.store_description << "); "
            << opened.report.records << " journal records replayed and checked in "
            << opened.replay_seconds << " s\n"
            << "  rate card  " << service.card()->version
            << (o.rate_card.empty() ? "" : " from " + o.rate_card) << " (reload: kill -HUP "
            << ::getpid() << ")\n"
            << "  token      " << token_where << (token_created ? " (new)" : "") << "\n"
            << "  try        curl -s " << url << "/healthz\n"
            << "             curl -s -H \"Authorization: Bearer $(cat " << token_where << ")\" "
            << url << "/v1/rate-card | head -c 200\n"
            << "  routes     docs/server.md" << std::endl;
}

// SIGHUP re-reads --rate-card and waits for the swap to be durable before the next signal.
void reload_card(const ServeOptions& o, ApiRoutes& api) {
  if (o.rate_card.empty())
    return log_swap(
        "SIGHUP",
        failure_json(Error(ErrorCode::usage, "SIGHUP reloads --rate-card, and none was given")));
  auto text = read_file(o.rate_card);
  if (!text)
    return log_swap("SIGHUP " + o.rate_card,
                    failure_json(Error(ErrorCode::unreadable_file,
                                       "cannot read rate card \"" + o.rate_card + "\"")));
  std::promise<json> swapped;
  api.swap_card(*text, o.rate_card, [&swapped](json r, int) { swapped.set_value(std::move(r)); });
  log_swap("SIGHUP " + o.rate_card, swapped.get_future().get());
}

// JSON is allocated and freed all the time: keep freed memory instead of giving it back to the
// kernel after every burst.
void keep_freed_memory() {
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
}

// Signals are taken by one thread with sigwait: blocked before any thread starts, so that every
// thread inherits the mask. A write to a closed socket is an error, not a signal.
sigset_t block_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  return signals;
}

HttpLimits limits_of(const ServeOptions& o) {
  HttpLimits limits;
  limits.io_threads = io_threads(o.threads);
  limits.read_timeout_s = std::max(1, o.read_timeout_s);
  limits.keep_alive_s = std::max(1, o.keep_alive_s);
  limits.max_body = o.max_body;
  limits.max_header_bytes = o.max_header_bytes;
  limits.max_header_fields = o.max_header_fields;
  limits.max_connections = connection_cap(o.max_connections);
  return limits;
}

Timestamp wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::unique_ptr<HttpTransport> listen_or_die(const ServeOptions& o, const HttpLimits& limits,
                                             ApiRoutes& api) {
  try {
    return std::make_unique<HttpTransport>(
        o.host, o.port, limits,
        [&api](HttpRequest req, HttpExchange x) { api.handle(std::move(req), std::move(x)); });
  } catch (const std::exception& e) {
    fail_usage(ErrorCode::cannot_listen,
               "cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " + e.what());
  }
}

// Serves until SIGTERM or SIGINT (SIGHUP reloads the card): the signal thread stops the
// transport, which lets the answers already handed to the ledger be written, then run returns.
void serve_until_stopped(const ServeOptions& o, const sigset_t& signals, HttpTransport& transport,
                         ApiRoutes& api) {
  std::thread signal_thread([&] {
    for (;;) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0) continue;
      if (sig == SIGHUP) {
        reload_card(o, api);
        continue;
      }
      api.stop_waiting();  // long polls answered now, not at their wait_s
      transport.stop();
      return;
    }
  });
  transport.run();
  signal_thread.join();
}

}  // namespace

int serve(const ServeOptions& o) {
  if (o.db.empty()) fail_usage(ErrorCode::usage, "serve needs --db PATH (a SQLite file) or --db postgresql://…");
  if (is_postgres_url(o.db) && o.token_file.empty())
    fail_usage(ErrorCode::usage, "serve --db postgresql://… needs --token-file FILE: there is no ledger file to keep <db>.token beside");
  // Everything that can be refused is checked before the ledger is touched, so a usage error
  // leaves no database (or journaled card) behind.
  std::string token_where;
  bool token_missing = false;
  std::string token = read_token(o.token_file, o.db, token_where, token_missing);
  std::optional<StaticFiles> static_files = StaticFiles::open(o.static_dir, o.db, token_where);
  keep_freed_memory();
  const sigset_t signals = block_signals();
  const HttpLimits limits = limits_of(o);

  DurableLedger ledger;
  ledger.set_cache_records(o.cache_records);
  ledger.set_snapshot_every(o.snapshot_every);
  OpenLedger opened =
      open_ledger(o.db, o.sync_full, ledger, o.rate_card, o.embedded_card_text,
                  o.trust_client_time ? std::nullopt : std::optional<Timestamp>(wall_clock_ms()),
                  "credits serve", StoreUse::shared_writer);
  if (token_missing) token = make_token(token_where);

  LedgerService service(ledger, *opened.store, o.trust_client_time);
  service.note_start(opened.report);
  // Long polls may hold half the connections at most: the other half stays for the rest.
  ApiRoutes api(service, o.max_body, token, std::move(static_files), limits.max_connections / 2);
  std::unique_ptr<HttpTransport> transport = listen_or_die(o, limits, api);
  api.set_transport(&transport->counters());
  print_started(o, opened, service, transport->port(), token_where, token_missing,
                limits.io_threads);
  serve_until_stopped(o, signals, *transport, api);
  // Apply and commit whatever was submitted, then exit.
  service.stop();
  std::cerr << "credits serve: stopped" << std::endl;
  return 0;
}

}  // namespace credits::server
