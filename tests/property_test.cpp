// Randomized operation sequences: after every step no bucket is negative, the money invariant
// (with `held`) holds, the entries replay to the live state, and idempotent retries change
// nothing. Run reservations are checked against a reference model (HoldModel): which reserved
// charges and releases are accepted, what each reserve holds, what every hold and payer has
// left. Balance events are checked against another (EventModel): the ledger's log must be the
// model's, field by field, after every step. At the end, the accepted operations applied to a
// fresh ledger give the same state and the same events, byte for byte.
#include <array>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "credits/durable_ledger.hpp"
#include "credits/wire/quote_wire.hpp"
#include "credits/wire/usage_csv.hpp"
#include "memory_store.hpp"
#include "test_support.hpp"

namespace credits::testing {
namespace {

using nlohmann::json;

json digest(const Ledger& l) {
  json d = json::object();
  for (const auto& [id, p] : l.payers())
    d[id] = {p.sub.remaining, p.wallet, p.held, p.totals.granted, p.totals.topped_up, p.totals.spent,
             p.totals.refunded, p.totals.expired, std::string(to_string(p.sub.status))};
  d["entries"] = l.entries().size();
  d["charges"] = memory_records(l).charges().size();
  d["reservations"] = memory_records(l).reservations().size();
  return d;
}

int64_t max_price(const json& node) { return quote_json(*test_card(), node)["max"].get<int64_t>(); }

// A random node: exact video, or a ranged LLM call.
json random_node(const std::string& id, const std::function<int64_t(int64_t, int64_t)>& pick) {
  if (pick(0, 2) == 0)
    return {{"id", id}, {"model", "llm"}, {"params", {{"input_tokens", pick(0, 20000)}, {"max_output_tokens", pick(1, 3000)}}}};
  const int s = std::array<int, 4>{4, 5, 6, 8}[static_cast<size_t>(pick(0, 3))];
  return {{"id", id}, {"model", "vid"}, {"params", {{"duration_s", s}}}};
}

// The reference model of run reservations (SPEC §11), written from the rules alone: what each
// reserve holds, which reserved charges and releases must be accepted, and what every hold
// and payer has left. Memberships and contexts are taken from the accepted operations.
class HoldModel {
 public:
  struct Hold {
    std::string payer, user;
    std::map<std::string, int64_t> nodes;  // node id -> planned maximum
    std::map<std::string, std::string> models;
    int64_t left = 0;
    Timestamp expires_at = 0;
    bool open = true;
  };

  // The graph's planned maximum: every node that runs, at its quote's maximum.
  static int64_t planned(const json& graph, Hold& h) {
    int64_t total = 0;
    for (const json& n : graph["nodes"]) {
      if (n.value("skip", false)) continue;
      const int64_t m = max_price(n);
      total += m;
      h.nodes[n["id"].get<std::string>()] = m;
      h.models[n["id"].get<std::string>()] = n["model"].get<std::string>();
    }
    return total;
  }

  // Before an operation is applied: the code it must be refused with, "" if it must be
  // accepted, or nullopt where the model does not decide (the ledger's other rules do).
  std::optional<std::string> expect(const json& op, Timestamp at, const std::set<std::string>& used_keys) const {
    const std::string name = op["op"];
    if (name == "release") {
      auto h = holds_.find(op["reservation"].get<std::string>());
      if (h == holds_.end()) return "unknown_reservation";
      return h->second.open && at < h->second.expires_at ? "" : "already_released";
    }
    if (name != "charge" || !op.contains("reservation") || used_keys.count(op["key"])) return std::nullopt;
    auto h = holds_.find(op["reservation"].get<std::string>());
    if (h == holds_.end()) return "unknown_reservation";
    const Hold& hold = h->second;
    if (!hold.open || at >= hold.expires_at) return "already_released";
    if (hold.user != op["user"]) return "invalid_op";
    if (hold.payer == "workspace:ws" && !members_.count(hold.user)) return "not_member";
    const std::string id = op["node"]["id"];
    if (!hold.nodes.count(id) || hold.models.at(id) != op["node"]["model"]) return "invalid_op";
    const int64_t price = max_price(op["node"]);
    if (op["quoted"].get<int64_t>() != price) return "price_mismatch";
    return price <= hold.left ? "" : "insufficient_credits";
  }

