// The ledger of balances: payers (users and workspaces) with a subscription and a wallet,
// charges priced by the engine itself, refunds, settlements, workspaces and members. Every
// operation is validated in full before anything changes, so a rejected operation changes
// nothing. Money moves only by appending entries; balances always equal their replay.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "credits/balance_events.hpp"
#include "credits/ledger_records.hpp"
#include "credits/estimator.hpp"
#include "credits/money_split.hpp"
#include "credits/payer_id.hpp"
#include "credits/reservation.hpp"
#include "credits/subscription.hpp"

namespace credits {

// hold and release move credits between the buckets and a run's reservation (SPEC §11); a
// charge drawn from a reservation moves them from the hold to spent.
enum class EntryKind { grant, expire, top_up, charge, refund, settle, hold, release };
std::string_view to_string(EntryKind kind);

// One append-only money movement. Deltas are signed: a charge is negative, a refund positive.
struct Entry {
  int64_t seq = 0;
  Timestamp at = 0;
  std::string payer;
  EntryKind kind = EntryKind::grant;
  Credits subscription = 0;
  Credits wallet = 0;
  Credits held = 0;  // into (+) or out of (-) the payer's reservations
  std::string ref;   // the charge, top-up or reservation key
};

// Running totals per payer, for the invariant
// granted + topped_up = spent - refunded + expired + remaining (subscription + wallet) + held.
struct PayerTotals {
  Credits granted = 0;
  Credits topped_up = 0;
  Credits spent = 0;
  Credits refunded = 0;  // refunds and settlement returns
  Credits expired = 0;
};

struct Payer {
  PayerId id;  // parsed once, when the user or workspace is created
  Subscription sub;
  Credits wallet = 0;
  Credits held = 0;  // in open reservations: taken from the buckets, not yet spent or released
  PayerTotals totals;
  std::vector<std::string> open_holds;  // the keys of its reservations still open, oldest first
};

enum class Role { member, admin };

struct Workspace {
  std::string id;
  Payer* pool = nullptr;  // the workspace's payer
  std::map<std::string, Role> members;
  std::map<std::string, Credits> caps;  // per-member spend cap per workspace period
  // Spend per member in the cap period identified by the key.
  std::map<std::string, std::pair<int64_t, Credits>> member_spend;
};

struct User {
  std::string id;
  std::optional<std::string> workspace;  // active context; none = personal
  Payer* personal = nullptr;             // the user's own payer (stable: payers live in a map)
};

// Requests. A payer is written "user:ID" or "workspace:ID"; `by` names the acting user
// where SPEC §5 requires an admin.
struct ChargeRequest {
  std::string user;
  std::string key;
  Node node;                      // {"id", "model", "params"}, judged by the ledger in SPEC order
  std::optional<Credits> quoted;  // the price the client showed (max for a ranged quote)
  std::optional<Credits> quoted_min;  // optional, for a ranged quote shown as min..max
  std::string rate_card;
  std::string reservation;  // draw from this run's reservation instead of the buckets ("" for none)
};

// What a completed run reports (complete's "usage"): the quantities it decided, by name in
// byte order, or none. Judged against the charged node's model by the ledger.
struct Usage {
  enum class Form : uint8_t { none, not_object, quantities };
  Form form = Form::none;
  std::vector<GivenParam> quantities;
};

struct ChargeOutcome {
  const Charge* charge;
  bool replayed = false;
};

struct ReturnOutcome {  // a refund or a settlement
  const Charge* charge;
  Buckets back;  // what went back to each bucket
  bool replayed = false;
};


struct BalanceView {
  std::string payer;
  Subscription sub;
  Credits wallet = 0;
  PayerTotals totals;
  Credits available = 0;  // what a charge may take now: the current period's remaining + wallet
  Credits held = 0;       // in open reservations
  // The payer's balance-event settings (SPEC §11), filled by the `balance` and `usage`
  // operations once the read's own events are evaluated; none when not set.
  std::optional<AlertSetting> alert;
  std::optional<AutoTopUpSetting> auto_top_up;
};

struct SpendLine {
  std::string name;
  Credits credits = 0;
  int64_t runs = 0;
};

struct UsageView {
  BalanceView balance;
  Timestamp period_start = 0;  // the window the spend lines cover
  Timestamp period_end = 0;
  std::vector<Charge> recent;         // newest first
  std::vector<SpendLine> by_model;    // largest first
  std::vector<SpendLine> by_member;   // workspaces only, largest first
};

struct LedgerState;  // ledger_state.hpp

class Ledger {
 public:
  // History (charges, top-ups, reservations) is kept by `records`; none: all of it in memory.
  explicit Ledger(std::shared_ptr<const RateCard> card, std::unique_ptr<LedgerRecords> records = nullptr);

