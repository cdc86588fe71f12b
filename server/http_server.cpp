#include "http_server.hpp"

#include <fcntl.h>
#include <httplib.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <cstdlib>
#include <map>
#include <optional>
#include <vector>
#include <mutex>
#include <thread>

#include "credits/operation.hpp"
#include "credits/plan.hpp"
#include "credits/quote.hpp"
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
    fail_usage("no_randomness", "cannot read /dev/urandom to make a token");
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
      fail_usage("invalid_token", "the token file " + where +
                                      " must hold one line of printable characters without spaces (found " +
                                      (c == '\n' ? std::string("more than one line") : "a space or control character") + ")");
  if (t.size() < 16)
    fail_usage("invalid_token", "the token in " + where + " is shorter than 16 characters (" + std::to_string(t.size()) + ")");
  if (t.size() > 4096) fail_usage("invalid_token", "the token in " + where + " is longer than 4096 characters");
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
  if (!token_file.empty()) fail_usage("unreadable_file", "cannot read the token file \"" + token_file + "\"");
  missing = true;
  return "";
}

// A new random token in `where` (mode 0600), so backends keep their token across restarts.
std::string make_token(const std::string& where) {
  std::string t = random_token();
  int fd = ::open(where.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 || ::write(fd, (t + "\n").data(), t.size() + 1) != static_cast<ssize_t>(t.size() + 1))
    fail_usage("unreadable_file", "cannot write a new token to \"" + where + "\"");
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

// --- HTTP status of a result -------------------------------------------------------------------

int status_for_code(const std::string& code) {
  static const std::map<std::string, int> statuses = {
      {"invalid_json", 400},          {"invalid_op", 400},          {"invalid_param", 400},
      {"unknown_model", 400},         {"invalid_rate_card", 400},   {"unknown_user", 404},
      {"unknown_workspace", 404},     {"unknown_charge", 404},      {"not_member", 403},
      {"not_admin", 403},             {"insufficient_credits", 402}, {"member_cap_exceeded", 402},
      {"price_mismatch", 409},        {"stale_rate_card", 409},     {"idempotency_conflict", 409},
      {"already_refunded", 409},      {"already_settled", 409},     {"clock_regression", 409},
      {"no_subscription", 409},       {"already_subscribed", 409},  {"already_exists", 409},
      {"unauthorized", 401},          {"not_found", 404},           {"method_not_allowed", 405},
      {"payload_too_large", 413},     {"unavailable", 503},         {"internal", 500}};
  auto it = statuses.find(code);
  return it == statuses.end() ? 400 : it->second;
}

int status_for(const json& result) {
  if (result.value("ok", false)) return 200;
  auto e = result.find("error");
  if (e == result.end() || !e->is_object()) return 400;
  return status_for_code(e->value("code", std::string()));
}

// A failed quote or plan is written as {"error": {"code": "...", ...}, ...} (keys sorted).
int status_for_wire(const std::string& text) {
  static const std::string failed = "{\"error\":{\"code\":\"";
  if (text.compare(0, failed.size(), failed) != 0) return 200;
  size_t end = text.find('"', failed.size());
  return status_for_code(text.substr(failed.size(), end == std::string::npos ? 0 : end - failed.size()));
}

json error_body(const std::string& code, const std::string& message) {
  return json{{"ok", false}, {"error", {{"code", code}, {"message", message}, {"path", ""}}}};
}

void send(httplib::Response& res, int status, std::string body) {
  res.status = status;
  body += '\n';
  res.set_content(std::move(body), "application/json");
}

void send_json(httplib::Response& res, const json& result, int status = 0) {
  send(res, status ? status : status_for(result), to_wire(result));
}

// --- metrics -------------------------------------------------------------------------------------

class Metrics {
 public:
  static constexpr std::array<double, 11> kBuckets = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,  0.5,   1.0};
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
  std::mutex m_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
};

// --- the routes ----------------------------------------------------------------------------------

constexpr size_t kMaxOpsPerRequest = 1000;

class Api {
 public:
  Api(LedgerService& service, const ServeOptions& options, std::string token)
      : service_(service), options_(options), token_(std::move(token)) {}

