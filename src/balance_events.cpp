// Balance events (SPEC §11): the settings, the per-payer state, the log and the crossing rule
// (BalanceEvents), and the ledger's side of them: set_alert, set_auto_top_up, the `events`
// read and the hook every operation's outermost Audit runs on exit (after_operation).
#include "credits/balance_events.hpp"

#include <algorithm>

#include <set>
#include <string_view>

#include "credits/ledger.hpp"

namespace credits {

std::string_view to_string(BalanceEventType type) {
  switch (type) {
    case BalanceEventType::balance_low: return "balance_low";
    case BalanceEventType::balance_recovered: return "balance_recovered";
    case BalanceEventType::top_up_requested: return "top_up_requested";
  }
  return "balance_low";
}

void BalanceEvents::set_alert(const std::string& payer, std::optional<Credits> below) {
  if (!below) {
    alerts_.erase(payer);
    return;
  }
  alerts_[payer].below = *below;  // a new alert starts not low; an existing one keeps its state
}

void BalanceEvents::set_auto_top_up(const std::string& payer, std::optional<Credits> below, Credits to) {
  if (!below) {
    auto_top_ups_.erase(payer);  // and with it any outstanding request
    return;
  }
  AutoTopUpSetting& s = auto_top_ups_[payer];
  s.below = *below;
  s.to = to;
}

void BalanceEvents::topped_up(const std::string& payer, const std::string& key) {
  auto it = auto_top_ups_.find(payer);
  if (it != auto_top_ups_.end() && it->second.outstanding == key) it->second.outstanding.reset();
}

BalanceEvent& BalanceEvents::emit(Timestamp at, BalanceEventType type, const std::string& payer, Credits below,
                                  Credits available) {
  BalanceEvent e;
  e.seq = ++last_seq_;
  e.at = at;
  e.type = type;
  e.payer = payer;
  e.below = below;
  e.available = available;
  log_.push_back(std::move(e));
  return log_.back();
}

// "auto-top-up:<payer>:<seq>", the seq the request's event will carry (so keys never repeat);
// "auto-top-up:<seq>" when a long payer would break the id rule; a key the ledger already
// knows (a client chose it) gets a suffix, so a top-up with the request's key is always new.
std::string BalanceEvents::request_key(const std::string& payer,
                                       const std::function<bool(const std::string&)>& key_taken) const {
  const std::string seq = std::to_string(last_seq() + 1);
  std::string key = "auto-top-up:" + payer + ":" + seq;
  if (!is_valid_id(key)) key = "auto-top-up:" + seq;
  const std::string base = key;
  for (int n = 1; key_taken(key); ++n) key = base + "." + std::to_string(n);
  return key;
}

void BalanceEvents::evaluate(Timestamp at, const std::string& payer, Credits available,
                             const std::function<bool(const std::string&)>& key_taken) {
  if (auto a = alerts_.find(payer); a != alerts_.end()) {
    AlertSetting& s = a->second;
    const bool low = available < s.below;
    if (low != s.low) {
      s.low = low;
      emit(at, low ? BalanceEventType::balance_low : BalanceEventType::balance_recovered, payer, s.below, available);
    }
  }
  if (auto t = auto_top_ups_.find(payer); t != auto_top_ups_.end()) {
    AutoTopUpSetting& s = t->second;
    if (s.outstanding || available >= s.below) return;
    std::string key = request_key(payer, key_taken);
    BalanceEvent& e = emit(at, BalanceEventType::top_up_requested, payer, s.below, available);
    e.credits = s.to - available;  // to > below > available >= 0: 1..10^15, a valid top-up
    e.to = s.to;
    e.key = key;
    s.outstanding = std::move(key);
  }
}

void BalanceEvents::forget_through(int64_t seq, size_t keep) {
  while (log_.size() > keep && log_.front().seq <= seq) log_.pop_front();
}

EventsPage BalanceEvents::page(int64_t after, size_t limit, const std::function<bool(const std::string&)>* visible,
                               const OlderEvents* older) const {
  EventsPage p;
  p.last_seq = last_seq_;
  if (after < 0) after = 0;
  auto take = [&](const BalanceEvent& e) {
    if (!visible || (*visible)(e.payer)) p.events.push_back(e);
    return p.events.size() < limit;
  };
  // Seqs have no gaps: memory holds first_in_memory..last_seq, the store what came before.
  const int64_t first_in_memory = last_seq_ - static_cast<int64_t>(log_.size()) + 1;
  if (after + 1 < first_in_memory && older && *older) {
    bool room = true;
    (*older)(after, [&](BalanceEvent&& e) {
      if (e.seq >= first_in_memory) return false;
      room = take(e);
      after = e.seq;
      return room;
    });
    if (!room) return p;
    after = std::max(after, first_in_memory - 1);
  }
  for (size_t i = static_cast<size_t>(std::max<int64_t>(after - first_in_memory + 1, 0)); i < log_.size(); ++i)
    if (!take(log_[i])) break;
  return p;
}

const AlertSetting* BalanceEvents::alert(const std::string& payer) const {
  auto it = alerts_.find(payer);
  return it == alerts_.end() ? nullptr : &it->second;
}

const AutoTopUpSetting* BalanceEvents::auto_top_up(const std::string& payer) const {
  auto it = auto_top_ups_.find(payer);
  return it == auto_top_ups_.end() ? nullptr : &it->second;
}

// --- the ledger's side -------------------------------------------------------------------------

namespace {

Error bad(std::string message, std::string path) { return Error(ErrorCode::invalid_op, std::move(message), std::move(path)); }

}  // namespace

Status Ledger::set_alert(Timestamp at, const PayerId& payer, std::optional<Credits> below, const std::string& by) {
  const Audit audit(*this);
  auto step = begin(at, payer, &by);
  if (!step) return step.error();
  if (below && !is_amount(*below))
    return bad("\"below\" must be whole credits between 0 and 10^15, or null to remove the alert", "/below");
  finish(*step, at);
  balance_events_.set_alert(payer.text(), below);
  evaluate_payer(*step->payer);  // set while already below: balance_low at once
  return Ok{};
}

Status Ledger::set_auto_top_up(Timestamp at, const PayerId& payer, std::optional<Credits> below, Credits to,
                               const std::string& by) {
  const Audit audit(*this);
  auto step = begin(at, payer, &by);
  if (!step) return step.error();
  if (below) {
    if (!is_amount(*below))
      return bad("\"below\" must be whole credits between 0 and 10^15, or null to remove the auto top-up", "/below");
    if (!is_amount(to)) return bad("\"to\" must be whole credits between 0 and 10^15", "/to");
    if (to <= *below) return bad("\"to\" must be more than \"below\" (" + std::to_string(*below) + ")", "/to");
  }
  finish(*step, at);
  balance_events_.set_auto_top_up(payer.text(), below, to);
  evaluate_payer(*step->payer);  // set while already below: a request at once
  return Ok{};
}

Result<EventsPage> Ledger::events_after(Timestamp at, int64_t after, size_t limit,
                                        const std::function<bool(const std::string&)>* visible) const {
  if (Status s = check_clock(at); !s) return s.error();
  if (after < 0) return bad("\"after\" is a whole number, 0 or more", "/after");
  if (limit < 1 || limit > 1000) return bad("\"limit\" is a whole number from 1 to 1000", "/limit");
  const OlderEvents older = [this](int64_t from, const std::function<bool(BalanceEvent&&)>& more) {
    records_->older_events(from, more);
  };
  return balance_events_.page(after, limit, visible, &older);
}

void Ledger::evaluate_payer(const Payer& p) {
  // What a charge may take now (BalanceView::available): the current period's remaining + the
  // wallet. Two buckets of at most 2^62 each: saturated, never wrapped (thresholds are <= 10^15).
  const Credits sub = p.sub.in_period ? p.sub.remaining : 0;
  const Credits available = checked_add(sub, p.wallet).value_or(kMaxTotal);
  balance_events_.evaluate(now_, p.id.text(), available, [this](const std::string& key) { return records_->kind_of(key).has_value(); });
}

// Every payer the operation's new entries touched, in the order first touched; a top-up entry
// first fulfils an outstanding request of its key. Refused operations append nothing, so they
// emit nothing; time passing (grants, expiries) is covered as any other entry.
void Ledger::after_operation(size_t entries_before) {
  if (entries_.size() == entries_before || !balance_events_.watching()) return;
  std::set<std::string_view> seen;
  std::vector<const Payer*> touched;
  for (size_t i = entries_before; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    if (e.kind == EntryKind::top_up) balance_events_.topped_up(e.payer, e.ref);
    if (seen.insert(e.payer).second) touched.push_back(&payers_.at(e.payer));
  }
  for (const Payer* p : touched) evaluate_payer(*p);
}

}  // namespace credits
