// The networked store of the durable ledger: PostgreSQL through libpq (`--db postgresql://…`).
// The same tables as the SQLite file (schema 3: meta, rate_cards, journal, entries, payers,
// records, snapshots), amounts and times BIGINT, plus the head of several writers (schema 4). A
// commit is one transaction, sent as one pipeline (BEGIN, one multi-row INSERT per table from
// arrays, COMMIT: one round trip); with synchronous_commit=on (the default, --sync full) COMMIT
// returns once the WAL is flushed on the server, so a committed batch survives kill -9 of this
// process and of PostgreSQL. Serialization failures and deadlocks (SQLSTATE 40001, 40P01) are
// retried a bounded number of times.
//
// Several `credits serve` share one database (a shared store, ledger_store.hpp): each commit
// holds the row of ledger_head FOR UPDATE from before its writer catches up with the journal
// until COMMIT (docs/storage.md). `credits ledger --db` writes alone: the writers hold a
// session-level advisory lock, shared by servers and exclusive by the command line, so either
// is refused at open while the other runs. A shared writer's transaction commits with
// synchronous_commit off, releasing the head at once, and is made durable after it by a
// transaction of its own that waits for the WAL flush (make_durable): the writers' flushes
// overlap instead of queueing behind the head. The history's records are read (records())
// through a second connection, opened at the first read, so that the thread applying operations
// reads beside the committer thread's commit. Only this file and pg_store.cpp know libpq.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "credits/ledger_store.hpp"

struct pg_conn;

namespace credits::server {

class PgRecords;

class PgStore final : public LedgerStore {
 public:
  struct Options {
    bool synchronous = true;  // synchronous_commit=on; off: survives a crash of this process only
    bool writer = true;       // take the writers' lock; create the tables if missing
    bool shared = false;      // a writer beside others (credits serve): the lock shared
    std::string role = "credits";  // application_name, shown to a second writer that is refused
    int lock_wait_ms = 3000;  // a writer killed a moment ago may still hold the lock: wait this long
  };

  // Connects to `url` (a libpq URI, postgresql:// or postgres://). The error is empty on success;
  // `in_use` is set when another writer holds the ledger.
  static std::unique_ptr<PgStore> open(const std::string& url, const Options& options, std::string& error,
                                       bool* in_use = nullptr);
  ~PgStore() override;

  StoreStatus load_cards(std::vector<StoredCard>& out) override;
  StoreStatus scan_journal(const std::function<bool(JournalRecord&&)>& fn) override;
  StoreStatus scan_entries(const std::function<bool(Entry&&)>& fn) override;
  StoreStatus load_payers(std::vector<PayerState>& out) override;
  StoreStatus commit(const CommitBatch& batch) override;
  StoreStatus begin_read() override;
  void end_read() override;
  bool shared() const override { return shared_; }
  StoreStatus lock_head(StoreHead& head) override;
  StoreStatus scan_journal_after(int64_t after,
                                 const std::function<bool(JournalRecord&&)>& fn) override;
  void abort() override;
  StoreStatus make_durable() override;
  // Null for a reader of a database no writer has brought to schema 4 yet (it has no records).
  RecordSource* records() override;
  bool needs_backfill() const override { return needs_backfill_; }
  StoreStatus load_snapshot(std::optional<StoredSnapshot>& out) override;
  StoreStatus scan_entries_after(int64_t after, const std::function<bool(Entry&&)>& fn) override;

  // For people: "PostgreSQL 15.4, synchronous_commit=on".
  std::string description() const;
  // Commits retried after a serialization failure or a deadlock, since open.
  long retries() const { return retries_; }

  static bool is_url(const std::string& db);
  // The URL without its password (userinfo or `password=` parameter), for logs and answers.
  static std::string redacted(const std::string& url);

 private:
  PgStore();  // in the .cpp, where PgRecords is complete
  bool exec(const char* sql, std::string& error);
  bool take_writer_lock(const Options& options, std::string& error);
  bool create_schema(std::string& error);
  bool check_schema(const Options& options, const std::string& url, std::string& error);
  bool prepare_statements(bool writer, std::string& error);
  StoreStatus failed(std::string error);
  StoreStatus scan(const char* what, const std::string& select,
                   const std::function<bool(void* result, int row)>& fn);
  // One attempt: the whole batch in one pipeline. `retryable` is set on 40001/40P01, `unknown`
  // when the backend ended and the commit may have happened.
  std::string commit_once(const CommitBatch& batch, bool& retryable, bool& unknown);

  pg_conn* conn_ = nullptr;
  std::string where_;  // the redacted URL
  std::string server_version_;
  bool synchronous_ = true;
  bool server_fsync_ = true;
  bool shared_ = false;
  long retries_ = 0;
  bool has_records_ = false;  // schema 4
  // Brought from a schema without records, its journal not empty, until a backfilled commit.
  bool needs_backfill_ = false;
  std::unique_ptr<PgRecords> records_;
};

}  // namespace credits::server