  // After an accepted operation.
  void accepted(const json& op, const json& result, Timestamp at) {
    const std::string name = op["op"];
    if (name == "add_member") members_.insert(op["user"].get<std::string>());
    if (name == "remove_member") members_.erase(op["user"].get<std::string>());
    if (name == "reserve" && !result.value("replayed", false)) {
      Hold h;
      h.payer = result["payer"];
      h.user = op["user"];
      h.left = planned(op["graph"], h);
      EXPECT_EQ(result["credits"].get<int64_t>(), h.left) << op.dump();
      h.expires_at = at + op.value("expires_in_s", int64_t{86400}) * 1000;
      holds_[op["key"].get<std::string>()] = h;
    }
    if (name == "charge" && op.contains("reservation") && !result.value("replayed", false))
      holds_.at(op["reservation"].get<std::string>()).left -= result["credits"].get<int64_t>();
    if (name == "release") holds_.at(op["reservation"].get<std::string>()).open = false;
  }

  // Once every payer has been read at `now`: each hold and each payer's held credits.
  void check(const Ledger& ledger, Timestamp now) {
    std::map<std::string, int64_t> held;
    for (auto& [key, h] : holds_) {
      if (h.open && now >= h.expires_at) h.open = false;  // expired, and the read made it real
      if (h.open) held[h.payer] += h.left;
    }
    for (const Reservation& r : memory_records(ledger).reservations()) {
      const Hold& h = holds_.at(r.key);
      ASSERT_EQ(r.status == ReservationStatus::open, h.open) << r.key;
      if (h.open) ASSERT_EQ(r.left.total(), h.left) << r.key;
    }
    for (const auto& [id, p] : ledger.payers()) ASSERT_EQ(p.held, held[id]) << id;
  }

  const std::map<std::string, Hold>& holds() const { return holds_; }

 private:
  std::map<std::string, Hold> holds_;
  std::set<std::string> members_{"u0"};
};

// The reference model of balance events (SPEC §11), from the rules alone: after every accepted
// operation it looks at every payer with a setting (not only those the operation touched: a
// payer nothing touched has the same available credits, so it cannot cross) and emits on a
// change of side: one balance_low per crossing down, one balance_recovered per crossing back,
// one top_up_requested while below with none outstanding; a top-up with a request's key
// fulfils it. The ledger's log must be exactly this, field by field.
class EventModel {
 public:
  struct Expected {
    Timestamp at;
    std::string type, payer, key;
    int64_t below, available, credits = 0, to = 0;
  };

  void accepted(const json& op, const Ledger& ledger, Timestamp at) {
    const std::string name = op["op"];
    if (name == "set_alert") {
      const std::string payer = op["payer"];
      if (op["below"].is_null()) alerts_.erase(payer);
      else alerts_[payer].below = op["below"].get<int64_t>();  // a new alert starts not low
    }
    if (name == "set_auto_top_up") {
      const std::string payer = op["payer"];
      if (op["below"].is_null()) autos_.erase(payer);
      else autos_[payer].below = op["below"].get<int64_t>(), autos_[payer].to = op["to"].get<int64_t>();
    }
    if (name == "top_up" && !op.value("replayed", false)) {
      auto a = autos_.find(op["payer"].get<std::string>());
      if (a != autos_.end() && a->second.outstanding == op["key"].get<std::string>()) a->second.outstanding.clear();
    }
    std::set<std::string> payers;
    for (const auto& [p, a] : alerts_) payers.insert(p);
    for (const auto& [p, a] : autos_) payers.insert(p);
    for (const std::string& p : payers) evaluate(p, available(ledger, p), at);
  }

