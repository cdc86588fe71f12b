// The ledger's history in a durable store, with a bounded cache in memory (ledger_records.hpp).
// What the store already holds may leave memory; what it does not hold yet (versions written
// since the last commit, and those of a commit still under way) is pinned, and every read sees
// it first. Core logic only: the store's reads come in through RecordSource (ledger_store.hpp).
//
// Versions: every change of a record is a new version, stamped with the journal record that made
// it (set_seq()). Reads see the store as of the journal record before the current one, so a
// replay of the journal (start-up, or a server catching up with the others on a shared store)
// sees each record as it stood at that point, even though the store holds later versions.
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "credits/ledger_records.hpp"
#include "credits/ledger_store.hpp"
#include "credits/wire/record_wire.hpp"

namespace credits {

class CachedRecords final : public LedgerRecords {
 public:
  // At most `capacity` records stay in memory between operations, pinned ones aside.
  CachedRecords(RecordSource& source, CardByVersion cards, size_t capacity);

  std::optional<RecordKind> kind_of(const std::string& key) override;
  Charge* find_charge(const std::string& key) override;
  const TopUpRecord* find_top_up(const std::string& key) override;
  Reservation* find_reservation(const std::string& key) override;
  Charge& add_charge(Charge charge) override;
  void add_top_up(TopUpRecord top_up) override;
  Reservation& add_reservation(Reservation reservation) override;
  void changed(const Charge& charge) override;
  void changed(const Reservation& reservation) override;
  void newest_charges(const std::string& payer, const std::function<bool(const Charge&)>& more) override;
  void charges_in_order(const std::string& payer, const std::function<bool(const Charge&)>& more) override;
  void between_operations() override;
  void older_events(int64_t after, const std::function<bool(BalanceEvent&&)>& more) override;

  // The journal record the next operation will be, if it is kept: what it writes is stamped
  // with it, and it reads the store as of the record before.
  void set_seq(int64_t seq) { seq_ = seq; }
  // While replaying what the store holds (its own journal, or records other servers wrote),
  // what is written is in the store already: nothing is pinned or kept for a commit.
  void set_replaying(bool replaying) { replaying_ = replaying; }
  // Reads these keys from the store in one request (RecordSource::find_records), as of the
  // record before the current one: the operations about to be applied will ask for them. A key
  // the store does not have is remembered as absent until take_written(): any version written
  // meanwhile is written here (by this ledger, or replayed from another writer), so the answer
  // holds for every later point until then. A failed read is ignored: each key is then read
  // on its own, and that read's failure is reported.
  void prefetch(const std::vector<std::string>& keys);
  // The versions written since the last call, in order, for one commit. Their records stay in
  // memory until durable() covers them.
  std::vector<StoredRecord> take_written();
  // Everything journal records up to `seq` wrote is durable in the store: it may leave memory.
  void durable(int64_t seq);

  size_t size() const { return slots_.size(); }
  size_t pinned() const { return slots_.size() - lru_.size(); }
  size_t capacity() const { return capacity_; }
  struct Counters {
    uint64_t hits = 0;       // found in memory
    uint64_t loads = 0;      // read from the store
    uint64_t misses = 0;     // in neither: a key never used
    uint64_t evictions = 0;  // left memory
    uint64_t prefetches = 0;  // requests of prefetch() to the store
  };
  const Counters& counters() const { return counters_; }

 private:
  using Record = std::variant<Charge, TopUpRecord, Reservation>;  // RecordKind's order
  struct Slot {
    Record record;
    int64_t pinned_until = 0;  // the newest version written and not yet durable (0: none)
    bool in_lru = false;
    std::list<const std::string*>::iterator lru;
  };
  Slot* find(const std::string& key);
  Slot& insert(const std::string& key, Record record);
  void write(const std::string& key, Slot& slot);
  Record decode(const StoredRecord& stored) const;
  void scan(const std::string& payer, bool newest_first, const std::function<bool(const Charge&)>& more);
  std::unordered_set<std::string> absent_;  // prefetched keys the store did not have
  std::vector<const Charge*> pinned_charges(const std::string& payer, bool newest_first) const;

  RecordSource& source_;
  CardByVersion cards_;
  size_t capacity_;
  int64_t seq_ = 0;
  bool replaying_ = false;
  std::unordered_map<std::string, Slot> slots_;  // nodes never move: pointers stay valid
  std::list<const std::string*> lru_;  // the keys of unpinned slots, least recently used first
  std::vector<StoredRecord> written_;
  std::deque<std::pair<int64_t, const std::string*>> pins_;  // (version seq, key), in order
  Counters counters_;
};

}  // namespace credits
