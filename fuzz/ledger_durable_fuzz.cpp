// Ledger operations, durable: the input is JSON Lines of operations applied to a DurableLedger
// on the small test card, journaled through the store interface (ledger_store.hpp) into the
// server's SQLite store, on a temporary file in /dev/shm (RAM; SQLite's :memory: cannot use the
// WAL mode the store insists on), synchronous=NORMAL, deleted after each input. Lines are committed in groups of up to three
// (group commit), as `credits ledger --db` commits what it read together. After each line the
// live ledger keeps its invariants; at the end a fresh DurableLedger recovers from the store,
// as `credits ledger --db` and `credits serve` do on reopen, and must find the journal, the
// stored entries and the stored balances in agreement and the same state as the live one.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

#include "credits/durable_ledger.hpp"
#include "credits/operation.hpp"
#include "credits/wire/quote_wire.hpp"
#include "ledger_check.hpp"
#include "sqlite_store.hpp"

namespace {

using credits::fuzz::fail;

const credits::LoadedCard& loaded_test_card() {
  static const credits::LoadedCard card = [] {
    auto c = credits::load_card_text(credits::fuzz::read_source_file("tests/data/test-card.json"));
    if (!c) fail("the test card does not load");
    return *c;
  }();
  return card;
}

// A fresh ledger file for each input, in a directory of this process.
class TempDb {
 public:
  TempDb() {
    static const std::string dir = [] {
      for (const char* base : {static_cast<const char*>("/dev/shm"), static_cast<const char*>(std::getenv("TMPDIR")), static_cast<const char*>("/tmp")}) {
        if (!base) continue;
        std::string templ = std::string(base) + "/credits-fuzz-XXXXXX";
        if (::mkdtemp(templ.data())) {
          static std::string made;
          made = templ;
          std::atexit([] { ::rmdir(made.c_str()); });  // empty by then: each input removes its files
          return templ;
        }
      }
      fail("cannot make a temporary directory");
    }();
    path_ = dir + "/ledger.db";
    remove_files();
  }
  ~TempDb() { remove_files(); }
  const std::string& path() const { return path_; }

 private:
  void remove_files() {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) ::unlink((path_ + suffix).c_str());
  }
  std::string path_;
};

void commit(credits::DurableLedger& ledger, credits::LedgerStore& store) {
  credits::CommitBatch batch = ledger.take_batch();
  if (batch.empty()) return;
  if (credits::StoreStatus s = store.commit(batch); !s) fail("commit failed: " + s.error);
  ledger.durable_through(ledger.last_seq());  // as the server's committer says: it may leave memory
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace credits::fuzz;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  TempDb db;
  std::string error;
  auto store = credits::server::SqliteStore::open(db.path(), credits::server::SyncMode::normal, error);
  if (!store) fail("cannot open a SQLite store: " + error);

  // Small bounds, so that a short input already evicts records, forgets events and starts
  // again from a snapshot.
  auto bounded = [](credits::DurableLedger& l) {
    l.set_cache_records(2);
    l.set_snapshot_every(4);
    l.set_events_kept(1);
  };
  credits::DurableLedger ledger;
  bounded(ledger);
  if (!ledger.recover(*store).ok) fail("an empty store does not recover");
  if (!ledger.use_rate_card(loaded_test_card(), std::nullopt).ok()) fail("the test card is refused");
  commit(ledger, *store);

  int lines = 0;
  each_line(text, [&](std::string_view line) {
    const nlohmann::json before = digest(ledger.ledger());
    auto op = credits::parse_json_limited(line);
    const nlohmann::json r = op ? ledger.apply(std::move(*op), std::nullopt)
                                : nlohmann::json{{"op", nullptr}, {"ok", false}, {"error", credits::error_to_json(op.error())}};
    if (!result_ok(r, line))
      FUZZ_CHECK(digest(ledger.ledger()) == before, "a refused operation changed the ledger: " + r.dump(), line);
    check_ledger(ledger.ledger(), line);
    if (++lines % 3 == 0) commit(ledger, *store);
  });
  commit(ledger, *store);

  // Close the file and open it again, as a restart does.
  store.reset();
  store = credits::server::SqliteStore::open(db.path(), credits::server::SyncMode::normal, error);
  if (!store) fail("cannot reopen the SQLite store: " + error);
  credits::DurableLedger verified;
  verified.set_full_replay(true);  // credits verify: the whole journal, the snapshot checked
  if (credits::RecoveryReport full = verified.recover(*store); !full.ok)
    fail("the full replay refuses what was committed: " + full.to_json().dump(), text);
  credits::DurableLedger reopened;
  bounded(reopened);
  credits::RecoveryReport report = reopened.recover(*store);
  if (!report.ok) fail("recovery refuses what was committed: " + report.to_json().dump(), text);
  FUZZ_CHECK(reopened.last_seq() == ledger.last_seq(), "recovered journal length differs", text);
  FUZZ_CHECK(digest(reopened.ledger()) == digest(ledger.ledger()),
             "recovered state differs: " + digest(reopened.ledger()).dump() + " vs " + digest(ledger.ledger()).dump(), text);
  FUZZ_CHECK(reopened.ledger().now() == ledger.ledger().now(), "recovered clock differs", text);
  return 0;
}
