#include "pg_store.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <cassert>
#include <charconv>
#include <chrono>
#include <thread>
#include <unordered_map>

namespace credits::server {

namespace {

// The schema of sqlite_store.cpp, version 2, in PostgreSQL's types, plus (version 3) the
// ledger's head for several writers. Written so that a payer's rows share one distribution key
// (docs/storage.md): entries are keyed by (payer, seq) and payers by payer, so a Citus-style
// engine can shard both by payer and keep each payer's rows on one node; journal, rate_cards,
// ledger_head and meta are the ledger-wide order. Ids compare byte-wise (COLLATE "C"), as in
// SQLite. Version 4 added SQLite's schema 3: the history's records and the snapshots, records
// keyed by payer first too (docs/storage.md). A schema-2 or -3 database is brought to 4 by its
// first writer (kSchema's last statements); if its journal holds anything, meta's `records` says
// `backfill` until the first commit that writes every record the journal made.
constexpr const char* kSchemaVersion = "4";

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT COLLATE "C" PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rate_cards (
  version TEXT COLLATE "C" PRIMARY KEY,
  text    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS journal (
  seq  BIGINT PRIMARY KEY,
  at   BIGINT NOT NULL,
  kind SMALLINT NOT NULL,
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
  payer        TEXT COLLATE "C" NOT NULL,
  seq          BIGINT NOT NULL,
  at           BIGINT NOT NULL,
  kind         TEXT NOT NULL,
  subscription BIGINT NOT NULL,
  wallet       BIGINT NOT NULL,
  ref          TEXT NOT NULL,
  held         BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (payer, seq)
);
CREATE INDEX IF NOT EXISTS entries_by_seq ON entries (seq);
CREATE TABLE IF NOT EXISTS payers (
  payer        TEXT COLLATE "C" PRIMARY KEY,
  status       TEXT NOT NULL,
  quota        BIGINT NOT NULL,
  remaining    BIGINT NOT NULL,
  in_period    BOOLEAN NOT NULL,
  period_start BIGINT NOT NULL,
  period_end   BIGINT NOT NULL,
  wallet       BIGINT NOT NULL,
  granted      BIGINT NOT NULL,
  topped_up    BIGINT NOT NULL,
  spent        BIGINT NOT NULL,
  refunded     BIGINT NOT NULL,
  expired      BIGINT NOT NULL,
  seq          BIGINT NOT NULL,
  held         BIGINT NOT NULL DEFAULT 0
);
-- The ledger's one serialization point: every commit holds this row (FOR UPDATE) from before it
-- catches up with the journal until it ends, and moves it to its last record.
CREATE TABLE IF NOT EXISTS ledger_head (
  id      SMALLINT PRIMARY KEY CHECK (id = 1),
  seq     BIGINT NOT NULL,
  entries BIGINT NOT NULL
);
-- A backstop behind the replay that finds a key already used: one charge per key.
CREATE UNIQUE INDEX IF NOT EXISTS entries_charge_once ON entries (payer, ref) WHERE kind = 'charge' AND ref <> '';
-- Every version of every charge (kind 0), top-up (1) and reservation (2), each written by the
-- journal record `seq`, never changed after. The payer leads the primary key, as in entries, so
-- a payer's records share a shard with its entries and balances; a lookup by key alone uses
-- records_by_key (on a sharded engine: every shard asked, docs/storage.md).
CREATE TABLE IF NOT EXISTS records (
  payer TEXT COLLATE "C" NOT NULL,
  key   TEXT COLLATE "C" NOT NULL,
  seq   BIGINT NOT NULL,
  kind  SMALLINT NOT NULL,
  ord   BIGINT NOT NULL,
  body  TEXT NOT NULL,
  PRIMARY KEY (payer, key, seq)
);
CREATE INDEX IF NOT EXISTS records_by_key ON records (key, seq);
-- A payer's charges in (ord, key) order, the order the scan pages through.
CREATE INDEX IF NOT EXISTS records_by_payer ON records (payer, kind, ord, key);
-- The balance events (SPEC §11), by their own seq: the ledger keeps the newest in memory.
CREATE TABLE IF NOT EXISTS events (
  seq   BIGINT PRIMARY KEY,
  payer TEXT COLLATE "C" NOT NULL,
  body  TEXT NOT NULL
);
-- The ledger's state as of journal record `seq`, the newest only.
CREATE TABLE IF NOT EXISTS snapshots (
  seq     BIGINT PRIMARY KEY,
  entries BIGINT NOT NULL,
  body    TEXT NOT NULL
);
INSERT INTO ledger_head(id, seq, entries)
  SELECT 1, (SELECT coalesce(max(seq), 0) FROM journal), (SELECT count(*) FROM entries)
  ON CONFLICT (id) DO NOTHING;
-- Before the schema row: a fresh database has an empty journal and needs no backfill.
INSERT INTO meta(key, value)
  SELECT 'records', CASE WHEN EXISTS (SELECT 1 FROM journal) THEN 'backfill' ELSE 'complete' END
  ON CONFLICT (key) DO NOTHING;
INSERT INTO meta(key, value) VALUES ('schema', '4'), ('format', 'credits ledger') ON CONFLICT (key) DO NOTHING;
UPDATE meta SET value = '4' WHERE key = 'schema' AND value IN ('2', '3');
)sql";

// One prepared statement per table; each inserts every row of the batch at once, from one
// array per column (so one statement, whatever the number of rows).
const char* kInsertCards =
    "INSERT INTO rate_cards(version, text) SELECT * FROM unnest($1::text[], $2::text[])";
const char* kInsertJournal =
    "INSERT INTO journal(seq, at, kind, body) "
    "SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::smallint[], $4::text[])";
const char* kInsertEntries =
    "INSERT INTO entries(seq, at, payer, kind, subscription, wallet, ref, held) SELECT * FROM "
    "unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::bigint[])";
const char* kUpsertPayers =
    "INSERT INTO payers(payer, status, quota, remaining, in_period, period_start, period_end, wallet, granted, "
    "topped_up, spent, refunded, expired, seq, held) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], "
    "$4::bigint[], $5::boolean[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], "
    "$11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[]) "
    "ON CONFLICT (payer) DO UPDATE SET status = EXCLUDED.status, quota = EXCLUDED.quota, "
    "remaining = EXCLUDED.remaining, in_period = EXCLUDED.in_period, period_start = EXCLUDED.period_start, "
    "period_end = EXCLUDED.period_end, wallet = EXCLUDED.wallet, granted = EXCLUDED.granted, "
    "topped_up = EXCLUDED.topped_up, spent = EXCLUDED.spent, refunded = EXCLUDED.refunded, "
    "expired = EXCLUDED.expired, seq = EXCLUDED.seq, held = EXCLUDED.held";
const char* kInsertRecords =
    "INSERT INTO records(payer, key, seq, kind, ord, body) SELECT * FROM "
    "unnest($1::text[], $2::text[], $3::bigint[], $4::smallint[], $5::bigint[], $6::text[])";
// A backfill writes versions of records the journal made long ago: two servers upgraded together
// may both backfill, and a version is the same whoever replays it, so one already there is kept.
const char* kBackfillRecords =
    "INSERT INTO records(payer, key, seq, kind, ord, body) SELECT * FROM "
    "unnest($1::text[], $2::text[], $3::bigint[], $4::smallint[], $5::bigint[], $6::text[]) "
    "ON CONFLICT DO NOTHING";
const char* kInsertEvents =
    "INSERT INTO events(seq, payer, body) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])";
const char* kBackfillEvents =
    "INSERT INTO events(seq, payer, body) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) "
    "ON CONFLICT DO NOTHING";
const char* kInsertSnapshot =
    "WITH older AS (DELETE FROM snapshots WHERE seq < $1) "
    "INSERT INTO snapshots(seq, entries, body) VALUES ($1, $2, $3)";
const char* kMarkBackfilled = "UPDATE meta SET value = 'complete' WHERE key = 'records'";
const char* kAdvanceHead =
    "UPDATE ledger_head SET seq = $1, entries = GREATEST(entries, $2) WHERE id = 1";
const char* kLockHead = "SELECT seq, entries FROM ledger_head WHERE id = 1 FOR UPDATE";
const char* kCommitAsync = "SELECT set_config('synchronous_commit', 'off', true)";
// A transaction that writes WAL and has an id waits at COMMIT, with synchronous_commit on, until
// the WAL is flushed up to its commit record: past every commit made before it. A transactional
// logical message is the smallest such write (no table; ignored unless a logical slot reads
// it). Not pg_current_xact_id() alone: a transaction that wrote no WAL commits without a flush.
const char* kFlushBarrier = "SELECT pg_logical_emit_message(true, 'credits', 'durable')";
// In pages (scan_journal_after): one round trip for a catch-up, bounded memory for a start-up
// that reads a long journal after an old snapshot.
const char* kJournalAfter =
    "SELECT seq, at, kind, body FROM journal WHERE seq > $1 ORDER BY seq LIMIT $2";

// The writers' lock: pg_try_advisory_lock(key1, key2), per database, held by the session; taken
// shared by each `credits serve` (several share the ledger) and exclusive by `credits ledger --db`.
constexpr const char* kLockKey1 = "1129465156";  // 'CRED'
constexpr const char* kLockKey2 = "1";

constexpr int kMaxAttempts = 8;   // a commit is tried at most this often on 40001/40P01
constexpr int kFetchRows = 10000;  // rows per FETCH when reading back at start-up

struct Result {
  PGresult* r = nullptr;
  explicit Result(PGresult* p) : r(p) {}
  ~Result() { PQclear(r); }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  ExecStatusType status() const { return PQresultStatus(r); }
};

int64_t i64(const PGresult* r, int row, int col) {
  const char* v = PQgetvalue(r, row, col);
  int64_t out = 0;
  std::from_chars(v, v + PQgetlength(r, row, col), out);
  return out;
}

std::string text(const PGresult* r, int row, int col) {
  return std::string(PQgetvalue(r, row, col), static_cast<size_t>(PQgetlength(r, row, col)));
}

EntryKind entry_kind(const std::string& k) {
  for (EntryKind e : {EntryKind::grant, EntryKind::expire, EntryKind::top_up, EntryKind::charge, EntryKind::refund,
                      EntryKind::settle, EntryKind::hold, EntryKind::release})
    if (to_string(e) == k) return e;
  return EntryKind::grant;
}

std::string trimmed(const char* msg) {
  std::string s = msg ? msg : "unknown error";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// A PostgreSQL array literal, built one element at a time: {"a","b\"c"} or {1,2}.
class ArrayText {
 public:
  void add(int64_t v) {
    sep();
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    (void)ec;
    s_.append(buf, end);
  }
  void add(bool v) {
    sep();
    s_ += v ? 't' : 'f';
  }
  void add(std::string_view v) {
    sep();
    s_ += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') s_ += '\\';
      s_ += c;
    }
    s_ += '"';
  }
  std::string done() { return s_ + '}'; }

 private:
  void sep() { s_ += s_.size() > 1 ? "," : ""; }
  std::string s_ = "{";
};

// The parameters of one multi-row statement: an array per column.
template <size_t N>
struct Columns {
  ArrayText col[N];
  std::vector<std::string> params() {
    std::vector<std::string> out;
    for (ArrayText& c : col) out.push_back(c.done());
    return out;
  }
};

std::vector<std::string> card_params(const CommitBatch& b) {
  Columns<2> c;
  for (const StoredCard& card : b.cards) {
    c.col[0].add(card.version);
    c.col[1].add(card.text);
  }
  return c.params();
}

std::vector<std::string> journal_params(const CommitBatch& b) {
  Columns<4> c;
  for (const JournalRecord& r : b.records) {
    c.col[0].add(r.seq);
    c.col[1].add(r.at);
    c.col[2].add(static_cast<int64_t>(r.kind));
    c.col[3].add(r.body);
  }
  return c.params();
}

std::vector<std::string> entry_params(const CommitBatch& b) {
  Columns<8> c;
  for (const Entry& e : b.entries) {
    c.col[0].add(e.seq);
    c.col[1].add(e.at);
    c.col[2].add(e.payer);
    c.col[3].add(to_string(e.kind));
    c.col[4].add(e.subscription);
    c.col[5].add(e.wallet);
    c.col[6].add(e.ref);
    c.col[7].add(e.held);
  }
  return c.params();
}

// A payer written twice in one batch (batches are merged) keeps its last state, as SQLite's
// INSERT OR REPLACE does; ON CONFLICT may not touch one row twice in a statement.
std::vector<std::string> payer_params(const CommitBatch& b) {
  std::unordered_map<std::string_view, size_t> last;
  for (size_t i = 0; i < b.payers.size(); ++i) last[b.payers[i].payer] = i;
  Columns<15> c;
  for (size_t i = 0; i < b.payers.size(); ++i) {
    const PayerState& p = b.payers[i];
    if (last[p.payer] != i) continue;
    c.col[0].add(p.payer);
    c.col[1].add(p.status);
    c.col[2].add(p.quota);
    c.col[3].add(p.remaining);
    c.col[4].add(p.in_period);
    c.col[5].add(p.period_start);
    c.col[6].add(p.period_end);
    c.col[7].add(p.wallet);
    c.col[8].add(p.totals.granted);
    c.col[9].add(p.totals.topped_up);
    c.col[10].add(p.totals.spent);
    c.col[11].add(p.totals.refunded);
    c.col[12].add(p.totals.expired);
    c.col[13].add(p.seq);
    c.col[14].add(p.held);
  }
  return c.params();
}

std::vector<std::string> record_params(const CommitBatch& b) {
  Columns<6> c;
  for (const StoredRecord& r : b.history) {
    c.col[0].add(r.payer);
    c.col[1].add(r.key);
    c.col[2].add(r.seq);
    c.col[3].add(static_cast<int64_t>(r.kind));
    c.col[4].add(r.order);
    c.col[5].add(r.body);
  }
  return c.params();
}

std::vector<std::string> event_params(const CommitBatch& b) {
  Columns<3> c;
  for (const StoredEvent& e : b.events) {
    c.col[0].add(e.seq);
    c.col[1].add(e.payer);
    c.col[2].add(e.body);
  }
  return c.params();
}

RecordKind record_kind(int64_t k) {
  return k == 1 ? RecordKind::top_up : k == 2 ? RecordKind::reservation : RecordKind::charge;
}

// The reads of records(), on their own connection.
const char* kFindRecord =
    "SELECT kind, payer, ord, seq, body FROM records WHERE key = $1 AND seq <= $2 "
    "ORDER BY seq DESC LIMIT 1";
// The balance events after a seq, a page at a time.
const char* kEventsAfter = "SELECT seq, payer, body FROM events WHERE seq > $1 ORDER BY seq LIMIT $2";
// The same for an array of keys, in one statement (and one round trip).
const char* kFindRecords =
    "SELECT DISTINCT ON (key) kind, payer, ord, seq, body, key FROM records "
    "WHERE key = ANY($1::text[]) AND seq <= $2 ORDER BY key, seq DESC";
// A payer's charges, each in its newest version as of $2, one page of kChargesPage after the
// (ord, key) where the last page ended (the first page: any). The newest version is checked by a
// correlated subquery (a probe of the primary key per row), not NOT EXISTS: the planner turns
// that into an anti join that hashes the payer's whole history for every page, while this
// walks records_by_payer in order and stops at the page's end.
#define CREDITS_CHARGES(after, order)                                                        \
  "SELECT key, seq, ord, body FROM records AS r WHERE payer = $1 AND kind = 0 AND seq <= "   \
  "$2 " after                                                                                \
  " AND seq = (SELECT max(seq) FROM records AS n WHERE n.payer = r.payer AND n.key = r.key " \
  "AND n.seq <= $2) ORDER BY " order " LIMIT $3"
const char* kChargesUp = CREDITS_CHARGES("AND $4::bigint IS NULL", "ord, key");
const char* kChargesUpAfter =
    CREDITS_CHARGES("AND (ord, key) > ($4::bigint, $5::text)", "ord, key");
const char* kChargesDown = CREDITS_CHARGES("AND $4::bigint IS NULL", "ord DESC, key DESC");
const char* kChargesDownAfter =
    CREDITS_CHARGES("AND (ord, key) < ($4::bigint, $5::text)", "ord DESC, key DESC");
#undef CREDITS_CHARGES
// Small: a caller often stops after the newest few.
constexpr int kChargesPage = 256;

}  // namespace

// records(): a connection of its own, used only by the thread that applies operations while
// commit() runs on the store's connection in another; opened at the first read (a reader such
// as `credits journal` never reads records), opened again after it was lost. Each read is a
// statement of its own, outside any transaction: what it asks for (as of a journal record
// already committed) no later commit changes.
class PgRecords final : public RecordSource {
 public:
  PgRecords(std::string url, std::string app, std::string where)
      : url_(std::move(url)), app_(std::move(app)), where_(std::move(where)) {}
  ~PgRecords() override {
    if (conn_) PQfinish(conn_);
  }
  StoreStatus find_record(const std::string& key, int64_t as_of,
                          std::optional<StoredRecord>& out) override;
  StoreStatus find_records(const std::vector<std::string>& keys, int64_t as_of,
                           std::vector<StoredRecord>& out) override;
  StoreStatus scan_events(int64_t after, const std::function<bool(StoredEvent&&)>& fn) override;
  StoreStatus scan_charges(const std::string& payer, int64_t as_of, bool newest_first,
                           const std::function<bool(StoredRecord&&)>& fn) override;