  void install(httplib::Server& svr) {
    svr.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
      send_json(res, json{{"ok", true},
                          {"rate_card", service_.card()->version},
                          {"journal_seq", service_.stats().journal_seq.load()}});
    });
    svr.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics_.text(service_), "text/plain; version=0.0.4");
    });
    // Bodies are read through a content reader, whatever their Content-Type: cpp-httplib's own
    // reading would parse a form-encoded body (curl's default for -d) as form fields and cap
    // it at 8 KB, so a JSON body sent by `curl -d` got 413 far below --max-body.
    svr.Post(R"(/v1/.*)", [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
      if (auto body = read_body(req, res, reader)) {
        httplib::Request with_body = req;
        with_body.body = std::move(*body);
        handle(with_body, res, true);
      }
    });
    svr.Get(R"(/v1/.*)", [this](const httplib::Request& req, httplib::Response& res) { handle(req, res, false); });
    auto not_allowed = [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
      if (!read_body(req, res, reader) || !authorized(req, res)) return;
      send_json(res, error_body("method_not_allowed", req.method + " is not used by this API; see docs/server.md"));
    };
    svr.Put(R"(/v1/.*)", not_allowed);
    svr.Delete(R"(/v1/.*)", not_allowed);
    svr.Patch(R"(/v1/.*)", not_allowed);
  }

  // Puts a new rate card in force: from the admin route or on SIGHUP.
  json swap_card(const std::string& text, const std::string& source, int& status) {
    RateCardErrors all;
    auto card = load_card_text(text, &all);
    if (!card) {
      json list = json::array();
      for (const auto& e : all.errors) list.push_back(error_to_json(e));
      status = 400;
      json e = error_body("invalid_rate_card", std::to_string(all.errors.size()) + " problem(s) in the rate card from " +
                                                   source + "; first: " + card.error().message);
      e["error"]["path"] = card.error().path;
      e["error"]["errors"] = list;
      return e;
    }
    auto swap = service_.swap_card(*card);
    if (!swap) {
      status = 409;
      return error_body("invalid_rate_card", swap.error().message);
    }
    status = 200;
    return json{{"ok", true}, {"rate_card", swap->current}, {"previous", swap->previous}, {"changed", swap->changed}};
  }

  Metrics& metrics() { return metrics_; }

 private:
  bool authorized(const httplib::Request& req, httplib::Response& res) {
    const std::string h = req.get_header_value("Authorization");
    static const std::string scheme = "bearer ";
    bool ok = h.size() > scheme.size();
    for (size_t i = 0; ok && i < scheme.size(); ++i) ok = std::tolower(static_cast<unsigned char>(h[i])) == scheme[i];
    if (ok) ok = same_token(trim(h.substr(scheme.size())), token_);
    if (ok) return true;
    res.set_header("WWW-Authenticate", "Bearer");
    send_json(res, error_body("unauthorized", h.empty() ? "this route needs \"Authorization: Bearer <token>\""
                                                        : "the bearer token is not valid"));
    metrics_.observe("unauthorized", 401, 0);
    return false;
  }

  // The raw body, at most --max-body bytes (a larger Content-Length is refused by cpp-httplib
  // before it is read; a chunked body is cut here). On failure answers 413 or 400.
  std::optional<std::string> read_body(const httplib::Request& req, httplib::Response& res,
                                       const httplib::ContentReader& reader) {
    if (req.is_multipart_form_data()) {
      send_json(res, error_body("invalid_json", "a multipart form is not JSON: send the JSON document itself as the body"
                                                " (curl -d @file or --data-binary @file, not -F)"));
      return std::nullopt;
    }
    // No Content-Length and not chunked: a request without a body (RFC 9112 §6.3), e.g.
    // `curl -X POST .../fail`.
    const std::string te = req.get_header_value("Transfer-Encoding");
    if (!req.has_header("Content-Length") && te.find("chunked") == std::string::npos) return std::string();
    std::string body;
    bool too_large = false;
    const bool ok = reader([&](const char* data, size_t n) {
      if (body.size() + n > options_.max_body) {
        too_large = true;
        return false;
      }
      body.append(data, n);
      return true;
    });
    if (ok) return body;
    if (too_large || res.status == 413)
      send_json(res, error_body("payload_too_large", "the body is over the server's limit (--max-body " +
                                                         std::to_string(options_.max_body) + " bytes)"), 413);
    else
      send_json(res, error_body("bad_request", "the body could not be read"), res.status >= 400 ? res.status : 400);
    return std::nullopt;
  }

  // The body as JSON with the engine's limits; on failure answers 400 invalid_json.
  std::optional<json> body_json(const httplib::Request& req, httplib::Response& res, const char* op) {
    auto j = parse_json_limited(req.body, options_.max_body);
    if (j) return std::move(*j);
    send_json(res, json{{"op", op ? json(op) : json(nullptr)}, {"ok", false}, {"error", error_to_json(j.error())}});
    return std::nullopt;
  }

  // The body must be an object; an empty body is an empty object.
  std::optional<json> body_object(const httplib::Request& req, httplib::Response& res, const char* op) {
    if (trim(req.body).empty()) return json::object();
    auto j = body_json(req, res, op);
    if (!j) return std::nullopt;
    if (!j->is_object()) {
      send_json(res, json{{"op", op},
                          {"ok", false},
                          {"error", {{"code", "invalid_op"}, {"message", "the body is a JSON object"}, {"path", ""}}}});
      return std::nullopt;
    }
    return j;
  }

  static std::optional<std::string> user_of(const httplib::Request& req) {
    if (req.has_param("user")) return req.get_param_value("user");
    if (req.has_header("X-Credits-User")) return req.get_header_value("X-Credits-User");
    return std::nullopt;
  }

  void handle(const httplib::Request& req, httplib::Response& res, bool post) {
    const auto t0 = std::chrono::steady_clock::now();
    if (!authorized(req, res)) return;
    std::string route = route_and_answer(req, res, post);
    metrics_.observe(route, res.status,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }

  // Answers one /v1 request; returns the route's name for the metrics.
  std::string route_and_answer(const httplib::Request& req, httplib::Response& res, bool post) {
    const std::string& p = req.path;
    auto ends_with = [&](const std::string& s) {
      return p.size() > s.size() && p.compare(p.size() - s.size(), s.size(), s) == 0;
    };
    if (post) {
      if (p == "/v1/charges") return resource_op(req, res, "charge", "charges");
      if (p == "/v1/ops") {
        auto op = body_json(req, res, nullptr);
        if (op) send_json(res, service_.submit(std::move(*op), user_of(req)));
        return "ops";
      }
      if (p == "/v1/ops/batch") return ops_batch(req, res);
      if (p == "/v1/quotes") return quotes(req, res);
      if (p == "/v1/plans") return plans(req, res);
      if (p == "/v1/topups") return resource_op(req, res, "top_up", "topups");
      static const std::string charges = "/v1/charges/";
      if (p.rfind(charges, 0) == 0 && (ends_with("/fail") || ends_with("/complete"))) {
        const bool fail = ends_with("/fail");
        const size_t suffix = fail ? 5 : 9;
        if (p.size() > charges.size() + suffix) {
          std::string key = p.substr(charges.size(), p.size() - charges.size() - suffix);
          auto op = body_object(req, res, fail ? "fail" : "complete");
          if (!op) return fail ? "fail" : "complete";
          (*op)["op"] = fail ? "fail" : "complete";
          (*op)["charge"] = key;
          send_json(res, service_.submit(std::move(*op)));
          return fail ? "fail" : "complete";
        }
      }
      if (p == "/v1/admin/rate-card") {
        int status = 200;
        json r = swap_card(req.body, "the admin route", status);
        std::fprintf(stderr, "%s\n", to_wire(json{{"event", "rate_card_swap"}, {"source", "admin route"}, {"result", r}}).c_str());
        send_json(res, r, status);
        return "admin_rate_card";
      }
    } else {
      if (p == "/v1/rate-card") {
        auto card = service_.card();
        auto text = service_.card_text();
        res.set_header("X-Rate-Card-Version", card->version);
        send(res, 200, *text);
        return "rate_card";
      }
      static const std::string payers = "/v1/payers/";
      if (p.rfind(payers, 0) == 0 && (ends_with("/balance") || ends_with("/usage"))) {
        const bool balance = ends_with("/balance");
        const size_t suffix = balance ? 8 : 6;
        if (p.size() > payers.size() + suffix) {
          const std::string payer = p.substr(payers.size(), p.size() - payers.size() - suffix);
          const char* name = balance ? "balance" : "usage";
          auto viewer = user_of(req);
          if (!viewer || viewer->empty()) {
            send_json(res, json{{"op", name},
                                {"ok", false},
                                {"error",
                                 {{"code", "invalid_op"},
                                  {"message", "name the user the backend acts for: ?user=ID (or an X-Credits-User header)"},
                                  {"path", "/user"}}}});
            return name;
          }
          json op = {{"op", name}, {"payer", payer}};
          if (!balance && req.has_param("limit")) {
            const std::string l = req.get_param_value("limit");
            bool digits = !l.empty() && l.size() <= 9 && l.find_first_not_of("0123456789") == std::string::npos;
            op["limit"] = digits ? json(std::stoll(l)) : json(l);  // the core refuses what is not 0..1000
          }
          send_json(res, service_.submit(std::move(op), viewer));
          return name;
        }
      }
    }
    send_json(res, error_body("not_found", "no route " + req.method + " " + p + "; see docs/server.md"));
    return "not_found";
  }

  // An array of operations: each applied in order, on its own (a refusal changes nothing and
  // does not stop the others), all committed together; the answer is the array of results,
  // status 200.
  std::string ops_batch(const httplib::Request& req, httplib::Response& res) {
    auto body = body_json(req, res, nullptr);
    if (!body) return "ops_batch";
    if (!body->is_array() || body->empty() || body->size() > kMaxOpsPerRequest) {
      send_json(res, error_body("invalid_op", "the body is an array of 1 to " + std::to_string(kMaxOpsPerRequest) +
                                                  " operations"));
      return "ops_batch";
    }
    std::vector<json> ops;
    ops.reserve(body->size());
    for (json& o : *body) ops.push_back(std::move(o));
    std::string out = "[";
    for (const json& r : service_.submit_all(std::move(ops), user_of(req))) {
      if (out.size() > 1) out += ',';
      out += to_wire(r);
    }
    out += ']';
    send(res, 200, std::move(out));
    return "ops_batch";
  }

  // A resource route whose body is an operation's fields: the route names the operation.
  std::string resource_op(const httplib::Request& req, httplib::Response& res, const char* op, const char* route) {
    auto body = body_object(req, res, op);
    if (!body) return route;
    (*body)["op"] = op;
    send_json(res, service_.submit(std::move(*body)));
    return route;
  }

  std::string quotes(const httplib::Request& req, httplib::Response& res) {
    auto body = body_json(req, res, nullptr);
    if (!body) return "quotes";
    auto card = service_.card();
    if (body->is_array()) {
      std::string out = "[";
      for (size_t i = 0; i < body->size(); ++i) {
        if (i) out += ',';
        out += quote_wire(*card, (*body)[i]);
      }
      out += ']';
      send(res, 200, std::move(out));
    } else {
      std::string q = quote_wire(*card, *body);
      const int status = status_for_wire(q);
      send(res, status, std::move(q));
    }
    return "quotes";
  }

  std::string plans(const httplib::Request& req, httplib::Response& res) {
    auto body = body_json(req, res, nullptr);
    if (!body) return "plans";
    json balance;
    if (req.has_param("balance")) {
      auto b = parse_json_limited(req.get_param_value("balance"));
      if (!b) {
        json e = json{{"ok", false}, {"error", error_to_json(b.error())}};
        e["error"]["path"] = "/balance";
        send_json(res, e);
        return "plans";
      }
      balance = std::move(*b);
    }
    auto card = service_.card();
    std::string plan = plan_wire(*card, *body, balance.is_null() ? nullptr : &balance);
    const int status = status_for_wire(plan);
    send(res, status, std::move(plan));
    return "plans";
  }

  LedgerService& service_;
  const ServeOptions& options_;
  const std::string token_;
  Metrics metrics_;
};

}  // namespace

