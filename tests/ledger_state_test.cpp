// The ledger's snapshot (ledger_state.hpp, wire/ledger_state_wire.hpp): a ledger restored from
// the text of its state, on the same records, answers every further operation byte for byte as
// the original does and ends in the same state. Ledgers are built by hand-written sequences
// (subscriptions in every status, resets, reservations expiring after the snapshot, workspaces
// with caps and member spend, alerts, an outstanding auto top-up) and by random ones; the
// snapshot is taken at a random step. from_state refuses a state that breaks an invariant or a
// reference, and read_ledger_state refuses malformed text with the pointer of the fault.
#include "credits/ledger_state.hpp"

#include <array>
#include <iostream>
#include <random>
#include <tuple>

#include "credits/access.hpp"
#include "credits/wire/ledger_state_wire.hpp"
#include "credits/wire/operation_wire.hpp"
#include "test_support.hpp"

namespace credits::testing {
namespace {

using nlohmann::json;

const Timestamp kStart = *parse_timestamp("2026-01-31T10:00:00Z");

// The original's state, written, read back and restored on a copy of its records.
std::unique_ptr<Ledger> restored(const Ledger& original) {
  const std::string text = write_ledger_state(original.state());
  auto state = read_ledger_state(text);
  EXPECT_TRUE(state.ok()) << (state ? "" : state.error().path + ": " + state.error().message);
  if (!state) return nullptr;
  EXPECT_EQ(write_ledger_state(*state), text);  // the text reads back to the same state
  auto ledger = Ledger::from_state(
      test_card(), std::make_unique<MemoryRecords>(memory_records(original)), std::move(*state));
  EXPECT_TRUE(ledger.ok()) << (ledger ? "" : ledger.error().message);
  return ledger ? std::move(*ledger) : nullptr;
}

// What two ledgers must agree on: the whole state's text, the history's size, the events.
std::string digest(const Ledger& l) {
  const MemoryRecords& r = memory_records(l);
  return write_ledger_state(l.state()) + "|" + std::to_string(r.charges().size()) + "|" +
         std::to_string(r.reservations().size()) + "|" + std::to_string(r.top_up_count());
}

int64_t max_price(const json& node) { return quote_json(*test_card(), node)["max"].get<int64_t>(); }

// Applies `op` to both ledgers: the same result, byte for byte.
void both(Ledger& a, Ledger& b, const json& op) {
  const std::string ra = to_wire(apply_operation(a, op));
  const std::string rb = to_wire(apply_operation(b, op));
  ASSERT_EQ(ra, rb) << op.dump();
  ASSERT_TRUE(b.verify_invariants().ok()) << op.dump();
}

json at(json op, Timestamp t) {
  op["at"] = format_timestamp(t);
  return op;
}

// Random operations over three users and a workspace (after tests/property_test.cpp's
// Generator, smaller): every kind of operation, runs with reservations, fulfilled requests.
class Ops {
 public:
  explicit Ops(uint64_t seed) : rng_(seed) {}
  int64_t pick(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }

  json next(const Ledger& l, Timestamp& clock) {
    clock += pick(0, 5) == 0 ? pick(1, 40) * 86'400'000LL : pick(0, 3'600'000);
    const std::string user = "u" + std::to_string(pick(0, 2));
    const std::string payer = pick(0, 2) == 0 ? "workspace:ws" : "user:" + user;
    const int64_t kind = pick(0, 17);
    return at(kind < 8 ? account_op(kind, user, payer) : money_op(kind, l, user, payer), clock);
  }

