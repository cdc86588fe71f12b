// The embedded store of the durable ledger: one SQLite file in WAL mode. A commit is one
// transaction; with synchronous=FULL (the default) it returns once the WAL is fsync'ed, so a
// committed batch survives kill -9 and power loss. Only this file knows SQL.
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
  // Opens (creating if needed) the ledger file. The error is empty on success.
  static std::unique_ptr<SqliteStore> open(const std::string& path, SyncMode sync, std::string& error);
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

  sqlite3* db_ = nullptr;

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
