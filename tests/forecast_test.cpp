// The forecast operation (SPEC §12, docs/balances.md "Forecast"): the pace of a payer's
// current period, when its buckets would run out at that pace, and the top-up that would last
// to the reset. Every figure below is worked out by hand from the documented arithmetic.
#include <gtest/gtest.h>

#include "credits/forecast.hpp"
#include "test_support.hpp"

namespace credits::testing {
namespace {

using nlohmann::json;

json forecast(Book& book, const std::string& payer) {
  return book.ok(R"({"op":"forecast","payer":")" + payer + R"("})");
}

// ana: a 1000-credit subscription from 1 November (reset 1 December) and a 100-credit wallet;
// 400 credits spent in the first ten days (5 charges of 80).
class ForecastTest : public ::testing::Test {
 protected:
  void SetUp() override {
    book.at = "2026-11-01T00:00:00Z";
    book.ok(R"({"op":"create_user","user":"ana"})");
    book.ok(R"({"op":"subscribe","payer":"user:ana","quota":1000})");
    book.ok(R"({"op":"top_up","payer":"user:ana","credits":100,"key":"t1"})");
    for (int day = 1; day <= 5; ++day) {
      book.at = "2026-11-0" + std::to_string(day + 1) + "T09:00:00Z";
      book.ok(Book::charge_text("ana", "c" + std::to_string(day), 8));
    }
    book.at = "2026-11-11T00:00:00Z";
  }
  Book book;
};

TEST_F(ForecastTest, SteadySpenderRunsOutOfTheSubscriptionThenTheWalletBeforeTheReset) {
  json f = forecast(book, "user:ana");
  // 400 credits over 10 days: 40 a day. 600 left last 15 days; 600 + 100 last 17.5 days.
  EXPECT_EQ(f.dump(),
            R"({"at":"2026-11-11T00:00:00Z","burn_per_day":40,"ok":true,"op":"forecast","payer":"user:ana",)"
            R"("period_end":"2026-12-01T00:00:00Z","period_start":"2026-11-01T00:00:00Z",)"
            R"("remaining":600,"resets_at":"2026-12-01T00:00:00Z","spent":400,)"
            R"("subscription_runs_out_at":"2026-11-26T00:00:00Z","suggested_top_up":100,)"
            R"("wallet":100,"wallet_runs_out_at":"2026-11-28T12:00:00Z"})");
}

TEST_F(ForecastTest, TopUpNeededIsExactAndEnoughMeansZeroAndNoWalletRunOut) {
  // 20 days to the reset at 40 a day need 800; 700 are there: 100 short.
  EXPECT_EQ(forecast(book, "user:ana")["suggested_top_up"], 100);
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":100,"key":"t2"})");
  json f = forecast(book, "user:ana");
  // 800 last exactly to the reset: the wallet does not run out before it.
  EXPECT_EQ(f["suggested_top_up"], 0) << f.dump();
  EXPECT_EQ(f["wallet_runs_out_at"], nullptr);
  EXPECT_EQ(f["subscription_runs_out_at"], "2026-11-26T00:00:00Z");
}

TEST_F(ForecastTest, StartedDaysCountWholeAndTheBurnRoundsUp) {
  book.at = "2026-11-11T00:00:00.001Z";  // 10 days and 1 ms: 11 started days
  json f = forecast(book, "user:ana");
  EXPECT_EQ(f["burn_per_day"], 37) << f.dump();  // 400 / 11 = 36.36..., rounded up
  // 600 * 86400000 / 37 = 1401081081 ms (rounded down) = 16 d 5 h 11 min 21.081 s.
  EXPECT_EQ(f["subscription_runs_out_at"], "2026-11-27T05:11:21.082Z");
}

TEST_F(ForecastTest, RefundsReduceTheSpend) {
  book.ok(R"({"op":"fail","charge":"c5"})");
  json f = forecast(book, "user:ana");
  EXPECT_EQ(f["spent"], 320) << f.dump();
  EXPECT_EQ(f["burn_per_day"], 32);
  EXPECT_EQ(f["remaining"], 680);
}

TEST_F(ForecastTest, APeriodThatJustResetHasSpentNothingYet) {
  book.at = "2026-12-01T00:00:00Z";
  json f = forecast(book, "user:ana");
  EXPECT_EQ(f["period_start"], "2026-12-01T00:00:00Z") << f.dump();
  EXPECT_EQ(f["resets_at"], "2027-01-01T00:00:00Z");
  EXPECT_EQ(f["spent"], 0);
  EXPECT_EQ(f["burn_per_day"], 0);
  EXPECT_EQ(f["remaining"], 1000);
  EXPECT_EQ(f["subscription_runs_out_at"], nullptr);
  EXPECT_EQ(f["wallet_runs_out_at"], nullptr);
  EXPECT_EQ(f["suggested_top_up"], 0);
}

TEST_F(ForecastTest, APausedSubscriptionLeavesTheWalletToCarryOnAfterItsPeriod) {
  for (const char* key : {"c3", "c4", "c5"}) book.ok(R"({"op":"fail","charge":")" + std::string(key) + "\"}");
  book.ok(R"({"op":"pause","payer":"user:ana"})");
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":300,"key":"t2"})");
  json f = forecast(book, "user:ana");
  // 160 over 10 days: 16 a day. The 840 left last past the period's end (52.5 days), which
  // grants nothing; from then the wallet's 400 last 25 days.
  EXPECT_EQ(f["burn_per_day"], 16) << f.dump();
  EXPECT_EQ(f["resets_at"], nullptr);
  EXPECT_EQ(f["subscription_runs_out_at"], nullptr);
  EXPECT_EQ(f["wallet_runs_out_at"], "2026-12-26T00:00:00Z");
  EXPECT_EQ(f["suggested_top_up"], 0);  // 320 needed to the period's end
}