int serve(const ServeOptions& o) {
  if (o.db.empty()) fail_usage("usage", "serve needs --db PATH, the SQLite ledger file");
  // Everything that can be refused is checked before the ledger is touched, so a usage error
  // leaves no database (or journaled card) behind.
  std::string token_where;
  bool token_missing = false;
  std::string token = read_token(o.token_file, o.db, token_where, token_missing);
  std::optional<StaticGuard> static_guard;
  if (!o.static_dir.empty()) {
    struct stat st;
    if (::stat(o.static_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      fail_usage("unreadable_file", "--static \"" + o.static_dir + "\" is not a directory");
    const std::string dir = real_path(o.static_dir);
    const std::string db = real_path(o.db);
    const std::string tok = real_path(token_where);
    if (inside(db, dir))
      fail_usage("unsafe_static", "--static \"" + o.static_dir + "\" holds the ledger database \"" + o.db +
                                      "\": it would be served to anyone; keep the db outside the static folder");
    if (inside(tok, dir))
      fail_usage("unsafe_static", "--static \"" + o.static_dir + "\" holds the token file \"" + token_where +
                                      "\": it would be served to anyone; keep it outside the static folder");
    static_guard.emplace(dir, std::vector<std::string>{db, db + "-wal", db + "-shm", db + "-journal", tok});
  }
  // Many handler threads allocate and free JSON all the time: keep freed memory instead of
  // giving it back to the kernel after every burst.
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
  Api api(service, o, token);

  httplib::Server svr;
  const size_t threads = static_cast<size_t>(std::max(4, o.threads));
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_keep_alive_max_count(1000000);
  svr.set_keep_alive_timeout(o.keep_alive_s);
  svr.set_read_timeout(o.read_timeout_s, 0);
  svr.set_write_timeout(o.read_timeout_s, 0);
  svr.set_payload_max_length(o.max_body);
  svr.set_tcp_nodelay(true);
  svr.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string code = res.status == 413 ? "payload_too_large"
                       : res.status == 404 ? "not_found"
                       : res.status == 408 ? "timeout"
                       : res.status >= 500 ? "internal"
                                           : "bad_request";
    std::string message = res.status == 413 ? "the body is over the server's limit" : "HTTP " + std::to_string(res.status);
    if (res.status == 404) message = "no route " + req.method + " " + req.path;
    send_json(res, error_body(code, message), res.status);
  });
  svr.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    send_json(res, error_body("internal", "internal error: " + what), 500);
  });
  if (static_guard) {
    // The file handler runs before the routes, so the guard sits in front of it: a refused
    // path is answered 404, as if it were not there.
    svr.set_pre_routing_handler([&static_guard](const httplib::Request& req, httplib::Response& res) {
      if (req.method != "GET" && req.method != "HEAD") return httplib::Server::HandlerResponse::Unhandled;
      if (!static_guard->refused(req.path)) return httplib::Server::HandlerResponse::Unhandled;
      send_json(res, error_body("not_found", "no route " + req.method + " " + req.path), 404);
      return httplib::Server::HandlerResponse::Handled;
    });
    svr.set_mount_point("/", o.static_dir);
  }
  api.install(svr);

  // httplib listens with a backlog of 5; a burst of new connections (32 clients starting at
  // once) would overflow it and wait for SYN retries. The listening socket is caught here and
  // listen() is called again with a deep backlog once it is bound.
  int listen_fd = -1;
  svr.set_socket_options([&listen_fd](int fd) {
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd = fd;
  });
  int port = o.port;
  if (port == 0) port = svr.bind_to_any_port(o.host);
  else if (!svr.bind_to_port(o.host, port)) port = -1;
  if (port <= 0) fail_usage("cannot_listen", "cannot listen on " + o.host + ":" + std::to_string(o.port));
  if (listen_fd >= 0) ::listen(listen_fd, SOMAXCONN);

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
  std::cerr << "credits serve: listening on " << url << "\n"
            << "  ledger     " << o.db << " (SQLite, WAL, synchronous=" << (o.sync_full ? "FULL" : "NORMAL") << "); "
            << opened.report.records << " journal records replayed and checked in " << opened.replay_seconds << " s\n"
            << "  rate card  " << service.card()->version << (o.rate_card.empty() ? "" : " from " + o.rate_card)
            << " (reload: kill -HUP " << ::getpid() << ")\n"
            << "  token      " << token_where << (token_created ? " (new)" : "") << "\n"
            << "  try        curl -s " << url << "/healthz\n"
            << "             curl -s -H \"Authorization: Bearer $(cat " << token_where << ")\" " << url
            << "/v1/rate-card | head -c 200\n"
            << "  routes     docs/server.md" << std::endl;

  std::atomic<bool> stopping{false};
  std::thread signal_thread([&] {
    for (;;) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0) continue;
      if (sig == SIGHUP) {
        if (o.rate_card.empty()) {
          std::cerr << to_wire(json{{"event", "rate_card_swap"},
                                    {"source", "SIGHUP"},
                                    {"result", error_body("usage", "SIGHUP reloads --rate-card, and none was given")}})
                    << std::endl;
          continue;
        }
        int status = 0;
        auto text = read_file(o.rate_card);
        json r = text ? api.swap_card(*text, o.rate_card, status)
                      : error_body("unreadable_file", "cannot read rate card \"" + o.rate_card + "\"");
        std::cerr << to_wire(json{{"event", "rate_card_swap"}, {"source", "SIGHUP " + o.rate_card}, {"result", r}})
                  << std::endl;
        continue;
      }
      stopping = true;
      svr.stop();
      return;
    }
  });
  const bool listened = svr.listen_after_bind();
  // Stopped by a signal (or the listener failed): finish and commit what was submitted, exit.
  if (!stopping) pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  service.stop();
  std::cerr << "credits serve: stopped" << std::endl;
  return listened || stopping ? 0 : 1;
}

}  // namespace credits::server
