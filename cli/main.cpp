// The native command line (SPEC §9): reads JSON on stdin, writes JSON on stdout. It only
// reads files, converts and delegates; every rule lives in the core library.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "billing_text.hpp"
#include "diff_command.hpp"
#include "plan_text.hpp"
#include "credits/ledger.hpp"
#include "credits/operation.hpp"
#include "credits/wire/plan_wire.hpp"
#include "credits/wire/quote_wire.hpp"
#include "credits/wire/json_text.hpp"
#include "credits/wire/usage_csv.hpp"
#include "embedded_rate_card.hpp"
#include "command_io.hpp"
#include "http_server.hpp"

namespace {

using credits::Error;
using credits::ErrorCode;
using nlohmann::json;

constexpr int kUsageError = 2;

using credits::server::fail_usage;

// Calls `fn` for every non-empty line of stdin, without the trailing CR of CRLF input.
template <typename Fn>
void each_line(Fn fn) {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    fn(line);
  }
}

void emit(const json& j) { std::cout << credits::to_wire(j) << '\n' << std::flush; }

int run_estimate(const credits::RateCard& card) {
  each_line([&](const std::string& line) {
    auto node = credits::parse_json_limited(line);
    std::string out;
    if (!node) credits::write_failed_quote(out, nullptr, node.error());
    else out = credits::quote_wire(card, *node);
    out += '\n';
    std::cout << out << std::flush;
  });
  return 0;
}

int run_plan(const credits::RateCard& card, const std::string& balance_text, bool text) {
  json balance;
  if (!balance_text.empty()) {
    auto b = credits::parse_json_limited(balance_text);
    if (!b) fail_usage(Error(ErrorCode::invalid_json, "--balance is not valid JSON: " + b.error().message));
    balance = *b;
    if (auto parsed = credits::parse_balances(balance, ""); !parsed)
      fail_usage(Error(parsed.error().code, "--balance: " + parsed.error().message, parsed.error().path));
  }
  std::stringstream ss;
  ss << std::cin.rdbuf();
  auto graph = credits::parse_json_limited(ss.str(), credits::kMaxDocumentBytes);
  if (!graph) {
    emit(credits::failure_json(graph.error()));
    return 0;
  }
  std::string plan = credits::plan_wire(card, *graph, balance.is_null() ? nullptr : &balance);
  if (text) std::cout << credits::cli::plan_text(json::parse(plan));
  else std::cout << plan << '\n' << std::flush;
  return 0;
}

int run_ledger(std::shared_ptr<const credits::RateCard> card) {
  credits::Ledger ledger(std::move(card));
  each_line([&](const std::string& line) { std::cout << credits::apply_operation_text(ledger, line) << '\n' << std::flush; });
  return 0;
}

int run_billing(std::shared_ptr<const credits::RateCard> card, const std::string& payer, const std::string& at,
                bool csv) {
  credits::Ledger ledger(std::move(card));
  size_t rejected = 0;
  each_line([&](const std::string& line) {
    json r = credits::apply_operation_line(ledger, line);
    if (!r.value("ok", false)) ++rejected;
  });
  credits::Timestamp when = ledger.now();
  if (!at.empty()) {
    auto t = credits::parse_timestamp(at);
    if (!t) fail_usage(Error(ErrorCode::invalid_op, "--at is not an RFC 3339 time", "/at"));
    when = *t;
  }
  auto usage = ledger.usage(when, payer, 10);
  if (!usage) fail_usage(usage.error());
  if (csv) {
    // The usage read above refused what the server's route refuses (the payer, the time); the
    // export itself is the core's, the same text GET /v1/payers/{payer}/usage.csv answers.
    auto text = credits::usage_csv(ledger, payer);
    if (!text) fail_usage(text.error());
    std::cout << *text << std::flush;
    return 0;
  }
  auto forecast = credits::forecast_of(*usage, when);
  if (!forecast) fail_usage(forecast.error());
  std::cout << credits::cli::billing_text(*usage, *forecast, rejected);
  return 0;
}