 private:
  std::string connect();
  StoreStatus error(const char* what) const {
    return {std::string(what) + ": " + trimmed(PQerrorMessage(conn_)) + " (" + where_ + ")"};
  }
  std::string url_, app_, where_;
  pg_conn* conn_ = nullptr;
};

std::string PgRecords::connect() {
  if (conn_ && PQstatus(conn_) == CONNECTION_OK) return "";
  if (conn_) PQfinish(conn_);
  const char* keys[] = {"dbname", "fallback_application_name", "connect_timeout", nullptr};
  const char* values[] = {url_.c_str(), app_.c_str(), "10", nullptr};
  conn_ = PQconnectdbParams(keys, values, 1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK)
    return "cannot connect to the PostgreSQL ledger " + where_ +
           " to read its records: " + trimmed(conn_ ? PQerrorMessage(conn_) : "out of memory");
  // No JIT: the scan's estimated cost grows with the payer's history (the planner cannot tell
  // that a page stops early), and compiling it took longer than reading a page (30 ms vs 2).
  Result set(PQexec(
      conn_, "SET client_min_messages = warning; SET client_encoding = 'UTF8'; SET jit = off"));
  if (set.status() != PGRES_COMMAND_OK) return error("cannot set up the records' connection").error;
  const std::pair<const char*, const char*> statements[] = {
      {"credits_find", kFindRecord},
      {"credits_find_many", kFindRecords},
      {"credits_events_after", kEventsAfter},
      {"credits_charges_up", kChargesUp},
      {"credits_charges_up_after", kChargesUpAfter},
      {"credits_charges_down", kChargesDown},
      {"credits_charges_down_after", kChargesDownAfter}};
  for (const auto& [name, sql] : statements) {
    Result r(PQprepare(conn_, name, sql, 0, nullptr));
    if (r.status() != PGRES_COMMAND_OK) return error("cannot prepare a statement").error;
  }
  return "";
}

StoreStatus PgRecords::find_record(const std::string& key, int64_t as_of,
                                   std::optional<StoredRecord>& out) {
  out.reset();
  if (std::string e = connect(); !e.empty()) return {e};
  const std::string seq = std::to_string(as_of);
  const char* values[] = {key.c_str(), seq.c_str()};
  Result r(PQexecPrepared(conn_, "credits_find", 2, values, nullptr, nullptr, 0));
  if (r.status() != PGRES_TUPLES_OK) return error("cannot read a record");
  if (PQntuples(r.r) == 1) {
    StoredRecord& rec = out.emplace();
    rec.kind = record_kind(i64(r.r, 0, 0));
    rec.key = key;
    rec.payer = text(r.r, 0, 1);
    rec.order = i64(r.r, 0, 2);
    rec.seq = i64(r.r, 0, 3);
    rec.body = text(r.r, 0, 4);
  }
  return {};
}

StoreStatus PgRecords::find_records(const std::vector<std::string>& keys, int64_t as_of,
                                    std::vector<StoredRecord>& out) {
  if (keys.empty()) return {};
  if (std::string e = connect(); !e.empty()) return {e};
  ArrayText array;
  for (const std::string& key : keys) array.add(key);
  const std::string list = array.done(), seq = std::to_string(as_of);
  const char* values[] = {list.c_str(), seq.c_str()};
  Result r(PQexecPrepared(conn_, "credits_find_many", 2, values, nullptr, nullptr, 0));
  if (r.status() != PGRES_TUPLES_OK) return error("cannot read records");
  for (int i = 0, n = PQntuples(r.r); i < n; ++i) {
    StoredRecord& rec = out.emplace_back();
    rec.kind = record_kind(i64(r.r, i, 0));
    rec.payer = text(r.r, i, 1);
    rec.order = i64(r.r, i, 2);
    rec.seq = i64(r.r, i, 3);
    rec.body = text(r.r, i, 4);
    rec.key = text(r.r, i, 5);
  }
  return {};
}

StoreStatus PgRecords::scan_events(int64_t after, const std::function<bool(StoredEvent&&)>& fn) {
  if (std::string e = connect(); !e.empty()) return {e};
  const std::string page = std::to_string(kChargesPage);
  for (;;) {
    const std::string from = std::to_string(after);
    const char* values[] = {from.c_str(), page.c_str()};
    Result r(PQexecPrepared(conn_, "credits_events_after", 2, values, nullptr, nullptr, 0));
    if (r.status() != PGRES_TUPLES_OK) return error("cannot read the balance events");
    const int n = PQntuples(r.r);
    for (int i = 0; i < n; ++i) {
      StoredEvent e{i64(r.r, i, 0), text(r.r, i, 1), text(r.r, i, 2)};
      after = e.seq;
      if (!fn(std::move(e))) return {};
    }
    if (n < kChargesPage) return {};
  }
}

// Page by page (keyset: the next page starts after the last (ord, key) seen), so that a payer's
// whole history is never in memory and a scan stopped early reads one page.
StoreStatus PgRecords::scan_charges(const std::string& payer, int64_t as_of, bool newest_first,
                                    const std::function<bool(StoredRecord&&)>& fn) {
  if (std::string e = connect(); !e.empty()) return {e};
  const std::string seq = std::to_string(as_of), page = std::to_string(kChargesPage);
  std::string last_ord, last_key;
  for (bool first = true;; first = false) {
    const char* values[] = {payer.c_str(), seq.c_str(), page.c_str(),
                            first ? nullptr : last_ord.c_str(), last_key.c_str()};
    const char* name = newest_first
                           ? (first ? "credits_charges_down" : "credits_charges_down_after")
                           : (first ? "credits_charges_up" : "credits_charges_up_after");
    Result r(PQexecPrepared(conn_, name, first ? 4 : 5, values, nullptr, nullptr, 0));
    if (r.status() != PGRES_TUPLES_OK) return error("cannot read a payer's charges");
    const int n = PQntuples(r.r);
    for (int i = 0; i < n; ++i) {
      StoredRecord rec;
      rec.kind = RecordKind::charge;
      rec.key = text(r.r, i, 0);
      rec.payer = payer;
      rec.seq = i64(r.r, i, 1);
      rec.order = i64(r.r, i, 2);
      rec.body = text(r.r, i, 3);
      if (!fn(std::move(rec))) return {};
    }
    if (n < kChargesPage) return {};
    last_key = text(r.r, n - 1, 0);
    last_ord = text(r.r, n - 1, 2);
  }
}

PgStore::PgStore() = default;

bool PgStore::is_url(const std::string& db) {
  return db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0;
}

std::string PgStore::redacted(const std::string& url) {
  std::string out = url;
  const size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    const size_t start = scheme + 3;
    const size_t at = out.find('@', start);
    const size_t colon = out.find(':', start);
    const size_t slash = out.find('/', start);
    if (at != std::string::npos && colon < at && (slash == std::string::npos || at < slash))
      out.replace(colon + 1, at - colon - 1, "***");
  }
  for (size_t p = out.find("password="); p != std::string::npos; p = out.find("password=", p + 1)) {
    const size_t end = out.find('&', p);
    out.replace(p + 9, (end == std::string::npos ? out.size() : end) - p - 9, "***");
  }
  return out;
}

