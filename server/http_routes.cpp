#include "http_routes.hpp"

#include <cctype>
#include <chrono>
#include <cstdio>

#include "bearer_token.hpp"
#include "command_io.hpp"
#include "credits/wire/error_wire.hpp"
#include "credits/operation.hpp"
#include "credits/wire/plan_wire.hpp"
#include "credits/wire/rate_card_diff.hpp"
#include "credits/wire/json_text.hpp"
#include "credits/wire/usage_csv.hpp"
#include "http_answer.hpp"

namespace credits::server {

using nlohmann::json;

// A /v1 request's answer channel: records the route's status and latency, then replies.
class Reply {
 public:
  Reply(Metrics& metrics, HttpExchange exchange, std::string route)
      : metrics_(&metrics),
        exchange_(std::move(exchange)),
        route_(std::move(route)),
        t0_(std::chrono::steady_clock::now()) {}
  void operator()(HttpResponse r) const {
    metrics_->observe(
        route_, r.status,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count());
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

namespace {

constexpr size_t kMaxOpsPerRequest = 1000;

HttpResponse not_found(const HttpRequest& req) {
  return error_answer(Error(ErrorCode::not_found, "no route " + req.method + " " + req.path));
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

// The part of `p` between `prefix` and `suffix`, when there is one (non-empty).
std::optional<std::string> between(const std::string& p, const std::string& prefix,
                                   const std::string& suffix) {
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
    if (p == "/v1/reservations") return "reservations";
    if (between(p, "/v1/reservations/", "/release")) return "release";
    if (p == "/v1/admin/rate-card") return "admin_rate_card";
    if (p == "/v1/rate-card/diff") return "rate_card_diff";
  } else {
    if (p == "/v1/rate-card") return "rate_card";
    if (p == "/v1/events") return "events";
    if (between(p, "/v1/payers/", "/balance")) return "balance";
    if (between(p, "/v1/payers/", "/usage.csv")) return "usage_csv";
    if (between(p, "/v1/payers/", "/usage")) return "usage";
    if (between(p, "/v1/payers/", "/forecast")) return "forecast";
  }
  return "not_found";
}

// Bodies are read as JSON whatever their Content-Type; only a multipart form is refused, with a
// hint, since it cannot be the JSON document.
bool multipart(const HttpRequest& req, const HttpExchange& x) {
  const std::string* type = req.header("Content-Type");
  if (!type || !starts_with(*type, "multipart/form-data")) return false;
  x.reply(
      error_answer(Error(ErrorCode::invalid_json,
                         "a multipart form is not JSON: send the JSON document itself as the body"
                         " (curl -d @file or --data-binary @file, not -F)")));
  return true;
}

std::optional<std::string> user_of(const HttpRequest& req) {
  if (const std::string* u = req.param("user")) return *u;
  if (const std::string* u = req.header("X-Credits-User")) return *u;
  return std::nullopt;
}

// A payer read names the user the backend acts for: who may see the payer is checked for them.
HttpResponse no_viewer(const char* op) {
  return operation_error_answer(
      op, Error(ErrorCode::invalid_op,
                "name the user the backend acts for: ?user=ID (or an X-Credits-User header)",
                "/user"));
}

// The export as a download, named after the payer as the demo names its own files.
HttpResponse csv_download(const std::string& payer, std::string csv) {
  std::string name = "usage-";
  for (char c : payer) {
    const bool kept = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    if (kept) name += c;
    else if (name.back() != '-') name += '-';
  }
  HttpResponse r;
  r.status = 200;
  r.content_type = "text/csv; charset=utf-8; header=present";
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + ".csv\"");
  r.headers.emplace_back("Cache-Control", "no-store");
  r.body = std::move(csv);
  return r;
}

// A card the ledger refuses is not one that breaks a rule of the format (the table's 400 for
// invalid_rate_card): its version was in force before with other content, a conflict with the
// ledger's history, answered 409 as docs/server.md says. Any other refusal (unavailable while
// stopping) has the table's status.
int swap_refusal_status(ErrorCode code) {
  constexpr int kConflict = 409;
  return code == ErrorCode::invalid_rate_card ? kConflict : status_of(code);
}

// Loads a card sent in a body; when it breaks the format, `refusal` gets the answer: every
// problem listed, as the command line lists them for a card it cannot load.
std::optional<LoadedCard> load_sent_card(const std::string& text, const std::string& source,
                                         json& refusal) {
  RateCardErrors all;
  auto card = load_card_text(text, &all);
  if (card) return std::move(*card);
  json list = json::array();
  for (const auto& e : all.errors) list.push_back(error_to_json(e));
  const Error first(ErrorCode::invalid_rate_card,
                    std::to_string(all.errors.size()) + " problem(s) in the rate card from " +
                        source + "; first: " + card.error().message,
                    card.error().path);
  refusal = command_error_json(first, json{{"errors", list}});
  return std::nullopt;
}

// A diff request: the body is the candidate card itself, or {"rate_card": card, "nodes": [...]}
// to compare given nodes instead of a sample (a card never has a "rate_card" key: the loader
// refuses keys it does not know, so the two cannot be confused).
struct DiffRequest {
  std::string card_text;
  std::optional<std::vector<json>> nodes;
};

std::optional<DiffRequest> diff_request(const std::string& body, size_t max_body, json& refusal) {
  auto doc = parse_json_limited(body, max_body);
  if (!doc || !doc->is_object() || !doc->contains("rate_card"))
    return DiffRequest{body, std::nullopt};
  auto refuse = [&refusal](const std::string& message, const std::string& path) {
    refusal = failure_json(Error(ErrorCode::invalid_op, message, path));
    return std::nullopt;
  };
  DiffRequest request{to_wire((*doc)["rate_card"]), std::nullopt};
  for (const auto& [key, value] : doc->items())
    if (key != "rate_card" && key != "nodes")
      return refuse("unknown key \"" + key + "\": the body is a rate card, or {rate_card, nodes}",
                    pointer_join("", key));
  auto nodes = doc->find("nodes");
  if (nodes == doc->end()) return request;
  if (!nodes->is_array()) return refuse("nodes is an array of nodes", "/nodes");
  request.nodes.emplace();
  for (size_t i = 0; i < nodes->size(); ++i) {
    if (!(*nodes)[i].is_object())
      return refuse("each node is a JSON object", pointer_join("/nodes", i));
    request.nodes->push_back((*nodes)[i]);
  }
  return request;
}

// A query number as the core should see it: digits as a number, anything else as the text
// given, so that the core refuses it with its own message and path.
json query_number(const std::string& v) {
  const bool digits =
      !v.empty() && v.size() <= 18 && v.find_first_not_of("0123456789") == std::string::npos;
  return digits ? json(std::stoll(v)) : json(v);
}

// wait_s: whole seconds, 0 (the default: answer at once) to EventWaiters::kMaxWaitSeconds.
std::optional<int> wait_seconds(const std::string* v) {
  if (!v) return 0;
  if (v->empty() || v->size() > 2 || v->find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const int s = std::stoi(*v);
  if (s > EventWaiters::kMaxWaitSeconds) return std::nullopt;
  return s;
}

}  // namespace

void log_swap(const std::string& source, const json& result) {
  // One write, so that lines from the io threads and the signal thread never interleave.
  const std::string line =
      to_wire(json{{"event", "rate_card_swap"}, {"source", source}, {"result", result}}) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

ApiRoutes::ApiRoutes(LedgerService& service, size_t max_body, std::string token,
                     std::optional<StaticFiles> static_files, size_t max_event_waiters)
    : service_(service),
      max_body_(max_body),
      token_(std::move(token)),
      static_files_(std::move(static_files)),
      waiters_(service, max_event_waiters) {
  metrics_.set_events(&waiters_.stats());
  service_.set_events_listener([this](int64_t events_seq) { waiters_.on_durable(events_seq); });
}

ApiRoutes::~ApiRoutes() {
  service_.set_events_listener(nullptr);
  waiters_.stop();
}

void ApiRoutes::handle(HttpRequest req, HttpExchange x) {
  try {
    route(req, x);
  } catch (const std::exception& e) {
    x.reply(error_answer(Error(ErrorCode::internal, std::string("internal error: ") + e.what())));
  }
}

// --- the front door ------------------------------------------------------------------------------

// Static files first, then the fixed routes, then /v1: a file of --static DIR at the path of a
// route is served, as it always has been, so a demo page keeps working whatever its paths.
void ApiRoutes::route(const HttpRequest& req, const HttpExchange& x) {
  const bool get = req.method == "GET" || req.method == "HEAD";
  if (get && static_files_ && serve_static(req, x)) return;
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
    return x.reply(
        error_answer(Error(ErrorCode::method_not_allowed,
                           req.method + " is not used by this API; see docs/server.md")));
  Reply reply(metrics_, x, route_of(req.path, post));
  answer_v1(req, reply);
}

// A refused path is answered 404, as if it were not there; a file that exists is served;
// anything else falls through to the routes.
bool ApiRoutes::serve_static(const HttpRequest& req, const HttpExchange& x) const {
  if (static_files_->refused(req.path)) {
    x.reply(not_found(req));
    return true;
  }
  auto file = static_files_->file(req.path);
  if (!file) return false;
  x.reply(std::move(*file));
  return true;
}

HttpResponse ApiRoutes::healthz() const {
  return result_answer(json{{"ok", true},
                            {"rate_card", service_.card()->version},
                            {"journal_seq", service_.stats().journal_seq.load()}});
}

bool ApiRoutes::authorized(const HttpRequest& req, const HttpExchange& x) {
  const std::string* given = req.header("Authorization");
  if (given && bearer_matches(*given, token_)) return true;
  HttpResponse r = error_answer(
      Error(ErrorCode::unauthorized, !given || given->empty()
                                         ? "this route needs \"Authorization: Bearer <token>\""
                                         : "the bearer token is not valid"));
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  metrics_.observe("unauthorized", 401, 0);
  x.reply(std::move(r));
  return false;
}

void ApiRoutes::answer_v1(const HttpRequest& req, const Reply& reply) {
  const std::string& r = reply.route();
  if (r == "charges") return resource_op(req, reply, "charge");
  if (r == "topups") return resource_op(req, reply, "top_up");
  if (r == "reservations") return resource_op(req, reply, "reserve");
  if (r == "release") return keyed_op(req, reply, "/v1/reservations/", "release", "reservation");
  if (r == "ops") return ops(req, reply);
  if (r == "ops_batch") return ops_batch(req, reply);
  if (r == "quotes") return quotes(req, reply);
  if (r == "plans") return plans(req, reply);
  if (r == "fail") return keyed_op(req, reply, "/v1/charges/", "fail", "charge");
  if (r == "complete") return keyed_op(req, reply, "/v1/charges/", "complete", "charge");
  if (r == "admin_rate_card") return admin_rate_card(req, reply);
  if (r == "rate_card") return rate_card(reply);
  if (r == "rate_card_diff") return rate_card_diff(req, reply);
  if (r == "balance" || r == "usage" || r == "forecast") return payer_read(req, reply);
  if (r == "usage_csv") return usage_csv(req, reply);
  if (r == "events") return events(req, reply);
  reply(error_answer(Error(ErrorCode::not_found,
                           "no route " + req.method + " " + req.path + "; see docs/server.md")));
}

// --- bodies --------------------------------------------------------------------------------------

// The body as JSON with the engine's limits; on failure answers 400 invalid_json.
std::optional<json> ApiRoutes::body_json(const HttpRequest& req, const Reply& reply,
                                         const char* op) const {
  auto j = parse_json_limited(req.body, max_body_);
  if (j) return std::move(*j);
  reply(operation_error_answer(op ? json(op) : json(nullptr), j.error()));
  return std::nullopt;
}

// The body must be an object; an empty body (or only white space) is an empty object.
std::optional<json> ApiRoutes::body_object(const HttpRequest& req, const Reply& reply,
                                           const char* op) const {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  auto j = body_json(req, reply, op);
  if (!j) return std::nullopt;
  if (!j->is_object()) {
    reply(operation_error_answer(op, Error(ErrorCode::invalid_op, "the body is a JSON object")));
    return std::nullopt;
  }
  return j;
}

// --- operations ----------------------------------------------------------------------------------

// Hands operations to the ledger; the reply is written once they are durable.
void ApiRoutes::submit(std::vector<json> ops, std::optional<std::string> viewer, const Reply& reply,
                       bool as_array) {
  service_.submit_async(std::move(ops), std::move(viewer),
                        [reply, as_array](std::vector<json> results) {
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

void ApiRoutes::submit_one(json op, std::optional<std::string> viewer, const Reply& reply) {
  std::vector<json> ops;
  ops.push_back(std::move(op));
  submit(std::move(ops), std::move(viewer), reply, false);
}

void ApiRoutes::ops(const HttpRequest& req, const Reply& reply) {
  if (auto op = body_json(req, reply, nullptr)) submit_one(std::move(*op), user_of(req), reply);
}

// An array of operations: each applied in order, on its own (a refusal changes nothing and
// does not stop the others), all committed together; the answer is the array of results,
// status 200.
void ApiRoutes::ops_batch(const HttpRequest& req, const Reply& reply) {
  auto body = body_json(req, reply, nullptr);
  if (!body) return;
  if (!body->is_array() || body->empty() || body->size() > kMaxOpsPerRequest)
    return reply(error_answer(Error(
        ErrorCode::invalid_op,
        "the body is an array of 1 to " + std::to_string(kMaxOpsPerRequest) + " operations")));
  std::vector<json> ops;
  ops.reserve(body->size());
  for (json& o : *body) ops.push_back(std::move(o));
  submit(std::move(ops), user_of(req), reply, true);
}

// A resource route whose body is an operation's fields: the route names the operation.
void ApiRoutes::resource_op(const HttpRequest& req, const Reply& reply, const char* op) {
  auto body = body_object(req, reply, op);
  if (!body) return;
  (*body)["op"] = op;
  submit_one(std::move(*body), std::nullopt, reply);
}

// POST {prefix}{key}/{op}: the operation on the charge or reservation the path names (the key
// in the path wins over one in the body).
void ApiRoutes::keyed_op(const HttpRequest& req, const Reply& reply, const char* prefix, const char* op_name,
                         const char* key_field) {
  std::string key = *between(req.path, prefix, std::string("/") + op_name);
  auto op = body_object(req, reply, op_name);
  if (!op) return;
  (*op)["op"] = op_name;
  (*op)[key_field] = std::move(key);
  submit_one(std::move(*op), std::nullopt, reply);
}

void ApiRoutes::payer_read(const HttpRequest& req, const Reply& reply) {
  // The route's name is the read's: balance, usage or forecast (SPEC §12), at the server's clock.
  const std::string& name = reply.route();
  const std::string payer = *between(req.path, "/v1/payers/", "/" + name);
  auto viewer = user_of(req);
  if (!viewer || viewer->empty()) return reply(no_viewer(name.c_str()));
  json op = {{"op", name}, {"payer", payer}};
  const std::string* limit = req.param("limit");
  if (name == "usage" && limit) {
    const std::string& l = *limit;
    bool digits =
        !l.empty() && l.size() <= 9 && l.find_first_not_of("0123456789") == std::string::npos;
    op["limit"] = digits ? json(std::stoll(l)) : json(l);  // the core refuses what is not 0..1000
  }
  submit_one(std::move(op), std::move(viewer), reply);
}

// Every generation of the payer as CSV (wire/usage_csv.hpp): the text `credits billing --csv`
// prints. A `usage` read of the payer (limit 0) checks the payer and the viewer as GET usage
// does, so every refusal is that route's JSON envelope with the table's status.
void ApiRoutes::usage_csv(const HttpRequest& req, const Reply& reply) {
  std::string payer = *between(req.path, "/v1/payers/", "/usage.csv");
  auto viewer = user_of(req);
  if (!viewer || viewer->empty()) return reply(no_viewer("usage"));
  json op = {{"op", "usage"}, {"payer", payer}, {"limit", 0}};
  auto render = [payer](const Ledger& ledger) {
    auto csv = credits::usage_csv(ledger, payer);
    return csv ? std::move(*csv) : std::string();  // accepted by `usage`: never refused here
  };
  service_.submit_render_async(
      std::move(op), std::move(viewer), std::move(render),
      [reply, payer](json result, std::string csv) {
        reply.later([reply, payer, result = std::move(result), csv = std::move(csv)]() mutable {
          if (!result.value("ok", false)) return reply(result_answer(result));
          // Even an empty history has its header row: no text is a bug, not a refusal.
          if (csv.empty())
            return reply(error_answer(Error(ErrorCode::internal, "the usage export was not written")));
          reply(csv_download(payer, std::move(csv)));
        });
      });
}

// GET /v1/events?after=N[&limit=L][&wait_s=S][&user=ID]: the `events` read, answered at once
// when it lists an event, else when one newer than `after` is durable or after S seconds
// (EventWaiters). With a viewer, only the events of payers that user may view (the core's rule).
void ApiRoutes::events(const HttpRequest& req, const Reply& reply) {
  const std::optional<int> wait_s = wait_seconds(req.param("wait_s"));
  if (!wait_s)
    return reply(operation_error_answer(
        "events", Error(ErrorCode::invalid_op,
                        "wait_s is whole seconds from 0 to " +
                            std::to_string(EventWaiters::kMaxWaitSeconds),
                        "/wait_s")));
  json op = {{"op", "events"}};
  if (const std::string* after = req.param("after")) op["after"] = query_number(*after);
  if (const std::string* limit = req.param("limit")) op["limit"] = query_number(*limit);
  waiters_.poll(std::move(op), user_of(req), *wait_s, [reply](json result) {
    reply.later([reply, result = std::move(result)] {
      HttpResponse r = result_answer(result);
      if (r.status == status_of(ErrorCode::unavailable)) r.headers.emplace_back("Retry-After", "1");
      reply(std::move(r));
    });
  });
}

// --- pricing -------------------------------------------------------------------------------------

// One node: its quote with its outcome's status. An array: each node's quote, status 200.
void ApiRoutes::quotes(const HttpRequest& req, const Reply& reply) const {
  // An unreadable body is answered as `credits estimate` answers an unreadable line.
  auto body = parse_json_limited(req.body, max_body_);
  if (!body) return reply(priced_answer(failed_quote(nullptr, body.error())));
  auto card = service_.card();
  if (!body->is_array()) return reply(priced_answer(priced_quote(*card, *body)));
  std::string out = "[";
  for (size_t i = 0; i < body->size(); ++i) {
    if (i) out += ',';
    out += priced_quote(*card, (*body)[i]).text;
  }
  out += ']';
  reply(answer(200, std::move(out)));
}

void ApiRoutes::plans(const HttpRequest& req, const Reply& reply) const {
  // An unreadable graph is answered as `credits plan` answers one.
  auto body = parse_json_limited(req.body, max_body_);
  if (!body) return reply(error_answer(body.error()));
  json balance;
  if (const std::string* text = req.param("balance")) {
    auto b = parse_json_limited(*text);
    if (!b) return reply(error_answer(Error(b.error().code, b.error().message, "/balance")));
    balance = std::move(*b);
  }
  auto card = service_.card();
  reply(priced_answer(priced_plan(*card, *body, balance.is_null() ? nullptr : &balance)));
}

// --- the rate card -------------------------------------------------------------------------------

void ApiRoutes::rate_card(const Reply& reply) const {
  const auto in_force = service_.card_in_force();
  HttpResponse r = answer(200, *in_force.text);
  r.headers.emplace_back("X-Rate-Card-Version", in_force.card->version);
  reply(std::move(r));
}

// A candidate card against the card in force, as `credits diff --from IN_FORCE --to CANDIDATE
// [--nodes]` prints it. Read only: nothing goes to the ledger, the card in force stays.
void ApiRoutes::rate_card_diff(const HttpRequest& req, const Reply& reply) const {
  json refusal;
  auto request = diff_request(req.body, max_body_, refusal);
  if (!request) return reply(result_answer(refusal, status_of(ErrorCode::invalid_op)));
  auto candidate = load_sent_card(request->card_text, "the request", refusal);
  if (!candidate) return reply(result_answer(refusal, status_of(ErrorCode::invalid_rate_card)));
  const auto in_force = service_.card_in_force();
  const json from_doc = card_document(*in_force.text);
  const json to_doc = card_document(candidate->text);
  const std::vector<json>* nodes = request->nodes ? &*request->nodes : nullptr;
  reply(answer(200,
               rate_card_diff_wire({*in_force.card, from_doc}, {*candidate->card, to_doc}, nodes)));
}

void ApiRoutes::admin_rate_card(const HttpRequest& req, const Reply& reply) {
  swap_card(req.body, "the admin route", [reply](json r, int status) {
    reply.later([reply, r = std::move(r), status] {
      log_swap("admin route", r);
      reply(result_answer(r, status));
    });
  });
}

void ApiRoutes::swap_card(const std::string& text, const std::string& source,
                          std::function<void(json, int)> done) {
  json refusal;
  auto card = load_sent_card(text, source, refusal);
  if (!card) return done(std::move(refusal), status_of(ErrorCode::invalid_rate_card));
  service_.swap_card_async(std::move(*card), [done](Result<CardSwap> swap) {
    if (!swap) {
      // The answer has always named no path (the core's is "/version").
      const Error refused(swap.error().code, swap.error().message);
      return done(failure_json(refused), swap_refusal_status(refused.code));
    }
    done(json{{"ok", true},
              {"rate_card", swap->current},
              {"previous", swap->previous},
              {"changed", swap->changed}},
         200);
  });
}

}  // namespace credits::server