// `credits serve`'s options (docs/server.md), beside --rate-card which every subcommand has.
void add_serve_options(CLI::App& serve, credits::server::ServeOptions& serve_options, std::string& sync) {
  serve.add_option("--db", serve_options.db, "The ledger: a SQLite file, created if missing, or a postgresql:// URL (libpq)")->required();
  serve.add_option("--host", serve_options.host, "Address to listen on")->capture_default_str();
  serve.add_option("--port", serve_options.port, "Port (0: any free port, printed at start)")->capture_default_str();
  serve.add_option("--token-file", serve_options.token_file, "File holding the bearer token (default: <db>.token; required with a postgresql:// --db)");
  serve.add_option("--static", serve_options.static_dir, "Serve this folder's files at /");
  serve.add_flag("--trust-client-time", serve_options.trust_client_time,
                 "Honour each operation's \"at\" instead of the server's clock (replays and tests only)");
  serve.add_option("--max-body", serve_options.max_body, "Largest request body in bytes (413 above)")->capture_default_str();
  serve.add_option("--threads", serve_options.threads, "io threads (event loops); 0: one per core, at most 8")->capture_default_str();
  serve.add_option("--read-timeout", serve_options.read_timeout_s, "Seconds for a whole request (header and body) to arrive")->capture_default_str();
  serve.add_option("--max-connections", serve_options.max_connections, "Open connections at most (503 beyond)")->capture_default_str();
  serve.add_option("--max-header-bytes", serve_options.max_header_bytes, "Largest request header in bytes (431 above)")->capture_default_str();
  serve.add_option("--max-header-fields", serve_options.max_header_fields, "Most request header fields (431 above)")->capture_default_str();
  serve.add_option("--keep-alive", serve_options.keep_alive_s, "Seconds an idle keep-alive connection is kept")->capture_default_str();
  serve.add_option("--cache-records", serve_options.cache_records,
                   "History records (charges, top-ups, reservations) kept in memory; older ones are read from the store")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1} << 40));
  serve.add_option("--snapshot-every", serve_options.snapshot_every,
                   "Journal records between two snapshots of the state: a start replays at most this many")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  serve.add_option("--sync", sync, "full: fsync every commit (durable on power loss); normal: survives a crash of the process only")
      ->check(CLI::IsMember({"full", "normal"}))->capture_default_str();
}

void add_billing_options(CLI::App& billing, std::string& payer, std::string& at, bool& csv) {
  billing.add_option("--payer", payer, "The payer to show: user:ID or workspace:ID")->required();
  billing.add_option("--at", at, "Show the page as of this time (default: the last operation's)");
  billing.add_flag("--csv", csv,
                   "Print every generation as CSV instead (columns: docs/balances.md, \"Usage export\"); "
                   "the same text as GET /v1/payers/{payer}/usage.csv");
}

struct DiffFiles {
  std::string from, to, nodes;
};

void add_diff_options(CLI::App& diff, DiffFiles& files) {
  diff.add_option("--from", files.from, "The rate card in force (JSON file)")->required();
  diff.add_option("--to", files.to, "The candidate rate card (JSON file)")->required();
  diff.add_option("--nodes", files.nodes,
                  "Nodes to compare: JSON Lines of nodes (as `estimate` reads), a JSON array of nodes, "
                  "or a graph {\"nodes\": [...]}");
}

// The read-only commands on a durable ledger.
struct StoreCommands {
  CLI::App* journal;
  CLI::App* verify;
};