  // The outstanding request of some payer, if any: {payer, key, credits}.
  std::optional<std::array<std::string, 3>> outstanding() const {
    for (const auto& [p, a] : autos_)
      if (!a.outstanding.empty()) return std::array<std::string, 3>{p, a.outstanding, std::to_string(a.credits)};
    return std::nullopt;
  }

  void check(const Ledger& ledger) const {
    const auto& log = ledger.balance_events().log();
    ASSERT_EQ(log.size(), expected_.size());
    for (size_t i = 0; i < log.size(); ++i) {
      const BalanceEvent& e = log[i];
      const Expected& x = expected_[i];
      ASSERT_EQ(e.seq, static_cast<int64_t>(i) + 1);
      ASSERT_EQ(std::string(to_string(e.type)), x.type) << "event " << i + 1;
      ASSERT_EQ(e.payer, x.payer) << "event " << i + 1;
      ASSERT_EQ(e.at, x.at) << "event " << i + 1;
      ASSERT_EQ(e.below, x.below) << "event " << i + 1;
      ASSERT_EQ(e.available, x.available) << "event " << i + 1;
      ASSERT_EQ(e.credits, x.credits) << "event " << i + 1;
      ASSERT_EQ(e.key, x.key) << "event " << i + 1;
      ASSERT_EQ(e.to, x.to) << "event " << i + 1;
    }
  }
  size_t size() const { return expected_.size(); }