TEST_F(ForecastTest, SameLedgerAndTimeGiveTheSameBytes) {
  const std::string line = R"({"op":"forecast","at":"2026-11-11T00:00:00Z","payer":"user:ana"})";
  const std::string first = apply_operation_text(book.ledger, line);
  EXPECT_EQ(apply_operation_text(book.ledger, line), first);
  const size_t entries = book.ledger.entries().size();
  EXPECT_EQ(to_wire(apply_operation_line(book.ledger, line)), first);
  EXPECT_EQ(book.ledger.entries().size(), entries);  // a read moves nothing
}

TEST(Forecast, APayerWhoSpendsNothingHasNullsAndZero) {
  Book book;
  book.at = "2026-11-15T12:00:00Z";
  book.ok(R"({"op":"create_user","user":"bo"})");
  json f = forecast(book, "user:bo");
  // No subscription: the window is the calendar month, nothing resets.
  EXPECT_EQ(f.dump(),
            R"({"at":"2026-11-15T12:00:00Z","burn_per_day":0,"ok":true,"op":"forecast","payer":"user:bo",)"
            R"("period_end":"2026-12-01T00:00:00Z","period_start":"2026-11-01T00:00:00Z",)"
            R"("remaining":0,"resets_at":null,"spent":0,"subscription_runs_out_at":null,)"
            R"("suggested_top_up":0,"wallet":0,"wallet_runs_out_at":null})");
}

TEST(Forecast, WithoutASubscriptionTheWalletRunsOutAtThePace) {
  Book book;
  book.at = "2026-11-01T00:00:00Z";
  book.ok(R"({"op":"create_user","user":"bo"})");
  book.ok(R"({"op":"top_up","payer":"user:bo","credits":200,"key":"t1"})");
  book.ok(Book::charge_text("bo", "c1", 4));  // 40 credits
  book.at = "2026-11-02T00:00:00Z";           // one day: 40 a day
  json f = forecast(book, "user:bo");
  EXPECT_EQ(f["burn_per_day"], 40) << f.dump();
  EXPECT_EQ(f["wallet_runs_out_at"], "2026-11-06T00:00:00Z");  // 160 / 40 = 4 days
  EXPECT_EQ(f["suggested_top_up"], 1000);  // 29 days to the month's end need 1160; 160 there
}

