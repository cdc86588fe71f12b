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
// when it is opened (its rows hold nothing: no reservation existed). 3 added the history's
// records and the snapshots (docs/storage.md): a schema-1 or -2 file gets the empty tables when
// opened, and, if its journal holds anything, meta's `records` says `backfill` until the first
// commit that writes every record the journal made (CommitBatch::backfilled).
constexpr int kSchemaVersion = 3;

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
-- Every version of every charge (kind 0), top-up (1) and reservation (2), each written by the
-- journal record `seq` and never changed after: a replay, and a server catching up, reads each
-- record as it stood at its point in the journal (the newest version with seq <= that point).
-- `ord` is the number of the entry that made the record: a payer's charges in order.
-- A rowid table: rows are appended in journal order (a body is a few hundred bytes, too big for
-- a WITHOUT ROWID table's random-order inserts), the two indexes hold the keys.
CREATE TABLE IF NOT EXISTS records (
  key   TEXT NOT NULL,
  seq   INTEGER NOT NULL,
  kind  INTEGER NOT NULL,
  payer TEXT NOT NULL,
  ord   INTEGER NOT NULL,
  body  TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS records_by_key ON records (key, seq);
-- A payer's charges in (ord, key) order, with no sort.
CREATE INDEX IF NOT EXISTS records_by_payer ON records (payer, kind, ord, key);
-- The ledger's state as of journal record `seq` (its accounts, not its history), the newest only:
-- start-up reads it and replays the journal after it.
CREATE TABLE IF NOT EXISTS snapshots (
  seq     INTEGER PRIMARY KEY,
  entries INTEGER NOT NULL,
  body    TEXT NOT NULL
);
-- The balance events (SPEC §11), by their own seq: the ledger keeps the newest in memory.
CREATE TABLE IF NOT EXISTS events (
  seq   INTEGER PRIMARY KEY,
  payer TEXT NOT NULL,
  body  TEXT NOT NULL
);
)sql";

// Schema 1 to 2, in the opening transaction: reservations' `held`, zero for every older row.
const char* kMigrateFrom1 = R"sql(
ALTER TABLE entries ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payers ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
UPDATE meta SET value = '2' WHERE key = 'schema';
)sql";

// Schema 2 to 3, in the opening transaction (kSchema made the tables): a journal the records
// table does not reflect yet is backfilled by the first start's full replay.
const char* kMigrateFrom2 = R"sql(
INSERT OR REPLACE INTO meta(key, value)
  SELECT 'records', CASE WHEN EXISTS (SELECT 1 FROM journal) THEN 'backfill' ELSE 'complete' END;
UPDATE meta SET value = '3' WHERE key = 'schema';
)sql";

// The newest version of a key as of a journal record.
const char* kFindRecord =
    "SELECT kind, payer, ord, seq, body FROM records WHERE key = ?1 AND seq <= ?2 "
    "ORDER BY seq DESC LIMIT 1";
const char* kEventsAfter = "SELECT seq, payer, body FROM events WHERE seq > ?1 ORDER BY seq";
// A payer's charges, each in its newest version as of ?2, walked along records_by_payer (no
// sort, no payer's whole history in memory): a version is kept when none newer is visible.
const char* kChargesOldestFirst =
    "SELECT key, seq, ord, body FROM records AS r WHERE payer = ?1 AND kind = 0 AND seq <= ?2 "
    "AND seq = (SELECT max(seq) FROM records AS n WHERE n.key = r.key AND n.seq <= ?2) "
    "ORDER BY ord, key";
const char* kChargesNewestFirst =
    "SELECT key, seq, ord, body FROM records AS r WHERE payer = ?1 AND kind = 0 AND seq <= ?2 "
    "AND seq = (SELECT max(seq) FROM records AS n WHERE n.key = r.key AND n.seq <= ?2) "
    "ORDER BY ord DESC, key DESC";

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

// Runs a prepared statement that returns no rows and readies it for its next use.
bool run(sqlite3_stmt* s) {
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return rc == SQLITE_DONE;
}

JournalRecord journal_row(sqlite3_stmt* q) {
  JournalRecord r;
  r.seq = sqlite3_column_int64(q, 0);
  r.at = sqlite3_column_int64(q, 1);
  r.kind = sqlite3_column_int(q, 2) == 1 ? JournalKind::rate_card : JournalKind::operation;
  r.body = column_text(q, 3);
  return r;
}

