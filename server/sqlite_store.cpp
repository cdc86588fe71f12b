#include "sqlite_store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

namespace credits::server {

namespace {

// 2 added `held` (SPEC §11 reservations) to entries and payers; a schema-1 file is migrated
// when it is opened (its rows hold nothing: no reservation existed).
constexpr int kSchemaVersion = 2;

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rate_cards (
  version TEXT PRIMARY KEY,
  text    TEXT NOT NULL
);
-- Every accepted operation as applied (kind 0: its JSON with the stamped "at") and every
-- rate card swap (kind 1: the version put in force). Replaying it rebuilds the ledger.
CREATE TABLE IF NOT EXISTS journal (
  seq  INTEGER PRIMARY KEY,
  at   INTEGER NOT NULL,   -- milliseconds since the epoch, UTC
  kind INTEGER NOT NULL,
  body TEXT NOT NULL
);
-- The ledger's append-only money movements.
CREATE TABLE IF NOT EXISTS entries (
  seq          INTEGER PRIMARY KEY,
  at           INTEGER NOT NULL,
  payer        TEXT NOT NULL,
  kind         TEXT NOT NULL,
  subscription INTEGER NOT NULL,
  wallet       INTEGER NOT NULL,
  ref          TEXT NOT NULL,
  held         INTEGER NOT NULL DEFAULT 0
);
-- Each payer's balances after the last commit that touched it.
CREATE TABLE IF NOT EXISTS payers (
  payer        TEXT PRIMARY KEY,
  status       TEXT NOT NULL,
  quota        INTEGER NOT NULL,
  remaining    INTEGER NOT NULL,
  in_period    INTEGER NOT NULL,
  period_start INTEGER NOT NULL,
  period_end   INTEGER NOT NULL,
  wallet       INTEGER NOT NULL,
  granted      INTEGER NOT NULL,
  topped_up    INTEGER NOT NULL,
  spent        INTEGER NOT NULL,
  refunded     INTEGER NOT NULL,
  expired      INTEGER NOT NULL,
  seq          INTEGER NOT NULL,
  held         INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
)sql";

// Schema 1 to 2, in the opening transaction: reservations' `held`, zero for every older row.
const char* kMigrateFrom1 = R"sql(
ALTER TABLE entries ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payers ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
UPDATE meta SET value = '2' WHERE key = 'schema';
)sql";

struct Statement {
  sqlite3_stmt* s = nullptr;
  ~Statement() { sqlite3_finalize(s); }
};

EntryKind entry_kind(const std::string& k) {
  for (EntryKind e : {EntryKind::grant, EntryKind::expire, EntryKind::top_up, EntryKind::charge, EntryKind::refund,
                      EntryKind::settle, EntryKind::hold, EntryKind::release})
    if (to_string(e) == k) return e;
  return EntryKind::grant;
}

std::string column_text(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t ? std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_column_bytes(s, i)))
           : std::string();
}

void bind_text(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}

}  // namespace

std::string SqliteStore::error_text(const char* what) const {
  return std::string(what) + ": " + (db_ ? sqlite3_errmsg(db_) : "no database") + " (" + path_ + ")";
}

bool SqliteStore::exec(const char* sql, std::string& error) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) == SQLITE_OK) return true;
  error = std::string(msg ? msg : "unknown error") + " (" + path_ + ")";
  sqlite3_free(msg);
  return false;
}

// flock, not fcntl: it belongs to this descriptor, so SQLite's own locks and this one never meet.
bool SqliteStore::take_writer_lock(std::string& error, bool* in_use) {
  lock_fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (lock_fd_ < 0) {
    error = "cannot open the ledger database " + path_ + " to lock it: " + std::strerror(errno);
    return false;
  }
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) == 0) return true;
  const bool held = errno == EWOULDBLOCK;
  if (in_use) *in_use = held;
  error = held ? "the ledger " + path_ +
                     " is in use by another credits process: one writer (credits serve or credits "
                     "ledger --db) per "
                     "SQLite file; several servers may share a PostgreSQL ledger (docs/storage.md)"
               : "cannot lock the ledger database " + path_ + ": " + std::strerror(errno);
  return false;
}

