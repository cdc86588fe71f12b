// Randomized operation sequences: after every step no bucket is negative, the money invariant
// holds, the entries replay to the live state, and idempotent retries change nothing. At the
// end, the accepted operations applied to a fresh ledger give the same state.
#include <array>
#include <random>

#include "credits/wire/quote_wire.hpp"
#include "test_support.hpp"

namespace credits::testing {
namespace {

using nlohmann::json;

json digest(const Ledger& l) {
  json d = json::object();
  for (const auto& [id, p] : l.payers())
    d[id] = {p.sub.remaining, p.wallet, p.totals.granted, p.totals.topped_up, p.totals.spent,
             p.totals.refunded, p.totals.expired, std::string(to_string(p.sub.status))};
  d["entries"] = l.entries().size();
  d["charges"] = l.charges().size();
  return d;
}

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  json next(int64_t& clock_ms) {
    clock_ms += pick(0, 4) == 0 ? pick(1, 40) * 86'400'000LL : pick(0, 3'600'000);
    json op;
    op["at"] = format_timestamp(clock_ms);
    const std::string user = users_[pick(0, 2)];
    const std::string payer = pick(0, 2) == 0 ? "workspace:ws" : "user:" + user;
    switch (pick(0, 15)) {
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
      default: {
        // Charges: exact video, or a ranged LLM call. Sometimes a forged price.
        json node;
        int64_t price;
        if (pick(0, 2) == 0) {
          const int max_out = pick(1, 3000);
          node = {{"id", "n"}, {"model", "llm"}, {"params", {{"input_tokens", pick(0, 20000)}, {"max_output_tokens", max_out}}}};
          auto q = quote_json(*test_card(), node);
          price = q["max"].get<int64_t>();
        } else {
          const int s = std::array<int, 4>{4, 5, 6, 8}[static_cast<size_t>(pick(0, 3))];
          node = {{"id", "n"}, {"model", "vid"}, {"params", {{"duration_s", s}}}};
          price = 10 * s;
        }
        if (pick(0, 20) == 0) price += 1;
        op.update({{"op", "charge"}, {"user", user}, {"key", "c" + std::to_string(charges_++)}, {"node", node},
                   {"quoted", price}, {"rate_card", "test-1"}});
      }
    }
    return op;
  }

  int64_t pick(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }

 private:
  std::mt19937_64 rng_;
  std::array<std::string, 3> users_{"u0", "u1", "u2"};
  int charges_ = 0;
};

TEST(Property, RandomSequencesKeepEveryInvariant) {
  constexpr int kSequences = 1500;
  constexpr int kSteps = 60;
  int64_t accepted_total = 0, replays = 0;
  for (int seq = 0; seq < kSequences; ++seq) {
    Ledger ledger(test_card());
    Generator gen(0xC0FFEEu + static_cast<uint64_t>(seq));
    int64_t clock = *parse_timestamp("2026-01-31T10:00:00Z");
    std::vector<json> accepted;
    auto apply = [&](const json& op) {
      json r = apply_operation(ledger, op);
      if (r["ok"].get<bool>()) accepted.push_back(op);
      return r;
    };
    for (const char* setup : {R"({"op":"create_user","user":"u0"})", R"({"op":"create_user","user":"u1"})",
                              R"({"op":"create_user","user":"u2"})", R"({"op":"create_workspace","workspace":"ws","admin":"u0"})"}) {
      json op = json::parse(setup);
      op["at"] = format_timestamp(clock);
      ASSERT_TRUE(apply(op)["ok"].get<bool>());
    }
    std::vector<json> money_ops;
    for (int step = 0; step < kSteps; ++step) {
      json op = gen.next(clock);
      json before = digest(ledger);
      json r = apply(op);
      if (!r["ok"].get<bool>()) {
        ASSERT_EQ(digest(ledger), before) << "rejected op changed state: " << op.dump() << " -> " << r.dump();
      } else if (op["op"] == "charge" || op["op"] == "top_up") {
        money_ops.push_back(op);
      }
      ASSERT_TRUE(ledger.verify_invariants().ok()) << ledger.verify_invariants().error().message << " after " << op.dump();
      ASSERT_TRUE(ledger.verify_replay().ok()) << ledger.verify_replay().error().message << " after " << op.dump();
      // An idempotent retry of an earlier money operation, later, changes nothing.
      if (!money_ops.empty() && gen.pick(0, 5) == 0) {
        json retry = money_ops[static_cast<size_t>(gen.pick(0, static_cast<int64_t>(money_ops.size()) - 1))];
        retry["at"] = format_timestamp(clock);
        // Advancing time may reset a period; do that first so the retry itself is isolated.
        std::vector<std::string> ids;
        for (const auto& [id, p] : ledger.payers()) ids.push_back(id);
        for (const auto& id : ids) apply(json{{"op", "balance"}, {"payer", id}, {"at", format_timestamp(clock)}});
        json before_retry = digest(ledger);
        json rr = apply(retry);
        ASSERT_EQ(rr.value("replayed", false), true) << retry.dump() << " -> " << rr.dump();
        ASSERT_EQ(digest(ledger), before_retry);
        ++replays;
      }
    }
    // Replaying the accepted operations into a fresh ledger gives the same state.
    Ledger again(test_card());
    for (const json& op : accepted) ASSERT_TRUE(apply_operation(again, op)["ok"].get<bool>()) << op.dump();
    ASSERT_EQ(digest(again), digest(ledger));
    accepted_total += static_cast<int64_t>(accepted.size());
  }
  EXPECT_GT(accepted_total, kSequences * 20);  // the generator must exercise real work
  EXPECT_GT(replays, kSequences);
}

}  // namespace
}  // namespace credits::testing
