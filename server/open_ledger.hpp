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

// Prints {"ok": false, "error": {"code", "message", "path", ...extra}} on stderr and exits 2,
// as every usage error of the CLI does.
[[noreturn]] void fail_usage(ErrorCode code, const std::string& message, const nlohmann::json& extra = nullptr);

// Reads a whole file; nullopt when it cannot be read.
std::optional<std::string> read_file(const std::string& path);

// Loads a rate card file (or the embedded text when `path` is empty); exits 2 with every
// problem listed when it is invalid.
LoadedCard load_card_or_die(const std::string& path, const std::string& embedded_text);

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