std::unique_ptr<SqliteStore> SqliteStore::open(const std::string& path, SyncMode sync,
                                               std::string& error, bool writer, bool* in_use) {
  std::unique_ptr<SqliteStore> store(new SqliteStore());
  store->path_ = path;
  if (sqlite3_open_v2(path.c_str(), &store->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    error = store->error_text("cannot open the ledger database");
    return nullptr;
  }
  if (writer && !store->take_writer_lock(error, in_use)) return nullptr;
  sqlite3_busy_timeout(store->db_, 5000);
  std::string pragmas = std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=") +
                        (sync == SyncMode::full ? "FULL" : "NORMAL") + "; PRAGMA foreign_keys=OFF;";
  if (!store->exec(pragmas.c_str(), error)) return nullptr;
  {
    Statement mode;
    sqlite3_prepare_v2(store->db_, "PRAGMA journal_mode", -1, &mode.s, nullptr);
    if (!mode.s || sqlite3_step(mode.s) != SQLITE_ROW || column_text(mode.s, 0) != "wal") {
      error = "the ledger database " + path + " cannot use WAL mode";
      return nullptr;
    }
  }
  if (!store->exec("BEGIN IMMEDIATE", error)) return nullptr;
  if (!store->exec(kSchema, error)) return nullptr;
  std::optional<std::string> schema;
  {
    Statement get;
    sqlite3_prepare_v2(store->db_, "SELECT value FROM meta WHERE key = 'schema'", -1, &get.s, nullptr);
    if (get.s && sqlite3_step(get.s) == SQLITE_ROW) schema = column_text(get.s, 0);
  }
  if (schema == "1") {
    if (!store->exec(kMigrateFrom1, error)) return nullptr;
  } else if (schema && *schema != std::to_string(kSchemaVersion)) {
    error = "the ledger database " + path + " has schema " + *schema + "; this build reads schema " +
            std::to_string(kSchemaVersion);
    store->exec("ROLLBACK", error);
    return nullptr;
  } else if (!schema) {
    std::string sql = "INSERT INTO meta(key, value) VALUES ('schema', '" + std::to_string(kSchemaVersion) +
                      "'), ('format', 'credits ledger')";
    if (!store->exec(sql.c_str(), error)) return nullptr;
  }
  if (!store->exec("COMMIT", error)) return nullptr;

  auto prepare = [&](const char* sql, sqlite3_stmt** out) {
    if (sqlite3_prepare_v3(store->db_, sql, -1, SQLITE_PREPARE_PERSISTENT, out, nullptr) == SQLITE_OK) return true;
    error = store->error_text("cannot prepare a statement");
    return false;
  };
  if (!prepare("INSERT INTO journal(seq, at, kind, body) VALUES (?1, ?2, ?3, ?4)", &store->insert_record_) ||
      !prepare("INSERT INTO entries(seq, at, payer, kind, subscription, wallet, ref, held) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
               &store->insert_entry_) ||
      !prepare("INSERT OR REPLACE INTO payers(payer, status, quota, remaining, in_period, period_start, period_end, "
               "wallet, granted, topped_up, spent, refunded, expired, seq, held) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
               &store->upsert_payer_) ||
      !prepare("INSERT INTO rate_cards(version, text) VALUES (?1, ?2)", &store->insert_card_) ||
      !prepare("BEGIN IMMEDIATE", &store->begin_) || !prepare("COMMIT", &store->commit_) ||
      !prepare("ROLLBACK", &store->rollback_))
    return nullptr;
  return store;
}

SqliteStore::~SqliteStore() {
  for (sqlite3_stmt* s : {insert_record_, insert_entry_, upsert_payer_, insert_card_, begin_, commit_, rollback_})
    sqlite3_finalize(s);
  if (db_) sqlite3_close(db_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // after the database: see lock_fd_
}

StoreStatus SqliteStore::load_cards(std::vector<StoredCard>& out) {
  Statement q;
  if (sqlite3_prepare_v2(db_, "SELECT version, text FROM rate_cards", -1, &q.s, nullptr) != SQLITE_OK)
    return {error_text("cannot read the rate cards")};
  int rc;
  while ((rc = sqlite3_step(q.s)) == SQLITE_ROW) out.push_back({column_text(q.s, 0), column_text(q.s, 1)});
  if (rc != SQLITE_DONE) return {error_text("cannot read the rate cards")};
  return {};
}

StoreStatus SqliteStore::scan_journal(const std::function<bool(JournalRecord&&)>& fn) {
  Statement q;
  if (sqlite3_prepare_v2(db_, "SELECT seq, at, kind, body FROM journal ORDER BY seq", -1, &q.s, nullptr) != SQLITE_OK)
    return {error_text("cannot read the journal")};
  int rc;
  while ((rc = sqlite3_step(q.s)) == SQLITE_ROW) {
    JournalRecord r;
    r.seq = sqlite3_column_int64(q.s, 0);
    r.at = sqlite3_column_int64(q.s, 1);
    r.kind = sqlite3_column_int(q.s, 2) == 1 ? JournalKind::rate_card : JournalKind::operation;
    r.body = column_text(q.s, 3);
    if (!fn(std::move(r))) return {};
  }
  if (rc != SQLITE_DONE) return {error_text("cannot read the journal")};
  return {};
}

StoreStatus SqliteStore::scan_entries(const std::function<bool(Entry&&)>& fn) {
  Statement q;
  if (sqlite3_prepare_v2(db_, "SELECT seq, at, payer, kind, subscription, wallet, ref, held FROM entries ORDER BY seq", -1,
                         &q.s, nullptr) != SQLITE_OK)
    return {error_text("cannot read the entries")};
  int rc;
  while ((rc = sqlite3_step(q.s)) == SQLITE_ROW) {
    Entry e;
    e.seq = sqlite3_column_int64(q.s, 0);
    e.at = sqlite3_column_int64(q.s, 1);
    e.payer = column_text(q.s, 2);
    e.kind = entry_kind(column_text(q.s, 3));
    e.subscription = sqlite3_column_int64(q.s, 4);
    e.wallet = sqlite3_column_int64(q.s, 5);
    e.ref = column_text(q.s, 6);
    e.held = sqlite3_column_int64(q.s, 7);
    if (!fn(std::move(e))) return {};
  }
  if (rc != SQLITE_DONE) return {error_text("cannot read the entries")};
  return {};
}

StoreStatus SqliteStore::load_payers(std::vector<PayerState>& out) {
  Statement q;
  if (sqlite3_prepare_v2(db_,
                         "SELECT payer, status, quota, remaining, in_period, period_start, period_end, wallet, granted, "
                         "topped_up, spent, refunded, expired, seq, held FROM payers ORDER BY payer",
                         -1, &q.s, nullptr) != SQLITE_OK)
    return {error_text("cannot read the payers")};
  int rc;
  while ((rc = sqlite3_step(q.s)) == SQLITE_ROW) {
    PayerState p;
    p.payer = column_text(q.s, 0);
    p.status = column_text(q.s, 1);
    p.quota = sqlite3_column_int64(q.s, 2);
    p.remaining = sqlite3_column_int64(q.s, 3);
    p.in_period = sqlite3_column_int(q.s, 4) != 0;
    p.period_start = sqlite3_column_int64(q.s, 5);
    p.period_end = sqlite3_column_int64(q.s, 6);
    p.wallet = sqlite3_column_int64(q.s, 7);
    p.totals.granted = sqlite3_column_int64(q.s, 8);
    p.totals.topped_up = sqlite3_column_int64(q.s, 9);
    p.totals.spent = sqlite3_column_int64(q.s, 10);
    p.totals.refunded = sqlite3_column_int64(q.s, 11);
    p.totals.expired = sqlite3_column_int64(q.s, 12);
    p.seq = sqlite3_column_int64(q.s, 13);
    p.held = sqlite3_column_int64(q.s, 14);
    out.push_back(std::move(p));
  }
  if (rc != SQLITE_DONE) return {error_text("cannot read the payers")};
  return {};
}

StoreStatus SqliteStore::commit(const CommitBatch& batch) {
  if (batch.empty()) return {};
  auto run = [&](sqlite3_stmt* s) {
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE;
  };
  if (!run(begin_)) return {error_text("cannot begin a transaction")};
  auto fail = [&](const char* what) {
    StoreStatus st{error_text(what)};
    run(rollback_);
    return st;
  };
  for (const StoredCard& c : batch.cards) {
    bind_text(insert_card_, 1, c.version);
    bind_text(insert_card_, 2, c.text);
    if (!run(insert_card_)) return fail("cannot store a rate card");
  }
  for (const JournalRecord& r : batch.records) {
    sqlite3_bind_int64(insert_record_, 1, r.seq);
    sqlite3_bind_int64(insert_record_, 2, r.at);
    sqlite3_bind_int(insert_record_, 3, static_cast<int>(r.kind));
    bind_text(insert_record_, 4, r.body);
    if (!run(insert_record_)) return fail("cannot append to the journal");
  }
  for (const Entry& e : batch.entries) {
    const std::string_view kind = to_string(e.kind);
    sqlite3_bind_int64(insert_entry_, 1, e.seq);
    sqlite3_bind_int64(insert_entry_, 2, e.at);
    bind_text(insert_entry_, 3, e.payer);
    sqlite3_bind_text(insert_entry_, 4, kind.data(), static_cast<int>(kind.size()), SQLITE_STATIC);
    sqlite3_bind_int64(insert_entry_, 5, e.subscription);
    sqlite3_bind_int64(insert_entry_, 6, e.wallet);
    bind_text(insert_entry_, 7, e.ref);
    sqlite3_bind_int64(insert_entry_, 8, e.held);
    if (!run(insert_entry_)) return fail("cannot append an entry");
  }
  for (const PayerState& p : batch.payers) {
    sqlite3_stmt* s = upsert_payer_;
    bind_text(s, 1, p.payer);
    bind_text(s, 2, p.status);
    sqlite3_bind_int64(s, 3, p.quota);
    sqlite3_bind_int64(s, 4, p.remaining);
    sqlite3_bind_int(s, 5, p.in_period ? 1 : 0);
    sqlite3_bind_int64(s, 6, p.period_start);
    sqlite3_bind_int64(s, 7, p.period_end);
    sqlite3_bind_int64(s, 8, p.wallet);
    sqlite3_bind_int64(s, 9, p.totals.granted);
    sqlite3_bind_int64(s, 10, p.totals.topped_up);
    sqlite3_bind_int64(s, 11, p.totals.spent);
    sqlite3_bind_int64(s, 12, p.totals.refunded);
    sqlite3_bind_int64(s, 13, p.totals.expired);
    sqlite3_bind_int64(s, 14, p.seq);
    sqlite3_bind_int64(s, 15, p.held);
    if (!run(s)) return fail("cannot store a payer's balances");
  }
  if (!run(commit_)) return fail("cannot commit");
  return {};
}

}  // namespace credits::server