  // The rate card charges are priced with; swapping it makes clients on the old one stale.
  void set_rate_card(std::shared_ptr<const RateCard> card) { card_ = std::move(card); }
  const RateCard& rate_card() const { return *card_; }

  Status create_user(Timestamp at, const std::string& user);
  Status create_workspace(Timestamp at, const std::string& workspace, const std::string& admin);
  Status add_member(Timestamp at, const std::string& workspace, const std::string& user,
                    const std::string& by, Role role = Role::member);
  Status remove_member(Timestamp at, const std::string& workspace, const std::string& user,
                       const std::string& by);
  Status set_member_cap(Timestamp at, const std::string& workspace, const std::string& user,
                        std::optional<Credits> cap, const std::string& by);
  Status switch_context(Timestamp at, const std::string& user,
                        const std::optional<std::string>& workspace);

  // The payer-taking operations take a PayerId, parsed once by the caller; each also takes the
  // payer's text ("user:ID" or "workspace:ID"), refused with `invalid_op` at /payer if malformed.
  Status subscribe(Timestamp at, const PayerId& payer, Credits quota, const std::string& by);
  Status pause(Timestamp at, const PayerId& payer, const std::string& by);
  Status resume(Timestamp at, const PayerId& payer, const std::string& by);
  Status cancel(Timestamp at, const PayerId& payer, const std::string& by);
  Status subscribe(Timestamp at, const std::string& payer, Credits quota, const std::string& by);
  Status pause(Timestamp at, const std::string& payer, const std::string& by);
  Status resume(Timestamp at, const std::string& payer, const std::string& by);
  Status cancel(Timestamp at, const std::string& payer, const std::string& by);

  Result<TopUpOutcome> top_up(Timestamp at, const PayerId& payer, Credits credits, const std::string& key,
                              const std::string& by);
  Result<TopUpOutcome> top_up(Timestamp at, const std::string& payer, Credits credits,
                              const std::string& key, const std::string& by);
  // Takes the request by value: its node moves into the charge record.
  Result<ChargeOutcome> charge(Timestamp at, ChargeRequest request);
  // The provider failed: restore exactly what the charge took.
  Result<ReturnOutcome> fail(Timestamp at, const std::string& charge_key);
  // A charge completed; `usage` gives the quantities the run decided (a ranged quote).
  Result<ReturnOutcome> complete(Timestamp at, const std::string& charge_key, const Usage& usage);

  // SPEC §11. Plans the graph on the card in force and holds its total maximum from the user's
  // active context, subscription first (all or nothing; a member's cap counts it).
  Result<ReserveOutcome> reserve(Timestamp at, ReserveRequest request);
  // Returns what is left in the hold, each portion to its bucket as a refund would.
  Result<ReleaseOutcome> release(Timestamp at, const std::string& reservation_key);

  Result<BalanceView> balance(Timestamp at, const PayerId& payer);
  Result<UsageView> usage(Timestamp at, const PayerId& payer, size_t limit);
  Result<BalanceView> balance(Timestamp at, const std::string& payer);
  Result<UsageView> usage(Timestamp at, const std::string& payer, size_t limit);

  // SPEC §11 balance events (balance_events.hpp; defined in src/balance_events.cpp). `below`
  // nullopt removes the setting; `by` is the admin for a workspace payer, as for top_up.
  Status set_alert(Timestamp at, const PayerId& payer, std::optional<Credits> below, const std::string& by);
  Status set_auto_top_up(Timestamp at, const PayerId& payer, std::optional<Credits> below, Credits to,
                         const std::string& by);
  // The `events` read: events with seq > after, at most `limit` (1..1000); changes nothing.
  Result<EventsPage> events_after(Timestamp at, int64_t after, size_t limit,
                                  const std::function<bool(const std::string&)>* visible = nullptr) const;
  const BalanceEvents& balance_events() const { return balance_events_; }
  // A durable ledger's: events up to `seq` are in the store; memory keeps the newest `keep`.
  void forget_events_through(int64_t seq, size_t keep) { balance_events_.forget_through(seq, keep); }

