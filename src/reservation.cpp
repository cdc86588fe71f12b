// Run reservations (SPEC §11): the ledger's reserve, release, the charges that draw from a hold,
// and expiry by time. A hold is money taken from the buckets and not yet spent: conservation
// counts it as `held`, and every rule of SPEC §4 applies to what comes back out of it.
#include <algorithm>
#include <cassert>
#include <string>

#include "credits/ledger.hpp"
#include "credits/money_split.hpp"

namespace credits {

std::string_view to_string(ReservationStatus s) {
  switch (s) {
    case ReservationStatus::open: return "open";
    case ReservationStatus::released: return "released";
    case ReservationStatus::expired: return "expired";
  }
  return "open";
}

namespace {

Error err(ErrorCode code, std::string message, std::string path = {}) {
  return Error(code, std::move(message), std::move(path));
}


}  // namespace

// --- expiry: part of what time passing does to a payer ----------------------------------------

void Ledger::preview_expiries(const Payer& p, Timestamp at, Advanced& a) const {
  std::vector<Reservation*> due;
  for (const std::string& key : p.open_holds) {
    Reservation* r = records_->find_reservation(key);
    assert(r && r->status == ReservationStatus::open);
    if (r->expires_at <= at) due.push_back(r);
  }
  // In time order; holds that expire at one instant in the order they were made.
  std::sort(due.begin(), due.end(), [](const Reservation* x, const Reservation* y) {
    return x->expires_at != y->expires_at ? x->expires_at < y->expires_at : x->entry_seq < y->entry_seq;
  });
  for (Reservation* hold : due) {
    const Reservation& r = *hold;
    advance_preview(p, r.expires_at, a);  // the resets before it happen first
    Buckets routed = route_return(r.left, a.sub.in_period);
    // A subscription too full to take its portion back passes the rest to the wallet; if the
    // wallet cannot take it either, the hold waits for room (nothing is ever dropped).
    const Credits room = kMaxBucket - a.sub.remaining;
    if (routed.subscription > room) {
      routed.wallet += routed.subscription - room;
      routed.subscription = room;
    }
    if (routed.wallet > kMaxBucket - a.wallet) continue;
    a.sub.remaining += routed.subscription;
    a.wallet += routed.wallet;
    a.held -= r.left.total();
    a.events.push_back({Advanced::Event::release, r.expires_at, 0, hold, routed});
  }
}

// Records a hold's end; the caller has put `routed` into the buckets and taken it off `held`.
void Ledger::release_hold(Payer& p, Reservation& r, const Buckets& routed, Timestamp at, ReservationStatus status) {
  const Credits amount = r.left.total();
  append(at, p.id.text(), EntryKind::release, routed.subscription, routed.wallet, r.key, -amount);
  r.status = status;
  r.closed_at = at;
  r.back = routed;
  r.left = Buckets{};
  records_->changed(r);
  p.open_holds.erase(std::remove(p.open_holds.begin(), p.open_holds.end(), r.key), p.open_holds.end());
  uncount_member_spend(p, r.user, r.cap_period, amount);  // what the run did not spend leaves the cap
}

// --- reserve ------------------------------------------------------------------------------------

Result<ReserveOutcome> Ledger::replay_reserve(const ReserveRequest& r) const {
  const Reservation* res = records_->find_reservation(r.key);
  const bool same = res && res->user == r.user && res->rate_card == r.rate_card &&
                    res->expires_in_s == r.expires_in_s && res->graph_text == r.graph_text;
  if (!same)
    return err(ErrorCode::idempotency_conflict, "key \"" + r.key + "\" was already used for a different operation", "/key");
  return ReserveOutcome{res, true};
}

// The server plans the graph itself, on the card in force: every node that runs must be priced.
Result<Plan> Ledger::plan_reserved(ReserveRequest& r) const {
  if (r.rate_card != card_->version)
    return err(ErrorCode::stale_rate_card,
               "the run was planned with rate card " + (r.rate_card.empty() ? std::string("(none)") : r.rate_card) +
                   "; the current rate card is " + card_->version,
               "/rate_card");
  auto plan = price_graph(*card_, r.graph, false);
  if (!plan) return Error(plan.error().code, plan.error().message, "/graph" + plan.error().path);
  for (size_t i = 0; i < plan->nodes.size(); ++i)
    if (const auto& e = plan->nodes[i].error; e && !r.graph.nodes[i].skip)
      return Error(e->code, "node \"" + r.graph.nodes[i].id + "\": " + e->message, "/graph" + e->path);
  if (plan->sum_max > kMaxAmount)
    return err(ErrorCode::invalid_op, "the run's maximum is over 10^15 credits, more than one hold may take", "/graph");
  return plan;
}

const Reservation& Ledger::record_reservation(Timestamp at, ReserveRequest&& r, const Plan& plan, Payer& pr,
                                              const Buckets& split, int64_t cap_key) {
  Reservation res;
  res.key = std::move(r.key);
  res.payer = pr.id.text();
  res.user = std::move(r.user);
  res.graph_text = std::move(r.graph_text);
  res.rate_card = std::move(r.rate_card);
  for (size_t i = 0; i < plan.nodes.size(); ++i)
    if (!plan.nodes[i].skipped)
      res.nodes[r.graph.nodes[i].id] = ReservedNode{r.graph.nodes[i].prepared.model->id, plan.nodes[i].price.max};
  res.at = at;
  res.expires_in_s = r.expires_in_s;
  res.expires_at = at + r.expires_in_s * 1000;
  res.taken = split;
  res.left = split;
  res.cap_period = cap_key;
  pr.sub.remaining -= split.subscription;
  pr.wallet -= split.wallet;
  pr.held += split.total();
  append(at, pr.id.text(), EntryKind::hold, -split.subscription, -split.wallet, res.key, split.total());
  res.entry_seq = entry_count();
  pr.open_holds.push_back(res.key);
  return records_->add_reservation(std::move(res));
}

Result<ReserveOutcome> Ledger::reserve(Timestamp at, ReserveRequest r) {
  const Audit audit(*this);
  if (Status s = check_clock(at); !s) return s.error();
  if (!is_valid_id(r.key)) return err(ErrorCode::invalid_op, "a reservation needs an idempotency \"key\": " + id_rule_message("key"), "/key");
  if (records_->kind_of(r.key)) return replay_reserve(r);
  auto context = charge_context(r.user);
  if (!context) return context.error();
  if (r.expires_in_s < 1 || r.expires_in_s > kMaxHoldSeconds || at > kMaxTimestamp - r.expires_in_s * 1000)
    return err(ErrorCode::invalid_op, "\"expires_in_s\" is 1 to " + std::to_string(kMaxHoldSeconds) +
                                          " seconds, ending before the last instant the engine keeps", "/expires_in_s");
  auto plan = plan_reserved(r);
  if (!plan) return plan.error();
  const Credits credits = plan->total_max();
  Step step = begin_on(*context->payer, at);
  Payer& pr = *step.payer;
  const Advanced& a = step.advanced;
  const int64_t cap_key = context->workspace ? cap_period(a.sub, at) : 0;
  if (context->workspace)
    if (Status s = check_member_cap(*context->workspace, r.user, cap_key, credits); !s) return s.error();
  auto split = split_charge(a.sub.in_period ? a.sub.remaining : 0, a.wallet, credits);
  if (!split) return Error(split.error().code, pr.id.text() + " has " + split.error().message, "");
  if (!checked_add(a.held, credits)) return err(ErrorCode::invalid_op, pr.id.text() + "'s held credits would pass 2^63-1", "");
  // Everything is checked: from here nothing can fail.
  finish(step, at);
  const Reservation& res = record_reservation(at, std::move(r), *plan, pr, *split, cap_key);
  if (context->workspace) {
    auto& sp = context->workspace->member_spend[res.user];
    if (sp.first != cap_key) sp = {cap_key, 0};
    sp.second += credits;
  }
  return ReserveOutcome{&res, false};
}

// --- release ------------------------------------------------------------------------------------

Result<Reservation*> Ledger::open_reservation(const std::string& key, Timestamp at, const std::string& path) {
  Reservation* found = records_->find_reservation(key);
  if (!found) return err(ErrorCode::unknown_reservation, "no reservation with key \"" + key + "\"", path);
  Reservation& r = *found;
  if (r.status == ReservationStatus::released)
    return err(ErrorCode::already_released, "reservation \"" + key + "\" was released at " + format_timestamp(r.closed_at), path);
  if (r.status == ReservationStatus::expired || at >= r.expires_at)
    return err(ErrorCode::already_released,
               "reservation \"" + key + "\" expired at " + format_timestamp(r.expires_at) + "; what was left went back",
               path);
  return &r;
}

Result<ReleaseOutcome> Ledger::release(Timestamp at, const std::string& key) {
  const Audit audit(*this);
  if (Status s = check_clock(at); !s) return s.error();
  if (!is_valid_id(key)) return err(ErrorCode::invalid_op, "release needs \"reservation\", its key: " + id_rule_message("key"), "/reservation");
  auto res = open_reservation(key, at, "/reservation");
  if (!res) return res.error();
  Step step = begin_on(payers_.at((*res)->payer), at);
  Payer& p = *step.payer;
  const Buckets routed = route_return((*res)->left, step.advanced.sub.in_period);
  if (routed.subscription > kMaxBucket - step.advanced.sub.remaining || routed.wallet > kMaxBucket - step.advanced.wallet)
    return err(ErrorCode::invalid_op,
               "releasing " + std::to_string(routed.total()) + " credits would fill " + p.id.text() +
                   "'s buckets past 2^62; the hold stays open: spend from the buckets, then retry",
               "/reservation");
  finish(step, at);
  p.sub.remaining += routed.subscription;
  p.wallet += routed.wallet;
  p.held -= (*res)->left.total();
  release_hold(p, **res, routed, at, ReservationStatus::released);
  return ReleaseOutcome{*res};
}

// --- charges drawn from a hold ------------------------------------------------------------------

Result<Reservation*> Ledger::reserved_for(const ChargeRequest& r, Timestamp at) {
  if (!is_valid_id(r.reservation)) return err(ErrorCode::invalid_op, id_rule_message("reservation"), "/reservation");
  auto res = open_reservation(r.reservation, at, "/reservation");
  if (!res) return res.error();
  const Reservation& hold = **res;
  if (hold.user != r.user)
    return err(ErrorCode::invalid_op, "reservation \"" + hold.key + "\" is " + hold.user + "'s run, not " + r.user + "'s", "/user");
  if (auto payer = PayerId::parse(hold.payer); payer && payer->is_workspace()) {
    auto ws = workspaces_.find(std::string(payer->id()));
    if (ws == workspaces_.end() || !ws->second.members.count(r.user))
      return err(ErrorCode::not_member,
                 r.user + " is no longer a member of workspace " + std::string(payer->id()) +
                     "; the rest of the hold goes back when it is released or expires",
                 "/user");
  }
  // The node's own fields are judged later, when it is priced: an id or model that is not a
  // string (read as "") names no reserved node.
  const std::string& node_id = r.node.id;
  auto node = hold.nodes.find(node_id);
  if (node == hold.nodes.end())
    return err(ErrorCode::invalid_op, "node \"" + node_id + "\" is not one of the reserved graph's nodes that run", "/node/id");
  if (r.node.model != node->second.model)
    return err(ErrorCode::invalid_op, "node \"" + node_id + "\" was reserved as model " + node->second.model, "/node/model");
  return res;
}

Result<Buckets> Ledger::draw_from_hold(const Reservation& hold, Credits price) const {
  if (price > hold.left.total())
    return err(ErrorCode::insufficient_credits,
               "reservation \"" + hold.key + "\" has " + std::to_string(hold.left.total()) + " credits left; this node is priced at " +
                   std::to_string(price),
               "/reservation");
  Buckets drawn;
  drawn.subscription = std::min(price, hold.left.subscription);  // the subscription's portion first
  drawn.wallet = price - drawn.subscription;
  return drawn;
}

Result<ChargeOutcome> Ledger::charge_reserved(Timestamp at, ChargeRequest&& r) {
  auto res = reserved_for(r, at);
  if (!res) return res.error();
  auto priced = price_shown(r);
  if (!priced) return priced.error();
  Step step = begin_on(payers_.at((*res)->payer), at);
  Payer& pr = *step.payer;
  auto drawn = draw_from_hold(**res, priced->price.max);
  if (!drawn) return drawn.error();
  if (!checked_add(pr.totals.spent, priced->price.max))
    return err(ErrorCode::invalid_op, "the charge would take " + pr.id.text() + "'s spent total past 2^63-1", "");
  finish(step, at);
  const Charge& c = record_charge(at, std::move(r), pr, *priced, *drawn, (*res)->cap_period, *res);
  return ChargeOutcome{&c, false};
}

}  // namespace credits