Entry entry_row(sqlite3_stmt* q) {
  Entry e;
  e.seq = sqlite3_column_int64(q, 0);
  e.at = sqlite3_column_int64(q, 1);
  e.payer = column_text(q, 2);
  e.kind = entry_kind(column_text(q, 3));
  e.subscription = sqlite3_column_int64(q, 4);
  e.wallet = sqlite3_column_int64(q, 5);
  e.ref = column_text(q, 6);
  e.held = sqlite3_column_int64(q, 7);
  return e;
}

RecordKind record_kind(int k) {
  return k == 1 ? RecordKind::top_up : k == 2 ? RecordKind::reservation : RecordKind::charge;
}

constexpr const char* kJournalColumns = "SELECT seq, at, kind, body FROM journal ";
constexpr const char* kEntryColumns =
    "SELECT seq, at, payer, kind, subscription, wallet, ref, held FROM entries ";

}  // namespace

// records(): a read-only connection of its own to the same file, used only by the thread that
// applies operations, while commit() writes through the store's connection on another thread.
// WAL mode (checked) lets it read the last committed state beside a writer, never waiting.
class SqliteRecords final : public RecordSource {
 public:
  ~SqliteRecords() override {
    for (sqlite3_stmt* s : {find_, oldest_first_, newest_first_, events_}) sqlite3_finalize(s);
    if (db_) sqlite3_close(db_);
  }
  bool open(const std::string& path, std::string& error);
  StoreStatus find_record(const std::string& key, int64_t as_of,
                          std::optional<StoredRecord>& out) override;
  StoreStatus scan_charges(const std::string& payer, int64_t as_of, bool newest_first,
                           const std::function<bool(StoredRecord&&)>& fn) override;
  StoreStatus scan_events(int64_t after, const std::function<bool(StoredEvent&&)>& fn) override;

 private:
  std::string error_text(const char* what) const {
    return std::string(what) + ": " + (db_ ? sqlite3_errmsg(db_) : "no database") + " (" + path_ +
           ")";
  }
  sqlite3* db_ = nullptr;
  std::string path_;
  sqlite3_stmt* find_ = nullptr;
  sqlite3_stmt* oldest_first_ = nullptr;
  sqlite3_stmt* newest_first_ = nullptr;
  sqlite3_stmt* events_ = nullptr;
};

bool SqliteRecords::open(const std::string& path, std::string& error) {
  path_ = path;
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    error = error_text("cannot open the ledger database to read its records");
    return false;
  }
  sqlite3_busy_timeout(db_, 5000);
  Statement mode;
  sqlite3_prepare_v2(db_, "PRAGMA journal_mode", -1, &mode.s, nullptr);
  if (!mode.s || sqlite3_step(mode.s) != SQLITE_ROW || column_text(mode.s, 0) != "wal") {
    error = "the ledger database " + path + " is not in WAL mode: no read beside a commit";
    return false;
  }
  for (auto [sql, out] :
       {std::pair{kFindRecord, &find_}, std::pair{kChargesOldestFirst, &oldest_first_},
        std::pair{kChargesNewestFirst, &newest_first_}, std::pair{kEventsAfter, &events_}})
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, out, nullptr) != SQLITE_OK) {
      error = error_text("cannot prepare a statement");
      return false;
    }
  return true;
}

StoreStatus SqliteRecords::find_record(const std::string& key, int64_t as_of,
                                       std::optional<StoredRecord>& out) {
  out.reset();
  bind_text(find_, 1, key);
  sqlite3_bind_int64(find_, 2, as_of);
  const int rc = sqlite3_step(find_);
  if (rc == SQLITE_ROW) {
    StoredRecord& r = out.emplace();
    r.kind = record_kind(sqlite3_column_int(find_, 0));
    r.key = key;
    r.payer = column_text(find_, 1);
    r.order = sqlite3_column_int64(find_, 2);
    r.seq = sqlite3_column_int64(find_, 3);
    r.body = column_text(find_, 4);
  }
  StoreStatus st;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) st.error = error_text("cannot read a record");
  sqlite3_reset(find_);  // ends the read: a reader left open would pin the WAL
  sqlite3_clear_bindings(find_);
  return st;
}