 private:
  // Subscriptions, memberships, contexts, caps, balance-event settings.
  json account_op(int64_t kind, const std::string& user, const std::string& payer) {
    switch (kind) {
      case 0:
        return {{"op", "subscribe"}, {"payer", payer}, {"quota", pick(1, 300)}, {"by", "u0"}};
      case 1:
        return {{"op", "pause"}, {"payer", payer}, {"by", "u0"}};
      case 2:
        return {{"op", "resume"}, {"payer", payer}, {"by", "u0"}};
      case 3:
        return {{"op", "cancel"}, {"payer", payer}, {"by", "u0"}};
      case 4:
        return {{"op", "switch"},
                {"user", user},
                {"workspace", pick(0, 1) ? json("ws") : json(nullptr)}};
      case 5:
        return {{"op", pick(0, 1) ? "add_member" : "remove_member"},
                {"workspace", "ws"},
                {"user", user},
                {"by", "u0"}};
      case 6:
        return {{"op", "set_member_cap"},
                {"workspace", "ws"},
                {"user", user},
                {"cap", pick(0, 1) ? json(pick(0, 300)) : json(nullptr)},
                {"by", "u0"}};
      case 7:
        if (pick(0, 1))
          return {{"op", "set_alert"},
                  {"payer", payer},
                  {"by", "u0"},
                  {"below", pick(0, 5) ? json(pick(0, 400)) : json(nullptr)}};
        const int64_t below = pick(0, 300);
        return {{"op", "set_auto_top_up"},
                {"payer", payer},
                {"by", "u0"},
                {"below", pick(0, 5) ? json(below) : json(nullptr)},
                {"to", below + pick(1, 300)}};
    }
    return {};
  }

  // Top-ups, charges, refunds, settlements, runs, reads.
  json money_op(int64_t kind, const Ledger& l, const std::string& user, const std::string& payer) {
    switch (kind) {
      case 8:
        return {{"op", "top_up"},
                {"payer", payer},
                {"credits", pick(1, 200)},
                {"key", "t" + std::to_string(pick(0, 40))},
                {"by", user}};
      case 9:
        return {{"op", pick(0, 1) ? "fail" : "complete"},
                {"charge", "c" + std::to_string(pick(0, charges_))}};
      case 10:
        return {{"op", pick(0, 1) ? "balance" : "usage"}, {"payer", payer}};
      case 11:
        return reserve(user);
      case 12:
        return {{"op", "release"}, {"reservation", "r" + std::to_string(pick(0, reservations_))}};
      case 13:
        return fulfil(l);
      case 14:
      case 15:
        return reserved_charge(user);
      default:
        return charge(user, random_node("n"), "");
    }
  }

  json random_node(const std::string& id) {
    if (pick(0, 2) == 0)
      return {{"id", id},
              {"model", "llm"},
              {"params", {{"input_tokens", pick(0, 20000)}, {"max_output_tokens", pick(1, 3000)}}}};
    return {{"id", id},
            {"model", "vid"},
            {"params",
             {{"duration_s", std::array<int, 4>{4, 5, 6, 8}[static_cast<size_t>(pick(0, 3))]}}}};
  }
  json charge(const std::string& user, const json& node, const std::string& reservation) {
    json op = {{"op", "charge"},
               {"user", user},
               {"key", "c" + std::to_string(charges_++)},
               {"node", node},
               {"quoted", max_price(node)},
               {"rate_card", "test-1"}};
    if (!reservation.empty()) op["reservation"] = reservation;
    return op;
  }
  json reserve(const std::string& user) {
    json graph = {{"nodes", json::array()}};
    for (int i = 0, n = static_cast<int>(pick(1, 3)); i < n; ++i)
      graph["nodes"].push_back(random_node("g" + std::to_string(i)));
    const std::string key = "r" + std::to_string(reservations_++);
    runs_[key] = {user, graph};
    // Some holds outlive the snapshot by weeks, some expire within minutes.
    return {{"op", "reserve"},
            {"user", user},
            {"key", key},
            {"graph", graph},
            {"rate_card", "test-1"},
            {"expires_in_s", std::array<int64_t, 4>{60, 3600, 7 * 86400,
                                                    20 * 86400}[static_cast<size_t>(pick(0, 3))]}};
  }
  json reserved_charge(const std::string& user) {
    if (runs_.empty()) return charge(user, random_node("n"), "");
    auto run = runs_.begin();
    std::advance(run, pick(0, static_cast<int64_t>(runs_.size()) - 1));
    const json& nodes = run->second.second["nodes"];
    return charge(run->second.first,
                  nodes[static_cast<size_t>(pick(0, static_cast<int64_t>(nodes.size()) - 1))],
                  run->first);
  }
  // A top-up with the key and credits of an outstanding auto top-up request, if any.
  json fulfil(const Ledger& l) {
    for (auto it = l.balance_events().log().rbegin(); it != l.balance_events().log().rend(); ++it)
      if (it->type == BalanceEventType::top_up_requested)
        return {{"op", "top_up"},
                {"payer", it->payer},
                {"credits", it->credits},
                {"key", it->key},
                {"by", "u0"}};
    return {{"op", "balance"}, {"payer", "workspace:ws"}};
  }

