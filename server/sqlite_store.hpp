// The embedded store of the durable ledger: one SQLite file in WAL mode. A commit is one
// transaction; with synchronous=FULL (the default) it returns once the WAL is fsync'ed, so a
// committed batch survives kill -9 and power loss. One writer per file (its in-memory ledger
// would otherwise diverge from another's): a writer holds an flock on the file while it runs.
// Only this file knows SQL.
#pragma once

#include <memory>
#include <string>

#include "credits/ledger_store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace credits::server {

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

  const std::string& path() const { return path_; }

 private:
  SqliteStore() = default;
  std::string error_text(const char* what) const;
  bool exec(const char* sql, std::string& error);
  bool take_writer_lock(std::string& error, bool* in_use);

  sqlite3* db_ = nullptr;
  // The writer's lock: a descriptor of its own, closed only after the database (closing any
  // descriptor of the file would drop SQLite's own fcntl locks on it).
  int lock_fd_ = -1;

  std::string path_;
  sqlite3_stmt* insert_record_ = nullptr;
  sqlite3_stmt* insert_entry_ = nullptr;
  sqlite3_stmt* upsert_payer_ = nullptr;
  sqlite3_stmt* insert_card_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* rollback_ = nullptr;
};

}  // namespace credits::server
