// Run budgets (SPEC §11): a reservation holds a whole graph's planned maximum before the run
// starts, so a run never stops halfway for credits. Charges that name it draw their price from
// the hold; what is left goes back when it is released, or by time at `expires_at`, each
// portion to its bucket as a refund's would (SPEC §4). The ledger (ledger.hpp) keeps them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "credits/civil_time.hpp"
#include "credits/money.hpp"
#include "credits/plan.hpp"

namespace credits {

// How long a hold lasts unless the request says otherwise, and the longest it may ask for.
inline constexpr int64_t kDefaultHoldSeconds = 24 * 60 * 60;
inline constexpr int64_t kMaxHoldSeconds = 30 * 24 * 60 * 60;

struct ReserveRequest {
  std::string user;
  std::string key;
  Graph graph;             // the run's graph; the ledger plans it itself
  std::string graph_text;  // its canonical JSON, to tell a retry from a conflict
  std::string rate_card;   // the version the client planned with
  int64_t expires_in_s = kDefaultHoldSeconds;
};

enum class ReservationStatus { open, released, expired };
std::string_view to_string(ReservationStatus s);

// A node of the reserved graph that a charge may name, and the most the plan priced it at.
struct ReservedNode {
  std::string model;
  Credits max = 0;
};

struct Reservation {
  std::string key;
  std::string payer;
  std::string user;
  std::string graph_text;
  std::string rate_card;
  std::map<std::string, ReservedNode> nodes;  // by node id; skipped nodes are not reserved
  Timestamp at = 0;
  Timestamp expires_at = 0;
  int64_t expires_in_s = kDefaultHoldSeconds;
  Buckets taken;        // what the hold took from each bucket: the plan's total maximum
  Buckets left;         // what is still held, by the bucket it came from
  int64_t cap_period = 0;  // the member-cap period it counted in (workspaces)
  ReservationStatus status = ReservationStatus::open;
  Timestamp closed_at = 0;
  Buckets back;  // what went back to each bucket when it closed
  int64_t entry_seq = 0;  // its hold entry's number: the order reservations were made in

  Credits credits() const { return taken.total(); }  // held at reserve time
  // Drawn by charges: what was taken less what is left or went back (a refund of a drawn charge
  // goes to the buckets, never back into the hold).
  Credits charged() const { return taken.total() - left.total() - back.total(); }
};

struct ReserveOutcome {
  const Reservation* reservation;
  bool replayed = false;
};

struct ReleaseOutcome {
  const Reservation* reservation;
};

}  // namespace credits