TEST(Forecast, AWorkspaceForecastsItsPool) {
  Book book;
  book.at = "2026-11-01T00:00:00Z";
  book.ok(R"({"op":"create_user","user":"ana"})");
  book.ok(R"({"op":"create_user","user":"bob"})");
  book.ok(R"({"op":"create_workspace","workspace":"studio","admin":"ana"})");
  book.ok(R"({"op":"add_member","workspace":"studio","user":"bob","by":"ana"})");
  book.ok(R"({"op":"subscribe","payer":"workspace:studio","quota":500,"by":"ana"})");
  book.ok(R"({"op":"switch","user":"bob","workspace":"studio"})");
  book.ok(Book::charge_text("bob", "c1", 4));
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":100,"key":"t1"})");
  book.ok(Book::charge_text("ana", "c2", 6));  // ana's personal account: not the pool's
  book.at = "2026-11-03T00:00:00Z";
  json f = forecast(book, "workspace:studio");
  EXPECT_EQ(f["payer"], "workspace:studio") << f.dump();
  EXPECT_EQ(f["spent"], 40);
  EXPECT_EQ(f["burn_per_day"], 20);
  EXPECT_EQ(f["subscription_runs_out_at"], "2026-11-26T00:00:00Z");  // 460 / 20 = 23 days
  EXPECT_EQ(f["wallet_runs_out_at"], "2026-11-26T00:00:00Z");  // an empty wallet: at once
  EXPECT_EQ(f["suggested_top_up"], 100);  // 28 days need 560; 460 there
}

TEST(Forecast, AnUnknownPayerIsRefusedAsUsageRefusesIt) {
  Book book;
  book.ok(R"({"op":"create_user","user":"ana"})");
  EXPECT_EQ(book.code(R"({"op":"forecast","payer":"user:zed"})"), "unknown_user");
  EXPECT_EQ(book.code(R"({"op":"forecast","payer":"workspace:zed"})"), "unknown_workspace");
  EXPECT_EQ(book.code(R"({"op":"forecast","payer":"zed"})"), "invalid_op");
  EXPECT_EQ(book.code(R"({"op":"forecast","payer":"user:ana","limit":3})"), "invalid_op");
}

// The pure function at the bounds: full buckets and a spend of the whole 64-bit range neither
// wrap nor overflow; the suggestion stops at the largest top-up.
TEST(Forecast, AtTheBoundsNothingWraps) {
  UsageView v;
  v.balance.payer = "user:x";
  v.balance.sub.status = SubscriptionStatus::active;
  v.balance.sub.in_period = true;
  v.balance.sub.remaining = kMaxBucket;
  v.balance.sub.period_end = v.period_end = 31 * kDayMs;
  v.balance.wallet = kMaxBucket;  // with the subscription: 2^63, one past int64
  v.by_model = {SpendLine{"m", INT64_MAX, 1}};
  auto f = forecast_of(v, 1);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->burn_per_day, INT64_MAX);
  ASSERT_TRUE(f->subscription_runs_out_at.has_value());
  EXPECT_EQ(*f->subscription_runs_out_at, 1 + kDayMs / 2);  // 2^62 / (2^63 - 1) of a day, rounded down
  ASSERT_TRUE(f->wallet_runs_out_at.has_value());
  EXPECT_EQ(*f->wallet_runs_out_at, 1 + kDayMs);  // 2^63 / (2^63 - 1) of a day, rounded down
  EXPECT_EQ(f->suggested_top_up, kMaxAmount);
  v.by_model.push_back(SpendLine{"n", 1, 1});  // lines past 64 bits are a bug, said so
  auto broken = forecast_of(v, 1);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, ErrorCode::internal);
}

TEST(Forecast, IsARead) {
  EXPECT_TRUE(is_read(OpKind::forecast));
  EXPECT_EQ(op_name(OpKind::forecast), "forecast");
}

}  // namespace
}  // namespace credits::testing
