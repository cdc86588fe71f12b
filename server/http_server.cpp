#include "http_server.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <cstdlib>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <vector>
#include <mutex>
#include <thread>

#include "credits/operation.hpp"
#include "credits/plan.hpp"
#include "credits/priced_text.hpp"
#include "credits/quote.hpp"
#include "http_answer.hpp"
#include "http_transport.hpp"
#include "ledger_service.hpp"
#include "open_ledger.hpp"

namespace credits::server {

using nlohmann::json;

namespace {

// --- the bearer token ------------------------------------------------------------------------

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  s.erase(s.find_last_not_of(ws) + 1);
  s.erase(0, s.find_first_not_of(ws));
  return s;
}

std::string random_token() {
  unsigned char bytes[32];
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::read(fd, bytes, sizeof bytes) != static_cast<ssize_t>(sizeof bytes))
    fail_usage(ErrorCode::internal, "cannot read /dev/urandom to make a token");
  ::close(fd);
  static const char* hex = "0123456789abcdef";
  std::string t;
  for (unsigned char b : bytes) {
    t += hex[b >> 4];
    t += hex[b & 15];
  }
  return t;
}

// A token file holds one line: at least 16 printable characters without spaces (what a client
// sends after "Bearer "), a trailing newline allowed. Anything else (an empty file, two lines,
// spaces inside) is refused at start: a server whose token no client can send is of no use.
void check_token_text(const std::string& text, const std::string& where) {
  std::string t = text;
  if (!t.empty() && t.back() == '\n') t.pop_back();
  if (!t.empty() && t.back() == '\r') t.pop_back();
  for (unsigned char c : t)
    if (c < 0x21 || c > 0x7e)
      fail_usage(ErrorCode::invalid_token, "the token file " + where +
                                      " must hold one line of printable characters without spaces (found " +
                                      (c == '\n' ? std::string("more than one line") : "a space or control character") + ")");
  if (t.size() < 16)
    fail_usage(ErrorCode::invalid_token, "the token in " + where + " is shorter than 16 characters (" + std::to_string(t.size()) + ")");
  if (t.size() > 4096) fail_usage(ErrorCode::invalid_token, "the token in " + where + " is longer than 4096 characters");
}

// The token from --token-file, or from <db>.token. Read and checked before the ledger is
// opened, so a bad token file leaves no database behind. `missing` says that <db>.token does
// not exist yet: make_token creates it once the ledger opened.
std::string read_token(const std::string& token_file, const std::string& db, std::string& where, bool& missing) {
  where = token_file.empty() ? db + ".token" : token_file;
  missing = false;
  if (auto text = read_file(where)) {
    check_token_text(*text, where);
    return trim(*text);
  }
  if (!token_file.empty()) fail_usage(ErrorCode::unreadable_file, "cannot read the token file \"" + token_file + "\"");
  missing = true;
  return "";
}

// A new random token in `where` (mode 0600), so backends keep their token across restarts.
std::string make_token(const std::string& where) {
  std::string t = random_token();
  int fd = ::open(where.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 || ::write(fd, (t + "\n").data(), t.size() + 1) != static_cast<ssize_t>(t.size() + 1))
    fail_usage(ErrorCode::unreadable_file, "cannot write a new token to \"" + where + "\"");
  ::fsync(fd);
  ::close(fd);
  return t;
}

// --- static files ------------------------------------------------------------------------------

// The canonical absolute path of `p`, also when `p` does not exist yet (the db before its first
// start): its folder's real path plus its name.
std::string real_path(const std::string& p) {
  if (char* r = ::realpath(p.c_str(), nullptr)) {
    std::string out(r);
    std::free(r);
    return out;
  }
  const size_t slash = p.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : p.substr(0, slash));
  const std::string name = slash == std::string::npos ? p : p.substr(slash + 1);
  if (char* r = ::realpath(dir.c_str(), nullptr)) {
    std::string out(r);
    std::free(r);
    return (out == "/" ? "" : out) + "/" + name;
  }
  return p;
}

bool inside(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

bool ends_with_ci(const std::string& s, const std::string& suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[s.size() - suffix.size() + i])) != suffix[i]) return false;
  return true;
}