  // Recomputes every payer's balances and totals from the entries alone and compares them
  // with the live state; the error (`internal`: a difference is a bug) lists each one.
  [[nodiscard]] Status verify_replay() const;
  // Checks the money invariant of every payer and that no bucket is negative (`internal` if not).
  [[nodiscard]] Status verify_invariants() const;

  // The entries still in memory, oldest first: all of them, unless forget_entries() was called
  // (the durable ledger forgets what it handed to the store, so memory does not hold history).
  // They are numbered on from entry_count() - entries().size() + 1.
  const std::vector<Entry>& entries() const { return entries_; }
  int64_t entry_count() const { return entries_forgotten_ + static_cast<int64_t>(entries_.size()); }
  // Hands over the entries in memory and forgets them; numbering goes on. Only between
  // operations. verify_replay() needs every entry, so it refuses once any was forgotten.
  std::vector<Entry> take_entries();
  const std::map<std::string, Payer>& payers() const { return payers_; }
  // The history. Reading it may load records (a cache in front of a store), so the port is not
  // const even where the ledger is; the rules change records only through their operations.
  LedgerRecords& records() const { return *records_; }
  Timestamp now() const { return now_; }

  // The snapshot (ledger_state.hpp, defined in src/ledger_state.cpp): the state that scales with
  // accounts, not with history. Only between operations.
  LedgerState state() const;
  // A ledger that goes on from `state` as the one it was taken from would, given the same rate
  // card and the records (history) that ledger had. Checks the state as it reads it (money
  // invariants, references, open holds against the records): `internal` naming what is wrong.
  // Entries in memory start empty; numbering goes on from the state's entry count.
  static Result<std::unique_ptr<Ledger>> from_state(std::shared_ptr<const RateCard> card,
                                                    std::unique_ptr<LedgerRecords> records,
                                                    LedgerState state);

 private:
  class Events;
  // Entry and exit assertions of every operation (one at the top of each): the clock never goes
  // back, entries are only appended and numbered without gaps, and every payer an operation
  // moved has its buckets within 0..kMaxBucket and its totals conserved. Cheap, so always on;
  // debug builds also check every payer. A broken one aborts: it is a bug, not an input error.
  class Audit {
   public:
    explicit Audit(Ledger& ledger);  // the outermost one's exit runs after_operation()
    ~Audit();
    Audit(const Audit&) = delete;
    Audit& operator=(const Audit&) = delete;

   private:
    Ledger& ledger_;
    Timestamp now_before_;
    size_t entries_before_;
  };
  static Status check_payer(const std::string& id, const Payer& p);
  // What the passage of time does to a payer's subscription, computed without touching it,
  // so an operation can check against the advanced state and still change nothing if refused.
  // Holds that reach their `expires_at` are released in the same pass, in time order with the
  // resets, so each portion lands where a refund at that instant would.
  struct Advanced {
    Subscription sub;
    Credits wallet = 0;
    Credits held = 0;
    struct Event {
      enum Kind { grant, expire, release } kind;
      Timestamp at;
      Credits amount;    // grant, expire
      Reservation* hold = nullptr;  // release: valid during the operation (ledger_records.hpp)
      Buckets routed{};  // release: what goes back to each bucket
    };
    std::vector<Event> events;
  };
  Advanced preview(const Payer& p, Timestamp at) const;
  void advance_preview(const Payer& p, Timestamp at, Advanced& a) const;
  static Credits granted_after(const PayerTotals& t, const Advanced& a);
  void commit(Payer& p, Advanced& advanced);
  // One money-moving operation on one payer, between its prologue and its commit: what time
  // passing does to the payer's subscription is applied to a copy until finish().
  struct Step {
    Payer* payer;
    Advanced advanced;
  };
  // The prologue every money-moving operation shares, in the order of its errors: the clock,
  // the payer, its admin (`by`; none for a read), then time passing, on a copy.
  Result<Step> begin(Timestamp at, const PayerId& payer, const std::string* by);
  Step begin_on(Payer& payer, Timestamp at) const;  // a payer already found (a charge's)
  // The commit: time passing made real and the clock moved; the operation's own change follows.
  void finish(Step& step, Timestamp at);
  // The text form of a payer-taking operation: the payer parsed once, then the typed one.
  template <typename Typed>
  auto with_payer(Timestamp at, const std::string& payer, Typed typed) -> decltype(typed(PayerId()));
  Status check_clock(Timestamp at) const;
  Result<Payer*> find_payer(const PayerId& payer);
  Status require_admin(const PayerId& payer, const std::string& by);
  Status require_workspace_admin(const Workspace& ws, const std::string& by);
  void append(Timestamp at, const std::string& payer, EntryKind kind, Credits sub, Credits wallet,
              const std::string& ref, Credits held = 0);
  int64_t cap_period(const Subscription& workspace_sub, Timestamp at) const;
  void give_back(Payer& p, const Buckets& routed);
  Status check_give_back(const Payer& p, const Advanced& a, const Buckets& routed, Credits refunded) const;
  Status check_period_start(const Payer& p, const Advanced& a, Credits quota, Timestamp at) const;
  void uncount_member_spend(const Payer& payer, const Charge& c, Credits amount);
  void uncount_member_spend(const Payer& payer, const std::string& user, int64_t cap_period, Credits amount);
  // The charge a fail or complete names, while it is neither refunded nor settled (the
  // messages say what each refusal means for the operation asked).
  Result<Charge*> open_charge(const std::string& key, const std::string& refunded, const std::string& settled);
  // Returns `returned` (routed to the buckets that take it now) and closes the charge.
  Result<ReturnOutcome> close_charge(Timestamp at, Charge& c, const Buckets& returned, ChargeStatus status);