 private:
  struct Alert {
    int64_t below = 0;
    bool low = false;
  };
  struct Auto {
    int64_t below = 0, to = 0, credits = 0;
    std::string outstanding;
  };
  static int64_t available(const Ledger& ledger, const std::string& payer) {
    const Payer& p = ledger.payers().at(payer);
    return (p.sub.in_period ? p.sub.remaining : 0) + p.wallet;
  }
  void evaluate(const std::string& payer, int64_t available, Timestamp at) {
    if (auto a = alerts_.find(payer); a != alerts_.end() && (available < a->second.below) != a->second.low) {
      a->second.low = !a->second.low;
      expected_.push_back({at, a->second.low ? "balance_low" : "balance_recovered", payer, "", a->second.below, available});
    }
    if (auto t = autos_.find(payer); t != autos_.end() && t->second.outstanding.empty() && available < t->second.below) {
      const std::string key = "auto-top-up:" + payer + ":" + std::to_string(expected_.size() + 1);
      t->second.outstanding = key;
      t->second.credits = t->second.to - available;
      expected_.push_back({at, "top_up_requested", payer, key, t->second.below, available, t->second.credits, t->second.to});
    }
  }
  std::map<std::string, Alert> alerts_;
  std::map<std::string, Auto> autos_;
  std::vector<Expected> expected_;
};

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  json next(int64_t& clock_ms) {
    int64_t kind = pick(0, 19);
    if (run_steps_ > 0) {  // a run goes on: its next node, mostly, right after its reservation
      --run_steps_;
      if (pick(0, 4) > 0) kind = 20;
    }
    if (kind >= 12 && kind <= 14 && accepted_.empty()) kind = 11;  // no run to draw on yet: start one
    // A run's charges and its release follow its reservation within minutes; all else drifts
    // by up to an hour, or by days (resets, period ends, expiries).
    if ((kind >= 11 && kind <= 14) || kind == 20) clock_ms += pick(0, 120'000);
    else clock_ms += pick(0, 4) == 0 ? pick(1, 40) * 86'400'000LL : pick(0, 3'600'000);
    json op;
    op["at"] = format_timestamp(clock_ms);
    const std::string user = users_[pick(0, 2)];
    const std::string payer = pick(0, 2) == 0 ? "workspace:ws" : "user:" + user;
    switch (kind) {
      case 0: op.update({{"op", "subscribe"}, {"payer", payer}, {"quota", pick(1, 300)}, {"by", "u0"}}); break;
      case 1: op.update({{"op", "pause"}, {"payer", payer}, {"by", "u0"}}); break;
      case 2: op.update({{"op", "resume"}, {"payer", payer}, {"by", "u0"}}); break;
      case 3: op.update({{"op", "cancel"}, {"payer", payer}, {"by", "u0"}}); break;
      case 4: op.update({{"op", "top_up"}, {"payer", payer}, {"credits", pick(1, 200)}, {"key", "t" + std::to_string(pick(0, 40))}, {"by", user}}); break;
      case 5: op.update({{"op", "switch"}, {"user", user}, {"workspace", pick(0, 1) ? json("ws") : json(nullptr)}}); break;
      case 6: op.update({{"op", pick(0, 1) ? "add_member" : "remove_member"}, {"workspace", "ws"}, {"user", user}, {"by", "u0"}}); break;
      case 7: op.update({{"op", "set_member_cap"}, {"workspace", "ws"}, {"user", user}, {"cap", pick(0, 1) ? json(pick(0, 300)) : json(nullptr)}, {"by", "u0"}}); break;
      case 8:
      case 9: {
        const int choice = pick(0, 3);
        op.update({{"op", "fail"}, {"charge", "c" + std::to_string(pick(0, charges_))}});
        if (choice == 0) {
          op["op"] = "complete";
          if (pick(0, 1)) op["usage"] = {{"output_tokens", pick(0, 3000)}};
        }
        break;
      }
      case 10: op.update({{"op", "balance"}, {"payer", payer}}); break;
      case 11: next_reserve(op, user); break;
      case 12:
      case 13: next_reserved_charge(op, user); break;
      case 14: op.update({{"op", "release"}, {"reservation", recent_reservation()}}); break;
      case 15:
        if (pick(0, 1)) op.update({{"op", "set_alert"}, {"payer", payer}, {"by", "u0"}, {"below", pick(0, 5) ? json(pick(0, 400)) : json(nullptr)}});
        else {
          const int64_t below = pick(0, 300);
          op.update({{"op", "set_auto_top_up"}, {"payer", payer}, {"by", "u0"}, {"below", pick(0, 5) ? json(below) : json(nullptr)}, {"to", below + pick(1, 300)}});
        }
        break;
      case 20: next_reserved_charge(op, user, accepted_.back()); break;  // the run in progress
      default: {
        // Charges: exact video, or a ranged LLM call. Sometimes a forged price.
        json node = random_node("n", picker());
        int64_t price = max_price(node);
        if (pick(0, 20) == 0) price += 1;
        op.update({{"op", "charge"}, {"user", user}, {"key", "c" + std::to_string(charges_++)}, {"node", node},
                   {"quoted", price}, {"rate_card", "test-1"}});
      }
    }
    return op;
  }

  int64_t pick(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }

 private:
  std::function<int64_t(int64_t, int64_t)> picker() {
    return [this](int64_t lo, int64_t hi) { return pick(lo, hi); };
  }

  // A run of one to three nodes, some skipped, held for a minute to forty days.
  void next_reserve(json& op, const std::string& user) {
    json graph = {{"nodes", json::array()}};
    const int n = static_cast<int>(pick(1, 3));
    for (int i = 0; i < n; ++i) {
      json node = random_node("g" + std::to_string(i), picker());
      if (pick(0, 5) == 0) node["skip"] = true;
      graph["nodes"].push_back(node);
    }
    const std::string key = "r" + std::to_string(reservations_++);
    graphs_[key] = graph;
    op.update({{"op", "reserve"}, {"user", user}, {"key", key}, {"graph", graph}, {"rate_card", "test-1"}});
    const int64_t e = pick(0, 4);
    const int64_t odd = pick(0, 9) ? 600 : std::array<int64_t, 2>{60, 40 * 86400}[static_cast<size_t>(pick(0, 1))];
    if (e < 4) op["expires_in_s"] = std::array<int64_t, 4>{odd, 3600, 7 * 86400, 1800}[static_cast<size_t>(e)];
  }

  // A charge drawn from a reservation: one of its nodes as planned, or run with other values,
  // or a node it does not hold; now and then someone else's run or a forged price.
  void next_reserved_charge(json& op, const std::string& user, std::string key = "") {
    if (key.empty()) key = recent_reservation();
    json node;
    auto g = graphs_.find(key);
    if (g != graphs_.end() && pick(0, 5) > 0) {
      const json& nodes = g->second["nodes"];
      node = nodes[static_cast<size_t>(pick(0, static_cast<int64_t>(nodes.size()) - 1))];
      node.erase("skip");
      if (pick(0, 3) == 0) node = random_node(node["id"], picker());
    } else {
      node = random_node("x", picker());
    }
    int64_t price = max_price(node);
    if (pick(0, 20) == 0) price += 1;
    op.update({{"op", "charge"}, {"user", pick(0, 8) ? owner(key, user) : user}, {"key", "c" + std::to_string(charges_++)},
               {"node", node}, {"quoted", price}, {"rate_card", "test-1"}, {"reservation", key}});
  }
  // Mostly one of the last few accepted reservations; now and then any key, made or not.
  std::string recent_reservation() {
    if (accepted_.empty() || pick(0, 7) == 0) return "r" + std::to_string(pick(0, reservations_));
    const int64_t back = std::min<int64_t>(pick(0, 2), static_cast<int64_t>(accepted_.size()) - 1);
    return accepted_[accepted_.size() - 1 - static_cast<size_t>(back)];
  }
  std::string owner(const std::string& key, const std::string& fallback) const {
    auto o = owners_.find(key);
    return o != owners_.end() ? o->second : fallback;
  }

 public:
  void reserved(const std::string& key, const std::string& user) {
    if (!owners_.emplace(key, user).second) return;
    accepted_.push_back(key);
    run_steps_ = static_cast<int>(pick(1, 4));
  }

 private:
  int reservations_ = 0;
  std::map<std::string, json> graphs_;
  std::map<std::string, std::string> owners_;
  std::vector<std::string> accepted_;
  int run_steps_ = 0;
  std::mt19937_64 rng_;
  std::array<std::string, 3> users_{"u0", "u1", "u2"};
  int charges_ = 0;
};

TEST(Property, RandomSequencesKeepEveryInvariant) {
  constexpr int kSequences = 1500;
  constexpr int kSteps = 60;
  int64_t accepted_total = 0, replays = 0, modelled = 0, events_total = 0;
  for (int seq = 0; seq < kSequences; ++seq) {
    Ledger ledger(test_card());
    Generator gen(0xC0FFEEu + static_cast<uint64_t>(seq));
    int64_t clock = *parse_timestamp("2026-01-31T10:00:00Z");
    std::vector<json> accepted;
    HoldModel holds;
    EventModel events;
    // Every accepted operation, the retries' and the reads' included, goes to both models.
    auto apply = [&](const json& op) {
      json r = apply_operation(ledger, op);
      if (!r["ok"].get<bool>()) return r;
      accepted.push_back(op);
      const Timestamp at = *parse_timestamp(op["at"].get<std::string>());
      holds.accepted(op, r, at);
      json seen = op;
      if (r.value("replayed", false)) seen["replayed"] = true;
      events.accepted(seen, ledger, at);
      return r;
    };
    for (const char* setup : {R"({"op":"create_user","user":"u0"})", R"({"op":"create_user","user":"u1"})",
                              R"({"op":"create_user","user":"u2"})", R"({"op":"create_workspace","workspace":"ws","admin":"u0"})"}) {
      json op = json::parse(setup);
      op["at"] = format_timestamp(clock);
      ASSERT_TRUE(apply(op)["ok"].get<bool>());
    }
    std::vector<json> money_ops;
    std::set<std::string> used_keys;
    for (int step = 0; step < kSteps; ++step) {
      json op = gen.next(clock);
      // Now and then someone fulfils the outstanding top-up request, with its key and credits.
      if (auto request = events.outstanding(); request && gen.pick(0, 3) == 0)
        op = {{"op", "top_up"}, {"at", op["at"]}, {"payer", (*request)[0]}, {"key", (*request)[1]},
              {"credits", std::stoll((*request)[2])}, {"by", "u0"}};
      const std::optional<std::string> expected = holds.expect(op, clock, used_keys);
      json before = digest(ledger);
      json r = apply(op);
      const bool ok = r["ok"].get<bool>();
      if (expected) {
        ASSERT_EQ(ok ? std::string() : r["error"]["code"].get<std::string>(), *expected) << op.dump() << " -> " << r.dump();
        ++modelled;
      }
      if (!ok) {
        ASSERT_EQ(digest(ledger), before) << "rejected op changed state: " << op.dump() << " -> " << r.dump();
      } else {
        if (op.contains("key")) used_keys.insert(op["key"].get<std::string>());
        if (op["op"] == "reserve") gen.reserved(op["key"], op["user"]);
        if (op["op"] == "charge" || op["op"] == "top_up" || op["op"] == "reserve") money_ops.push_back(op);
      }
      ASSERT_TRUE(ledger.verify_invariants().ok()) << ledger.verify_invariants().error().message << " after " << op.dump();
      ASSERT_TRUE(ledger.verify_replay().ok()) << ledger.verify_replay().error().message << " after " << op.dump();
      events.check(ledger);
      if (::testing::Test::HasFatalFailure()) {
        std::string log;
        for (const auto& e : ledger.balance_events().log()) log += balance_event_to_json(e).dump() + "\n";
        std::string hist;
        for (const auto& a : accepted) hist += a.dump() + "\n";
        FAIL() << "events differ after " << op.dump() << " -> " << r.dump() << "\nledger's log:\n" << log << "accepted:\n" << hist;
      }
      // An idempotent retry of an earlier money operation, later, changes nothing.
      if (!money_ops.empty() && gen.pick(0, 5) == 0) {
        json retry = money_ops[static_cast<size_t>(gen.pick(0, static_cast<int64_t>(money_ops.size()) - 1))];
        retry["at"] = format_timestamp(clock);
        // Advancing time may reset a period; do that first so the retry itself is isolated.
        std::vector<std::string> ids;
        for (const auto& [id, p] : ledger.payers()) ids.push_back(id);
        for (const auto& id : ids) apply(json{{"op", "balance"}, {"payer", id}, {"at", format_timestamp(clock)}});
        holds.check(ledger, clock);
        json before_retry = digest(ledger);
        json rr = apply(retry);
        ASSERT_EQ(rr.value("replayed", false), true) << retry.dump() << " -> " << rr.dump();
        ASSERT_EQ(digest(ledger), before_retry);
        ++replays;
      }
    }
    // At the end, every payer read now: each hold and held total as the model has them.
    std::vector<std::string> ids;
    for (const auto& [id, p] : ledger.payers()) ids.push_back(id);
    for (const auto& id : ids) apply(json{{"op", "balance"}, {"payer", id}, {"at", format_timestamp(clock)}});
    holds.check(ledger, clock);
    // Replaying the accepted operations into a fresh ledger gives the same state.
    Ledger again(test_card());
    for (const json& op : accepted) ASSERT_TRUE(apply_operation(again, op)["ok"].get<bool>()) << op.dump();
    ASSERT_EQ(digest(again), digest(ledger));
    accepted_total += static_cast<int64_t>(accepted.size());
    events_total += static_cast<int64_t>(events.size());
    // The replayed ledger's events are the same, byte for byte.
    ASSERT_EQ(again.balance_events().log().size(), ledger.balance_events().log().size());
    for (size_t i = 0; i < ledger.balance_events().log().size(); ++i)
      ASSERT_EQ(balance_event_to_json(again.balance_events().log()[i]).dump(),
                balance_event_to_json(ledger.balance_events().log()[i]).dump());
  }
  EXPECT_GT(accepted_total, kSequences * 20);  // the generator must exercise real work
  EXPECT_GT(replays, kSequences);
  EXPECT_GT(modelled, kSequences * 5);  // reserved charges and releases the model decided
  EXPECT_GT(events_total, kSequences);   // balance events the model expected, and the ledger emitted
}

// Two durable ledgers on the same operations: one keeps its history in memory, the other in
// the store behind a cache of a few records (cached_records.hpp), committed now and then and
// told late that a commit is durable, as the server's committer does. Every result, usage page
// and CSV is the same byte for byte; the cache holds at most its capacity once nothing is
// pinned; the store-backed ledger, recovered from its newest snapshot and the journal after it,
// goes on exactly alike; and a full replay finds that snapshot to be its state at that record.
class HistoryPair {
 public:
  HistoryPair(size_t capacity, int64_t snapshot_every) : cached_store_(true) {
    cached_.set_cache_records(capacity);
    cached_.set_snapshot_every(snapshot_every);
    EXPECT_TRUE(memory_.recover(memory_store_).ok);
    EXPECT_TRUE(cached_.recover(cached_store_).ok);
    auto card = load_card_text(read_file("tests/data/test-card.json"));
    EXPECT_TRUE(memory_.use_rate_card(*card, std::nullopt).ok());
    EXPECT_TRUE(cached_.use_rate_card(*card, std::nullopt).ok());
  }
  // With `prefetch`, the cached ledger reads the keys of `op` and of `also` from the store first
  // (as the server does for a batch): what it learns must not change any answer.
  json apply(const json& op, bool prefetch = false, const std::vector<json>& also = {}) {
    if (prefetch) {
      std::vector<const json*> ops{&op};
      for (const json& o : also) ops.push_back(&o);
      cached_.prefetch(ops);
    }
    json a = memory_.apply(op, std::nullopt), b = cached_.apply(op, std::nullopt);
    EXPECT_EQ(to_wire(a), to_wire(b)) << op.dump();
    return a;
  }
  void compare_csv(const std::string& payer) {
    auto a = usage_csv(memory_.ledger(), payer), b = usage_csv(cached_.ledger(), payer);
    ASSERT_EQ(a.ok(), b.ok()) << payer;
    if (a.ok()) ASSERT_EQ(*a, *b) << payer;
  }
  // Commits both; the cached one learns it is durable only at the next call (pipelining).
  void commit() {
    ASSERT_TRUE(memory_store_.commit(memory_.take_batch()));
    cached_.durable_through(committed_);
    ASSERT_TRUE(cached_store_.commit(cached_.take_batch()));
    committed_ = cached_.last_seq();
  }
  void settle() {
    commit();
    cached_.durable_through(committed_);
  }
  DurableLedger& cached() { return cached_; }
  MemoryStore& cached_store() { return cached_store_; }
  const DurableLedger& memory() const { return memory_; }

