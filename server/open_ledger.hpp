// Opening a durable ledger, shared by `credits serve`, `credits ledger --db` and
// `credits journal`: open the store (a SQLite file, or PostgreSQL for a postgresql:// or
// postgres:// URL), replay and check it, put the rate card in force.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "credits/durable_ledger.hpp"
#include "credits/ledger_store.hpp"

namespace credits::server {

struct OpenLedger {
  std::unique_ptr<LedgerStore> store;
  std::string store_description;  // for people: "SQLite, WAL, synchronous=FULL"
  RecoveryReport report;
  double replay_seconds = 0;
};

// Who opens the store: a writer creates what is missing; a reader (journal, verify) needs an
// existing ledger. On PostgreSQL a shared writer (serve) writes beside other shared writers,
// a writer (ledger --db) alone; on SQLite both are the one writer of the file.
enum class StoreUse { writer, shared_writer, reader };

// True for a PostgreSQL URL (postgresql://… or postgres://…); anything else is a SQLite file.
bool is_postgres_url(const std::string& db);
// `db` as it may be printed: a URL without its password.
std::string printable_db(const std::string& db);

// Opens the store `db` names; exits 2 (unreadable_file, ledger_in_use) when it cannot.
// `role` ("credits serve") names the process to a second writer refused on PostgreSQL.
std::unique_ptr<LedgerStore> open_store_or_die(const std::string& db, bool sync_full, StoreUse use,
                                               const std::string& role, std::string* description);

// Opens `db`, recovers `ledger` from it (exits 2 with the report on any mismatch), then puts
// the card in force: the file given, else the card already in force, else the embedded one.
// A swap is journaled and committed before this returns.
// A shared writer puts the card in force as every commit of a shared store is made: under the
// store's head, caught up first.
OpenLedger open_ledger(const std::string& db, bool sync_full, DurableLedger& ledger,
                       const std::string& card_path, const std::string& embedded_text,
                       std::optional<Timestamp> now, const std::string& role = "credits",
                       StoreUse use = StoreUse::writer);

}  // namespace credits::server