  std::shared_ptr<const RateCard> card_;
  std::map<std::string, Payer> payers_;
  std::unordered_map<std::string, User> users_;
  std::unordered_map<std::string, Workspace> workspaces_;
  // Outcomes point at records: valid until the records' between_operations().
  std::unique_ptr<LedgerRecords> records_;

  // The steps of a charge (charge() runs them in this order, which is the order of its errors).
  struct ChargeContext {
    Payer* payer;
    Workspace* workspace;  // null for a personal account
  };
  struct PricedNode {
    const Model* model;
    Price price;
  };
  Result<ChargeOutcome> replay_charge(const ChargeRequest& r) const;
  Result<ChargeContext> charge_context(const std::string& user);
  Result<PricedNode> price_shown(const ChargeRequest& r) const;
  Status check_member_cap(const Workspace& ws, const std::string& user, int64_t cap_key, Credits held) const;
  const Charge& record_charge(Timestamp at, ChargeRequest&& r, Payer& pr, const PricedNode& priced,
                              const Buckets& split, int64_t cap_key, Reservation* hold = nullptr);
  Result<ChargeOutcome> charge_reserved(Timestamp at, ChargeRequest&& r);
  // The reservation steps (src/reservation.cpp).
  void preview_expiries(const Payer& p, Timestamp at, Advanced& a) const;
  void release_hold(Payer& p, Reservation& hold, const Buckets& routed, Timestamp at, ReservationStatus status);
  Result<ReserveOutcome> replay_reserve(const ReserveRequest& r) const;
  Result<Plan> plan_reserved(ReserveRequest& r) const;
  const Reservation& record_reservation(Timestamp at, ReserveRequest&& r, const Plan& plan, Payer& pr,
                                        const Buckets& split, int64_t cap_key);
  Result<Reservation*> open_reservation(const std::string& key, Timestamp at, const std::string& path);
  // A charge that names a reservation: the hold it draws from, checked against the request.
  Result<Reservation*> reserved_for(const ChargeRequest& r, Timestamp at);
  Result<Buckets> draw_from_hold(const Reservation& hold, Credits price) const;
  std::vector<Entry> entries_;
  int64_t entries_forgotten_ = 0;  // taken by take_entries(): in the store, not in memory
  Timestamp now_ = 0;

  // The balance-events hook (src/balance_events.cpp): after an operation, the crossing rule for
  // every payer its new entries touched; evaluate_payer() for one payer.
  void after_operation(size_t entries_before);
  void evaluate_payer(const Payer& p);
  BalanceEvents balance_events_;
  int audits_open_ = 0;  // nested Audits (an operation calling another): the hook runs once
};

}  // namespace credits
