// `credits serve`: the authoritative server, and the durable ledger on the command line. HTTP
// (http_transport, Boost.Beast on event loops) hands each request to the routes (http_routes),
// which convert JSON and delegate to the core (SPEC §9 operations, quotes, plans) through the
// ledger service. This file starts them in order and stops them on a signal. Routes, flags,
// durability and security: docs/server.md.
#pragma once

#include <cstddef>
#include <string>

#include "credits/durable_ledger.hpp"

namespace credits::server {

struct ServeOptions {
  std::string rate_card;   // file; "" = the card in force in the ledger, else the embedded sample
  std::string embedded_card_text;
  std::string db;          // the SQLite ledger file
  std::string host = "127.0.0.1";
  int port = 8080;         // 0: any free port (printed at start)
  std::string token_file;  // "" = <db>.token, created with a random token if missing
  std::string static_dir;
  bool trust_client_time = false;
  size_t max_body = 1 << 20;
  int threads = 0;            // io threads (event loops); 0: one per core, at most 8
  int read_timeout_s = 5;     // a whole request, headers and body, must arrive within this
  int keep_alive_s = 5;       // an idle connection is closed after this
  size_t max_connections = 1024;  // beyond it a new connection is answered 503 and closed
  size_t max_header_bytes = 8192;  // request line and header lines (431 above)
  size_t max_header_fields = 100;  // header lines (431 above)
  bool sync_full = true;
  size_t cache_records = credits::DurableLedger::kDefaultCacheRecords;  // history records kept in memory
  int64_t snapshot_every = credits::DurableLedger::kDefaultSnapshotEvery;  // journal records between snapshots
};

// Runs until SIGTERM or SIGINT; returns the exit status. Refuses to start (status 2, a JSON
// error on stderr) when the ledger cannot be opened or its replay does not match what it stored.
int serve(const ServeOptions& options);

// `credits ledger --db PATH`: JSON Lines of operations in, one result per line out, each
// printed once it is durable (lines read together are committed together). `at` is honoured.
int ledger_file(const std::string& rate_card_path, const std::string& embedded_card_text, const std::string& db,
                bool sync_full);

// `credits journal --db PATH`: the journaled operations as JSON Lines, in order (rate card
// swaps as {"op":"rate_card","at","version"} lines), for audits and independent replays.
int journal_dump(const std::string& db);

// `credits verify --db PATH`: the whole check a start does (the journal replayed into a fresh
// ledger, compared with every stored entry and balance), read only, beside a running server.
// The report on stdout; exit 0 when it matches, 2 (ledger_mismatch on stderr) when not.
// Progress on stderr when it is a terminal.
int verify_ledger(const std::string& db);

}  // namespace credits::server