  std::mt19937_64 rng_;
  int charges_ = 0, reservations_ = 0;
  std::map<std::string, std::pair<std::string, json>> runs_;  // key -> user, graph
};

void setup(Ledger& l, AccessIndex& access, Timestamp t) {
  for (const char* text :
       {R"({"op":"create_user","user":"u0"})", R"({"op":"create_user","user":"u1"})",
        R"({"op":"create_user","user":"u2"})",
        R"({"op":"create_workspace","workspace":"ws","admin":"u0"})"}) {
    const json op = at(json::parse(text), t);
    ASSERT_TRUE(apply_operation(l, op)["ok"].get<bool>());
    access.observe(*parse_operation(op));
  }
}

// The memberships the access index built from the accepted operations, and from the state.
void expect_same_access(const AccessIndex& observed, const AccessIndex& rebuilt,
                        const std::string& ws) {
  const std::vector<std::string> payers = {"workspace:" + ws, "workspace:none", "user:u1",
                                           "user:bo"};
  for (const char* u : {"u0", "u1", "u2", "ana", "bo", "cy", "zed"}) {
    EXPECT_EQ(observed.has_user(u), rebuilt.has_user(u)) << u;
    EXPECT_EQ(observed.is_member(ws, u), rebuilt.is_member(ws, u)) << u;
    EXPECT_EQ(observed.is_admin(ws, u), rebuilt.is_admin(ws, u)) << u;
    for (const std::string& p : payers)
      EXPECT_EQ(observed.can_view(u, p).ok(), rebuilt.can_view(u, p).ok()) << u << " " << p;
  }
}

TEST(LedgerState, RandomSequencesRestoreToTheSameLedger) {
  constexpr int kSequences = 300;
  constexpr int kSteps = 80;
  int64_t holds_open = 0, requests_outstanding = 0, after = 0;
  for (int seq = 0; seq < kSequences; ++seq) {
    Ledger original(test_card());
    Timestamp clock = kStart;
    AccessIndex access;
    setup(original, access, clock);
    Ops ops(0x5EED0000u + static_cast<uint64_t>(seq));
    const int split = static_cast<int>(ops.pick(1, kSteps - 1));
    for (int step = 0; step < split; ++step) {
      json op = ops.next(original, clock);
      if (apply_operation(original, op)["ok"].get<bool>()) access.observe(*parse_operation(op));
    }
    for (const auto& [id, p] : original.payers())
      holds_open += static_cast<int64_t>(p.open_holds.size());
    for (const auto& [payer, t] : original.balance_events().state().auto_top_ups)
      requests_outstanding += t.outstanding.has_value();
    std::unique_ptr<Ledger> copy = restored(original);
    ASSERT_TRUE(copy);
    ASSERT_EQ(digest(*copy), digest(original));
    ASSERT_EQ(copy->entry_count(), original.entry_count());
    ASSERT_TRUE(copy->entries().empty());
    expect_same_access(access, AccessIndex::from_state(copy->state()), "ws");
    for (int step = split; step < kSteps; ++step) {
      json op = ops.next(original, clock);
      both(original, *copy, op);
      if (::testing::Test::HasFatalFailure()) return;
      ++after;
    }
    // Every payer read at the end, so holds and periods that came due are made real in both.
    for (const char* p : {"user:u0", "user:u1", "user:u2", "workspace:ws"})
      both(original, *copy, at({{"op", "balance"}, {"payer", p}}, clock + 60LL * 86'400'000));
    ASSERT_EQ(digest(*copy), digest(original)) << "seq " << seq;
    ASSERT_EQ(copy->entry_count(), original.entry_count());
    // A snapshot of the restored ledger, which has forgotten entries, restores as well.
    std::unique_ptr<Ledger> again = restored(*copy);
    ASSERT_TRUE(again);
    ASSERT_EQ(digest(*again), digest(original));
    // The entries the copy made are numbered on from the snapshot, as the original's are.
    const auto& mine = copy->entries();
    const auto& theirs = original.entries();
    ASSERT_LE(mine.size(), theirs.size());
    for (size_t i = 0; i < mine.size(); ++i) {
      const Entry& x = mine[mine.size() - 1 - i];
      const Entry& y = theirs[theirs.size() - 1 - i];
      ASSERT_EQ(std::tie(x.seq, x.at, x.payer, x.subscription, x.wallet, x.held, x.ref),
                std::tie(y.seq, y.at, y.payer, y.subscription, y.wallet, y.held, y.ref));
      ASSERT_EQ(x.kind, y.kind);
    }
  }
  EXPECT_GT(holds_open, kSequences / 8);  // snapshots taken with runs still held
  EXPECT_GT(requests_outstanding, 10);    // and with auto top-up requests outstanding
  EXPECT_GT(after, kSequences * 10);
}

// A ledger with something of every kind: subscriptions active (mid-period), paused and
// cancelled, wallets, charges open, refunded and settled, a run held over the snapshot and one
// that expires after it, a workspace with members, a cap and member spend, an alert that is low
// and an auto top-up request outstanding.
class StateScenario : public ::testing::Test {
 public:
  void SetUp() override {
    for (const char* u : {"ana", "bo", "cy"}) ok({{"op", "create_user"}, {"user", u}});
    ok({{"op", "create_workspace"}, {"workspace", "studio"}, {"admin", "ana"}});
    ok({{"op", "add_member"}, {"workspace", "studio"}, {"user", "bo"}, {"by", "ana"}});
    ok({{"op", "add_member"},
        {"workspace", "studio"},
        {"user", "cy"},
        {"by", "ana"},
        {"role", "admin"}});
    ok({{"op", "subscribe"}, {"payer", "workspace:studio"}, {"quota", 500}, {"by", "ana"}});
    ok({{"op", "subscribe"}, {"payer", "user:ana"}, {"quota", 100}, {"by", "ana"}});
    ok({{"op", "subscribe"}, {"payer", "user:bo"}, {"quota", 50}, {"by", "bo"}});
    ok({{"op", "subscribe"}, {"payer", "user:cy"}, {"quota", 70}, {"by", "cy"}});
    ok({{"op", "top_up"}, {"payer", "user:ana"}, {"credits", 40}, {"key", "t1"}, {"by", "ana"}});
    ok({{"op", "top_up"},
        {"payer", "workspace:studio"},
        {"credits", 100},
        {"key", "t2"},
        {"by", "cy"}});
    ok({{"op", "set_member_cap"},
        {"workspace", "studio"},
        {"user", "bo"},
        {"cap", 5000},
        {"by", "ana"}});
    ok({{"op", "switch"}, {"user", "bo"}, {"workspace", "studio"}});
    ok({{"op", "switch"}, {"user", "cy"}, {"workspace", "studio"}});
    later(5 * kDay);  // five days into the periods
    ok(charge("bo", "c1", vid(8)));
    ok(charge("bo", "c2", vid(4)));
    ok(charge("ana", "c3", vid(5)));
    ok({{"op", "fail"}, {"charge", "c2"}});
    ok(charge("cy", "c4", llm()));
    ok({{"op", "complete"}, {"charge", "c4"}, {"usage", {{"output_tokens", 100}}}});
    ok(reserve("bo", "r1", 20 * 86400));  // held over the snapshot
    ok(reserve("cy", "r2", 3600));        // expires after the snapshot, before the next op
    ok(charge("bo", "c5", vid(8), "r1"));
    ok({{"op", "pause"}, {"payer", "user:bo"}, {"by", "bo"}});
    ok({{"op", "cancel"}, {"payer", "user:cy"}, {"by", "cy"}});
    ok({{"op", "set_alert"},
        {"payer", "user:ana"},
        {"below", 1000},
        {"by", "ana"}});  // low at once
    ok({{"op", "set_auto_top_up"},
        {"payer", "workspace:studio"},
        {"below", 100000},
        {"to", 200000},
        {"by", "ana"}});
  }