StoreStatus SqliteRecords::scan_charges(const std::string& payer, int64_t as_of, bool newest_first,
                                        const std::function<bool(StoredRecord&&)>& fn) {
  // `fn` may scan again (another payer) before this one ends: the reused statement is busy
  // then, and that scan gets one of its own.
  Statement own;
  sqlite3_stmt* q = newest_first ? newest_first_ : oldest_first_;
  if (sqlite3_stmt_busy(q)) {
    if (sqlite3_prepare_v2(db_, newest_first ? kChargesNewestFirst : kChargesOldestFirst, -1,
                           &own.s, nullptr) != SQLITE_OK)
      return {error_text("cannot read a payer's charges")};
    q = own.s;
  }
  bind_text(q, 1, payer);
  sqlite3_bind_int64(q, 2, as_of);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    StoredRecord r;
    r.kind = RecordKind::charge;
    r.key = column_text(q, 0);
    r.payer = payer;
    r.seq = sqlite3_column_int64(q, 1);
    r.order = sqlite3_column_int64(q, 2);
    r.body = column_text(q, 3);
    if (!fn(std::move(r))) {
      rc = SQLITE_DONE;
      break;
    }
  }
  StoreStatus st;
  if (rc != SQLITE_DONE) st.error = error_text("cannot read a payer's charges");
  sqlite3_reset(q);
  sqlite3_clear_bindings(q);
  return st;
}

StoreStatus SqliteRecords::scan_events(int64_t after, const std::function<bool(StoredEvent&&)>& fn) {
  sqlite3_bind_int64(events_, 1, after);
  int rc;
  while ((rc = sqlite3_step(events_)) == SQLITE_ROW) {
    StoredEvent e{sqlite3_column_int64(events_, 0), column_text(events_, 1), column_text(events_, 2)};
    if (!fn(std::move(e))) {
      rc = SQLITE_DONE;
      break;
    }
  }
  StoreStatus st;
  if (rc != SQLITE_DONE) st.error = error_text("cannot read the balance events");
  sqlite3_reset(events_);
  sqlite3_clear_bindings(events_);
  return st;
}

SqliteStore::SqliteStore() = default;

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
  if (!store->create_or_migrate(error) || !store->prepare_statements(error)) return nullptr;
  store->records_ = std::make_unique<SqliteRecords>();
  if (!store->records_->open(path, error)) return nullptr;
  return store;
}

// In one transaction: the tables made if missing, an older schema brought to this one.
bool SqliteStore::create_or_migrate(std::string& error) {
  if (!exec("BEGIN IMMEDIATE", error)) return false;
  if (!exec(kSchema, error)) return false;
  auto meta = [&](const char* key) {
    std::optional<std::string> value;
    Statement get;
    sqlite3_prepare_v2(db_, "SELECT value FROM meta WHERE key = ?1", -1, &get.s, nullptr);
    if (get.s && sqlite3_bind_text(get.s, 1, key, -1, SQLITE_STATIC) == SQLITE_OK &&
        sqlite3_step(get.s) == SQLITE_ROW)
      value = column_text(get.s, 0);
    return value;
  };
  const std::optional<std::string> schema = meta("schema");
  if (schema == "1" && !exec(kMigrateFrom1, error)) return false;
  if ((schema == "1" || schema == "2") && !exec(kMigrateFrom2, error)) return false;
  if (schema && *schema != "1" && *schema != "2" && *schema != std::to_string(kSchemaVersion)) {
    error = "the ledger database " + path_ + " has schema " + *schema +
            "; this build reads schema " + std::to_string(kSchemaVersion);
    exec("ROLLBACK", error);
    return false;
  }
  if (!schema) {
    std::string sql = "INSERT INTO meta(key, value) VALUES ('schema', '" +
                      std::to_string(kSchemaVersion) +
                      "'), ('format', 'credits ledger'), ('records', 'complete')";
    if (!exec(sql.c_str(), error)) return false;
  }
  needs_backfill_ = meta("records") == "backfill";
  return exec("COMMIT", error);
}

