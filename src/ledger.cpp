#include "credits/ledger.hpp"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <iterator>

#include "credits/memory_records.hpp"
#include "credits/money_split.hpp"
#include "credits/node.hpp"
#include "credits/payer_id.hpp"

namespace credits {

std::string_view to_string(EntryKind kind) {
  switch (kind) {
    case EntryKind::grant: return "grant";
    case EntryKind::expire: return "expire";
    case EntryKind::top_up: return "top_up";
    case EntryKind::charge: return "charge";
    case EntryKind::refund: return "refund";
    case EntryKind::settle: return "settle";
    case EntryKind::hold: return "hold";
    case EntryKind::release: return "release";
  }
  return "unknown";
}

std::string_view to_string(ChargeStatus s) {
  switch (s) {
    case ChargeStatus::charged: return "charged";
    case ChargeStatus::refunded: return "refunded";
    case ChargeStatus::settled: return "settled";
  }
  return "charged";
}

namespace {

Error err(ErrorCode code, std::string message, std::string path = {}) {
  return Error(code, std::move(message), std::move(path));
}

// Why a payer's text is not a PayerId (the text forms of the payer-taking operations).
Error malformed_payer(const std::string& payer) {
  const auto parts = split_payer(payer);
  if (!parts) return err(ErrorCode::invalid_op, "a payer is written \"user:ID\" or \"workspace:ID\"", "/payer");
  return err(ErrorCode::invalid_op, "a payer is written \"user:ID\" or \"workspace:ID\"; " + id_rule_message("ID"), "/payer");
}

// A calendar month key for member caps when a workspace has no current period.
// Negative, so it never equals a period start (an instant, never negative).
int64_t month_key(Timestamp at) { return -(month_number(at) + 1); }

}  // namespace

// Records what the passage of time would do to one subscription.
class Ledger::Events : public PeriodEvents {
 public:
  explicit Events(Advanced& out) : out_(out) {}
  void expired(Timestamp at, Credits amount) override { out_.events.push_back({Advanced::Event::expire, at, amount}); }
  void granted(Timestamp at, Credits amount) override { out_.events.push_back({Advanced::Event::grant, at, amount}); }