bool PgStore::exec(const char* sql, std::string& error) {
  Result r(PQexec(conn_, sql));
  if (r.status() == PGRES_COMMAND_OK || r.status() == PGRES_TUPLES_OK) return true;
  error = trimmed(PQerrorMessage(conn_)) + " (" + where_ + ")";
  return false;
}

std::unique_ptr<PgStore> PgStore::open(const std::string& url, const Options& options, std::string& error,
                                       bool* in_use) {
  std::unique_ptr<PgStore> store(new PgStore());
  store->where_ = redacted(url);
  store->synchronous_ = options.synchronous;
  const std::string app = options.role + " (pid " + std::to_string(::getpid()) + ")";
  const char* keys[] = {"dbname", "fallback_application_name", "connect_timeout", nullptr};
  const char* values[] = {url.c_str(), app.c_str(), "10", nullptr};
  store->conn_ = PQconnectdbParams(keys, values, 1);
  if (!store->conn_ || PQstatus(store->conn_) != CONNECTION_OK) {
    error = "cannot connect to the PostgreSQL ledger " + store->where_ + ": " +
            trimmed(store->conn_ ? PQerrorMessage(store->conn_) : "out of memory");
    return nullptr;
  }
  const std::string settings = std::string("SET client_min_messages = warning; SET synchronous_commit = ") +
                               (options.synchronous ? "on" : "off") + "; SET client_encoding = 'UTF8'";
  if (!store->exec(settings.c_str(), error)) return nullptr;
  const int version = PQserverVersion(store->conn_);  // 150018 for 15.18
  store->server_version_ = std::to_string(version / 10000) + "." + std::to_string(version % 10000);
  {
    Result f(PQexec(store->conn_, "SELECT current_setting('fsync')"));
    store->server_fsync_ = !(f.status() == PGRES_TUPLES_OK && PQntuples(f.r) == 1 && text(f.r, 0, 0) == "off");
  }
  if (options.writer && !store->take_writer_lock(options, error)) {
    if (in_use) *in_use = PQstatus(store->conn_) == CONNECTION_OK;
    return nullptr;
  }
  if (options.writer && !store->create_schema(error)) return nullptr;
  if (!store->check_schema(options, url, error) ||
      !store->prepare_statements(options.writer, error))
    return nullptr;
  store->shared_ = options.writer && options.shared;
  return store;
}