bool SqliteStore::prepare_statements(std::string& error) {
  auto prepare = [&](const char* sql, sqlite3_stmt** out) {
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, out, nullptr) == SQLITE_OK)
      return true;
    error = error_text("cannot prepare a statement");
    return false;
  };
  return prepare("INSERT INTO journal(seq, at, kind, body) VALUES (?1, ?2, ?3, ?4)",
                 &insert_record_) &&
         prepare(
             "INSERT INTO entries(seq, at, payer, kind, subscription, wallet, ref, held) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
             &insert_entry_) &&
         prepare(
             "INSERT OR REPLACE INTO payers(payer, status, quota, remaining, in_period, "
             "period_start, period_end, wallet, granted, topped_up, spent, refunded, expired, "
             "seq, held) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
             &upsert_payer_) &&
         prepare("INSERT INTO rate_cards(version, text) VALUES (?1, ?2)", &insert_card_) &&
         prepare(
             "INSERT INTO records(key, seq, kind, payer, ord, body) VALUES (?1, ?2, ?3, ?4, ?5, "
             "?6)",
             &insert_version_) &&
         prepare("DELETE FROM snapshots WHERE seq < ?1", &drop_snapshots_) &&
         prepare("INSERT INTO snapshots(seq, entries, body) VALUES (?1, ?2, ?3)",
                 &insert_snapshot_) &&
         prepare("UPDATE meta SET value = 'complete' WHERE key = 'records'", &mark_backfilled_) &&
         prepare("INSERT INTO events(seq, payer, body) VALUES (?1, ?2, ?3)", &insert_event_) &&
         prepare("BEGIN IMMEDIATE", &begin_) && prepare("COMMIT", &commit_) &&
         prepare("ROLLBACK", &rollback_);
}

SqliteStore::~SqliteStore() {
  records_.reset();
  for (sqlite3_stmt* s :
       {insert_record_, insert_entry_, upsert_payer_, insert_card_, insert_version_,
        drop_snapshots_, insert_snapshot_, mark_backfilled_, insert_event_, begin_, commit_, rollback_})
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

namespace {

// Runs a read of the journal or the entries (`sql` after the columns, `after` its ?1 if any)
// and calls `fn` with each row until it returns false.
template <typename Row>
StoreStatus scan_rows(sqlite3* db, std::string sql, std::optional<int64_t> after,
                      Row (*row)(sqlite3_stmt*), const std::function<bool(Row&&)>& fn,
                      const std::function<std::string()>& failed) {
  Statement q;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &q.s, nullptr) != SQLITE_OK) return {failed()};
  if (after) sqlite3_bind_int64(q.s, 1, *after);
  int rc;
  while ((rc = sqlite3_step(q.s)) == SQLITE_ROW)
    if (!fn(row(q.s))) return {};
  if (rc != SQLITE_DONE) return {failed()};
  return {};
}

}  // namespace

StoreStatus SqliteStore::scan_journal(const std::function<bool(JournalRecord&&)>& fn) {
  return scan_rows<JournalRecord>(db_, std::string(kJournalColumns) + "ORDER BY seq", std::nullopt,
                                  journal_row, fn,
                                  [&] { return error_text("cannot read the journal"); });
}

StoreStatus SqliteStore::scan_journal_after(int64_t after,
                                            const std::function<bool(JournalRecord&&)>& fn) {
  return scan_rows<JournalRecord>(db_, std::string(kJournalColumns) + "WHERE seq > ?1 ORDER BY seq",
                                  after, journal_row, fn,
                                  [&] { return error_text("cannot read the journal"); });
}

StoreStatus SqliteStore::scan_entries(const std::function<bool(Entry&&)>& fn) {
  return scan_rows<Entry>(db_, std::string(kEntryColumns) + "ORDER BY seq", std::nullopt, entry_row,
                          fn, [&] { return error_text("cannot read the entries"); });
}

StoreStatus SqliteStore::scan_entries_after(int64_t after, const std::function<bool(Entry&&)>& fn) {
  return scan_rows<Entry>(db_, std::string(kEntryColumns) + "WHERE seq > ?1 ORDER BY seq", after,
                          entry_row, fn, [&] { return error_text("cannot read the entries"); });
}

