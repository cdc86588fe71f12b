// The stores' records, snapshots and reads after a point (ledger_store.hpp), against the real
// databases: a SQLite file in a temp folder always; PostgreSQL when CREDITS_TEST_PG names a server
// (tests/postgres.sh starts one and runs this binary with it), each test in a database of its
// own, else those tests are skipped. Nothing is mocked: old-schema databases are made with the
// old schemas' SQL, as an older build left them.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "pg_store.hpp"
#include "sqlite_store.hpp"

namespace credits::server {
namespace {

namespace fs = std::filesystem;

// What an older build wrote: SQLite schema 2 (schema 1 lacks `held`), its meta rows included.
const char* kSqliteSchema2 = R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rate_cards (version TEXT PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE journal (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, kind INTEGER NOT NULL,
                      body TEXT NOT NULL);
CREATE TABLE entries (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, payer TEXT NOT NULL,
                      kind TEXT NOT NULL, subscription INTEGER NOT NULL, wallet INTEGER NOT NULL,
                      ref TEXT NOT NULL, held INTEGER NOT NULL DEFAULT 0);
CREATE TABLE payers (payer TEXT PRIMARY KEY, status TEXT NOT NULL, quota INTEGER NOT NULL,
  remaining INTEGER NOT NULL, in_period INTEGER NOT NULL, period_start INTEGER NOT NULL,
  period_end INTEGER NOT NULL, wallet INTEGER NOT NULL, granted INTEGER NOT NULL,
  topped_up INTEGER NOT NULL, spent INTEGER NOT NULL, refunded INTEGER NOT NULL,
  expired INTEGER NOT NULL, seq INTEGER NOT NULL, held INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
INSERT INTO meta(key, value) VALUES ('schema', '2'), ('format', 'credits ledger');
)sql";

// PostgreSQL schema 3 is schema 4 without records, snapshots and meta's `records` row.
const char* kPgDowngradeTo3 =
    "DROP TABLE records; DROP TABLE snapshots; DELETE FROM meta WHERE key = 'records'; "
    "UPDATE meta SET value = '3' WHERE key = 'schema'";

// One database for one test, and SQL on it through a connection of the test's own.
class Database {
 public:
  virtual ~Database() = default;
  virtual std::unique_ptr<LedgerStore> open(std::string& error, bool writer) = 0;
  // Runs statements; the first column of the first row of the last, as text ("" if none).
  virtual std::string sql(const std::string& statements) = 0;
  // Makes it a database of the schema before records (its journal kept), as an older build left
  // it; `journal` records in that journal.
  virtual void make_old_schema(int journal) = 0;
  virtual std::string schema_now() { return sql("SELECT value FROM meta WHERE key = 'schema'"); }
  virtual std::string old_schema() const = 0;
  virtual std::string new_schema() const = 0;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase() {
    dir_ = fs::temp_directory_path() /
           ("credits-records-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(dir_);
    path_ = (dir_ / "ledger.db").string();
  }
  ~SqliteDatabase() override { fs::remove_all(dir_); }
  std::unique_ptr<LedgerStore> open(std::string& error, bool writer) override {
    return SqliteStore::open(path_, SyncMode::normal, error, writer);
  }
  std::string sql(const std::string& statements) override {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    std::string out;
    char* msg = nullptr;
    auto first = [](void* o, int n, char** values, char**) {
      auto* s = static_cast<std::string*>(o);
      *s = n > 0 && values[0] ? values[0] : "";
      return 0;
    };
    EXPECT_EQ(sqlite3_exec(db, statements.c_str(), first, &out, &msg), SQLITE_OK)
        << statements << ": " << (msg ? msg : "");
    sqlite3_free(msg);
    sqlite3_close(db);
    return out;
  }
  void make_old_schema(int journal) override { make_schema(kSqliteSchema2, journal); }
  // Schema 1: schema 2 without reservations' `held`.
  void make_schema_1(int journal) {
    std::string s = kSqliteSchema2;
    for (const std::string from : {", held INTEGER NOT NULL DEFAULT 0", "'schema', '2'"}) {
      const std::string to = from[0] == ',' ? "" : "'schema', '1'";
      for (size_t at; (at = s.find(from)) != std::string::npos;) s.replace(at, from.size(), to);
    }
    make_schema(s, journal);
  }
  void make_schema(std::string s, int journal) {
    for (int i = 1; i <= journal; ++i)
      s += "INSERT INTO journal VALUES (" + std::to_string(i) + ", 0, 0, '{}');";
    sql(s);
  }
  std::string old_schema() const override { return "2"; }
  std::string new_schema() const override { return "3"; }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
  std::string path_;
};

// The CREDITS_TEST_PG URL with another database: postgresql:///NAME?host=… (tests/server/lib.mjs).
std::string pg_url(const std::string& base, const std::string& name) {
  const size_t scheme = base.find("://");
  const size_t slash = base.find('/', scheme + 3);
  const size_t query = base.find('?', slash);
  return base.substr(0, slash + 1) + name + (query == std::string::npos ? "" : base.substr(query));
}

class PgDatabase final : public Database {
 public:
  explicit PgDatabase(std::string base) : base_(std::move(base)) {
    name_ = "records_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++);
    run(base_, "DROP DATABASE IF EXISTS " + name_ + "; CREATE DATABASE " + name_);
    url_ = pg_url(base_, name_);
  }
  ~PgDatabase() override { run(base_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)"); }
  std::unique_ptr<LedgerStore> open(std::string& error, bool writer) override {
    PgStore::Options options;
    options.writer = writer;
    return PgStore::open(url_, options, error);
  }
  std::string sql(const std::string& statements) override { return run(url_, statements); }
  void make_old_schema(int journal) override {
    std::string error;
    ASSERT_NE(open(error, true), nullptr) << error;  // made at schema 4, then taken back to 3
    std::string s = kPgDowngradeTo3;
    for (int i = 1; i <= journal; ++i)
      s += "; INSERT INTO journal VALUES (" + std::to_string(i) + ", 0, 0, '{}')";
    s += "; UPDATE ledger_head SET seq = " + std::to_string(journal);
    sql(s);
  }
  std::string old_schema() const override { return "3"; }
  std::string new_schema() const override { return "4"; }
  const std::string& url() const { return url_; }

 private:
  static std::string run(const std::string& url, const std::string& statements) {
    PGconn* c = PQconnectdb(url.c_str());
    EXPECT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    std::string out;
    // One statement at a time (CREATE DATABASE may not run in a multi-statement string).
    size_t from = 0;
    while (from < statements.size()) {
      size_t end = statements.find("; ", from);
      if (end == std::string::npos) end = statements.size();
      const std::string one = statements.substr(from, end - from);
      from = end + 2;
      PGresult* r = PQexec(c, one.c_str());
      EXPECT_TRUE(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
          << one << ": " << PQerrorMessage(c);
      out = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
      PQclear(r);
    }
    PQfinish(c);
    return out;
  }
  static inline int counter_ = 0;
  std::string base_, name_, url_;
};

StoredRecord version(const std::string& key, int64_t seq, const std::string& payer, int64_t order,
                     RecordKind kind = RecordKind::charge) {
  return {kind, key, payer, order, seq, key + "@" + std::to_string(seq)};
}

JournalRecord journal_record(int64_t seq) {
  return {seq, 1'700'000'000'000 + seq, JournalKind::operation,
          "{\"op\":\"n\",\"i\":" + std::to_string(seq) + "}"};
}

Entry entry(int64_t seq) {
  Entry e;
  e.seq = seq;
  e.at = 1'700'000'000'000 + seq;
  e.payer = "user:ana";
  e.kind = EntryKind::top_up;
  e.wallet = seq * 100;
  e.ref = "t" + std::to_string(seq);
  return e;
}

// A batch of journal records [from, to] and the given history.
CommitBatch batch(int64_t from, int64_t to, std::vector<StoredRecord> history = {}) {
  CommitBatch b;
  for (int64_t s = from; s <= to; ++s) b.records.push_back(journal_record(s));
  b.history = std::move(history);
  return b;
}

class StoreRecords : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "pg") {
      const char* base = std::getenv("CREDITS_TEST_PG");
      if (!base || !*base) GTEST_SKIP() << "CREDITS_TEST_PG is not set (tests/postgres.sh sets it)";
      db_ = std::make_unique<PgDatabase>(base);
    } else {
      db_ = std::make_unique<SqliteDatabase>();
    }
  }
  void TearDown() override {
    store_.reset();  // before the database goes
    db_.reset();
  }
  LedgerStore& reopen(bool writer = true) {
    store_.reset();
    std::string error;
    store_ = db_->open(error, writer);
    EXPECT_NE(store_, nullptr) << error;
    if (!store_) throw std::runtime_error(error);
    return *store_;
  }
  LedgerStore& store() { return store_ ? *store_ : reopen(); }
  RecordSource& records() {
    RecordSource* r = store().records();
    if (!r) throw std::runtime_error("no records()");
    return *r;
  }
  void commit(const CommitBatch& b) {
    const StoreStatus st = store().commit(b);
    ASSERT_TRUE(st) << st.error;
  }
  std::optional<StoredRecord> find(const std::string& key, int64_t as_of) {
    std::optional<StoredRecord> out;
    const StoreStatus st = records().find_record(key, as_of, out);
    EXPECT_TRUE(st) << st.error;
    return out;
  }
  // "key@seq" of each charge the scan gives, in its order.
  std::vector<std::string> scan(const std::string& payer, int64_t as_of, bool newest_first,
                                size_t stop_after = SIZE_MAX) {
    std::vector<std::string> out;
    const StoreStatus st =
        records().scan_charges(payer, as_of, newest_first, [&](StoredRecord&& r) {
          EXPECT_EQ(r.payer, payer);
          EXPECT_EQ(r.kind, RecordKind::charge);
          EXPECT_EQ(r.body, r.key + "@" + std::to_string(r.seq));
          out.push_back(r.body);
          return out.size() < stop_after;
        });
    EXPECT_TRUE(st) << st.error;
    return out;
  }

  std::unique_ptr<Database> db_;
  std::unique_ptr<LedgerStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Stores, StoreRecords, ::testing::Values("sqlite", "pg"),
                         [](const auto& info) { return info.param; });

using Keys = std::vector<std::string>;

TEST_P(StoreRecords, AFreshDatabaseHasRecordsAndNeedsNoBackfill) {
  ASSERT_NE(store().records(), nullptr);
  EXPECT_FALSE(store().needs_backfill());
  EXPECT_EQ(db_->schema_now(), db_->new_schema());
  std::optional<StoredSnapshot> snap;
  ASSERT_TRUE(store().load_snapshot(snap));
  EXPECT_FALSE(snap);
  EXPECT_FALSE(find("nothing", 1'000'000));
  EXPECT_EQ(scan("user:ana", 1'000'000, false), Keys{});
  commit(batch(1, 3));
  EXPECT_FALSE(reopen().needs_backfill());
}

TEST_P(StoreRecords, AKeyIsFoundInItsNewestVersionAsOfAJournalRecord) {
  commit(batch(
      1, 1, {version("k", 1, "user:ana", 7), version("t", 1, "user:bo", 8, RecordKind::top_up)}));
  commit(batch(2, 2, {version("r", 2, "workspace:w", 9, RecordKind::reservation)}));
  commit(batch(3, 3,
               {version("k", 3, "user:ana", 7),
                version("r", 3, "workspace:w", 9, RecordKind::reservation)}));
  EXPECT_FALSE(find("k", 0));
  for (int64_t as_of : {1, 2}) {
    auto k = find("k", as_of);
    ASSERT_TRUE(k);
    EXPECT_EQ(k->body, "k@1");
    EXPECT_EQ(k->seq, 1);
    EXPECT_EQ(k->kind, RecordKind::charge);
    EXPECT_EQ(k->payer, "user:ana");
    EXPECT_EQ(k->order, 7);
    EXPECT_EQ(k->key, "k");
  }
  EXPECT_EQ(find("k", 3)->body, "k@3");
  EXPECT_EQ(find("k", 99)->body, "k@3");
  EXPECT_FALSE(find("r", 1));
  EXPECT_EQ(find("r", 2)->body, "r@2");
  EXPECT_EQ(find("r", 2)->kind, RecordKind::reservation);
  EXPECT_EQ(find("r", 5)->body, "r@3");
  EXPECT_EQ(find("t", 1)->kind, RecordKind::top_up);
  EXPECT_EQ(find("t", 1)->payer, "user:bo");
  EXPECT_FALSE(find("missing", 99));
  // The same after a restart: it is all in the database.
  reopen();
  EXPECT_EQ(find("k", 2)->body, "k@1");
  EXPECT_EQ(find("r", 99)->body, "r@3");
}

// Balance events are kept by their seq and read back after one, in order, past a page, stopping
// when asked; a failed commit writes none of its events.
TEST_P(StoreRecords, BalanceEventsAreReadAfterASeqInOrder) {
  CommitBatch first = batch(1, 1);
  for (int64_t e = 1; e <= 300; ++e) first.events.push_back(StoredEvent{e, e % 2 ? "user:ana" : "workspace:w", "e" + std::to_string(e)});
  commit(first);
  auto after = [&](int64_t from, size_t stop_after = SIZE_MAX) {
    std::vector<std::string> out;
    const StoreStatus st = records().scan_events(from, [&](StoredEvent&& e) {
      EXPECT_EQ(e.body, "e" + std::to_string(e.seq));
      EXPECT_EQ(e.payer, e.seq % 2 ? "user:ana" : "workspace:w");
      out.push_back(e.body);
      return out.size() < stop_after;
    });
    EXPECT_TRUE(st) << st.error;
    return out;
  };
  EXPECT_EQ(after(0).size(), 300u);
  EXPECT_EQ(after(0).front(), "e1");
  EXPECT_EQ(after(0).back(), "e300");
  EXPECT_EQ(after(298), (Keys{"e299", "e300"}));
  EXPECT_EQ(after(300), Keys{});
  EXPECT_EQ(after(10, 2), (Keys{"e11", "e12"}));
  CommitBatch twice = batch(2, 2);
  twice.events.push_back(StoredEvent{300, "user:ana", "e300"});  // a seq already there: refused
  EXPECT_FALSE(store().commit(twice));
  EXPECT_EQ(after(299), Keys{"e300"});
  reopen();
  EXPECT_EQ(after(299), Keys{"e300"});
}

// Several keys in one request: each found one in its newest version as of the point asked, the
// missing ones left out, a key that needs quoting in an array literal found too.
TEST_P(StoreRecords, SeveralKeysAreFoundAtOnceAsOfAJournalRecord) {
  commit(batch(1, 1, {version("k", 1, "user:ana", 7), version("t", 1, "user:bo", 8, RecordKind::top_up)}));
  commit(batch(2, 2, {version("k", 2, "user:ana", 7), version("a \"b\\c,{d}", 2, "user:ana", 9)}));
  auto many = [&](const Keys& keys, int64_t as_of) {
    std::vector<StoredRecord> out;
    const StoreStatus st = records().find_records(keys, as_of, out);
    EXPECT_TRUE(st) << st.error;
    std::vector<std::string> bodies;
    for (const StoredRecord& r : out) {
      EXPECT_EQ(r.body.substr(0, r.key.size()), r.key);
      bodies.push_back(r.body);
    }
    std::sort(bodies.begin(), bodies.end());
    return bodies;
  };
  const Keys keys{"k", "t", "nothing", "a \"b\\c,{d}"};
  EXPECT_EQ(many(keys, 0), Keys{});
  EXPECT_EQ(many(keys, 1), (Keys{"k@1", "t@1"}));
  EXPECT_EQ(many(keys, 2), (Keys{"a \"b\\c,{d}@2", "k@2", "t@1"}));
  EXPECT_EQ(many({}, 2), Keys{});
}

// Several versions per key, a top-up and another payer's charge in between: each charge once,
// in its newest version as of the point asked, by order, both ways.
TEST_P(StoreRecords, AScanGivesEachChargeOnceInItsVersionAsOfAndInOrder) {
  commit(batch(1, 1, {version("c1", 1, "user:ana", 10)}));
  commit(batch(2, 2, {version("c2", 2, "user:ana", 20), version("x", 2, "user:bo", 15)}));
  commit(batch(
      3, 3,
      {version("c1", 3, "user:ana", 10), version("t", 3, "user:ana", 15, RecordKind::top_up)}));
  commit(batch(4, 4, {version("c3", 4, "user:ana", 30)}));
  commit(batch(5, 5, {version("c2", 5, "user:ana", 20), version("c1", 5, "user:ana", 10)}));
  EXPECT_EQ(scan("user:ana", 0, false), Keys{});
  EXPECT_EQ(scan("user:ana", 1, false), (Keys{"c1@1"}));
  EXPECT_EQ(scan("user:ana", 2, false), (Keys{"c1@1", "c2@2"}));
  EXPECT_EQ(scan("user:ana", 4, false), (Keys{"c1@3", "c2@2", "c3@4"}));
  EXPECT_EQ(scan("user:ana", 4, true), (Keys{"c3@4", "c2@2", "c1@3"}));
  EXPECT_EQ(scan("user:ana", 5, false), (Keys{"c1@5", "c2@5", "c3@4"}));
  EXPECT_EQ(scan("user:ana", 99, true), (Keys{"c3@4", "c2@5", "c1@5"}));
  EXPECT_EQ(scan("user:bo", 99, true), (Keys{"x@2"}));
  EXPECT_EQ(scan("user:nobody", 99, true), Keys{});
  // Stopped early: fn is not called again.
  EXPECT_EQ(scan("user:ana", 99, true, 1), (Keys{"c3@4"}));
  EXPECT_EQ(scan("user:ana", 99, false, 2), (Keys{"c1@5", "c2@5"}));
}

// More charges than one page of PostgreSQL's scan (256), some sharing an order (the key breaks
// the tie), each with two versions: every one once, in order, in the version asked for.
TEST_P(StoreRecords, ALongScanPagesThroughEveryChargeInOrder) {
  std::vector<StoredRecord> first, second;
  constexpr int kCharges = 700;
  for (int i = 0; i < kCharges; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "k%04d", i);
    first.push_back(version(key, 1, "workspace:big", i / 3));
    if (i % 2 == 0) second.push_back(version(key, 2, "workspace:big", i / 3));
  }
  commit(batch(1, 1, first));
  commit(batch(2, 2, second));
  auto expected = [&](int64_t as_of, bool newest_first) {
    Keys out;
    for (int i = 0; i < kCharges; ++i) {
      char key[16];
      std::snprintf(key, sizeof key, "k%04d", i);
      out.push_back(std::string(key) + (as_of >= 2 && i % 2 == 0 ? "@2" : "@1"));
    }
    if (newest_first) std::reverse(out.begin(), out.end());
    return out;
  };
  for (int64_t as_of : {1, 2})
    for (bool newest_first : {false, true})
      EXPECT_EQ(scan("workspace:big", as_of, newest_first), expected(as_of, newest_first))
          << as_of << " " << newest_first;
  EXPECT_EQ(scan("workspace:big", 2, true, 300).size(), 300u);
}

TEST_P(StoreRecords, OnlyTheNewestSnapshotIsKept) {
  CommitBatch b = batch(1, 2);
  b.snapshot = StoredSnapshot{2, 0, "{\"state\":2}"};
  commit(b);
  std::optional<StoredSnapshot> snap;
  ASSERT_TRUE(store().load_snapshot(snap));
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->seq, 2);
  b = batch(3, 5);
  b.entries = {entry(1), entry(2)};
  b.snapshot = StoredSnapshot{5, 2, "{\"state\":5}"};
  commit(b);
  commit(batch(6, 6));  // no snapshot: the last one stays
  ASSERT_TRUE(reopen().load_snapshot(snap));
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->seq, 5);
  EXPECT_EQ(snap->entries, 2);
  EXPECT_EQ(snap->body, "{\"state\":5}");
  EXPECT_EQ(db_->sql("SELECT count(*) FROM snapshots"), "1");
}