 private:
  Advanced& out_;
};

// The payer's granted total once the previewed events are committed (they were checked to fit).
Credits Ledger::granted_after(const PayerTotals& t, const Advanced& a) {
  Credits g = t.granted;
  for (const auto& e : a.events)
    if (e.kind == Advanced::Event::grant) g += e.amount;
  return g;
}

namespace {

std::string limit_text(Credits limit) {
  return limit == kMaxBucket ? "2^62 (" + std::to_string(kMaxBucket) + ")" : "2^63-1 (" + std::to_string(kMaxTotal) + ")";
}

}  // namespace

Ledger::Advanced Ledger::preview(const Payer& p, Timestamp at) const {
  Advanced a;
  a.sub = p.sub;
  a.wallet = p.wallet;
  a.held = p.held;
  preview_expiries(p, at, a);  // each due hold at its own instant, between the resets
  advance_preview(p, at, a);
  return a;
}

// Moves the previewed subscription to `at` (expiries and grants recorded in `a`).
void Ledger::advance_preview(const Payer& p, Timestamp at, Advanced& a) const {
  Events events(a);
  advance_subscription(a.sub, at, events, granted_after(p.totals, a));
}

Status Ledger::check_period_start(const Payer& p, const Advanced& a, Credits quota, Timestamp at) const {
  switch (period_limit(at, quota, granted_after(p.totals, a))) {
    case PeriodLimit::none: return Ok{};
    case PeriodLimit::end_of_time:
      return err(ErrorCode::invalid_op,
                 "a period starting at " + format_timestamp(at) + " would end after " + format_timestamp(kMaxTimestamp) +
                     ", the last instant the engine keeps",
                 "/at");
    case PeriodLimit::granted_total:
      return err(ErrorCode::invalid_op,
                 "granting " + std::to_string(quota) + " more credits would take " + p.id.text() + "'s granted total past " +
                     limit_text(kMaxTotal),
                 "/quota");
  }
  return Ok{};
}

Status Ledger::check_give_back(const Payer& p, const Advanced& a, const Buckets& routed, Credits refunded) const {
  if (routed.subscription > kMaxBucket - a.sub.remaining || routed.wallet > kMaxBucket - a.wallet)
    return err(ErrorCode::invalid_op,
               "returning " + std::to_string(routed.total()) + " credits would fill " +
                   p.id.text() + "'s " + (routed.wallet > kMaxBucket - a.wallet ? "wallet" : "subscription") +
                   " past " + limit_text(kMaxBucket) + ", the most a bucket holds; nothing was returned and the "
                   "charge stays open: spend from it, then retry",
               "/charge");
  if (!checked_add(p.totals.refunded, refunded))
    return err(ErrorCode::invalid_op, "the refunded total of " + p.id.text() + " would pass " + limit_text(kMaxTotal), "/charge");
  return Ok{};
}

void Ledger::commit(Payer& p, Advanced& a) {
  p.sub = a.sub;
  p.wallet = a.wallet;
  p.held = a.held;
  for (const auto& e : a.events) {
    switch (e.kind) {
      case Advanced::Event::grant:
        p.totals.granted += e.amount;
        append(e.at, p.id.text(), EntryKind::grant, e.amount, 0, "");
        break;
      case Advanced::Event::expire:
        p.totals.expired += e.amount;
        append(e.at, p.id.text(), EntryKind::expire, -e.amount, 0, "");
        break;
      case Advanced::Event::release:
        // The buckets already hold what came back (a.sub, a.wallet): this records it.
        release_hold(p, *e.hold, e.routed, e.at, ReservationStatus::expired);
        break;
    }
  }
  a.events.clear();
}

Ledger::Ledger(std::shared_ptr<const RateCard> card, std::unique_ptr<LedgerRecords> records)
    : card_(std::move(card)), records_(records ? std::move(records) : std::make_unique<MemoryRecords>()) {
  assert(card_);
}

void Ledger::append(Timestamp at, const std::string& payer, EntryKind kind, Credits sub,
                    Credits wallet, const std::string& ref, Credits held) {
  Entry e;
  e.seq = entry_count() + 1;
  e.at = at;
  e.payer = payer;
  e.kind = kind;
  e.subscription = sub;
  e.wallet = wallet;
  e.held = held;
  e.ref = ref;
  entries_.push_back(std::move(e));
}

std::vector<Entry> Ledger::take_entries() {
  assert(audits_open_ == 0);  // an operation's Audit counts its entries by their index
  entries_forgotten_ = entry_count();
  std::vector<Entry> taken;
  taken.swap(entries_);
  return taken;
}

Status Ledger::check_clock(Timestamp at) const {
  if (at < now_)
    return err(ErrorCode::clock_regression,
               "operation at " + format_timestamp(at) + " is before the last one at " + format_timestamp(now_),
               "/at");
  return Ok{};
}

Result<Payer*> Ledger::find_payer(const PayerId& payer) {
  auto it = payers_.find(payer.text());
  if (it != payers_.end()) return &it->second;
  const std::string id(payer.id());
  if (payer.is_workspace()) return err(ErrorCode::unknown_workspace, "no workspace \"" + id + "\"", "/payer");
  return err(ErrorCode::unknown_user, "no user \"" + id + "\"", "/payer");
}

Result<Ledger::Step> Ledger::begin(Timestamp at, const PayerId& payer, const std::string* by) {
  if (Status s = check_clock(at); !s) return s.error();
  auto p = find_payer(payer);
  if (!p) return p.error();
  if (by)
    if (Status s = require_admin(payer, *by); !s) return s.error();
  return begin_on(**p, at);
}

Ledger::Step Ledger::begin_on(Payer& payer, Timestamp at) const { return Step{&payer, preview(payer, at)}; }

void Ledger::finish(Step& step, Timestamp at) {
  commit(*step.payer, step.advanced);
  now_ = at;
}

Status Ledger::require_workspace_admin(const Workspace& ws, const std::string& by) {
  if (by.empty()) return err(ErrorCode::invalid_op, "\"by\" must name the admin acting on workspace " + ws.id, "/by");
  if (!users_.count(by)) return err(ErrorCode::unknown_user, "no user \"" + by + "\"", "/by");
  auto m = ws.members.find(by);
  if (m == ws.members.end() || m->second != Role::admin)
    return err(ErrorCode::not_admin, by + " is not an admin of workspace " + ws.id, "/by");
  return Ok{};
}

// Workspace payers need an admin; a personal payer acts for itself (a `by`, if given, must be
// that user).
Status Ledger::require_admin(const PayerId& payer, const std::string& by) {
  if (payer.is_workspace()) {
    auto ws = workspaces_.find(std::string(payer.id()));
    if (ws == workspaces_.end()) return err(ErrorCode::unknown_workspace, "no workspace", "/payer");
    return require_workspace_admin(ws->second, by);
  }
  if (!by.empty() && payer.id() != by)
    return err(ErrorCode::not_admin, by + " cannot manage another user's account", "/by");
  return Ok{};
}

int64_t Ledger::cap_period(const Subscription& s, Timestamp at) const {
  if (s.in_period) return s.period_start;
  return month_key(at);
}

// --- people and workspaces -----------------------------------------------------------------

Status Ledger::create_user(Timestamp at, const std::string& user) {
  const Audit audit(*this);
  if (Status s = check_clock(at); !s) return s;
  if (!is_valid_id(user)) return err(ErrorCode::invalid_op, id_rule_message("user"), "/user");
  if (users_.count(user)) return err(ErrorCode::already_exists, "user \"" + user + "\" already exists", "/user");
  Payer p;
  p.id = PayerId::of(PayerKind::user, user);
  Payer* payer = &payers_.emplace(p.id.text(), std::move(p)).first->second;
  users_.emplace(user, User{user, std::nullopt, payer});
  now_ = at;
  return Ok{};
}

Status Ledger::create_workspace(Timestamp at, const std::string& workspace, const std::string& admin) {
  const Audit audit(*this);
  if (Status s = check_clock(at); !s) return s;
  if (!is_valid_id(workspace)) return err(ErrorCode::invalid_op, id_rule_message("workspace"), "/workspace");
  if (workspaces_.count(workspace))
    return err(ErrorCode::already_exists, "workspace \"" + workspace + "\" already exists", "/workspace");
  if (!users_.count(admin)) return err(ErrorCode::unknown_user, "no user \"" + admin + "\"", "/admin");
  Workspace ws;
  ws.id = workspace;
  ws.members.emplace(admin, Role::admin);
  Payer p;
  p.id = PayerId::of(PayerKind::workspace, workspace);
  ws.pool = &payers_.emplace(p.id.text(), std::move(p)).first->second;
  workspaces_.emplace(workspace, std::move(ws));
  now_ = at;
  return Ok{};
}

Status Ledger::add_member(Timestamp at, const std::string& workspace, const std::string& user,
                          const std::string& by, Role role) {
  const Audit audit(*this);
  if (Status s = check_clock(at); !s) return s;
  auto ws = workspaces_.find(workspace);
  if (ws == workspaces_.end()) return err(ErrorCode::unknown_workspace, "no workspace \"" + workspace + "\"", "/workspace");
  if (Status s = require_workspace_admin(ws->second, by); !s) return s;
  if (!users_.count(user)) return err(ErrorCode::unknown_user, "no user \"" + user + "\"", "/user");
  if (ws->second.members.count(user))
    return err(ErrorCode::already_exists, user + " is already a member of " + workspace, "/user");
  ws->second.members.emplace(user, role);
  now_ = at;
  return Ok{};
}

Status Ledger::remove_member(Timestamp at, const std::string& workspace, const std::string& user,
                             const std::string& by) {
  const Audit audit(*this);
  if (Status s = check_clock(at); !s) return s;
  auto ws = workspaces_.find(workspace);
  if (ws == workspaces_.end()) return err(ErrorCode::unknown_workspace, "no workspace \"" + workspace + "\"", "/workspace");
  if (Status s = require_workspace_admin(ws->second, by); !s) return s;
  auto m = ws->second.members.find(user);
  if (m == ws->second.members.end()) return err(ErrorCode::not_member, user + " is not a member of " + workspace, "/user");
  if (m->second == Role::admin) {
    size_t admins = 0;
    for (const auto& [u, r] : ws->second.members) admins += r == Role::admin;
    if (admins == 1)
      return err(ErrorCode::invalid_op, "the last admin of " + workspace + " cannot be removed", "/user");
  }
  ws->second.members.erase(m);
  ws->second.caps.erase(user);
  // The user's context is left pointing here on purpose: the next charge says not_member
  // instead of silently drawing on another balance.
  now_ = at;
  return Ok{};
}

Status Ledger::set_member_cap(Timestamp at, const std::string& workspace, const std::string& user,
                              std::optional<Credits> cap, const std::string& by) {
  const Audit audit(*this);
  if (Status s = check_clock(at); !s) return s;
  auto ws = workspaces_.find(workspace);
  if (ws == workspaces_.end()) return err(ErrorCode::unknown_workspace, "no workspace \"" + workspace + "\"", "/workspace");
  if (Status s = require_workspace_admin(ws->second, by); !s) return s;
  if (!users_.count(user)) return err(ErrorCode::unknown_user, "no user \"" + user + "\"", "/user");
  if (!ws->second.members.count(user)) return err(ErrorCode::not_member, user + " is not a member of " + workspace, "/user");
  if (cap && !is_amount(*cap))
    return err(ErrorCode::invalid_op, "\"cap\" must be whole credits between 0 and 10^15, or null", "/cap");
  if (cap) ws->second.caps[user] = *cap;
  else ws->second.caps.erase(user);
  now_ = at;
  return Ok{};
}

Status Ledger::switch_context(Timestamp at, const std::string& user, const std::optional<std::string>& workspace) {
  const Audit audit(*this);
  if (Status s = check_clock(at); !s) return s;
  auto u = users_.find(user);
  if (u == users_.end()) return err(ErrorCode::unknown_user, "no user \"" + user + "\"", "/user");
  if (workspace) {
    auto ws = workspaces_.find(*workspace);
    if (ws == workspaces_.end()) return err(ErrorCode::unknown_workspace, "no workspace \"" + *workspace + "\"", "/workspace");
    if (!ws->second.members.count(user)) return err(ErrorCode::not_member, user + " is not a member of " + *workspace, "/workspace");
  }
  u->second.workspace = workspace;
  now_ = at;
  return Ok{};
}

// --- subscriptions -------------------------------------------------------------------------

// A malformed payer is refused after the clock, where the typed operation refuses an unknown one.
template <typename Typed>
auto Ledger::with_payer(Timestamp at, const std::string& payer, Typed typed) -> decltype(typed(PayerId())) {
  if (auto id = PayerId::parse(payer)) return typed(*id);
  if (Status s = check_clock(at); !s) return s.error();
  return malformed_payer(payer);
}

Status Ledger::subscribe(Timestamp at, const PayerId& payer, Credits quota, const std::string& by) {
  const Audit audit(*this);
  auto step = begin(at, payer, &by);
  if (!step) return step.error();
  if (quota <= 0 || !is_amount(quota))
    return err(ErrorCode::invalid_op, "\"quota\" must be whole credits between 1 and 10^15", "/quota");
  Advanced& a = step->advanced;
  if (a.sub.is_live())
    return err(ErrorCode::already_subscribed,
               payer.text() + " already has a " + std::string(to_string(a.sub.status)) +
                   " subscription until " + format_timestamp(a.sub.period_end) +
                   (a.sub.status == SubscriptionStatus::active ? "" : "; resume it instead"),
               "/payer");
  if (Status s = check_period_start(*step->payer, a, quota, at); !s) return s;
  Events events(a);
  start_subscription(a.sub, quota, at, events);
  finish(*step, at);
  return Ok{};
}

Status Ledger::pause(Timestamp at, const PayerId& payer, const std::string& by) {
  const Audit audit(*this);
  auto step = begin(at, payer, &by);
  if (!step) return step.error();
  Subscription& sub = step->advanced.sub;
  if (!sub.is_live()) return err(ErrorCode::no_subscription, payer.text() + " has no subscription to pause", "/payer");
  if (sub.status != SubscriptionStatus::active)
    return err(ErrorCode::invalid_op, "the subscription is " + std::string(to_string(sub.status)) + ", not active", "/payer");
  sub.status = SubscriptionStatus::paused;
  finish(*step, at);
  return Ok{};
}

Status Ledger::cancel(Timestamp at, const PayerId& payer, const std::string& by) {
  const Audit audit(*this);
  auto step = begin(at, payer, &by);
  if (!step) return step.error();
  Subscription& sub = step->advanced.sub;
  // A paused subscription whose period has ended holds nothing: cancelling simply ends it.
  const bool paused_and_ended = sub.status == SubscriptionStatus::paused && !sub.in_period;
  if (!paused_and_ended) {
    if (!sub.is_live()) return err(ErrorCode::no_subscription, payer.text() + " has no subscription to cancel", "/payer");
    if (sub.status == SubscriptionStatus::cancelled)
      return err(ErrorCode::invalid_op, "the subscription is already cancelled", "/payer");
  }
  sub.status = SubscriptionStatus::cancelled;
  finish(*step, at);
  return Ok{};
}

Status Ledger::resume(Timestamp at, const PayerId& payer, const std::string& by) {
  const Audit audit(*this);
  auto step = begin(at, payer, &by);
  if (!step) return step.error();
  Advanced& a = step->advanced;
  Subscription& sub = a.sub;
  if (sub.status == SubscriptionStatus::active)
    return err(ErrorCode::invalid_op, "the subscription is already active", "/payer");
  if (sub.status == SubscriptionStatus::none || (sub.status == SubscriptionStatus::cancelled && !sub.in_period))
    return err(ErrorCode::no_subscription,
               payer.text() + " has no subscription to resume" +
                   (sub.status == SubscriptionStatus::cancelled ? ": it ended; subscribe again to start a new one" : ""),
               "/payer");
  if (sub.in_period) {
    sub.status = SubscriptionStatus::active;  // before the period ends: simply active again
  } else {
    if (Status s = check_period_start(*step->payer, a, sub.quota, at); !s) return s;
    Events events(a);
    start_subscription(sub, sub.quota, at, events);  // a new period from now, full quota
  }
  finish(*step, at);
  return Ok{};
}

Status Ledger::subscribe(Timestamp at, const std::string& payer, Credits quota, const std::string& by) {
  return with_payer(at, payer, [&](const PayerId& p) { return subscribe(at, p, quota, by); });
}
Status Ledger::pause(Timestamp at, const std::string& payer, const std::string& by) {
  return with_payer(at, payer, [&](const PayerId& p) { return pause(at, p, by); });
}
Status Ledger::resume(Timestamp at, const std::string& payer, const std::string& by) {
  return with_payer(at, payer, [&](const PayerId& p) { return resume(at, p, by); });
}
Status Ledger::cancel(Timestamp at, const std::string& payer, const std::string& by) {
  return with_payer(at, payer, [&](const PayerId& p) { return cancel(at, p, by); });
}

// --- money ---------------------------------------------------------------------------------

Result<TopUpOutcome> Ledger::top_up(Timestamp at, const PayerId& payer, Credits credits, const std::string& key,
                                    const std::string& by) {
  const Audit audit(*this);
  // The key is checked before the payer: a retry replays whatever the world became since.
  if (Status s = check_clock(at); !s) return s.error();
  if (!is_valid_id(key)) return err(ErrorCode::invalid_op, "a top-up needs an idempotency \"key\": " + id_rule_message("key"), "/key");
  if (records_->kind_of(key)) {
    const TopUpRecord* first = records_->find_top_up(key);
    if (!first || first->outcome.payer != payer.text() || first->outcome.credits != credits || first->by != by)
      return err(ErrorCode::idempotency_conflict, "key \"" + key + "\" was already used for a different operation", "/key");
    TopUpOutcome o = first->outcome;
    o.replayed = true;
    return o;
  }
  auto step = begin(at, payer, &by);
  if (!step) return step.error();
  if (credits <= 0 || !is_amount(credits))
    return err(ErrorCode::invalid_op, "\"credits\" must be whole credits between 1 and 10^15", "/credits");
  Payer& pr = *step->payer;
  auto wallet = checked_add(step->advanced.wallet, credits);
  auto topped = checked_add(pr.totals.topped_up, credits);
  if (!wallet || *wallet > kMaxBucket)
    return err(ErrorCode::invalid_op,
               "the top-up would fill " + payer.text() + "'s wallet past " + limit_text(kMaxBucket) + ", the most a bucket holds",
               "/credits");
  if (!topped)
    return err(ErrorCode::invalid_op, "the top-up would take " + payer.text() + "'s topped-up total past " + limit_text(kMaxTotal),
               "/credits");
  finish(*step, at);
  pr.wallet = *wallet;
  pr.totals.topped_up = *topped;
  append(at, payer.text(), EntryKind::top_up, 0, credits, key);
  TopUpOutcome o{payer.text(), key, credits, pr.wallet, false};
  records_->add_top_up(TopUpRecord{o, by});
  return o;
}

Result<TopUpOutcome> Ledger::top_up(Timestamp at, const std::string& payer, Credits credits, const std::string& key,
                                    const std::string& by) {
  if (auto id = PayerId::parse(payer)) return top_up(at, *id, credits, key, by);
  // Refused where the typed form refuses an unknown payer: after the clock and the key.
  if (Status s = check_clock(at); !s) return s.error();
  if (!is_valid_id(key)) return err(ErrorCode::invalid_op, "a top-up needs an idempotency \"key\": " + id_rule_message("key"), "/key");
  if (records_->kind_of(key))
    return err(ErrorCode::idempotency_conflict, "key \"" + key + "\" was already used for a different operation", "/key");
  return malformed_payer(payer);
}

// A retry replays; the same key with other content is a conflict. Compared field by field,
// only when a key comes back, so new charges pay nothing for it.
Result<ChargeOutcome> Ledger::replay_charge(const ChargeRequest& r) const {
  const Charge* c = records_->find_charge(r.key);
  const bool same = c && c->user == r.user && c->quoted == r.quoted &&
                    c->quoted_min == r.quoted_min && c->rate_card_shown == r.rate_card &&
                    c->reservation == r.reservation && same_node(c->node, r.node);
  if (!same)
    return err(ErrorCode::idempotency_conflict, "key \"" + r.key + "\" was already used for a different operation", "/key");
  return ChargeOutcome{c, true};
}

// The payer is the user's active context at send time: their own account, or a workspace
// they must still be a member of.
Result<Ledger::ChargeContext> Ledger::charge_context(const std::string& user) {
  auto u = users_.find(user);
  if (u == users_.end()) return err(ErrorCode::unknown_user, "no user \"" + user + "\"", "/user");
  if (!u->second.workspace) return ChargeContext{u->second.personal, nullptr};
  auto w = workspaces_.find(*u->second.workspace);
  if (w == workspaces_.end() || !w->second.members.count(user))
    return err(ErrorCode::not_member,
               user + " is no longer a member of workspace " + *u->second.workspace +
                   "; switch to another context before running",
               "/user");
  return ChargeContext{w->second.pool, &w->second};
}

// The engine prices the node itself, on the card in force, and the client must have shown
// exactly that price (both ends of a range, when it showed a range).
Result<Ledger::PricedNode> Ledger::price_shown(const ChargeRequest& r) const {
  if (r.rate_card != card_->version)
    return err(ErrorCode::stale_rate_card,
               "the price was shown from rate card " + (r.rate_card.empty() ? std::string("(none)") : r.rate_card) +
                   "; the current rate card is " + card_->version,
               "/rate_card");
  auto prepared = prepare_node(*card_, r.node, "/node");
  if (!prepared) return prepared.error();
  auto price = price_node(*prepared);
  if (!price) return Error(price.error().code, price.error().message, "/node" + price.error().path);
  const Credits held = price->max;
  if (!r.quoted || *r.quoted != held || (r.quoted_min && *r.quoted_min != price->min)) {
    std::string shown = r.quoted ? std::to_string(*r.quoted) : "nothing";
    std::string server = price->exact() ? std::to_string(held)
                                        : std::to_string(price->min) + " to " + std::to_string(held) +
                                              " (a ranged charge holds " + std::to_string(held) + ")";
    return err(ErrorCode::price_mismatch, "the client showed " + shown + "; the server prices this node at " + server,
               "/quoted");
  }
  return PricedNode{prepared->model, *price};
}

Status Ledger::check_member_cap(const Workspace& ws, const std::string& user, int64_t cap_key, Credits held) const {
  auto cap = ws.caps.find(user);
  if (cap == ws.caps.end()) return Ok{};
  Credits spent = 0;
  auto sp = ws.member_spend.find(user);
  if (sp != ws.member_spend.end() && sp->second.first == cap_key) spent = sp->second.second;
  auto after = checked_add(spent, held);
  if (!after || *after > cap->second)
    return err(ErrorCode::member_cap_exceeded,
               user + " has spent " + std::to_string(spent) + " of a " + std::to_string(cap->second) +
                   "-credit cap this period; this run needs " + std::to_string(held),
               "/user");
  return Ok{};
}

Result<ChargeOutcome> Ledger::charge(Timestamp at, ChargeRequest r) {
  const Audit audit(*this);
  if (Status s = check_clock(at); !s) return s.error();
  if (!is_valid_id(r.key)) return err(ErrorCode::invalid_op, "a charge needs an idempotency \"key\": " + id_rule_message("key"), "/key");
  if (records_->kind_of(r.key)) return replay_charge(r);
  if (!r.reservation.empty()) return charge_reserved(at, std::move(r));
  auto context = charge_context(r.user);
  if (!context) return context.error();
  auto priced = price_shown(r);
  if (!priced) return priced.error();
  const Credits held = priced->price.max;  // a ranged charge holds its maximum until it settles
  Step step = begin_on(*context->payer, at);
  Payer& pr = *step.payer;
  Workspace* ws = context->workspace;
  const Advanced& a = step.advanced;
  const int64_t cap_key = ws ? cap_period(a.sub, at) : 0;
  if (ws)
    if (Status s = check_member_cap(*ws, r.user, cap_key, held); !s) return s.error();
  const Credits sub_available = a.sub.in_period ? a.sub.remaining : 0;
  auto split = split_charge(sub_available, a.wallet, held);
  if (!split) return Error(split.error().code, pr.id.text() + " has " + split.error().message, "");
  if (!checked_add(pr.totals.spent, held))
    return err(ErrorCode::invalid_op, "the charge would take " + pr.id.text() + "'s spent total past " + limit_text(kMaxTotal), "");
  // Everything is checked: from here nothing can fail.
  finish(step, at);
  const Charge& c = record_charge(at, std::move(r), pr, *priced, *split, cap_key);
  if (ws) {
    auto& sp = ws->member_spend[c.user];
    if (sp.first != cap_key) sp = {cap_key, 0};
    sp.second += held;
  }
  return ChargeOutcome{&c, false};
}

// Takes the money and keeps the record: the request's fields move into it.
const Charge& Ledger::record_charge(Timestamp at, ChargeRequest&& r, Payer& pr, const PricedNode& priced,
                                    const Buckets& split, int64_t cap_key, Reservation* hold) {
  Charge c;
  c.key = std::move(r.key);
  c.payer = pr.id.text();
  c.user = std::move(r.user);
  c.model = priced.model->id;
  c.node = std::move(r.node);
  c.card = card_;
  c.at = at;
  c.exact = priced.price.exact();
  c.held = priced.price.max;
  c.from_subscription = split.subscription;
  c.from_wallet = split.wallet;
  c.cap_period = cap_key;
  c.quoted = r.quoted;
  c.quoted_min = r.quoted_min;
  c.rate_card_shown = std::move(r.rate_card);
  pr.totals.spent += c.held;
  if (hold) {
    // Drawn from the run's hold: the buckets gave it at reserve time.
    c.reservation = hold->key;
    hold->left.subscription -= split.subscription;
    hold->left.wallet -= split.wallet;
    records_->changed(*hold);
    pr.held -= c.held;
    append(at, pr.id.text(), EntryKind::charge, 0, 0, c.key, -c.held);
  } else {
    pr.sub.remaining -= c.from_subscription;
    pr.wallet -= c.from_wallet;
    append(at, pr.id.text(), EntryKind::charge, -c.from_subscription, -c.from_wallet, c.key);
  }
  c.entry_seq = entry_count();
  return records_->add_charge(std::move(c));
}

// Sends money back to a payer's buckets, routed (route_return) and checked (check_give_back)
// by the caller.
void Ledger::give_back(Payer& p, const Buckets& routed) {
  p.sub.remaining += routed.subscription;
  p.wallet += routed.wallet;
}

void Ledger::uncount_member_spend(const Payer& payer, const Charge& c, Credits amount) {
  uncount_member_spend(payer, c.user, c.cap_period, amount);
}

void Ledger::uncount_member_spend(const Payer& payer, const std::string& user, int64_t cap_period, Credits amount) {
  if (!payer.id.is_workspace() || amount == 0) return;
  auto ws = workspaces_.find(std::string(payer.id.id()));
  if (ws == workspaces_.end()) return;
  auto sp = ws->second.member_spend.find(user);
  if (sp != ws->second.member_spend.end() && sp->second.first == cap_period)
    sp->second.second -= std::min(amount, sp->second.second);
}

Result<Charge*> Ledger::open_charge(const std::string& key, const std::string& refunded, const std::string& settled) {
  Charge* found = records_->find_charge(key);
  if (!found) return err(ErrorCode::unknown_charge, "no charge with key \"" + key + "\"", "/charge");
  Charge& c = *found;
  if (c.status == ChargeStatus::refunded) return err(ErrorCode::already_refunded, "charge \"" + key + "\" " + refunded, "/charge");
  if (c.status == ChargeStatus::settled) return err(ErrorCode::already_settled, "charge \"" + key + "\" " + settled, "/charge");
  return &c;
}

Result<ReturnOutcome> Ledger::close_charge(Timestamp at, Charge& c, const Buckets& returned, ChargeStatus status) {
  Step step = begin_on(payers_.at(c.payer), at);
  Payer& p = *step.payer;
  const Credits back = returned.total();
  const Buckets routed = route_return(returned, step.advanced.sub.in_period);
  if (Status s = check_give_back(p, step.advanced, routed, back); !s) return s.error();
  finish(step, at);
  give_back(p, routed);
  p.totals.refunded += back;
  c.status = status;
  c.back_to_subscription = routed.subscription;
  c.back_to_wallet = routed.wallet;
  c.closed_at = at;
  records_->changed(c);
  append(at, c.payer, status == ChargeStatus::refunded ? EntryKind::refund : EntryKind::settle, routed.subscription,
         routed.wallet, c.key);
  uncount_member_spend(p, c, back);
  return ReturnOutcome{&c, routed, false};
}

Result<ReturnOutcome> Ledger::fail(Timestamp at, const std::string& key) {
  const Audit audit(*this);
  if (Status s = check_clock(at); !s) return s.error();
  auto c = open_charge(key, "was already refunded", "already completed and settled");
  if (!c) return c.error();
  // Exactly what the charge took, each portion to its own bucket.
  return close_charge(at, **c, Buckets{(*c)->from_subscription, (*c)->from_wallet}, ChargeStatus::refunded);
}

namespace {

// The charged node's parameters with the run's quantities added, in byte order of their names
// (a quantity the node gave itself was refused before).
std::vector<GivenParam> merged_params(const std::vector<GivenParam>& given,
                                      const std::vector<GivenParam>& usage) {
  std::vector<GivenParam> merged;
  merged.reserve(given.size() + usage.size());
  std::merge(given.begin(), given.end(), usage.begin(), usage.end(), std::back_inserter(merged),
             [](const GivenParam& a, const GivenParam& b) { return a.name < b.name; });
  return merged;
}

// What a completed charge costs: the charged node with the run's quantities filled in, priced
// on the card the charge was priced with; exact, and at most what was held.
Result<Credits> settled_price(const Charge& c, const Usage& usage) {
  if (usage.form == Usage::Form::none) {
    if (!c.exact) return err(ErrorCode::invalid_op, "a ranged charge completes with \"usage\"", "/usage");
    return c.held;
  }
  if (usage.form == Usage::Form::not_object)
    return err(ErrorCode::invalid_op, "\"usage\" must be an object of quantities", "/usage");
  const Model& model = *c.card->find(c.model);
  const std::vector<GivenParam>& given = c.params();
  auto gives = [&](const std::string& name) {
    return std::any_of(given.begin(), given.end(),
                       [&](const GivenParam& p) { return p.name == name; });
  };
  for (const GivenParam& q : usage.quantities) {
    int32_t slot = model.param_index(q.name);
    const ParamSpec* p = slot >= 0 ? &model.params[static_cast<size_t>(slot)] : nullptr;
    if (!p || !(p->decided_by_run || p->input) || gives(q.name))
      return err(ErrorCode::invalid_param, "\"" + q.name + "\" is not a quantity this run decided",
                 "/usage/" + pointer_escape(q.name));
  }
  auto prepared = prepare_params(model, merged_params(given, usage.quantities), "");
  if (!prepared) {
    Error e = prepared.error();
    const std::string prefix = "/params/";
    if (e.path.rfind(prefix, 0) == 0) e.path = "/usage/" + e.path.substr(prefix.size());
    return e;
  }
  auto price = price_node(*prepared);
  if (!price) return price.error();
  if (!price->exact())
    return err(ErrorCode::invalid_param, "usage leaves the price open (" + std::to_string(price->min) + " to " +
                                             std::to_string(price->max) + "); give every quantity the run decided",
               "/usage");
  if (price->max > c.held)
    return err(ErrorCode::invalid_param, "the usage prices at " + std::to_string(price->max) + ", more than the " +
                                             std::to_string(c.held) + " held",
               "/usage");
  return price->max;
}

}  // namespace

Result<ReturnOutcome> Ledger::complete(Timestamp at, const std::string& key, const Usage& usage) {
  const Audit audit(*this);
  if (Status s = check_clock(at); !s) return s.error();
  auto c = open_charge(key, "was refunded; it cannot complete", "was already settled");
  if (!c) return c.error();
  auto actual = settled_price(**c, usage);
  if (!actual) return actual.error();
  // The difference goes back wallet portion first, so the result equals a charge of `actual`.
  const Buckets back = split_settlement(Buckets{(*c)->from_subscription, (*c)->from_wallet}, *actual);
  auto closed = close_charge(at, **c, back, ChargeStatus::settled);
  if (closed) {
    (*c)->actual = *actual;
    records_->changed(**c);
  }
  return closed;
}

// --- views ---------------------------------------------------------------------------------

Result<BalanceView> Ledger::balance(Timestamp at, const PayerId& payer) {
  const Audit audit(*this);
  auto step = begin(at, payer, nullptr);
  if (!step) return step.error();
  const Payer& p = *step->payer;
  // Two buckets of at most 2^62 each always add up; checked all the same (a bug if not).
  auto available = checked_add(step->advanced.sub.in_period ? step->advanced.sub.remaining : 0, step->advanced.wallet);
  if (!available) return err(ErrorCode::internal, payer.text() + "'s available credits do not fit in 64 bits", "/payer");
  finish(*step, at);
  return BalanceView{payer.text(), p.sub, p.wallet, p.totals, *available, p.held, std::nullopt, std::nullopt};
}

Result<BalanceView> Ledger::balance(Timestamp at, const std::string& payer) {
  return with_payer(at, payer, [&](const PayerId& p) { return balance(at, p); });
}

Result<UsageView> Ledger::usage(Timestamp at, const std::string& payer, size_t limit) {
  return with_payer(at, payer, [&](const PayerId& p) { return usage(at, p, limit); });
}

Result<UsageView> Ledger::usage(Timestamp at, const PayerId& payer, size_t limit) {
  const Audit audit(*this);
  auto b = balance(at, payer);
  if (!b) return b.error();
  const Payer& p = payers_.at(payer.text());
  UsageView v;
  v.balance = *b;
  // Spend lines cover the current subscription period, or the calendar month without one.
  if (p.sub.in_period) {
    v.period_start = p.sub.period_start;
    v.period_end = p.sub.period_end;
  } else {
    v.period_start = month_start(at);
    v.period_end = std::min(add_months(v.period_start, 1), kMaxTimestamp);  // December 9999 ends with time
  }
  // Newest first: the recent list, then the spend lines back to the period's start.
  std::map<std::string, SpendLine> by_model, by_member;
  records_->newest_charges(payer.text(), [&](const Charge& c) {
    if (v.recent.size() < limit) v.recent.push_back(c);
    if (c.at < v.period_start) return v.recent.size() < limit;
    auto& m = by_model[c.model];
    m.name = c.model;
    m.credits += c.net();
    m.runs += 1;
    auto& u = by_member[c.user];
    u.name = c.user;
    u.credits += c.net();
    u.runs += 1;
    return true;
  });
  auto sorted = [](std::map<std::string, SpendLine>& lines) {
    std::vector<SpendLine> out;
    for (auto& [k, line] : lines) out.push_back(line);
    std::stable_sort(out.begin(), out.end(), [](const SpendLine& a, const SpendLine& b) { return a.credits > b.credits; });
    return out;
  };
  v.by_model = sorted(by_model);
  if (payer.is_workspace()) v.by_member = sorted(by_member);
  return v;
}

// --- invariants ----------------------------------------------------------------------------

Status Ledger::check_payer(const std::string& id, const Payer& p) {
  if (p.sub.remaining < 0 || p.wallet < 0 || p.held < 0) return err(ErrorCode::internal, id + " has a negative bucket");
  if (p.sub.remaining > kMaxBucket || p.wallet > kMaxBucket || p.held > kMaxTotal)
    return err(ErrorCode::internal, id + " has a bucket over " + limit_text(kMaxBucket));
  const PayerTotals& t = p.totals;
  // In 128 bits: each side is a sum of several 64-bit totals.
  __extension__ typedef __int128 Wide;
  if (Wide{t.granted} + t.topped_up != Wide{t.spent} - t.refunded + t.expired + p.sub.remaining + p.wallet + p.held)
    return err(ErrorCode::internal, id + " breaks granted + topped_up = spent - refunded + expired + remaining + held");
  return Ok{};
}

Status Ledger::verify_invariants() const {
  for (const auto& [id, p] : payers_)
    if (Status s = check_payer(id, p); !s) return s;
  return Ok{};
}

// --- invariants at the entry and exit of every operation -------------------------------------

namespace {

// A broken invariant is a bug in the ledger, never the caller's fault: stop before a wrong
// balance is answered or stored (a restart replays the durable journal). TigerBeetle's habit.
[[noreturn]] void invariant_broken(const std::string& what) {
  std::fprintf(stderr, "credits: ledger invariant broken: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace

Ledger::Audit::Audit(Ledger& ledger)
    : ledger_(ledger), now_before_(ledger.now_), entries_before_(ledger.entries_.size()) {
  ++ledger.audits_open_;
  // Entries are numbered 1, 2, 3... with no gap: the last one's number is their count.
  if (!ledger.entries_.empty() && ledger.entries_.back().seq != ledger.entry_count())
    invariant_broken("the entries are not numbered 1..n");
#ifndef NDEBUG
  // Debug and test builds (asserts on: fuzzing, sanitizers) check every payer's conservation.
  if (Status s = ledger.verify_invariants(); !s) invariant_broken("at entry: " + s.error().message);
#endif
}

Ledger::Audit::~Audit() {
  const Ledger& l = ledger_;
  if (l.now_ < now_before_) invariant_broken("the ledger's clock went backwards");
  if (l.entries_.size() < entries_before_) invariant_broken("entries were removed");
  // Every payer an entry of this operation moved: buckets in bounds, totals conserved.
  for (size_t i = entries_before_; i < l.entries_.size(); ++i) {
    const Entry& e = l.entries_[i];
    const int64_t seq = l.entries_forgotten_ + static_cast<int64_t>(i) + 1;
    if (e.seq != seq) invariant_broken("entry " + std::to_string(seq) + " is misnumbered");
    if (e.at > l.now_) invariant_broken("entry " + std::to_string(e.seq) + " is later than the ledger's clock");
    auto p = l.payers_.find(e.payer);
    if (p == l.payers_.end()) invariant_broken("entry " + std::to_string(e.seq) + " names no payer");
    if (Status s = check_payer(p->first, p->second); !s) invariant_broken(s.error().message);
  }
#ifndef NDEBUG
  if (Status s = l.verify_invariants(); !s) invariant_broken("at exit: " + s.error().message);
#endif
  // The operation is over: balance events from what it appended (src/balance_events.cpp).
  if (--ledger_.audits_open_ == 0) ledger_.after_operation(entries_before_);
}

Status Ledger::verify_replay() const {
  if (entries_forgotten_ > 0)
    return err(ErrorCode::internal, "the ledger's first " + std::to_string(entries_forgotten_) +
                                        " entries are no longer in memory: replay them from the store");
  // Summed in 128 bits, so entries that do not add up (a damaged journal) are reported, never
  // wrapped.
  __extension__ typedef __int128 Wide;
  struct Totals {
    Wide granted = 0, topped_up = 0, spent = 0, refunded = 0, expired = 0;
  };
  struct Replayed {
    Wide sub = 0, wallet = 0, held = 0;
    Totals t;
  };
  auto text = [](Wide v) {
    if (v >= INT64_MIN && v <= INT64_MAX) return std::to_string(static_cast<int64_t>(v));
    return std::string(v < 0 ? "below -2^63" : "over 2^63-1");
  };
  std::map<std::string, Replayed> r;
  for (const Entry& e : entries_) {
    Replayed& x = r[e.payer];
    x.sub += e.subscription;
    x.wallet += e.wallet;
    x.held += e.held;
    switch (e.kind) {
      case EntryKind::grant: x.t.granted += e.subscription; break;
      case EntryKind::expire: x.t.expired -= e.subscription; break;
      case EntryKind::top_up: x.t.topped_up += e.wallet; break;
      // A charge drawn from a reservation moves credits out of the hold (e.held < 0).
      case EntryKind::charge: x.t.spent -= Wide{e.subscription} + e.wallet + e.held; break;
      case EntryKind::hold:
      case EntryKind::release: break;  // between the buckets and the hold: no total moves
      case EntryKind::refund:
      case EntryKind::settle: x.t.refunded += Wide{e.subscription} + e.wallet; break;
    }
  }
  std::string report;
  for (const auto& [payer_id, p] : payers_) {
    const std::string& id = payer_id;
    const Replayed& x = r[id];
    auto check = [&](const char* what, Credits live, Wide replayed) {
      if (live != replayed)
        report += id + " " + what + ": live " + std::to_string(live) + ", replay " + text(replayed) + "; ";
    };
    check("subscription", p.sub.remaining, x.sub);
    check("wallet", p.wallet, x.wallet);
    check("held", p.held, x.held);
    check("granted", p.totals.granted, x.t.granted);
    check("topped_up", p.totals.topped_up, x.t.topped_up);
    check("spent", p.totals.spent, x.t.spent);
    check("refunded", p.totals.refunded, x.t.refunded);
    check("expired", p.totals.expired, x.t.expired);
  }
  for (const auto& [id, x] : r)
    if (!payers_.count(id)) report += "entries for unknown payer " + id + "; ";
  if (!report.empty()) return err(ErrorCode::internal, "ledger replay differs: " + report);
  return Ok{};
}

}  // namespace credits