  static constexpr int64_t kDay = 86'400'000;
  json ok(json op) {
    const json r = apply_operation(ledger, at(op, clock));
    EXPECT_TRUE(r["ok"].get<bool>()) << op.dump() << " -> " << r.dump();
    if (r["ok"].get<bool>()) access.observe(*parse_operation(at(op, clock)));
    return r;
  }
  void later(int64_t ms) { clock += ms; }
  static json vid(int s) {
    return {{"id", "g0"}, {"model", "vid"}, {"params", {{"duration_s", s}}}};
  }
  static json llm() {
    return {{"id", "g1"},
            {"model", "llm"},
            {"params", {{"input_tokens", 1000}, {"max_output_tokens", 500}}}};
  }
  static json charge(const std::string& user, const std::string& key, json node,
                     const std::string& reservation = "") {
    json op = {{"op", "charge"},
               {"user", user},
               {"key", key},
               {"quoted", max_price(node)},
               {"node", std::move(node)},
               {"rate_card", "test-1"}};
    if (!reservation.empty()) op["reservation"] = reservation;
    return op;
  }
  static json reserve(const std::string& user, const std::string& key, int64_t seconds) {
    return {{"op", "reserve"},
            {"user", user},
            {"key", key},
            {"rate_card", "test-1"},
            {"expires_in_s", seconds},
            {"graph", {{"nodes", {vid(8), llm()}}}}};
  }
  // The request the auto top-up made: its key and credits.
  const BalanceEvent& request() const {
    for (const BalanceEvent& e : ledger.balance_events().log())
      if (e.type == BalanceEventType::top_up_requested) return e;
    ADD_FAILURE() << "no request";
    return ledger.balance_events().log().front();
  }
  LedgerState state_text_round_trip() {
    return *read_ledger_state(write_ledger_state(ledger.state()));
  }
  Result<std::unique_ptr<Ledger>> restore(LedgerState s) {
    return Ledger::from_state(test_card(), std::make_unique<MemoryRecords>(memory_records(ledger)),
                              std::move(s));
  }