StoreStatus SqliteStore::load_snapshot(std::optional<StoredSnapshot>& out) {
  out.reset();
  Statement q;
  if (sqlite3_prepare_v2(db_, "SELECT seq, entries, body FROM snapshots ORDER BY seq DESC LIMIT 1",
                         -1, &q.s, nullptr) != SQLITE_OK)
    return {error_text("cannot read the snapshot")};
  const int rc = sqlite3_step(q.s);
  if (rc == SQLITE_ROW)
    out = StoredSnapshot{sqlite3_column_int64(q.s, 0), sqlite3_column_int64(q.s, 1),
                         column_text(q.s, 2)};
  else if (rc != SQLITE_DONE)
    return {error_text("cannot read the snapshot")};
  return {};
}

RecordSource* SqliteStore::records() { return records_.get(); }

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

const char* SqliteStore::write_journal(const CommitBatch& batch) {
  for (const StoredCard& c : batch.cards) {
    bind_text(insert_card_, 1, c.version);
    bind_text(insert_card_, 2, c.text);
    if (!run(insert_card_)) return "cannot store a rate card";
  }
  for (const JournalRecord& r : batch.records) {
    sqlite3_bind_int64(insert_record_, 1, r.seq);
    sqlite3_bind_int64(insert_record_, 2, r.at);
    sqlite3_bind_int(insert_record_, 3, static_cast<int>(r.kind));
    bind_text(insert_record_, 4, r.body);
    if (!run(insert_record_)) return "cannot append to the journal";
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
    if (!run(insert_entry_)) return "cannot append an entry";
  }
  return nullptr;
}

const char* SqliteStore::write_payers(const CommitBatch& batch) {
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
    if (!run(s)) return "cannot store a payer's balances";
  }
  return nullptr;
}

// Record versions are only ever inserted: the primary key (key, seq) refuses a second version
// written by the same journal record. A new snapshot replaces the older ones.
const char* SqliteStore::write_history(const CommitBatch& batch) {
  for (const StoredRecord& r : batch.history) {
    bind_text(insert_version_, 1, r.key);
    sqlite3_bind_int64(insert_version_, 2, r.seq);
    sqlite3_bind_int(insert_version_, 3, static_cast<int>(r.kind));
    bind_text(insert_version_, 4, r.payer);
    sqlite3_bind_int64(insert_version_, 5, r.order);
    bind_text(insert_version_, 6, r.body);
    if (!run(insert_version_)) return "cannot store a record";
  }
  if (batch.snapshot) {
    sqlite3_bind_int64(drop_snapshots_, 1, batch.snapshot->seq);
    sqlite3_bind_int64(insert_snapshot_, 1, batch.snapshot->seq);
    sqlite3_bind_int64(insert_snapshot_, 2, batch.snapshot->entries);
    bind_text(insert_snapshot_, 3, batch.snapshot->body);
    if (!run(drop_snapshots_) || !run(insert_snapshot_)) return "cannot store a snapshot";
  }
  for (const StoredEvent& e : batch.events) {
    sqlite3_bind_int64(insert_event_, 1, e.seq);
    bind_text(insert_event_, 2, e.payer);
    bind_text(insert_event_, 3, e.body);
    if (!run(insert_event_)) return "cannot store a balance event";
  }
  if (batch.backfilled && !run(mark_backfilled_)) return "cannot mark the records backfilled";
  return nullptr;
}

StoreStatus SqliteStore::commit(const CommitBatch& batch) {
  // CommitBatch::empty() does not count `backfilled`: a backfill with nothing else to write (a
  // journal that made no record) still has to clear the flag.
  if (batch.empty() && !batch.backfilled) return {};
  if (!run(begin_)) return {error_text("cannot begin a transaction")};
  const char* failed = write_journal(batch);
  if (!failed) failed = write_payers(batch);
  // A batch without history, snapshot or backfill costs three tests here, nothing more.
  if (!failed && (!batch.history.empty() || batch.snapshot || !batch.events.empty() || batch.backfilled))
    failed = write_history(batch);
  if (!failed && !run(commit_)) failed = "cannot commit";
  if (failed) {
    StoreStatus st{error_text(failed)};
    run(rollback_);
    return st;
  }
  if (batch.backfilled) needs_backfill_ = false;
  return {};
}

}  // namespace credits::server