// Past a page of PostgreSQL's journal read (10000), in one snapshot and outside any.
TEST_P(StoreRecords, TheJournalAndTheEntriesAfterARecord) {
  CommitBatch b = batch(1, 10'050);
  for (int64_t s = 1; s <= 20; ++s) b.entries.push_back(entry(s));
  commit(b);
  auto journal_after = [&](int64_t after, int64_t stop = INT64_MAX) {
    std::vector<int64_t> seqs;
    const StoreStatus st = store().scan_journal_after(after, [&](JournalRecord&& r) {
      EXPECT_EQ(r.body, journal_record(r.seq).body);
      EXPECT_EQ(r.at, journal_record(r.seq).at);
      seqs.push_back(r.seq);
      return r.seq < stop;
    });
    EXPECT_TRUE(st) << st.error;
    return seqs;
  };
  auto entries_after = [&](int64_t after, int64_t stop = INT64_MAX) {
    std::vector<int64_t> seqs;
    const StoreStatus st = store().scan_entries_after(after, [&](Entry&& e) {
      EXPECT_EQ(e.wallet, e.seq * 100);
      EXPECT_EQ(e.ref, "t" + std::to_string(e.seq));
      seqs.push_back(e.seq);
      return e.seq < stop;
    });
    EXPECT_TRUE(st) << st.error;
    return seqs;
  };
  for (bool in_read : {false, true}) {
    if (in_read) {
      ASSERT_TRUE(store().begin_read());
    }
    std::vector<int64_t> all = journal_after(0);
    ASSERT_EQ(all.size(), 10'050u);
    for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], static_cast<int64_t>(i) + 1);
    EXPECT_EQ(journal_after(10'047), (std::vector<int64_t>{10'048, 10'049, 10'050}));
    EXPECT_EQ(journal_after(10'050), std::vector<int64_t>{});
    EXPECT_EQ(journal_after(5, 7), (std::vector<int64_t>{6, 7}));
    EXPECT_EQ(entries_after(17), (std::vector<int64_t>{18, 19, 20}));
    EXPECT_EQ(entries_after(20), std::vector<int64_t>{});
    EXPECT_EQ(entries_after(0, 2), (std::vector<int64_t>{1, 2}));
    if (in_read) store().end_read();
  }
}

TEST_P(StoreRecords, AnOldSchemaWithAJournalNeedsABackfillUntilOneIsCommitted) {
  db_->make_old_schema(3);
  ASSERT_EQ(db_->schema_now(), db_->old_schema());
  EXPECT_TRUE(reopen().needs_backfill());
  EXPECT_EQ(db_->schema_now(), db_->new_schema());
  ASSERT_NE(store().records(), nullptr);
  EXPECT_TRUE(reopen().needs_backfill());  // kept across a restart
  commit(batch(4, 4, {version("c", 4, "user:ana", 1)}));
  EXPECT_TRUE(store().needs_backfill());  // a commit that is not the backfill leaves it
  EXPECT_TRUE(reopen().needs_backfill());
  CommitBatch b = batch(5, 5, {version("a", 1, "user:ana", 0), version("b", 2, "user:ana", 0)});
  b.backfilled = true;
  commit(b);
  EXPECT_FALSE(store().needs_backfill());
  EXPECT_FALSE(reopen().needs_backfill());
  EXPECT_EQ(scan("user:ana", 99, false), (Keys{"a@1", "b@2", "c@4"}));
}

TEST_P(StoreRecords, AnOldSchemaWithAnEmptyJournalNeedsNoBackfill) {
  db_->make_old_schema(0);
  EXPECT_FALSE(reopen().needs_backfill());
  EXPECT_EQ(db_->schema_now(), db_->new_schema());
}

TEST_P(StoreRecords, ASqliteSchema1FileIsMigratedToRecordsToo) {
  if (GetParam() != "sqlite") GTEST_SKIP() << "SQLite only";
  static_cast<SqliteDatabase&>(*db_).make_schema_1(2);
  EXPECT_TRUE(reopen().needs_backfill());
  EXPECT_EQ(db_->schema_now(), "3");
  EXPECT_EQ(db_->sql("SELECT count(*) FROM pragma_table_info('entries') WHERE name = 'held'"), "1");
  CommitBatch b = batch(3, 3, {version("c", 3, "user:ana", 1)});
  b.backfilled = true;
  commit(b);
  EXPECT_FALSE(reopen().needs_backfill());
  EXPECT_EQ(find("c", 3)->body, "c@3");
}

// A backfill whose journal made no record has nothing else to write: the flag still goes.
TEST_P(StoreRecords, ABackfillWithNothingToWriteStillClearsTheFlag) {
  db_->make_old_schema(2);
  EXPECT_TRUE(reopen().needs_backfill());
  CommitBatch b;
  b.backfilled = true;
  commit(b);
  EXPECT_FALSE(store().needs_backfill());
  EXPECT_FALSE(reopen().needs_backfill());
}

// A commit refused (the journal's key, a version written twice) writes none of its history,
// snapshot or backfill mark.
TEST_P(StoreRecords, AFailedCommitWritesNoHistory) {
  db_->make_old_schema(1);
  reopen();
  commit(batch(2, 2, {version("kept", 2, "user:ana", 1)}));
  CommitBatch stale = batch(2, 3, {version("lost", 3, "user:ana", 2)});
  stale.snapshot = StoredSnapshot{3, 0, "{}"};
  stale.backfilled = true;
  EXPECT_FALSE(store().commit(stale));
  CommitBatch twice =
      batch(3, 3, {version("dup", 3, "user:ana", 2), version("dup", 3, "user:ana", 2)});
  twice.snapshot = StoredSnapshot{3, 0, "{}"};
  EXPECT_FALSE(store().commit(twice));
  for (int round = 0; round < 2; ++round) {
    EXPECT_FALSE(find("lost", 99));
    EXPECT_FALSE(find("dup", 99));
    EXPECT_EQ(scan("user:ana", 99, false), (Keys{"kept@2"}));
    std::optional<StoredSnapshot> snap;
    ASSERT_TRUE(store().load_snapshot(snap));
    EXPECT_FALSE(snap);
    EXPECT_TRUE(store().needs_backfill());
    EXPECT_EQ(db_->sql("SELECT max(seq) FROM journal"), "2");
    reopen();
  }
  commit(batch(3, 3, {version("dup", 3, "user:ana", 2)}));  // the store goes on
  EXPECT_EQ(find("dup", 3)->body, "dup@3");
}

TEST_P(StoreRecords, AReadErrorIsReported) {
  commit(batch(1, 1, {version("k", 1, "user:ana", 1)}));
  ASSERT_TRUE(find("k", 1));
  db_->sql("DROP TABLE records");
  std::optional<StoredRecord> out;
  EXPECT_FALSE(records().find_record("k", 1, out));
  EXPECT_FALSE(records().scan_charges("user:ana", 1, false, [](StoredRecord&&) { return true; }));
}

// records() reads on a connection of its own while commits run on another thread: every read
// succeeds and sees a key's versions only ever move forward.
TEST_P(StoreRecords, RecordsAreReadBesideCommits) {
  commit(batch(1, 1, {version("k", 1, "user:ana", 1)}));
  RecordSource& source = records();
  std::atomic<bool> done{false};
  std::string commit_error;
  std::thread committer([&] {
    for (int64_t s = 2; s <= 300 && commit_error.empty(); ++s) {
      CommitBatch b = batch(
          s, s,
          {version("k", s, "user:ana", 1), version("c" + std::to_string(s), s, "user:ana", s)});
      if (const StoreStatus st = store_->commit(b); !st) commit_error = st.error;
    }
    done = true;
  });
  int64_t seen = 1;
  long reads = 0;
  while (!done) {
    std::optional<StoredRecord> out;
    const StoreStatus st = source.find_record("k", 1'000, out);
    ASSERT_TRUE(st) << st.error;
    ASSERT_TRUE(out);
    EXPECT_GE(out->seq, seen);
    seen = out->seq;
    size_t n = 0;
    ASSERT_TRUE(
        source.scan_charges("user:ana", seen, true, [&](StoredRecord&&) { return ++n < 5; }));
    ++reads;
  }
  committer.join();
  EXPECT_EQ(commit_error, "");
  EXPECT_EQ(find("k", 1'000)->seq, 300);
  EXPECT_GT(reads, 0);
}

// A commit from another thread lands while a scan is in the middle (SQLite: a read transaction
// open on the second connection, which WAL mode lets a writer pass): the scan goes on as of the
// point it asked for, and the next one sees the new versions.
TEST_P(StoreRecords, ACommitLandsWhileAScanIsUnderWay) {
  commit(batch(1, 1, {version("a", 1, "user:ana", 1), version("b", 1, "user:ana", 2)}));
  Keys seen;
  const StoreStatus st = records().scan_charges("user:ana", 1, false, [&](StoredRecord&& r) {
    seen.push_back(r.body);
    if (seen.size() == 1) {
      std::thread t([&] {
        const StoreStatus c = store_->commit(
            batch(2, 2, {version("b", 2, "user:ana", 2), version("c", 2, "user:ana", 3)}));
        EXPECT_TRUE(c) << c.error;
      });
      t.join();
    }
    return true;
  });
  ASSERT_TRUE(st) << st.error;
  EXPECT_EQ(seen, (Keys{"a@1", "b@1"}));
  EXPECT_EQ(scan("user:ana", 2, false), (Keys{"a@1", "b@2", "c@2"}));
}

// PostgreSQL: a reader of a database no writer brought to schema 4 reads it as it is, without
// records; the journal after a record is read inside lock_head()'s transaction too.
TEST_P(StoreRecords, PostgresReadersAndTheHead) {
  if (GetParam() != "pg") GTEST_SKIP() << "PostgreSQL only";
  db_->make_old_schema(4);
  LedgerStore& reader = reopen(false);
  EXPECT_EQ(reader.records(), nullptr);
  EXPECT_FALSE(reader.needs_backfill());
  std::optional<StoredSnapshot> snap;
  EXPECT_TRUE(reader.load_snapshot(snap));
  EXPECT_FALSE(snap);
  EXPECT_EQ(db_->schema_now(), db_->old_schema());
  store_.reset();
  PgStore::Options options;
  options.shared = true;
  std::string error;
  store_ = PgStore::open(static_cast<PgDatabase&>(*db_).url(), options, error);
  ASSERT_NE(store_, nullptr) << error;
  EXPECT_TRUE(store_->needs_backfill());
  StoreHead head;
  ASSERT_TRUE(store_->lock_head(head));
  EXPECT_EQ(head.seq, 4);
  std::vector<int64_t> seqs;
  ASSERT_TRUE(store_->scan_journal_after(2, [&](JournalRecord&& r) {
    seqs.push_back(r.seq);
    return true;
  }));
  EXPECT_EQ(seqs, (std::vector<int64_t>{3, 4}));
  CommitBatch b = batch(5, 5, {version("c", 5, "user:ana", 1)});
  b.backfilled = true;
  ASSERT_TRUE(store_->commit(b));
  EXPECT_FALSE(store_->needs_backfill());
  EXPECT_EQ(find("c", 5)->body, "c@5");
}

}  // namespace
}  // namespace credits::server