  Ledger ledger{test_card()};
  AccessIndex access;
  Timestamp clock = kStart;
};

TEST_F(StateScenario, TheStateHoldsEveryKindOfAccount) {
  const LedgerState s = ledger.state();
  EXPECT_EQ(s.now, clock);
  EXPECT_EQ(s.entry_count, ledger.entry_count());
  ASSERT_EQ(s.payers.size(), 4u);
  const Payer& bo = s.payers[1];
  EXPECT_EQ(bo.id.text(), "user:bo");
  EXPECT_EQ(bo.sub.status, SubscriptionStatus::paused);
  EXPECT_EQ(s.payers[2].sub.status, SubscriptionStatus::cancelled);
  const Payer& studio = s.payers[3];
  EXPECT_EQ(studio.open_holds, (std::vector<std::string>{"r1", "r2"}));
  EXPECT_GT(studio.held, 0);
  ASSERT_EQ(s.workspaces.size(), 1u);
  EXPECT_EQ(s.workspaces[0].caps.at("bo"), 5000);
  EXPECT_GT(s.workspaces[0].member_spend.at("bo").spent, 0);
  EXPECT_EQ(s.users[1].workspace, std::optional<std::string>("studio"));
  EXPECT_TRUE(s.balance_events.alerts.at("user:ana").low);
  EXPECT_TRUE(s.balance_events.auto_top_ups.at("workspace:studio").outstanding.has_value());
  expect_same_access(access, AccessIndex::from_state(s), "studio");
}

TEST_F(StateScenario, ARestoredLedgerGoesOnAsTheOriginal) {
  auto copy = restore(state_text_round_trip());
  ASSERT_TRUE(copy.ok()) << copy.error().message;
  Ledger& other = **copy;
  const BalanceEvent req = request();
  const std::vector<json> after = {
      {{"op", "balance"}, {"payer", "workspace:studio"}},  // r2 expired an hour ago: released now
      charge("bo", "c6", llm(), "r1"),
      {{"op", "top_up"},
       {"payer", req.payer},
       {"credits", req.credits},
       {"key", req.key},
       {"by", "ana"}},
      charge("bo", "c1", vid(8)),  // a retry: replayed from the records
      {{"op", "fail"}, {"charge", "c1"}},
      {{"op", "complete"}, {"charge", "c3"}},
      {{"op", "release"}, {"reservation", "r1"}},
      {{"op", "release"}, {"reservation", "r2"}},
      {{"op", "resume"}, {"payer", "user:bo"}, {"by", "bo"}},
      {{"op", "usage"}, {"payer", "workspace:studio"}, {"limit", 10}},
      {{"op", "remove_member"}, {"workspace", "studio"}, {"user", "bo"}, {"by", "cy"}},
      charge("bo", "c7", vid(4)),  // not_member: his context still names the workspace
      {{"op", "top_up"}, {"payer", "user:ana"}, {"credits", 5000}, {"key", "t3"}, {"by", "ana"}},
      {{"op", "events"}, {"after", 0}},
  };
  for (const json& op : after) {
    later(kDay / 3);
    both(ledger, other, at(op, clock));
  }
  // Weeks later: resets of the active subscriptions, the cancelled one ends, in both alike.
  for (int i = 0; i < 3; ++i) {
    later(17 * kDay);
    for (const char* p : {"user:ana", "user:bo", "user:cy", "workspace:studio"})
      both(ledger, other, at({{"op", "usage"}, {"payer", p}}, clock));
  }
  EXPECT_EQ(digest(other), digest(ledger));
  EXPECT_EQ(ledger.payers().at("user:cy").sub.in_period, false);
  // After the restore: ana's alert recovered, in both logs alike (digest).
  EXPECT_EQ(ledger.balance_events().log().back().type, BalanceEventType::balance_recovered);
  EXPECT_FALSE(ledger.balance_events().auto_top_up("workspace:studio")->outstanding ==
               std::optional<std::string>(req.key));  // the request was fulfilled
}

TEST_F(StateScenario, FromStateRefusesABrokenInvariant) {
  LedgerState s = state_text_round_trip();
  s.payers[0].wallet += 1;  // money from nowhere
  auto r = restore(std::move(s));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::internal);
  EXPECT_NE(r.error().message.find("user:ana breaks granted + topped_up"), std::string::npos)
      << r.error().message;