// What --static never serves, wherever it sits: dotfiles and dot-folders (.git, .env, ..),
// SQLite files and their WAL/shared-memory companions, tokens; and, compared by real path
// (so a symlink or another name does not get round it), the ledger and the token themselves.
class StaticGuard {
 public:
  StaticGuard(std::string dir, std::vector<std::string> secrets) : dir_(std::move(dir)), secrets_(std::move(secrets)) {}

  bool refused(const std::string& url_path) const {
    // A NUL (%00) would cut the file name short of what the suffix checks below saw.
    if (url_path.find('\0') != std::string::npos) return true;
    size_t start = 0;
    std::string last;
    while (start <= url_path.size()) {
      size_t end = url_path.find('/', start);
      if (end == std::string::npos) end = url_path.size();
      std::string seg = url_path.substr(start, end - start);
      if (!seg.empty() && seg[0] == '.') return true;
      if (!seg.empty()) last = seg;
      start = end + 1;
    }
    for (const char* s : {".db", ".token", "-wal", "-shm", "-journal", ".sqlite", ".sqlite3"})
      if (ends_with_ci(last, s)) return true;
    std::string file = dir_ + url_path;
    if (!file.empty() && file.back() == '/') file += "index.html";
    if (char* r = ::realpath(file.c_str(), nullptr)) {
      std::string real(r);
      std::free(r);
      for (const auto& s : secrets_)
        if (real == s) return true;
    }
    return false;
  }

 private:
  std::string dir_;
  std::vector<std::string> secrets_;
};

// Compares without an early exit, so the time taken does not tell how much of a guess matched.
bool same_token(const std::string& given, const std::string& token) {
  volatile unsigned char diff = given.size() == token.size() ? 0 : 1;
  for (size_t i = 0; i < token.size(); ++i) diff = diff | (token[i] ^ (i < given.size() ? given[i] : 0));
  return diff == 0;
}

// --- metrics -------------------------------------------------------------------------------------

class Metrics {
 public:
  static constexpr std::array<double, 11> kBuckets = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,  0.5,   1.0};
  void set_transport(const HttpCounters* counters) { transport_ = counters; }
  void observe(const std::string& route, int status, double seconds) {
    std::lock_guard<std::mutex> l(m_);
    ++requests_[{route, status}];
    auto& h = latency_[route];
    for (size_t i = 0; i < kBuckets.size(); ++i)
      if (seconds <= kBuckets[i]) ++h.counts[i];
    ++h.count;
    h.sum += seconds;
  }
  std::string text(const LedgerService& service) {
    std::string out;
    auto line = [&](const std::string& s) { out += s + "\n"; };
    const ServiceStats& s = service.stats();
    line("# HELP credits_http_requests_total HTTP requests by route and status.");
    line("# TYPE credits_http_requests_total counter");
    std::lock_guard<std::mutex> l(m_);
    for (const auto& [k, n] : requests_)
      line("credits_http_requests_total{route=\"" + k.first + "\",status=\"" + std::to_string(k.second) + "\"} " +
           std::to_string(n));
    line("# HELP credits_http_request_seconds Time from a request's parsed body to its durable answer.");
    line("# TYPE credits_http_request_seconds histogram");
    for (const auto& [route, h] : latency_) {
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        char le[32];
        std::snprintf(le, sizeof le, "%g", kBuckets[i]);
        line("credits_http_request_seconds_bucket{route=\"" + route + "\",le=\"" + le + "\"} " +
             std::to_string(h.counts[i]));
      }
      line("credits_http_request_seconds_bucket{route=\"" + route + "\",le=\"+Inf\"} " + std::to_string(h.count));
      char sum[64];
      std::snprintf(sum, sizeof sum, "%.6f", h.sum);
      line("credits_http_request_seconds_sum{route=\"" + route + "\"} " + sum);
      line("credits_http_request_seconds_count{route=\"" + route + "\"} " + std::to_string(h.count));
    }
    auto metric = [&](const char* name, const char* type, const char* help, const std::string& value) {
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
    counter("credits_ops_refused_total", "Operations the ledger refused (nothing changed).", s.ops_refused);
    counter("credits_commits_total", "Durable commits (each may hold many operations).", s.commits);
    counter("credits_committed_records_total", "Journal records made durable.", s.committed_records);
    metric("credits_commit_seconds_total", "counter", "Time spent in commits (fsync included).", seconds(s.commit_micros));
    metric("credits_commit_seconds_max", "gauge", "The longest commit so far.", seconds(s.max_commit_micros));
    counter("credits_commit_batch_max", "The most operations answered by one commit.", s.max_batch_ops, "gauge");
    counter("credits_journal_seq", "The last durable journal record.", static_cast<uint64_t>(s.journal_seq.load()), "gauge");
    counter("credits_waiting", "Requests waiting for the ledger's lock.", service.waiting(), "gauge");
    counter("credits_rate_card_swaps_total", "Rate cards put in force since start.", s.card_swaps);
    if (transport_) {
      counter("credits_http_connections", "Client connections open.", transport_->open.load(), "gauge");
      counter("credits_http_connections_refused_total", "Connections refused over --max-connections (503).",
              transport_->refused.load());
      counter("credits_http_timeouts_total", "Connections closed at a deadline (--read-timeout, --keep-alive).",
              transport_->timeouts.load());
      counter("credits_http_malformed_total", "Requests refused by the parser or the header limits (400, 413, 431).",
              transport_->malformed.load());
    }
    line("# HELP credits_rate_card_info The rate card in force.");
    line("# TYPE credits_rate_card_info gauge");
    line("credits_rate_card_info{version=\"" + service.card()->version + "\"} 1");
    return out;
  }

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  const HttpCounters* transport_ = nullptr;
  std::mutex m_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
};

