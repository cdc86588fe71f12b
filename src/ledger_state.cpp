// The ledger's snapshot (ledger_state.hpp): Ledger::state() and Ledger::from_state(), and the
// checks a state passes before a ledger is built on it. A state comes from a file a server
// reads at start-up, so nothing in it is trusted: every reference is checked, and a state that
// could not have come from a ledger is refused (`internal`: a corrupt snapshot, never a client's
// fault) before anything is built.
#include "credits/ledger_state.hpp"

#include <algorithm>
#include <set>

#include "credits/payer_id.hpp"

namespace credits {

namespace {

Error broken(const std::string& what) {
  return Error(ErrorCode::internal, "ledger state: " + what);
}

// What the checks look things up in: the state's payers, users and workspaces by id.
struct Index {
  std::set<std::string> payers, users, workspaces;
};

Result<Index> index_state(const LedgerState& s) {
  Index ix;
  for (const Payer& p : s.payers)
    if (!ix.payers.insert(p.id.text()).second)
      return broken("payer " + p.id.text() + " appears twice");
  for (const UserState& u : s.users)
    if (!ix.users.insert(u.id).second) return broken("user \"" + u.id + "\" appears twice");
  for (const WorkspaceState& w : s.workspaces)
    if (!ix.workspaces.insert(w.id).second)
      return broken("workspace \"" + w.id + "\" appears twice");
  return ix;
}

// Every payer belongs to its user or workspace, and each of those has its own payer: the
// ledger creates them together, and an operation on "user:ID" reaches both.
Status check_owners(const LedgerState& s, const Index& ix) {
  for (const Payer& p : s.payers) {
    const std::string id(p.id.id());
    if (p.id.is_workspace() ? !ix.workspaces.count(id) : !ix.users.count(id))
      return broken("payer " + p.id.text() + " has no " +
                    (p.id.is_workspace() ? "workspace" : "user"));
  }
  for (const UserState& u : s.users) {
    if (!is_valid_id(u.id)) return broken("user \"" + u.id + "\" breaks the id rule");
    if (u.personal != payer_text(PayerKind::user, u.id) || !ix.payers.count(u.personal))
      return broken("user \"" + u.id + "\" has no personal payer " +
                    payer_text(PayerKind::user, u.id) + " (it names \"" + u.personal + "\")");
    // A removed member's context stays on the workspace (remove_member), so only its existence.
    if (u.workspace && !ix.workspaces.count(*u.workspace))
      return broken("user \"" + u.id + "\" is in workspace \"" + *u.workspace +
                    "\", which does not exist");
  }
  return Ok{};
}

Status check_workspace(const WorkspaceState& w, const Index& ix) {
  const std::string name = "workspace \"" + w.id + "\"";
  if (!is_valid_id(w.id)) return broken(name + " breaks the id rule");
  if (w.pool != payer_text(PayerKind::workspace, w.id) || !ix.payers.count(w.pool))
    return broken(name + " has no pool payer " + payer_text(PayerKind::workspace, w.id) +
                  " (it names \"" + w.pool + "\")");
  bool admin = false;
  for (const auto& [user, role] : w.members) {
    if (!ix.users.count(user))
      return broken(name + " has member \"" + user + "\", who is not a user");
    admin = admin || role == Role::admin;
  }
  if (!admin) return broken(name + " has no admin (the last admin cannot be removed)");
  for (const auto& [user, cap] : w.caps) {
    if (!w.members.count(user)) return broken(name + " caps \"" + user + "\", who is not a member");
    if (!is_amount(cap))
      return broken(name + " caps \"" + user + "\" at " + std::to_string(cap) + ", not an amount");
  }
  // Spend stays counted after a member leaves (a refund uncounts it), so only users.
  for (const auto& [user, spend] : w.member_spend) {
    if (!ix.users.count(user))
      return broken(name + " counts spend of \"" + user + "\", who is not a user");
    if (spend.spent < 0) return broken(name + " counts negative spend of \"" + user + "\"");
  }
  return Ok{};
}

// The calendar a subscription moves by (advance_subscription counts periods from the anchor):
// instants the engine keeps, in order, none after the clock but the next reset. Whatever a
// subscription's buckets hold is check_payer's.
Status check_subscription(const Payer& p, Timestamp now) {
  const Subscription& s = p.sub;
  const std::string name = p.id.text() + "'s subscription";
  if (!is_amount(s.quota)) return broken(name + " has a quota that is not an amount");
  if (s.period_index < 0) return broken(name + " has a negative period index");
  for (Timestamp t : {s.anchor, s.period_start, s.period_end})
    if (t < 0 || t > kMaxTimestamp) return broken(name + " has an instant outside the calendar");
  if (s.status == SubscriptionStatus::none) return Ok{};
  if (s.anchor > s.period_start || s.period_start > s.period_end || s.period_start > now)
    return broken(name + " is not anchor <= period start <= period end, period start <= now");
  return Ok{};
}

Status check_balance_events(const BalanceEventsState& e, const Index& ix, Timestamp now) {
  for (const auto& [payer, alert] : e.alerts)
    if (!ix.payers.count(payer) || !is_amount(alert.below))
      return broken("the alert of " + payer + " names no payer or no amount");
  for (const auto& [payer, t] : e.auto_top_ups) {
    if (!ix.payers.count(payer)) return broken("the auto top-up of " + payer + " names no payer");
    if (!is_amount(t.below) || !is_amount(t.to) || t.to <= t.below)
      return broken("the auto top-up of " + payer + " is not below < to, both amounts");
  }
  // The `events` read finds an event by its seq as an index: the newest, without gaps, ending
  // at last_seq (the older ones are in the store).
  const int64_t first = e.last_seq - static_cast<int64_t>(e.log.size()) + 1;
  if (e.last_seq < 0 || first < 1) return broken("the balance events' last seq is not at least the events kept");
  for (size_t i = 0; i < e.log.size(); ++i) {
    const BalanceEvent& ev = e.log[i];
    if (ev.seq != first + static_cast<int64_t>(i))
      return broken("balance event " + std::to_string(first + static_cast<int64_t>(i)) + " has seq " +
                    std::to_string(ev.seq));
    if (!ix.payers.count(ev.payer) || ev.at > now || (i > 0 && ev.at < e.log[i - 1].at))
      return broken("balance event " + std::to_string(ev.seq) +
                    " names no payer or is out of time order");
  }
  return Ok{};
}

// Each payer's held credits are exactly what its open holds still hold, and each of those is a
// reservation of that payer the records have, open: the snapshot and the history agree.
Status check_open_holds(const std::vector<Payer>& payers, LedgerRecords& records) {
  std::set<std::string> seen;
  for (const Payer& p : payers) {
    Credits held = 0;
    for (const std::string& key : p.open_holds) {
      if (!seen.insert(key).second) return broken("hold \"" + key + "\" is open twice");
      const Reservation* r = records.find_reservation(key);
      if (!r || r->payer != p.id.text() || r->status != ReservationStatus::open)
        return broken(p.id.text() + " holds \"" + key +
                      "\", which the records have as no open reservation of it");
      const auto sum = checked_add(held, r->left.total());
      if (!sum) return broken(p.id.text() + "'s holds overflow");
      held = *sum;
    }
    if (held != p.held)
      return broken(p.id.text() + " holds " + std::to_string(p.held) + " but its open holds hold " +
                    std::to_string(held));
  }
  records.between_operations();  // nothing found here is used after
  return Ok{};
}

}  // namespace

LedgerState Ledger::state() const {
  LedgerState s;
  s.now = now_;
  s.entry_count = entry_count();
  for (const auto& [id, p] : payers_) s.payers.push_back(p);
  for (const auto& [id, u] : users_) s.users.push_back({u.id, u.workspace, u.personal->id.text()});
  for (const auto& [id, w] : workspaces_) {
    WorkspaceState ws{w.id, w.pool->id.text(), w.members, w.caps, {}};
    for (const auto& [user, spend] : w.member_spend)
      ws.member_spend[user] = {spend.first, spend.second};
    s.workspaces.push_back(std::move(ws));
  }
  // users_ and workspaces_ are hashed: byte order makes the snapshot's text deterministic.
  std::sort(s.users.begin(), s.users.end(),
            [](const UserState& a, const UserState& b) { return a.id < b.id; });
  std::sort(s.workspaces.begin(), s.workspaces.end(),
            [](const WorkspaceState& a, const WorkspaceState& b) { return a.id < b.id; });
  s.balance_events = balance_events_.state();
  return s;
}

Result<std::unique_ptr<Ledger>> Ledger::from_state(std::shared_ptr<const RateCard> card,
                                                   std::unique_ptr<LedgerRecords> records,
                                                   LedgerState state) {
  if (!card) return broken("no rate card");
  if (state.now < 0 || state.now > kMaxTimestamp)
    return broken("the clock is outside 0.." + std::to_string(kMaxTimestamp));
  if (state.entry_count < 0) return broken("a negative entry count");
  auto ix = index_state(state);
  if (!ix) return ix.error();
  if (Status s = check_owners(state, *ix); !s) return s.error();
  for (const WorkspaceState& w : state.workspaces)
    if (Status s = check_workspace(w, *ix); !s) return s.error();
  for (const Payer& p : state.payers) {
    if (Status s = check_payer(p.id.text(), p); !s) return broken(s.error().message);
    if (Status s = check_subscription(p, state.now); !s) return s.error();
  }
  if (Status s = check_balance_events(state.balance_events, *ix, state.now); !s) return s.error();
  auto ledger = std::make_unique<Ledger>(std::move(card), std::move(records));
  if (Status s = check_open_holds(state.payers, *ledger->records_); !s) return s.error();

  ledger->now_ = state.now;
  ledger->entries_forgotten_ = state.entry_count;  // in the store (or gone): numbering goes on
  for (Payer& p : state.payers) {
    std::string id = p.id.text();
    ledger->payers_.emplace(std::move(id), std::move(p));
  }
  // Payers live in a map, so these pointers stay valid as more are created.
  for (UserState& u : state.users)
    ledger->users_.emplace(u.id,
                           User{u.id, std::move(u.workspace), &ledger->payers_.at(u.personal)});
  for (WorkspaceState& w : state.workspaces) {
    Workspace ws{w.id, &ledger->payers_.at(w.pool), std::move(w.members), std::move(w.caps), {}};
    for (const auto& [user, spend] : w.member_spend)
      ws.member_spend[user] = {spend.cap_period, spend.spent};
    ledger->workspaces_.emplace(w.id, std::move(ws));
  }
  ledger->balance_events_ = BalanceEvents(std::move(state.balance_events));
  return ledger;
}

}  // namespace credits
