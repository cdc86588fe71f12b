#include "open_ledger.hpp"

#include <chrono>

#include "command_io.hpp"
#include "credits/wire/error_wire.hpp"
#include "credits/wire/json_text.hpp"
#include "pg_store.hpp"
#include "sqlite_store.hpp"

namespace credits::server {

using nlohmann::json;

bool is_postgres_url(const std::string& db) { return PgStore::is_url(db); }

std::string printable_db(const std::string& db) { return is_postgres_url(db) ? PgStore::redacted(db) : db; }

std::unique_ptr<LedgerStore> open_store_or_die(const std::string& db, bool sync_full, StoreUse use,
                                               const std::string& role, std::string* description) {
  std::string error;
  if (is_postgres_url(db)) {
    PgStore::Options options;
    options.synchronous = sync_full;
    options.writer = use != StoreUse::reader;
    options.shared = use == StoreUse::shared_writer;
    options.role = role;
    bool in_use = false;
    std::unique_ptr<PgStore> pg = PgStore::open(db, options, error, &in_use);
    if (!pg) fail_usage(in_use ? ErrorCode::ledger_in_use : ErrorCode::unreadable_file, error);
    if (description) *description = pg->description();
    return pg;
  }
  bool in_use = false;
  std::unique_ptr<SqliteStore> lite = SqliteStore::open(
      db, sync_full ? SyncMode::full : SyncMode::normal, error, use != StoreUse::reader, &in_use);
  if (!lite) fail_usage(in_use ? ErrorCode::ledger_in_use : ErrorCode::unreadable_file, error);
  if (description) *description = std::string("SQLite, WAL, synchronous=") + (sync_full ? "FULL" : "NORMAL");
  return lite;
}

namespace {

// Another writer of a shared store may have committed since the recovery's snapshot: the head
// is held and the ledger caught up before the card is put in force.
void lock_and_catch_up(const std::string& db, LedgerStore& store, DurableLedger& ledger) {
  StoreHead head;
  if (StoreStatus s = store.lock_head(head); !s) fail_usage(ErrorCode::storage_failed, s.error);
  RecoveryReport caught = ledger.catch_up(store, &head);
  if (!caught.ok)
    fail_usage(ErrorCode::ledger_mismatch,
               "the ledger " + printable_db(db) +
                   " changed in a way its journal does not explain: " +
                   (caught.problems.empty() ? std::string("?") : caught.problems.front()),
               json{{"report", caught.to_json()}});
}

}  // namespace

OpenLedger open_ledger(const std::string& db, bool sync_full, DurableLedger& ledger,
                       const std::string& card_path, const std::string& embedded_text,
                       std::optional<Timestamp> now, const std::string& role, StoreUse use) {
  OpenLedger out;
  out.store = open_store_or_die(db, sync_full, use, role, &out.store_description);
  const auto t0 = std::chrono::steady_clock::now();
  out.report = ledger.recover(*out.store);
  out.replay_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!out.report.ok)
    fail_usage(ErrorCode::ledger_mismatch,
               "the ledger " + printable_db(db) + " does not match its own journal; refusing to start. " +
                   std::to_string(out.report.problems.size()) + " problem(s), the first: " +
                   (out.report.problems.empty() ? std::string("?") : out.report.problems.front()),
               json{{"report", out.report.to_json()}});
  if (out.store->shared()) lock_and_catch_up(db, *out.store, ledger);
  if (!card_path.empty() || !ledger.ready()) {
    LoadedCard card = load_card_or_die(card_path, embedded_text);
    auto swap = ledger.use_rate_card(card, now);
    if (!swap) fail_usage(ErrorCode::invalid_rate_card, swap.error().message + " (" + (card_path.empty() ? "embedded" : card_path) + ")");
  }
  // Commits the swap, or (nothing pending) ends a shared store's transaction.
  if (ledger.has_pending() || out.store->shared()) {
    StoreStatus s = out.store->commit(ledger.take_batch());
    if (!s) fail_usage(ErrorCode::storage_failed, s.error);
    ledger.durable_through(ledger.last_seq());
  }
  return out;
}

}  // namespace credits::server
