// The ledger's history behind one port: every charge, top-up and reservation, found by its
// idempotency key, and each payer's charges in order. History grows without end, so the ledger
// does not hold it itself: the rules reach it through this interface, whatever keeps it.
// - MemoryRecords (memory_records.hpp) keeps everything in memory: the CLI without --db, the
//   WASM build, the tests.
// - CachedRecords (cached_records.hpp) keeps a bounded cache in front of a durable store, with
//   what the store does not have yet pinned in memory.
// Keys are shared by the three kinds and never expire (SPEC §7).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "credits/balance_events.hpp"
#include "credits/charge.hpp"
#include "credits/reservation.hpp"

namespace credits {

enum class RecordKind : uint8_t { charge, top_up, reservation };

// Thrown by a port whose store could not answer a read, or answered with a record this engine
// did not write. Not an input error: the operation may be half done (a read can follow time
// passing), so it is never turned into a refusal. The edge stops without answering and
// recovers from the store (the server's writer stops on any exception from an operation).
class RecordReadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class LedgerRecords {
 public:
  virtual ~LedgerRecords() = default;

  // What `key` was first used for, if it was ever used.
  virtual std::optional<RecordKind> kind_of(const std::string& key) = 0;

  // The record `key` names, or null when it names none of that kind. The ledger changes a
  // charge or a reservation in place and then says so (changed()). A pointer stays valid until
  // between_operations(): a bounded cache evicts only there.
  virtual Charge* find_charge(const std::string& key) = 0;
  virtual const TopUpRecord* find_top_up(const std::string& key) = 0;
  virtual Reservation* find_reservation(const std::string& key) = 0;

  // A new record, under a key no record uses (the ledger checked it with kind_of()).
  virtual Charge& add_charge(Charge charge) = 0;
  virtual void add_top_up(TopUpRecord top_up) = 0;
  virtual Reservation& add_reservation(Reservation reservation) = 0;

  // The ledger changed a record it found (a charge closed; a hold drawn from or ended).
  virtual void changed(const Charge& charge) = 0;
  virtual void changed(const Reservation& reservation) = 0;

  // The payer's charges newest first (the billing view's recent list and spend lines), while
  // `more` returns true. A record passed to `more` is valid only during the call.
  virtual void newest_charges(const std::string& payer, const std::function<bool(const Charge&)>& more) = 0;
  // The payer's charges oldest first (the CSV export), while `more` returns true.
  virtual void charges_in_order(const std::string& payer, const std::function<bool(const Charge&)>& more) = 0;

  // Balance events the ledger's log let go of (BalanceEvents::forget_through), each with seq >
  // after, in order, while `more` returns true. Only a store keeps them: in memory the log is
  // whole and this is never asked.
  virtual void older_events(int64_t after, const std::function<bool(BalanceEvent&&)>& more) {
    (void)after, (void)more;
  }

  // No pointer handed out before this call is used after it: a bounded cache may evict here.
  virtual void between_operations() {}
};

}  // namespace credits