// --- the routes ----------------------------------------------------------------------------------

constexpr size_t kMaxOpsPerRequest = 1000;

HttpResponse not_found(const HttpRequest& req) {
  return error_answer(Error(ErrorCode::not_found, "no route " + req.method + " " + req.path));
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// The part of `p` between `prefix` and `suffix`, when there is one (non-empty).
std::optional<std::string> between(const std::string& p, const std::string& prefix, const std::string& suffix) {
  if (p.size() <= prefix.size() + suffix.size() || !starts_with(p, prefix) ||
      p.compare(p.size() - suffix.size(), suffix.size(), suffix) != 0)
    return std::nullopt;
  return p.substr(prefix.size(), p.size() - prefix.size() - suffix.size());
}

// The name of a /v1 route, for dispatch and the metrics.
std::string route_of(const std::string& p, bool post) {
  if (post) {
    if (p == "/v1/charges") return "charges";
    if (p == "/v1/ops") return "ops";
    if (p == "/v1/ops/batch") return "ops_batch";
    if (p == "/v1/quotes") return "quotes";
    if (p == "/v1/plans") return "plans";
    if (p == "/v1/topups") return "topups";
    if (between(p, "/v1/charges/", "/fail")) return "fail";
    if (between(p, "/v1/charges/", "/complete")) return "complete";
    if (p == "/v1/admin/rate-card") return "admin_rate_card";
  } else {
    if (p == "/v1/rate-card") return "rate_card";
    if (between(p, "/v1/payers/", "/balance")) return "balance";
    if (between(p, "/v1/payers/", "/usage")) return "usage";
  }
  return "not_found";
}

// A /v1 request's answer channel: records the route's status and latency, then replies.
class Reply {
 public:
  Reply(Metrics& metrics, HttpExchange exchange, std::string route)
      : metrics_(&metrics), exchange_(std::move(exchange)), route_(std::move(route)),
        t0_(std::chrono::steady_clock::now()) {}
  void operator()(HttpResponse r) const {
    metrics_->observe(route_, r.status, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count());
    exchange_.reply(std::move(r));
  }
  // Runs `work` on the connection's io thread: a ledger result is turned into bytes there,
  // not on the ledger's committer thread.
  void later(std::function<void()> work) const { exchange_.post(std::move(work)); }
  const std::string& route() const { return route_; }

 private:
  Metrics* metrics_;
  HttpExchange exchange_;
  std::string route_;
  std::chrono::steady_clock::time_point t0_;
};

// Files of --static DIR by extension, as browsers need them.
std::string content_type_of(const std::string& path) {
  static const std::map<std::string, std::string> types = {
      {"html", "text/html"},        {"htm", "text/html"},          {"css", "text/css"},
      {"js", "text/javascript"},    {"mjs", "text/javascript"},    {"json", "application/json"},
      {"wasm", "application/wasm"}, {"svg", "image/svg+xml"},      {"png", "image/png"},
      {"jpg", "image/jpeg"},        {"jpeg", "image/jpeg"},        {"gif", "image/gif"},
      {"webp", "image/webp"},       {"ico", "image/x-icon"},       {"txt", "text/plain"},
      {"csv", "text/csv"},          {"map", "application/json"},   {"woff", "font/woff"},
      {"woff2", "font/woff2"},      {"ttf", "font/ttf"},           {"pdf", "application/pdf"},
      {"xml", "application/xml"}};
  const size_t dot = path.find_last_of("./");
  if (dot == std::string::npos || path[dot] != '.') return "application/octet-stream";
  std::string ext = path.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = types.find(ext);
  return it == types.end() ? "application/octet-stream" : it->second;
}

// A card the ledger refuses is not one that breaks a rule of the format (the table's 400 for
// invalid_rate_card): its version was in force before with other content, a conflict with the
// ledger's history, answered 409 as docs/server.md says. Any other refusal (unavailable while
// stopping) has the table's status.
int swap_refusal_status(ErrorCode code) {
  constexpr int kConflict = 409;
  return code == ErrorCode::invalid_rate_card ? kConflict : status_of(code);
}

class Api {
 public:
  Api(LedgerService& service, const ServeOptions& options, std::string token, std::optional<StaticGuard> guard)
      : service_(service), options_(options), token_(std::move(token)), static_guard_(std::move(guard)) {}

  void set_transport(const HttpCounters* counters) { metrics_.set_transport(counters); }

  // Every request, on an io thread. Answers at once, or later from the ledger's callback.
  void handle(HttpRequest req, HttpExchange x) {
    try {
      route(req, x);
    } catch (const std::exception& e) {
      x.reply(error_answer(Error(ErrorCode::internal, std::string("internal error: ") + e.what())));
    }
  }

  // Puts a new rate card in force (the admin route, SIGHUP); `done` gets the answer and its
  // status once the swap is durable.
  void swap_card(const std::string& text, const std::string& source, std::function<void(json, int)> done) {
    RateCardErrors all;
    auto card = load_card_text(text, &all);
    if (!card) {
      json list = json::array();
      for (const auto& e : all.errors) list.push_back(error_to_json(e));
      const Error first(ErrorCode::invalid_rate_card,
                        std::to_string(all.errors.size()) + " problem(s) in the rate card from " + source +
                            "; first: " + card.error().message,
                        card.error().path);
      // Every problem listed, as the command line lists them for a card it cannot load.
      return done(command_error_json(first, json{{"errors", list}}), status_of(first.code));
    }
    service_.swap_card_async(std::move(*card), [done](Result<CardSwap> swap) {
      if (!swap) {
        // The answer has always named no path (the core's is "/version").
        const Error refused(swap.error().code, swap.error().message);
        return done(failure_json(refused), swap_refusal_status(refused.code));
      }
      done(json{{"ok", true}, {"rate_card", swap->current}, {"previous", swap->previous}, {"changed", swap->changed}},
           200);
    });
  }

 private:
  // Static files first (as cpp-httplib's mount point did), then the fixed routes, then /v1.
  void route(const HttpRequest& req, const HttpExchange& x) {
    const bool get = req.method == "GET" || req.method == "HEAD";
    if (get && static_guard_ && serve_static(req, x)) return;
    if (get && req.path == "/healthz") return x.reply(healthz());
    if (get && req.path == "/metrics") {
      HttpResponse r = answer(200, metrics_.text(service_));
      r.body.pop_back();  // the text ends with its own newline
      r.content_type = "text/plain; version=0.0.4";
      return x.reply(std::move(r));
    }
    if (!starts_with(req.path, "/v1/")) return x.reply(not_found(req));
    const bool post = req.method == "POST";
    if (!get && !post && req.method != "PUT" && req.method != "DELETE" && req.method != "PATCH")
      return x.reply(not_found(req));
    if (!get && multipart(req, x)) return;
    if (!authorized(req, x)) return;
    if (!get && !post)
      return x.reply(error_answer(
          Error(ErrorCode::method_not_allowed, req.method + " is not used by this API; see docs/server.md")));
    Reply reply(metrics_, x, route_of(req.path, post));
    answer_v1(req, reply);
  }

  // A refused path is answered 404, as if it were not there; a file that exists is served;
  // anything else falls through to the routes.
  bool serve_static(const HttpRequest& req, const HttpExchange& x) {
    if (static_guard_->refused(req.path)) {
      x.reply(not_found(req));
      return true;
    }
    std::string file = options_.static_dir + req.path;
    if (!file.empty() && file.back() == '/') file += "index.html";
    struct stat st;
    if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
    auto text = read_file(file);
    if (!text) return false;
    HttpResponse r;
    r.content_type = content_type_of(file);
    r.body = std::move(*text);
    x.reply(std::move(r));
    return true;
  }

  HttpResponse healthz() const {
    return result_answer(json{{"ok", true},
                            {"rate_card", service_.card()->version},
                            {"journal_seq", service_.stats().journal_seq.load()}});
  }

  // Bodies are read as JSON whatever their Content-Type; only a multipart form is refused,
  // with a hint, since it cannot be the JSON document.
  static bool multipart(const HttpRequest& req, const HttpExchange& x) {
    const std::string* type = req.header("Content-Type");
    if (!type || !starts_with(*type, "multipart/form-data")) return false;
    x.reply(error_answer(Error(ErrorCode::invalid_json,
                               "a multipart form is not JSON: send the JSON document itself as the body"
                               " (curl -d @file or --data-binary @file, not -F)")));
    return true;
  }

  bool authorized(const HttpRequest& req, const HttpExchange& x) {
    static const std::string none;
    const std::string* given = req.header("Authorization");
    const std::string& h = given ? *given : none;
    static const std::string scheme = "bearer ";
    bool ok = h.size() > scheme.size();
    for (size_t i = 0; ok && i < scheme.size(); ++i) ok = std::tolower(static_cast<unsigned char>(h[i])) == scheme[i];
    if (ok) ok = same_token(trim(h.substr(scheme.size())), token_);
    if (ok) return true;
    HttpResponse r = error_answer(Error(ErrorCode::unauthorized, h.empty()
                                                                     ? "this route needs \"Authorization: Bearer <token>\""
                                                                     : "the bearer token is not valid"));
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    metrics_.observe("unauthorized", 401, 0);
    x.reply(std::move(r));
    return false;
  }

  // The body as JSON with the engine's limits; on failure answers 400 invalid_json.
  std::optional<json> body_json(const HttpRequest& req, const Reply& reply, const char* op) {
    auto j = parse_json_limited(req.body, options_.max_body);
    if (j) return std::move(*j);
    reply(operation_error_answer(op ? json(op) : json(nullptr), j.error()));
    return std::nullopt;
  }

  // The body must be an object; an empty body is an empty object.
  std::optional<json> body_object(const HttpRequest& req, const Reply& reply, const char* op) {
    if (trim(req.body).empty()) return json::object();
    auto j = body_json(req, reply, op);
    if (!j) return std::nullopt;
    if (!j->is_object()) {
      reply(operation_error_answer(op, Error(ErrorCode::invalid_op, "the body is a JSON object")));
      return std::nullopt;
    }
    return j;
  }

  static std::optional<std::string> user_of(const HttpRequest& req) {
    if (const std::string* u = req.param("user")) return *u;
    if (const std::string* u = req.header("X-Credits-User")) return *u;
    return std::nullopt;
  }

  // Hands operations to the ledger; the reply is written once they are durable.
  void submit(std::vector<json> ops, std::optional<std::string> viewer, const Reply& reply, bool as_array) {
    service_.submit_async(std::move(ops), std::move(viewer), [reply, as_array](std::vector<json> results) {
      reply.later([reply, as_array, results = std::move(results)] {
        if (!as_array) return reply(result_answer(results.front()));
        std::string out = "[";
        for (const json& r : results) {
          if (out.size() > 1) out += ',';
          out += to_wire(r);
        }
        out += ']';
        reply(answer(200, std::move(out)));
      });
    });
  }

  void submit_one(json op, std::optional<std::string> viewer, const Reply& reply) {
    std::vector<json> ops;
    ops.push_back(std::move(op));
    submit(std::move(ops), std::move(viewer), reply, false);
  }

  void answer_v1(const HttpRequest& req, const Reply& reply) {
    const std::string& r = reply.route();
    if (r == "charges") return resource_op(req, reply, "charge");
    if (r == "topups") return resource_op(req, reply, "top_up");
    if (r == "ops") {
      if (auto op = body_json(req, reply, nullptr)) submit_one(std::move(*op), user_of(req), reply);
      return;
    }
    if (r == "ops_batch") return ops_batch(req, reply);
    if (r == "quotes") return quotes(req, reply);
    if (r == "plans") return plans(req, reply);
    if (r == "fail" || r == "complete") return charge_outcome(req, reply);
    if (r == "admin_rate_card") return admin_rate_card(req, reply);
    if (r == "rate_card") return rate_card(reply);
    if (r == "balance" || r == "usage") return payer_read(req, reply);
    reply(error_answer(Error(ErrorCode::not_found, "no route " + req.method + " " + req.path + "; see docs/server.md")));
  }

  // A resource route whose body is an operation's fields: the route names the operation.
  void resource_op(const HttpRequest& req, const Reply& reply, const char* op) {
    auto body = body_object(req, reply, op);
    if (!body) return;
    (*body)["op"] = op;
    submit_one(std::move(*body), std::nullopt, reply);
  }

  void charge_outcome(const HttpRequest& req, const Reply& reply) {
    const bool fail = reply.route() == "fail";
    const char* op_name = fail ? "fail" : "complete";
    std::string key = *between(req.path, "/v1/charges/", fail ? "/fail" : "/complete");
    auto op = body_object(req, reply, op_name);
    if (!op) return;
    (*op)["op"] = op_name;
    (*op)["charge"] = std::move(key);
    submit_one(std::move(*op), std::nullopt, reply);
  }

  void admin_rate_card(const HttpRequest& req, const Reply& reply) {
    swap_card(req.body, "the admin route", [reply](json r, int status) {
      reply.later([reply, r = std::move(r), status] {
        std::fprintf(stderr, "%s\n",
                     to_wire(json{{"event", "rate_card_swap"}, {"source", "admin route"}, {"result", r}}).c_str());
        reply(result_answer(r, status));
      });
    });
  }

  void rate_card(const Reply& reply) {
    auto card = service_.card();
    auto text = service_.card_text();
    HttpResponse r = answer(200, *text);
    r.headers.emplace_back("X-Rate-Card-Version", card->version);
    reply(std::move(r));
  }

  void payer_read(const HttpRequest& req, const Reply& reply) {
    const bool balance = reply.route() == "balance";
    const char* name = balance ? "balance" : "usage";
    const std::string payer = *between(req.path, "/v1/payers/", balance ? "/balance" : "/usage");
    auto viewer = user_of(req);
    if (!viewer || viewer->empty())
      return reply(operation_error_answer(
          name, Error(ErrorCode::invalid_op,
                      "name the user the backend acts for: ?user=ID (or an X-Credits-User header)", "/user")));
    json op = {{"op", name}, {"payer", payer}};
    const std::string* limit = req.param("limit");
    if (!balance && limit) {
      const std::string& l = *limit;
      bool digits = !l.empty() && l.size() <= 9 && l.find_first_not_of("0123456789") == std::string::npos;
      op["limit"] = digits ? json(std::stoll(l)) : json(l);  // the core refuses what is not 0..1000
    }
    submit_one(std::move(op), std::move(viewer), reply);
  }

  // An array of operations: each applied in order, on its own (a refusal changes nothing and
  // does not stop the others), all committed together; the answer is the array of results,
  // status 200.
  void ops_batch(const HttpRequest& req, const Reply& reply) {
    auto body = body_json(req, reply, nullptr);
    if (!body) return;
    if (!body->is_array() || body->empty() || body->size() > kMaxOpsPerRequest)
      return reply(error_answer(Error(ErrorCode::invalid_op, "the body is an array of 1 to " +
                                                                  std::to_string(kMaxOpsPerRequest) + " operations")));
    std::vector<json> ops;
    ops.reserve(body->size());
    for (json& o : *body) ops.push_back(std::move(o));
    submit(std::move(ops), user_of(req), reply, true);
  }

  void quotes(const HttpRequest& req, const Reply& reply) {
    auto body = body_json(req, reply, nullptr);
    if (!body) return;
    auto card = service_.card();
    if (body->is_array()) {
      std::string out = "[";
      for (size_t i = 0; i < body->size(); ++i) {
        if (i) out += ',';
        out += priced_quote(*card, (*body)[i]).text;
      }
      out += ']';
      return reply(answer(200, std::move(out)));
    }
    reply(priced_answer(priced_quote(*card, *body)));
  }

  void plans(const HttpRequest& req, const Reply& reply) {
    auto body = body_json(req, reply, nullptr);
    if (!body) return;
    json balance;
    if (const std::string* text = req.param("balance")) {
      auto b = parse_json_limited(*text);
      if (!b) return reply(error_answer(Error(b.error().code, b.error().message, "/balance")));
      balance = std::move(*b);
    }
    auto card = service_.card();
    reply(priced_answer(priced_plan(*card, *body, balance.is_null() ? nullptr : &balance)));
  }

  LedgerService& service_;
  const ServeOptions& options_;
  const std::string token_;
  const std::optional<StaticGuard> static_guard_;
  Metrics metrics_;
};

// The StaticGuard for --static DIR, or none; refuses to start when DIR holds the db or token.
std::optional<StaticGuard> static_guard_for(const ServeOptions& o, const std::string& token_where) {
  if (o.static_dir.empty()) return std::nullopt;
  struct stat st;
  if (::stat(o.static_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    fail_usage(ErrorCode::unreadable_file, "--static \"" + o.static_dir + "\" is not a directory");
  const std::string dir = real_path(o.static_dir);
  const std::string db = real_path(o.db);
  const std::string tok = real_path(token_where);
  if (inside(db, dir))
    fail_usage(ErrorCode::unsafe_static, "--static \"" + o.static_dir + "\" holds the ledger database \"" + o.db +
                                    "\": it would be served to anyone; keep the db outside the static folder");
  if (inside(tok, dir))
    fail_usage(ErrorCode::unsafe_static, "--static \"" + o.static_dir + "\" holds the token file \"" + token_where +
                                    "\": it would be served to anyone; keep it outside the static folder");
  return StaticGuard(dir, std::vector<std::string>{db, db + "-wal", db + "-shm", db + "-journal", tok});
}

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

void print_started(const ServeOptions& o, const OpenLedger& opened, const LedgerService& service, int port,
                   const std::string& token_where, bool token_created, int threads) {
  const std::string host_in_url = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  const std::string url = "http://" + host_in_url + ":" + std::to_string(port);
  std::cout << to_wire(json{{"ok", true},
                            {"listening", url},
                            {"port", port},
                            {"db", o.db},
                            {"token_file", token_where},
                            {"rate_card", service.card()->version},
                            {"trust_client_time", o.trust_client_time},
                            {"recovered", opened.report.to_json()},
                            {"replay_seconds", opened.replay_seconds}})
            << std::endl;
  std::cerr << "credits serve: listening on " << url << " (" << threads << " io threads)\n"
            << "  ledger     " << o.db << " (SQLite, WAL, synchronous=" << (o.sync_full ? "FULL" : "NORMAL") << "); "
            << opened.report.records << " journal records replayed and checked in " << opened.replay_seconds << " s\n"
            << "  rate card  " << service.card()->version << (o.rate_card.empty() ? "" : " from " + o.rate_card)
            << " (reload: kill -HUP " << ::getpid() << ")\n"
            << "  token      " << token_where << (token_created ? " (new)" : "") << "\n"
            << "  try        curl -s " << url << "/healthz\n"
            << "             curl -s -H \"Authorization: Bearer $(cat " << token_where << ")\" " << url
            << "/v1/rate-card | head -c 200\n"
            << "  routes     docs/server.md" << std::endl;
}

void log_swap(const std::string& source, const json& result) {
  std::cerr << to_wire(json{{"event", "rate_card_swap"}, {"source", source}, {"result", result}}) << std::endl;
}

// SIGHUP re-reads --rate-card and waits for the swap to be durable before the next signal.
void reload_card(const ServeOptions& o, Api& api) {
  if (o.rate_card.empty())
    return log_swap("SIGHUP", failure_json(Error(ErrorCode::usage, "SIGHUP reloads --rate-card, and none was given")));
  auto text = read_file(o.rate_card);
  if (!text)
    return log_swap("SIGHUP " + o.rate_card,
                    failure_json(Error(ErrorCode::unreadable_file, "cannot read rate card \"" + o.rate_card + "\"")));
  std::promise<json> swapped;
  api.swap_card(*text, o.rate_card, [&swapped](json r, int) { swapped.set_value(std::move(r)); });
  log_swap("SIGHUP " + o.rate_card, swapped.get_future().get());
}

}  // namespace

int serve(const ServeOptions& o) {
  if (o.db.empty()) fail_usage(ErrorCode::usage, "serve needs --db PATH, the SQLite ledger file");
  // Everything that can be refused is checked before the ledger is touched, so a usage error
  // leaves no database (or journaled card) behind.
  std::string token_where;
  bool token_missing = false;
  std::string token = read_token(o.token_file, o.db, token_where, token_missing);
  std::optional<StaticGuard> static_guard = static_guard_for(o, token_where);
  // JSON is allocated and freed all the time: keep freed memory instead of giving it back to
  // the kernel after every burst.
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  // Signals are taken by one thread with sigwait: blocked here, before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  HttpLimits limits;
  limits.io_threads = io_threads(o.threads);
  limits.read_timeout_s = std::max(1, o.read_timeout_s);
  limits.keep_alive_s = std::max(1, o.keep_alive_s);
  limits.max_body = o.max_body;
  limits.max_header_bytes = o.max_header_bytes;
  limits.max_header_fields = o.max_header_fields;
  limits.max_connections = connection_cap(o.max_connections);

  auto now = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  DurableLedger ledger;
  OpenLedger opened = open_ledger(o.db, o.sync_full, ledger, o.rate_card, o.embedded_card_text,
                                  o.trust_client_time ? std::nullopt : std::optional<Timestamp>(now()));
  const bool token_created = token_missing;
  if (token_missing) token = make_token(token_where);

  LedgerService service(ledger, *opened.store, o.trust_client_time);
  Api api(service, o, token, std::move(static_guard));
  std::unique_ptr<HttpTransport> transport;
  try {
    transport = std::make_unique<HttpTransport>(o.host, o.port, limits, [&api](HttpRequest req, HttpExchange x) {
      api.handle(std::move(req), std::move(x));
    });
  } catch (const std::exception& e) {
    fail_usage(ErrorCode::cannot_listen, "cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " + e.what());
  }
  api.set_transport(&transport->counters());
  print_started(o, opened, service, transport->port(), token_where, token_created, limits.io_threads);

  std::thread signal_thread([&] {
    for (;;) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0) continue;
      if (sig == SIGHUP) {
        reload_card(o, api);
        continue;
      }
      // Stop accepting; answers already handed to the ledger are written; then the io threads end.
      transport->stop();
      return;
    }
  });
  transport->run();
  signal_thread.join();
  // Apply and commit whatever was submitted, then exit.
  service.stop();
  std::cerr << "credits serve: stopped" << std::endl;
  return 0;
}

}  // namespace credits::server