  LedgerState neg = state_text_round_trip();
  neg.payers[1].sub.remaining = -5;  // refused before the sums are compared
  auto rn = restore(std::move(neg));
  ASSERT_FALSE(rn.ok());
  EXPECT_NE(rn.error().message.find("user:bo has a negative bucket"), std::string::npos)
      << rn.error().message;
}

TEST_F(StateScenario, FromStateRefusesMissingPayersAndStrangers) {
  auto refused = [&](LedgerState s, const std::string& words) {
    auto r = restore(std::move(s));
    ASSERT_FALSE(r.ok()) << words;
    EXPECT_EQ(r.error().code, ErrorCode::internal);
    EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().message;
  };
  LedgerState no_pool = state_text_round_trip();
  no_pool.payers.pop_back();  // workspace:studio
  refused(no_pool, "workspace \"studio\" has no pool payer workspace:studio");
  LedgerState no_personal = state_text_round_trip();
  no_personal.payers.erase(no_personal.payers.begin() + 1);  // user:bo
  refused(no_personal, "user \"bo\" has no personal payer user:bo");
  LedgerState stranger = state_text_round_trip();
  stranger.workspaces[0].members["zed"] = Role::member;
  refused(stranger, "workspace \"studio\" has member \"zed\", who is not a user");
  LedgerState orphan = state_text_round_trip();
  orphan.users.pop_back();  // cy, whose payer stays
  refused(orphan, "payer user:cy has no user");
  LedgerState lost_hold = state_text_round_trip();
  lost_hold.payers[3].open_holds.pop_back();  // r2: held credits no hold accounts for
  refused(lost_hold, "workspace:studio holds");
  LedgerState reversed = state_text_round_trip();
  reversed.payers[0].sub.period_end = reversed.payers[0].sub.period_start - 1;
  refused(reversed, "user:ana's subscription is not anchor <= period start <= period end");
  LedgerState bad_seq = state_text_round_trip();
  bad_seq.balance_events.log[0].seq = 7;
  refused(bad_seq, "balance event 1 has seq 7");
  // On records without the runs, the open holds name nothing.
  auto r = Ledger::from_state(test_card(), nullptr, state_text_round_trip());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no open reservation"), std::string::npos) << r.error().message;
}

TEST_F(StateScenario, ReadingRefusesMalformedTextWithItsPointer) {
  const std::string text = write_ledger_state(ledger.state());
  auto refused = [](const std::string& t, const std::string& path) {
    auto r = read_ledger_state(t);
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.error().code, ErrorCode::invalid_json);
    EXPECT_EQ(r.error().path, path) << r.error().message;
  };
  auto edited = [&](const std::function<void(json&)>& edit) {
    json j = json::parse(text);
    edit(j);
    return j.dump();
  };
  refused("{\"format\":", "");
  refused(edited([](json& j) { j["version"] = 2; }), "/version");
  refused(edited([](json& j) { j["format"] = "other"; }), "/format");
  refused(edited([](json& j) { j["payers"]["user:bo"]["wallet"] = 1.5; }),
          "/payers/user:bo/wallet");
  refused(edited([](json& j) { j["payers"]["user:bo"]["wallet"] = "7"; }),
          "/payers/user:bo/wallet");
  refused(edited([](json& j) { j["payers"]["user:bo"]["totals"].erase("spent"); }),
          "/payers/user:bo/totals/spent");
  refused(edited([](json& j) { j["payers"]["user:bo"]["subscription"]["status"] = "frozen"; }),
          "/payers/user:bo/subscription/status");
  refused(edited([](json& j) { j["payers"]["bo"] = j["payers"]["user:bo"]; }), "/payers/bo");
  refused(edited([](json& j) { j["workspaces"]["studio"]["members"]["bo"] = "owner"; }),
          "/workspaces/studio/members/bo");
  refused(edited([](json& j) { j["workspaces"]["studio"]["extra"] = 1; }),
          "/workspaces/studio/extra");
  refused(edited([](json& j) { j["balance_events"]["log"][0]["type"] = 3; }),
          "/balance_events/log/0/type");
  refused(edited([](json& j) { j["users"]["ana"]["workspace"] = 5; }), "/users/ana/workspace");
  // Integers beyond 2^63-1, and a total at its limit exactly, are read exactly.
  refused(edited([](json& j) { j["now"] = uint64_t{1} << 63; }), "/now");
  auto big = read_ledger_state(
      edited([](json& j) { j["payers"]["user:bo"]["totals"]["granted"] = INT64_MAX; }));
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->payers[1].totals.granted, INT64_MAX);
}