// A writer killed a moment ago leaves its lock until PostgreSQL notices the closed connection
// (at once on a local socket, a little later over TCP): try for a while before refusing.
bool PgStore::take_writer_lock(const Options& options, std::string& error) {
  const std::string try_lock = std::string("SELECT pg_try_advisory_lock") +
                               (options.shared ? "_shared(" : "(") + kLockKey1 + ", " + kLockKey2 +
                               ")";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.lock_wait_ms);
  for (;;) {
    Result r(PQexec(conn_, try_lock.c_str()));
    if (r.status() != PGRES_TUPLES_OK) {
      error = "cannot take the ledger's lock: " + trimmed(PQerrorMessage(conn_)) + " (" + where_ + ")";
      return false;
    }
    if (text(r.r, 0, 0) == "t") return true;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::string holder_sql =
      std::string("SELECT a.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'a local socket'), "
                  "a.backend_start::text FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                  "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ") +
      kLockKey1 + " AND l.objid = " + kLockKey2 +
      " AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())";
  Result h(PQexec(conn_, holder_sql.c_str()));
  std::string who = "another credits process";
  if (h.status() == PGRES_TUPLES_OK && PQntuples(h.r) > 0)
    who = "\"" + text(h.r, 0, 1) + "\" (PostgreSQL backend " + text(h.r, 0, 0) + ", connected from " +
          text(h.r, 0, 2) + " since " + text(h.r, 0, 3) + ")";
  error = "the ledger " + where_ + " is in use by " + who +
          ": several credits servers may share a PostgreSQL ledger, but credits ledger --db writes "
          "one alone (docs/storage.md)";
  return false;
}

// Servers starting together create (or migrate) the tables one after the other: concurrent
// CREATE TABLE IF NOT EXISTS can fail in PostgreSQL.
bool PgStore::create_schema(std::string& error) {
  const std::string serialize = std::string("SELECT pg_advisory_xact_lock(") + kLockKey1 + ", 2)";
  if (!exec("BEGIN", error)) return false;
  if (!exec(serialize.c_str(), error) || !exec(kSchema, error))
    return exec("ROLLBACK", error), false;
  return exec("COMMIT", error);
}

bool PgStore::check_schema(const Options& options, const std::string& url, std::string& error) {
  Result r(PQexec(conn_,
                  "SELECT (SELECT value FROM meta WHERE key = 'schema'), "
                  "(SELECT value FROM meta WHERE key = 'records')"));
  if (r.status() != PGRES_TUPLES_OK || PQntuples(r.r) != 1 || PQgetisnull(r.r, 0, 0)) {
    error = "no credits ledger in the PostgreSQL database " + where_ + " (no schema version in its meta table)";
    return false;
  }
  // A reader also reads a schema-2 or -3 database no writer has opened since: the journal is
  // the same (it has no records: records() is null, the journal is replayed whole).
  const std::string schema = text(r.r, 0, 0);
  if (schema != kSchemaVersion && !((schema == "2" || schema == "3") && !options.writer)) {
    error = "the ledger database " + where_ + " has schema " + schema +
            "; this build reads schema " + kSchemaVersion;
    return false;
  }
  has_records_ = schema == kSchemaVersion;
  needs_backfill_ = has_records_ && text(r.r, 0, 1) == "backfill";
  if (has_records_)
    records_ = std::make_unique<PgRecords>(
        url, options.role + " records (pid " + std::to_string(::getpid()) + ")", where_);
  return true;
}

bool PgStore::prepare_statements(bool writer, std::string& error) {
  const std::pair<const char*, const char*> statements[] = {
      {"credits_journal_after", kJournalAfter}, {"credits_cards", kInsertCards},
      {"credits_journal", kInsertJournal},      {"credits_entries", kInsertEntries},
      {"credits_payers", kUpsertPayers},        {"credits_head", kAdvanceHead},
      {"credits_lock_head", kLockHead},         {"credits_async", kCommitAsync},
      {"credits_records", kInsertRecords},      {"credits_backfill", kBackfillRecords},
      {"credits_snapshot", kInsertSnapshot},    {"credits_backfilled", kMarkBackfilled},
      {"credits_events", kInsertEvents},        {"credits_backfill_events", kBackfillEvents}};
  for (const auto& [name, sql] : statements) {
    if (!writer && std::string_view(name) != "credits_journal_after")
      continue;  // schema 2 has no head, 2 and 3 no records
    Result r(PQprepare(conn_, name, sql, 0, nullptr));
    if (r.status() != PGRES_COMMAND_OK) {
      error = "cannot prepare a statement: " + trimmed(PQerrorMessage(conn_)) + " (" + where_ + ")";
      return false;
    }
  }
  return true;
}

PgStore::~PgStore() {
  records_.reset();
  if (conn_) PQfinish(conn_);  // ends the session, and with it the writer's lock
}

std::string PgStore::description() const {
  return "PostgreSQL " + server_version_ + ", synchronous_commit=" + (synchronous_ ? "on" : "off") +
         (server_fsync_ ? "" : "; the server runs with fsync=off: NOT durable");
}

// Reads a whole table through a cursor, kFetchRows at a time, in one read-only snapshot.
StoreStatus PgStore::scan(const char* what, const std::string& select,
                          const std::function<bool(void* result, int row)>& fn) {
  std::string error;
  const std::string declare = "DECLARE credits_scan NO SCROLL CURSOR FOR " + select;
  // Inside begin_read()'s or lock_head()'s transaction, that one; else a snapshot of its own.
  const bool own = PQtransactionStatus(conn_) == PQTRANS_IDLE;
  if (own && !exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", error))
    return {std::string(what) + ": " + error};
  if (!exec(declare.c_str(), error)) {
    if (own) exec("ROLLBACK", error);
    return {std::string(what) + ": " + error};
  }
  const std::string fetch = "FETCH FORWARD " + std::to_string(kFetchRows) + " FROM credits_scan";
  for (bool more = true; more;) {
    Result r(PQexec(conn_, fetch.c_str()));
    if (r.status() != PGRES_TUPLES_OK) {
      StoreStatus st{std::string(what) + ": " + trimmed(PQerrorMessage(conn_)) + " (" + where_ + ")"};
      exec(own ? "ROLLBACK" : "CLOSE credits_scan", error);
      return st;
    }
    const int n = PQntuples(r.r);
    for (int i = 0; i < n && more; ++i) more = fn(r.r, i);
    more = more && n == kFetchRows;
  }
  if (!exec(own ? "COMMIT" : "CLOSE credits_scan", error))
    return {std::string(what) + ": " + error};
  return {};
}

StoreStatus PgStore::begin_read() {
  std::string error;
  if (!exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", error)) return {error};
  return {};
}

void PgStore::end_read() { abort(); }

void PgStore::abort() {
  if (PQtransactionStatus(conn_) != PQTRANS_IDLE) {
    std::string ignored;
    exec("ROLLBACK", ignored);
  }
}

// The database refused (the connection is up): the transaction is rolled back, nothing of it
// is durable. A lost connection leaves the outcome unknown.
StoreStatus PgStore::failed(std::string error) {
  const bool up = PQstatus(conn_) == CONNECTION_OK;
  if (up) abort();
  StoreStatus s{std::move(error)};
  s.rolled_back = up;
  return s;
}

// A failure here leaves the commit before it committed but perhaps not durable: unknown.
StoreStatus PgStore::make_durable() {
  if (!shared_ || !synchronous_) return {};
  // Between transactions (a lost connection has no transaction status: the exec below fails).
  assert(PQstatus(conn_) != CONNECTION_OK || PQtransactionStatus(conn_) == PQTRANS_IDLE);
  Result r(PQexec(conn_, kFlushBarrier));
  if (r.status() != PGRES_TUPLES_OK)
    return {"cannot wait for PostgreSQL's WAL flush: " + trimmed(PQerrorMessage(conn_)) + " (" +
            where_ + ")"};
  return {};
}

StoreStatus PgStore::lock_head(StoreHead& head) {
  assert(shared_);
  assert(PQstatus(conn_) != CONNECTION_OK || PQtransactionStatus(conn_) == PQTRANS_IDLE);
  std::string error;
  if (!exec("BEGIN", error)) return failed("cannot start a transaction: " + error);
  Result r(PQexecPrepared(conn_, "credits_lock_head", 0, nullptr, nullptr, nullptr, 0));
  if (r.status() != PGRES_TUPLES_OK || PQntuples(r.r) != 1)
    return failed("cannot lock the ledger's head: " + trimmed(PQerrorMessage(conn_)) + " (" +
                  where_ + ")");
  head.seq = i64(r.r, 0, 0);
  head.entries = i64(r.r, 0, 1);
  return {};
}

// Inside lock_head()'s transaction (its head held: nobody appends meanwhile) or begin_read()'s
// (one snapshot), or outside any (each page what is committed then: the journal only grows at
// its end, so the pages still follow on), in pages of kFetchRows.
StoreStatus PgStore::scan_journal_after(int64_t after,
                                        const std::function<bool(JournalRecord&&)>& fn) {
  const std::string page = std::to_string(kFetchRows);
  for (;;) {
    const std::string from = std::to_string(after);
    const char* values[] = {from.c_str(), page.c_str()};
    Result r(PQexecPrepared(conn_, "credits_journal_after", 2, values, nullptr, nullptr, 0));
    if (r.status() != PGRES_TUPLES_OK)
      return failed("cannot read the journal: " + trimmed(PQerrorMessage(conn_)) + " (" + where_ +
                    ")");
    const int n = PQntuples(r.r);
    for (int i = 0; i < n; ++i) {
      JournalRecord rec;
      rec.seq = after = i64(r.r, i, 0);
      rec.at = i64(r.r, i, 1);
      rec.kind = i64(r.r, i, 2) == 1 ? JournalKind::rate_card : JournalKind::operation;
      rec.body = text(r.r, i, 3);
      if (!fn(std::move(rec))) return {};
    }
    if (n < kFetchRows) return {};
  }
}

RecordSource* PgStore::records() { return records_.get(); }

StoreStatus PgStore::load_snapshot(std::optional<StoredSnapshot>& out) {
  out.reset();
  if (!has_records_) return {};
  Result r(PQexec(conn_, "SELECT seq, entries, body FROM snapshots ORDER BY seq DESC LIMIT 1"));
  if (r.status() != PGRES_TUPLES_OK)
    return {"cannot read the snapshot: " + trimmed(PQerrorMessage(conn_)) + " (" + where_ + ")"};
  if (PQntuples(r.r) == 1) out = StoredSnapshot{i64(r.r, 0, 0), i64(r.r, 0, 1), text(r.r, 0, 2)};
  return {};
}

StoreStatus PgStore::load_cards(std::vector<StoredCard>& out) {
  return scan("cannot read the rate cards", "SELECT version, text FROM rate_cards ORDER BY version", [&](void* p, int i) {
    auto* r = static_cast<PGresult*>(p);
    out.push_back({text(r, i, 0), text(r, i, 1)});
    return true;
  });
}

StoreStatus PgStore::scan_journal(const std::function<bool(JournalRecord&&)>& fn) {
  return scan("cannot read the journal", "SELECT seq, at, kind, body FROM journal ORDER BY seq", [&](void* p, int i) {
    auto* r = static_cast<PGresult*>(p);
    JournalRecord rec;
    rec.seq = i64(r, i, 0);
    rec.at = i64(r, i, 1);
    rec.kind = i64(r, i, 2) == 1 ? JournalKind::rate_card : JournalKind::operation;
    rec.body = text(r, i, 3);
    return fn(std::move(rec));
  });
}

namespace {

Entry entry_row(const PGresult* r, int i) {
  Entry e;
  e.seq = i64(r, i, 0);
  e.at = i64(r, i, 1);
  e.payer = text(r, i, 2);
  e.kind = entry_kind(text(r, i, 3));
  e.subscription = i64(r, i, 4);
  e.wallet = i64(r, i, 5);
  e.ref = text(r, i, 6);
  e.held = i64(r, i, 7);
  return e;
}

constexpr const char* kEntryColumns =
    "SELECT seq, at, payer, kind, subscription, wallet, ref, held FROM entries ";

}  // namespace

StoreStatus PgStore::scan_entries(const std::function<bool(Entry&&)>& fn) {
  return scan("cannot read the entries", std::string(kEntryColumns) + "ORDER BY seq",
              [&](void* p, int i) { return fn(entry_row(static_cast<PGresult*>(p), i)); });
}

// Along entries_by_seq.
StoreStatus PgStore::scan_entries_after(int64_t after, const std::function<bool(Entry&&)>& fn) {
  return scan("cannot read the entries",
              std::string(kEntryColumns) + "WHERE seq > " + std::to_string(after) + " ORDER BY seq",
              [&](void* p, int i) { return fn(entry_row(static_cast<PGresult*>(p), i)); });
}

StoreStatus PgStore::load_payers(std::vector<PayerState>& out) {
  const char* sql =
      "SELECT payer, status, quota, remaining, in_period, period_start, period_end, wallet, granted, topped_up, "
      "spent, refunded, expired, seq, held FROM payers ORDER BY payer";
  return scan("cannot read the payers", sql, [&](void* v, int i) {
    auto* r = static_cast<PGresult*>(v);
    PayerState p;
    p.payer = text(r, i, 0);
    p.status = text(r, i, 1);
    p.quota = i64(r, i, 2);
    p.remaining = i64(r, i, 3);
    p.in_period = text(r, i, 4) == "t";
    p.period_start = i64(r, i, 5);
    p.period_end = i64(r, i, 6);
    p.wallet = i64(r, i, 7);
    p.totals.granted = i64(r, i, 8);
    p.totals.topped_up = i64(r, i, 9);
    p.totals.spent = i64(r, i, 10);
    p.totals.refunded = i64(r, i, 11);
    p.totals.expired = i64(r, i, 12);
    p.seq = i64(r, i, 13);
    p.held = i64(r, i, 14);
    out.push_back(std::move(p));
    return true;
  });
}

// A batch continues the journal at the head's record + 1: if another writer got there first,
// the journal's primary key refuses it (23505), so a batch computed on a stale state is never
// stored. Retrying one after a serialization failure or a deadlock is therefore safe too.
StoreStatus PgStore::commit(const CommitBatch& batch) {
  // CommitBatch::empty() does not count `backfilled`: a backfill with nothing else to write (a
  // journal that made no record) still has to clear the flag.
  if (batch.empty() && !batch.backfilled) {
    abort();  // ends lock_head()'s transaction, if one is open
    return {};
  }
  for (int attempt = 1;; ++attempt) {
    bool retryable = false;
    bool unknown = false;
    std::string error = commit_once(batch, retryable, unknown);
    if (error.empty()) {
      if (batch.backfilled) needs_backfill_ = false;
      return make_durable();
    }
    if (!retryable || attempt == kMaxAttempts) {
      StoreStatus s{error +
                    (attempt > 1 ? " (after " + std::to_string(attempt) + " attempts)" : "")};
      s.rolled_back = !unknown && PQstatus(conn_) == CONNECTION_OK;
      return s;
    }
    ++retries_;
    std::this_thread::sleep_for(std::chrono::milliseconds(1 << std::min(attempt, 6)));
  }
}

namespace {

struct Step {
  const char* statement;
  std::vector<std::string> params;
};

std::vector<Step> commit_steps(const CommitBatch& batch) {
  std::vector<Step> steps;
  if (!batch.cards.empty()) steps.push_back({"credits_cards", card_params(batch)});
  if (!batch.records.empty()) steps.push_back({"credits_journal", journal_params(batch)});
  if (!batch.entries.empty()) steps.push_back({"credits_entries", entry_params(batch)});
  if (!batch.payers.empty()) steps.push_back({"credits_payers", payer_params(batch)});
  if (!batch.history.empty())
    steps.push_back(
        {batch.backfilled ? "credits_backfill" : "credits_records", record_params(batch)});
  if (!batch.events.empty())
    steps.push_back({batch.backfilled ? "credits_backfill_events" : "credits_events", event_params(batch)});
  if (const auto& snap = batch.snapshot)
    steps.push_back({"credits_snapshot",
                     {std::to_string(snap->seq), std::to_string(snap->entries), snap->body}});
  if (batch.backfilled) steps.push_back({"credits_backfilled", {}});
  if (!batch.records.empty()) {
    const int64_t entries = batch.entries.empty() ? 0 : batch.entries.back().seq;
    steps.push_back(
        {"credits_head", {std::to_string(batch.records.back().seq), std::to_string(entries)}});
  }
  return steps;
}

}  // namespace

// [BEGIN, the head locked,] one statement per table that has rows, the head moved, COMMIT, sent
// together as one pipeline and read back together: one round trip. Inside lock_head()'s
// transaction the first two were sent already. Any error skips the rest and rolls back.
std::string PgStore::commit_once(const CommitBatch& batch, bool& retryable, bool& unknown) {
  std::vector<Step> steps = commit_steps(batch);
  const bool open = PQtransactionStatus(conn_) == PQTRANS_INTRANS;
  if (shared_ && synchronous_)
    steps.insert(steps.begin(), Step{"credits_async", {}});  // then make_durable()
  if (!open) steps.insert(steps.begin(), Step{"credits_lock_head", {}});
  if (PQenterPipelineMode(conn_) != 1) return "cannot start a commit: " + trimmed(PQerrorMessage(conn_)) + " (" + where_ + ")";
  bool sent =
      open || PQsendQueryParams(conn_, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
  for (Step& step : steps) {
    std::vector<const char*> values;
    for (const std::string& p : step.params) values.push_back(p.c_str());
    sent = sent && PQsendQueryPrepared(conn_, step.statement, static_cast<int>(values.size()),
                                       values.data(), nullptr, nullptr, 0) == 1;
  }
  sent = sent && PQsendQueryParams(conn_, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
  sent = sent && PQpipelineSync(conn_) == 1;
  std::string error = sent ? "" : trimmed(PQerrorMessage(conn_));
  // Read every result up to the pipeline's sync; the first error is the answer.
  for (int nulls = 0; sent && PQstatus(conn_) == CONNECTION_OK && nulls <= static_cast<int>(steps.size()) + 2;) {
    Result r(PQgetResult(conn_));
    if (!r.r) {
      ++nulls;
      continue;
    }
    if (r.status() == PGRES_PIPELINE_SYNC) break;
    if (r.status() == PGRES_FATAL_ERROR && error.empty()) {
      const char* state = PQresultErrorField(r.r, PG_DIAG_SQLSTATE);
      retryable = state && (std::string_view(state) == "40001" || std::string_view(state) == "40P01");
      // The backend ended (57: shutdown, terminated; 08: the connection): perhaps after COMMIT.
      unknown = !state || std::string_view(state).substr(0, 2) == "57" ||
                std::string_view(state).substr(0, 2) == "08";
      const char* primary = PQresultErrorField(r.r, PG_DIAG_MESSAGE_PRIMARY);
      error = trimmed(primary ? primary : PQresultErrorMessage(r.r)) + " (SQLSTATE " + (state ? state : "?") + ")";
    }
  }
  if (PQstatus(conn_) != CONNECTION_OK)
    return "lost the connection to PostgreSQL during a commit (" + where_ + "): " + trimmed(PQerrorMessage(conn_));
  PQexitPipelineMode(conn_);
  if (PQtransactionStatus(conn_) != PQTRANS_IDLE) {
    abort();
    if (error.empty()) error = "the commit did not end its transaction";
  }
  return error.empty() ? "" : "cannot commit to the PostgreSQL ledger " + where_ + ": " + error;
}

}  // namespace credits::server