 private:
  MemoryStore memory_store_, cached_store_;
  DurableLedger memory_, cached_;
  int64_t committed_ = 0;
};

TEST(Property, HistoryInTheStoreGivesTheSameResults) {
  constexpr int kSequences = 150;
  constexpr int kSteps = 80;
  int64_t loads = 0, evictions = 0, from_snapshots = 0;
  for (int seq = 0; seq < kSequences; ++seq) {
    Generator gen(0xBEEFu + static_cast<uint64_t>(seq));
    const size_t capacity = static_cast<size_t>(gen.pick(1, 6));
    HistoryPair pair(capacity, gen.pick(1, 40));
    int64_t clock = *parse_timestamp("2026-01-31T10:00:00Z");
    for (const char* setup : {R"({"op":"create_user","user":"u0"})", R"({"op":"create_user","user":"u1"})",
                              R"({"op":"create_user","user":"u2"})", R"({"op":"create_workspace","workspace":"ws","admin":"u0"})"}) {
      json op = json::parse(setup);
      op["at"] = format_timestamp(clock);
      pair.apply(op);
    }
    std::vector<json> money_ops;
    const std::array<std::string, 4> payers{"user:u0", "user:u1", "user:u2", "workspace:ws"};
    for (int step = 0; step < kSteps; ++step) {
      json op = gen.next(clock);
      std::vector<json> also;  // keys already used, and keys not yet
      for (int i = 0; i < 3 && !money_ops.empty(); ++i)
        also.push_back(money_ops[static_cast<size_t>(gen.pick(0, static_cast<int64_t>(money_ops.size()) - 1))]);
      also.push_back(json{{"key", "c" + std::to_string(gen.pick(0, 80))}});  // often a charge still to come
      json r = pair.apply(op, gen.pick(0, 1) == 0, also);
      if (r.value("ok", false) && op["op"] == "reserve") gen.reserved(op["key"], op["user"]);
      if (r.value("ok", false) && op.contains("key")) money_ops.push_back(op);
      const std::string at = format_timestamp(clock);
      if (gen.pick(0, 3) == 0)  // the billing page: recent charges and this period's spend
        pair.apply(json{{"op", "usage"}, {"payer", payers[static_cast<size_t>(gen.pick(0, 3))]}, {"limit", gen.pick(1, 6)}, {"at", at}});
      if (!money_ops.empty() && gen.pick(0, 4) == 0) {  // a retry, after the record left memory
        json retry = money_ops[static_cast<size_t>(gen.pick(0, static_cast<int64_t>(money_ops.size()) - 1))];
        retry["at"] = at;
        pair.apply(retry);
      }
      if (gen.pick(0, 2) == 0) pair.commit();
      if (::testing::Test::HasFailure()) FAIL() << "sequence " << seq << ", step " << step;
    }
    pair.settle();
    const CachedRecords* cache = pair.cached().cache();
    ASSERT_NE(cache, nullptr);
    EXPECT_EQ(cache->pinned(), 0u);
    EXPECT_LE(cache->size(), capacity);
    loads += static_cast<int64_t>(cache->counters().loads);
    evictions += static_cast<int64_t>(cache->counters().evictions);
    for (const std::string& p : payers) pair.compare_csv(p);
    // The full replay's state where the newest snapshot was taken is that snapshot.
    DurableLedger verified;
    verified.set_full_replay(true);
    RecoveryReport full = verified.recover(pair.cached_store());
    ASSERT_TRUE(full.ok) << full.to_json().dump(2);
    // Recovered from its store (from the newest snapshot): the same state, every key remembered.
    DurableLedger reopened;
    reopened.set_cache_records(capacity);
    RecoveryReport report = reopened.recover(pair.cached_store());
    ASSERT_TRUE(report.ok) << report.to_json().dump(2);
    if (report.snapshot > 0) ++from_snapshots;
    ASSERT_NE(reopened.cache(), nullptr);
    EXPECT_LE(reopened.cache()->size(), capacity) << "what the start read is back within capacity";
    ASSERT_EQ(reopened.last_seq(), pair.memory().last_seq());
    for (json op : money_ops) {
      op["at"] = format_timestamp(clock);
      ASSERT_EQ(to_wire(reopened.apply(op, std::nullopt)), to_wire(const_cast<DurableLedger&>(pair.memory()).apply(op, std::nullopt)));
    }
    for (const std::string& p : payers) {
      json u{{"op", "usage"}, {"payer", p}, {"limit", 50}, {"at", format_timestamp(clock)}};
      ASSERT_EQ(to_wire(reopened.apply(u, std::nullopt)), to_wire(const_cast<DurableLedger&>(pair.memory()).apply(u, std::nullopt)));
    }
  }
  EXPECT_GT(loads, kSequences);      // records really were read back from the store
  EXPECT_GT(evictions, kSequences);  // and really left memory
  EXPECT_GT(from_snapshots, kSequences / 2);  // and most starts were from a snapshot
}

}  // namespace
}  // namespace credits::testing
