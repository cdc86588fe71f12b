// Balance events (SPEC §11): alerts and auto top-up requests on a payer's available credits,
// kept as their own numbered, append-only log. The ledger owns one BalanceEvents and, after
// every operation it accepted, hands it the payers the operation's new entries touched (and the
// payer of set_alert / set_auto_top_up) with their available credits; nothing here knows which
// operation it was, so every way money moves (time passing included) is covered alike.
//
// The crossing rule: an alert is "low" or not; each evaluation compares available with
// `below` and emits only when that changes (one balance_low per crossing down, one
// balance_recovered per crossing back), never a storm. An auto top-up emits top_up_requested
// whenever available is below `below` and no request is outstanding; a top-up entry of that
// payer with the request's key fulfils it. The ledger never moves money by itself.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "credits/civil_time.hpp"
#include "credits/money.hpp"

namespace credits {

enum class BalanceEventType { balance_low, balance_recovered, top_up_requested };
std::string_view to_string(BalanceEventType type);

struct BalanceEvent {
  int64_t seq = 0;  // 1, 2, 3... without gaps
  Timestamp at = 0;  // the time of the operation that caused it
  BalanceEventType type = BalanceEventType::balance_low;
  std::string payer;
  Credits below = 0;      // the threshold crossed
  Credits available = 0;  // the payer's available credits after the operation
  // top_up_requested only:
  Credits credits = 0;  // to - available: what the requested top-up should add
  std::string key;      // the key a top_up must carry to fulfil the request
  Credits to = 0;
};

struct AlertSetting {
  Credits below = 0;
  bool low = false;  // the state the crossing rule compares with; a new alert starts not low
};

struct AutoTopUpSetting {
  Credits below = 0;
  Credits to = 0;
  std::optional<std::string> outstanding;  // the key of the request not yet fulfilled
};

// A page of the log for the `events` read.
struct EventsPage {
  std::vector<BalanceEvent> events;  // seq > after, oldest first
  int64_t last_seq = 0;              // the newest event's seq overall (0: none yet)
};

// Everything a BalanceEvents holds, to snapshot it and start another from it (ledger_state.hpp).
struct BalanceEventsState {
  std::map<std::string, AlertSetting> alerts;
  std::map<std::string, AutoTopUpSetting> auto_top_ups;  // outstanding requests included
  // The newest events, seqs last_seq - log.size() + 1 .. last_seq: all of them in memory, or
  // (a durable ledger) those not yet forgotten; the older ones are in the store.
  std::vector<BalanceEvent> log;
  int64_t last_seq = 0;
};

// Where the events a BalanceEvents forgot are read from: each event with seq > after, in
// order, while `more` returns true (the durable ledger's store; nothing in memory).
using OlderEvents = std::function<void(int64_t after, const std::function<bool(BalanceEvent&&)>& more)>;

class BalanceEvents {
 public:
  BalanceEvents() = default;
  // From a snapshot the caller has checked (Ledger::from_state: payers exist, seqs 1..n).
  explicit BalanceEvents(BalanceEventsState state)
      : alerts_(std::move(state.alerts)),
        auto_top_ups_(std::move(state.auto_top_ups)),
        log_(state.log.begin(), state.log.end()),
        last_seq_(state.last_seq) {}
  BalanceEventsState state() const {
    return {alerts_, auto_top_ups_, std::vector<BalanceEvent>(log_.begin(), log_.end()), last_seq_};
  }

  // The settings, as set_alert / set_auto_top_up change them (validated by the ledger).
  // Setting an alert again keeps its state (a retry emits nothing); nullopt removes it.
  void set_alert(const std::string& payer, std::optional<Credits> below);
  // Setting again keeps an outstanding request; nullopt removes the setting and forgets it.
  void set_auto_top_up(const std::string& payer, std::optional<Credits> below, Credits to);

  // A top-up entry of `payer` with `key`: fulfils the payer's outstanding request of that key.
  void topped_up(const std::string& payer, const std::string& key);
  // The crossing rule for one payer whose available credits may have changed at `at`.
  // `key_taken` says whether a key is already used by the ledger (a request's key avoids it).
  void evaluate(Timestamp at, const std::string& payer, Credits available,
                const std::function<bool(const std::string&)>& key_taken);

  // Whether any payer has a setting: without one, no operation can emit anything.
  bool watching() const { return !alerts_.empty() || !auto_top_ups_.empty(); }
  // The events in memory, oldest first: every one, unless forget_through() let some go.
  const std::deque<BalanceEvent>& log() const { return log_; }
  int64_t last_seq() const { return last_seq_; }
  // The durable ledger's: events up to `seq` are in the store; all but the newest `keep` of
  // them leave memory (they are read back through `older` when a page asks for them).
  void forget_through(int64_t seq, size_t keep);
  // Events with seq > after, at most `limit`, oldest first; with `visible`, only those of the
  // payers it accepts (the page is filled from the events it accepts). Those no longer in
  // memory are read through `older`.
  EventsPage page(int64_t after, size_t limit, const std::function<bool(const std::string&)>* visible = nullptr,
                  const OlderEvents* older = nullptr) const;

  const AlertSetting* alert(const std::string& payer) const;
  const AutoTopUpSetting* auto_top_up(const std::string& payer) const;

 private:
  BalanceEvent& emit(Timestamp at, BalanceEventType type, const std::string& payer, Credits below,
                     Credits available);
  std::string request_key(const std::string& payer, const std::function<bool(const std::string&)>& key_taken) const;

  std::map<std::string, AlertSetting> alerts_;
  std::map<std::string, AutoTopUpSetting> auto_top_ups_;
  std::deque<BalanceEvent> log_;
  int64_t last_seq_ = 0;
};

}  // namespace credits
