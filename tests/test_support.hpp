// Shared helpers for the test suite: loading cards from the source tree and driving the
// ledger with SPEC §9 operations written as JSON.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "credits/ledger.hpp"
#include "credits/memory_records.hpp"
#include "credits/operation.hpp"
#include "credits/wire/plan_wire.hpp"
#include "credits/wire/json_text.hpp"
#include "credits/wire/quote_wire.hpp"
#include "credits/rate_card.hpp"

namespace credits::testing {

// The records of a ledger that keeps its history in memory (the default), to look inside.
inline const MemoryRecords& memory_records(const Ledger& l) { return dynamic_cast<const MemoryRecords&>(l.records()); }

// The engine writes quotes and plans as text only; the tests read that text to look inside.
inline nlohmann::json quote_json(const RateCard& card, const nlohmann::json& node) {
  return nlohmann::json::parse(quote_wire(card, node));
}
inline nlohmann::json plan_json(const RateCard& card, const nlohmann::json& graph, const nlohmann::json* balances) {
  return nlohmann::json::parse(plan_wire(card, graph, balances));
}
inline nlohmann::json plan_to_json(const RateCard& card, const Graph& graph, const Plan& plan,
                                   const Projection* projection) {
  return nlohmann::json::parse(write_plan(card, graph, plan, projection));
}

inline std::string read_file(const std::string& relative) {
  std::ifstream in(std::string(CREDITS_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::shared_ptr<const RateCard> load_card(const std::string& relative) {
  RateCardErrors all;
  auto card = load_rate_card(read_file(relative), &all);
  if (!card) {
    std::string msg;
    for (const auto& e : all.errors) msg += e.path + ": " + e.message + "\n";
    ADD_FAILURE() << "cannot load " << relative << ":\n" << msg;
    return nullptr;
  }
  return std::make_shared<const RateCard>(std::move(*card));
}

inline std::shared_ptr<const RateCard> test_card() {
  static auto card = load_card("tests/data/test-card.json");
  return card;
}

inline std::shared_ptr<const RateCard> sample_card() {
  static auto card = load_card("demo/rate-card.json");
  return card;
}

// A ledger driven by JSON operations; `op` applies one and returns its result.
class Book {
 public:
  explicit Book(std::shared_ptr<const RateCard> card = test_card()) : ledger(std::move(card)) {}

  nlohmann::json op(const std::string& text) {
    auto j = nlohmann::json::parse(text);
    if (!j.contains("at")) j["at"] = at;
    auto r = apply_operation(ledger, j);
    EXPECT_TRUE(ledger.verify_invariants().ok()) << ledger.verify_invariants().error().message;
    EXPECT_TRUE(ledger.verify_replay().ok()) << ledger.verify_replay().error().message;
    return r;
  }
  nlohmann::json ok(const std::string& text) {
    auto r = op(text);
    EXPECT_TRUE(r.value("ok", false)) << text << "\n -> " << r.dump();
    return r;
  }
  std::string code(const std::string& text) {
    auto r = op(text);
    EXPECT_FALSE(r.value("ok", true)) << text << "\n -> " << r.dump();
    return r.contains("error") ? r["error"]["code"].get<std::string>() : "";
  }
  nlohmann::json balance(const std::string& payer) {
    return ok(R"({"op":"balance","payer":")" + payer + R"("})");
  }
  int64_t sub(const std::string& payer) { return balance(payer)["subscription"]["remaining"].get<int64_t>(); }
  int64_t wallet(const std::string& payer) { return balance(payer)["wallet"].get<int64_t>(); }

  // A charge of model "vid" (10 credits per second at 720p) of `seconds` seconds.
  nlohmann::json charge(const std::string& user, const std::string& key, int seconds) {
    return op(charge_text(user, key, seconds));
  }
  static std::string charge_text(const std::string& user, const std::string& key, int seconds,
                                 int64_t quoted = -1, const std::string& card = "test-1") {
    if (quoted < 0) quoted = 10 * seconds;
    return R"({"op":"charge","user":")" + user + R"(","key":")" + key +
           R"(","node":{"id":"n1","model":"vid","params":{"duration_s":)" + std::to_string(seconds) +
           R"(}},"quoted":)" + std::to_string(quoted) + R"(,"rate_card":")" + card + R"("})";
  }

  Ledger ledger;
  std::string at = "2026-01-31T10:00:00Z";
};

}  // namespace credits::testing
