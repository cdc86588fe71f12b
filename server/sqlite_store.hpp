// The embedded store of the durable ledger: one SQLite file in WAL mode. A commit is one
// transaction; with synchronous=FULL (the default) it returns once the WAL is fsync'ed, so a
// committed batch survives kill -9 and power loss. One writer per file (its in-memory ledger
// would otherwise diverge from another's): a writer holds an flock on the file while it runs.
// Schema 3 also keeps the history's records (every version, each as of the journal record that
// wrote it) and the newest snapshot of the ledger's state (docs/storage.md, "Records and
// snapshots"); they are read through a second, read-only connection (records()), so that the
// thread applying operations reads beside the committer thread's commit. Only this file knows SQL.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "credits/ledger_store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace credits::server {

class SqliteRecords;

enum class SyncMode { full, normal };

class SqliteStore final : public LedgerStore {
 public:
  // Opens (creating if needed) the ledger file. The error is empty on success. A `writer` takes
  // the file's lock; `in_use` is set when another process holds it.
  static std::unique_ptr<SqliteStore> open(const std::string& path, SyncMode sync,
                                           std::string& error, bool writer = false,
                                           bool* in_use = nullptr);
  ~SqliteStore() override;

  StoreStatus load_cards(std::vector<StoredCard>& out) override;
  StoreStatus scan_journal(const std::function<bool(JournalRecord&&)>& fn) override;
  StoreStatus scan_entries(const std::function<bool(Entry&&)>& fn) override;
  StoreStatus load_payers(std::vector<PayerState>& out) override;
  StoreStatus commit(const CommitBatch& batch) override;

  RecordSource* records() override;
  bool needs_backfill() const override { return needs_backfill_; }
  StoreStatus load_snapshot(std::optional<StoredSnapshot>& out) override;
  StoreStatus scan_entries_after(int64_t after, const std::function<bool(Entry&&)>& fn) override;
  StoreStatus scan_journal_after(int64_t after,
                                 const std::function<bool(JournalRecord&&)>& fn) override;

  const std::string& path() const { return path_; }

 private:
  SqliteStore();  // in the .cpp, where SqliteRecords is complete
  std::string error_text(const char* what) const;
  bool exec(const char* sql, std::string& error);
  bool take_writer_lock(std::string& error, bool* in_use);
  bool create_or_migrate(std::string& error);
  bool prepare_statements(std::string& error);
  // Each writes its part of a commit's batch; the error's subject, or null when it worked.
  const char* write_journal(const CommitBatch& batch);
  const char* write_payers(const CommitBatch& batch);
  const char* write_history(const CommitBatch& batch);

  sqlite3* db_ = nullptr;
  // The writer's lock: a descriptor of its own, closed only after the database (closing any
  // descriptor of the file would drop SQLite's own fcntl locks on it).
  int lock_fd_ = -1;

  std::string path_;
  sqlite3_stmt* insert_record_ = nullptr;
  sqlite3_stmt* insert_entry_ = nullptr;
  sqlite3_stmt* upsert_payer_ = nullptr;
  sqlite3_stmt* insert_card_ = nullptr;
  sqlite3_stmt* insert_version_ = nullptr;
  sqlite3_stmt* drop_snapshots_ = nullptr;
  sqlite3_stmt* insert_snapshot_ = nullptr;
  sqlite3_stmt* mark_backfilled_ = nullptr;
  sqlite3_stmt* insert_event_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* rollback_ = nullptr;

  // Migrated from a schema without records, its journal not empty, until a backfilled commit.
  bool needs_backfill_ = false;
  // The read-only connection of records(); closed before db_.
  std::unique_ptr<SqliteRecords> records_;
};

}  // namespace credits::server
