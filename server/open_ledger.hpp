// Opening a durable ledger file, shared by `credits serve`, `credits ledger --db` and
// `credits journal`: open the SQLite store, replay and check it, put the rate card in force.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "credits/durable_ledger.hpp"
#include "sqlite_store.hpp"

namespace credits::server {

struct OpenLedger {
  std::unique_ptr<SqliteStore> store;
  RecoveryReport report;
  double replay_seconds = 0;
};

// Opens `db`, recovers `ledger` from it (exits 2 with the report on any mismatch), then puts
// the card in force: the file given, else the card already in force, else the embedded one.
// A swap is journaled and committed before this returns.
OpenLedger open_ledger(const std::string& db, bool sync_full, DurableLedger& ledger, const std::string& card_path,
                       const std::string& embedded_text, std::optional<Timestamp> now);

}  // namespace credits::server