StoreCommands add_store_commands(CLI::App& app, std::string& db) {
  StoreCommands c;
  c.journal = app.add_subcommand("journal", "Print a durable ledger's journal: the operations it accepted, as JSON Lines");
  c.verify = app.add_subcommand(
      "verify",
      "Check a durable ledger: replay its whole journal and compare it with every stored entry,\n"
      "balance and its newest snapshot (a start replays only the journal after that snapshot), read\n"
      "only, beside a running server. The report as JSON on stdout, progress on stderr when it is a\n"
      "terminal; exit 2 (ledger_mismatch) on any difference.");
  for (CLI::App* sub : {c.journal, c.verify})
    sub->add_option("--db", db, "The ledger: a SQLite file or a postgresql:// URL")->required();
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "credits: the credit engine of an AI-generation canvas.\n"
      "Every subcommand reads JSON from stdin and writes JSON to stdout (see SPEC §9).\n"
      "Without --rate-card the embedded sample card (demo/rate-card.json) is used."};
  app.require_subcommand(1);
  std::string rate_card, balance, db, payer, at;
  bool text = false, csv = false;
  credits::server::ServeOptions serve_options;
  std::string sync = "full";

  auto* estimate = app.add_subcommand("estimate", "Quote nodes: JSON Lines of nodes in, one quote per line out");
  auto* plan = app.add_subcommand("plan", "Price a graph: one {\"nodes\": [...]} in, one plan out");
  auto* ledger = app.add_subcommand("ledger", "Apply operations: JSON Lines in, one result per line out, in order");
  auto* billing = app.add_subcommand(
      "billing",
      "Apply operations silently, then print a payer's billing page as text, or with --csv every\n"
      "generation of the payer as CSV (RFC 4180, a header row), oldest first");
  auto* serve = app.add_subcommand(
      "serve",
      "Run the authoritative HTTP server on a durable ledger, SQLite or PostgreSQL (routes: docs/server.md).\n"
      "Without --token-file the bearer token is read from <db>.token, which is created (mode 0600)\n"
      "with a random token when missing; the path is printed at start. SIGHUP reloads --rate-card.");
  auto* diff = app.add_subcommand(
      "diff",
      "What a new rate card changes: the models it adds, removes and changes, and each node it\n"
      "prices differently (old and new min/max), as one JSON line. Without --nodes, a sample over\n"
      "each model's parameter domain is compared.");
  DiffFiles diff_files;
  add_diff_options(*diff, diff_files);
  const StoreCommands store_commands = add_store_commands(app, db);
  for (auto* sub : {estimate, plan, ledger, billing})
    sub->add_option("--rate-card", rate_card, "Rate card JSON file (default: the embedded sample card)");
  serve->add_option("--rate-card", rate_card,
                    "Rate card JSON file (default: the card in force in the ledger, else the embedded sample card)");
  plan->add_option("--balance", balance, "Payer balances to project against: {\"subscription\": N, \"wallet\": N}");
  plan->add_flag("--text", text, "Print a table for people instead of JSON");
  ledger->add_option("--db", db,
                     "Durable ledger, a SQLite file (created if missing) or a postgresql:// URL: replayed and "
                     "checked at start, each result printed once durable");
  add_serve_options(*serve, serve_options, sync);
  add_billing_options(*billing, payer, at, csv);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fail_usage(Error(ErrorCode::usage, e.what()));
  }
  if (serve->parsed()) {
    serve_options.rate_card = rate_card;
    serve_options.embedded_card_text = credits::cli::kEmbeddedRateCard;
    serve_options.sync_full = sync == "full";
    return credits::server::serve(serve_options);
  }
  if (store_commands.journal->parsed()) return credits::server::journal_dump(db);
  if (store_commands.verify->parsed()) return credits::server::verify_ledger(db);
  if (diff->parsed()) return credits::cli::run_diff(diff_files.from, diff_files.to, diff_files.nodes);
  if (ledger->parsed() && !db.empty())
    return credits::server::ledger_file(rate_card, credits::cli::kEmbeddedRateCard, db, true);
  auto card = credits::server::load_card_or_die(rate_card, credits::cli::kEmbeddedRateCard).card;
  if (estimate->parsed()) return run_estimate(*card);
  if (plan->parsed()) return run_plan(*card, balance, text);
  if (ledger->parsed()) return run_ledger(card);
  if (billing->parsed()) return run_billing(card, payer, at, csv);
  return kUsageError;
}