// The size of a snapshot per account, for the notes: 1,000 users, each subscribed and topped
// up, in 500 workspaces of two members (one with a cap and spend), every workspace subscribed.
TEST(LedgerState, SizePerAccount) {
  Ledger l(test_card());
  Timestamp t = kStart;
  auto ok = [&](json op) {
    ASSERT_TRUE(apply_operation(l, at(op, t))["ok"].get<bool>()) << op.dump();
  };
  for (int i = 0; i < 1000; ++i) {
    const std::string u = "user-" + std::to_string(i);
    ok({{"op", "create_user"}, {"user", u}});
    ok({{"op", "subscribe"}, {"payer", "user:" + u}, {"quota", 1000}, {"by", u}});
    ok({{"op", "top_up"}, {"payer", "user:" + u}, {"credits", 250}, {"key", "t-" + u}, {"by", u}});
  }
  for (int w = 0; w < 500; ++w) {
    const std::string ws = "team-" + std::to_string(w), a = "user-" + std::to_string(2 * w),
                      b = "user-" + std::to_string(2 * w + 1);
    ok({{"op", "create_workspace"}, {"workspace", ws}, {"admin", a}});
    ok({{"op", "add_member"}, {"workspace", ws}, {"user", b}, {"by", a}});
    ok({{"op", "subscribe"}, {"payer", "workspace:" + ws}, {"quota", 5000}, {"by", a}});
    ok({{"op", "set_member_cap"}, {"workspace", ws}, {"user", b}, {"cap", 400}, {"by", a}});
    ok({{"op", "switch"}, {"user", b}, {"workspace", ws}});
    ok(StateScenario::charge(b, "c-" + ws, StateScenario::vid(4)));
  }
  const std::string text = write_ledger_state(l.state());
  std::cout << "[ snapshot ] 1000 users, 500 workspaces (1500 payers): " << text.size()
            << " bytes, " << text.size() / 1500 << " per payer\n";
  auto back = read_ledger_state(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(write_ledger_state(*back), text);
  EXPECT_LT(text.size(), size_t{1500} * 1000);  // well under a kilobyte a payer
}

}  // namespace
}  // namespace credits::testing
