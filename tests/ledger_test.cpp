// Every balance rule of SPEC §4–§8, each as a named test driven through JSON operations.
#include "credits/plan.hpp"
#include "credits/wire/node_wire.hpp"
#include "credits/wire/quote_wire.hpp"
#include "test_support.hpp"

namespace credits::testing {
namespace {

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    book.ok(R"({"op":"create_user","user":"ana"})");
  }
  Book book;
};

// §4 Period: anchor 31 Jan -> 28 Feb -> 31 Mar -> 30 Apr, same time of day, UTC.
TEST_F(LedgerTest, PeriodBoundariesFollowTheAnchorDayClampedToMonthEnd) {
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":100})");
  EXPECT_EQ(book.balance("user:ana")["subscription"]["resets_at"], "2026-02-28T10:00:00Z");
  book.at = "2026-02-28T10:00:00Z";
  EXPECT_EQ(book.balance("user:ana")["subscription"]["resets_at"], "2026-03-31T10:00:00Z");
  book.at = "2026-04-01T00:00:00Z";
  EXPECT_EQ(book.balance("user:ana")["subscription"]["resets_at"], "2026-04-30T10:00:00Z");
  EXPECT_EQ(book.balance("user:ana")["subscription"]["period_start"], "2026-03-31T10:00:00Z");
}

TEST_F(LedgerTest, LeapYearFebruaryEndsOnThe29th) {
  book.at = "2028-01-31T00:00:00Z";
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":100})");
  EXPECT_EQ(book.balance("user:ana")["subscription"]["resets_at"], "2028-02-29T00:00:00Z");
}

// §4 Reset: remaining := quota; what was left expires and is recorded; nothing rolls over.
TEST_F(LedgerTest, ResetExpiresTheRestAndDoesNotRollOver) {
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":100})");
  book.ok(Book::charge_text("ana", "c1", 4));  // 40 credits
  EXPECT_EQ(book.sub("user:ana"), 60);
  book.at = "2026-02-28T10:00:00Z";
  auto b = book.balance("user:ana");
  EXPECT_EQ(b["subscription"]["remaining"], 100);
  EXPECT_EQ(b["totals"]["expired"], 60);
  EXPECT_EQ(b["totals"]["granted"], 200);
  bool recorded = false;
  for (const auto& e : book.ledger.entries())
    recorded = recorded || (e.kind == EntryKind::expire && e.subscription == -60 && e.payer == "user:ana");
  EXPECT_TRUE(recorded);
}

TEST_F(LedgerTest, SeveralIdlePeriodsEachGrantAndExpire) {
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":100})");
  book.at = "2026-06-01T00:00:00Z";  // boundaries: Feb 28, Mar 31, Apr 30, May 31
  auto b = book.balance("user:ana");
  EXPECT_EQ(b["subscription"]["remaining"], 100);
  EXPECT_EQ(b["totals"]["granted"], 500);
  EXPECT_EQ(b["totals"]["expired"], 400);
  EXPECT_EQ(b["subscription"]["resets_at"], "2026-06-30T10:00:00Z");
}

// §4 Charge: subscription first, then wallet.
TEST_F(LedgerTest, ChargeDrawsSubscriptionFirstThenWallet) {
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":50})");
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":100,"key":"t1"})");
  auto r = book.ok(Book::charge_text("ana", "c1", 8));  // 80
  EXPECT_EQ(r["credits"], 80);
  EXPECT_EQ(r["from_subscription"], 50);
  EXPECT_EQ(r["from_wallet"], 30);
  EXPECT_EQ(r["payer"], "user:ana");
  EXPECT_EQ(book.sub("user:ana"), 0);
  EXPECT_EQ(book.wallet("user:ana"), 70);
}

TEST_F(LedgerTest, InsufficientCreditsTakesNothing) {
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":30})");
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":9,"key":"t1"})");
  size_t entries = book.ledger.entries().size();
  EXPECT_EQ(book.code(Book::charge_text("ana", "c1", 4)), "insufficient_credits");  // needs 40, has 39
  EXPECT_EQ(book.sub("user:ana"), 30);
  EXPECT_EQ(book.wallet("user:ana"), 9);
  EXPECT_EQ(book.ledger.entries().size(), entries);
  // The key was not consumed: once funded, the same request goes through.
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":1,"key":"t2"})");
  book.ok(Book::charge_text("ana", "c1", 4));
  EXPECT_EQ(book.sub("user:ana") + book.wallet("user:ana"), 0);
}

TEST_F(LedgerTest, ExactlyEnoughIsEnough) {
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":40,"key":"t1"})");
  book.ok(Book::charge_text("ana", "c1", 4));
  EXPECT_EQ(book.wallet("user:ana"), 0);
}

// §4 Refund: each portion back to its own bucket.
TEST_F(LedgerTest, RefundRestoresEachPortionToItsBucket) {
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":50})");
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":100,"key":"t1"})");
  book.ok(Book::charge_text("ana", "c1", 8));
  auto r = book.ok(R"({"op":"fail","charge":"c1"})");
  EXPECT_EQ(r["refunded"], 80);
  EXPECT_EQ(r["to_subscription"], 50);
  EXPECT_EQ(r["to_wallet"], 30);
  EXPECT_EQ(book.sub("user:ana"), 50);
  EXPECT_EQ(book.wallet("user:ana"), 100);
}

TEST_F(LedgerTest, RefundAfterResetGoesIntoTheCurrentPeriod) {
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":100})");
  book.ok(Book::charge_text("ana", "c1", 4));  // 40 from the January period
  book.at = "2026-03-01T00:00:00Z";            // the February period began on the 28th
  auto r = book.ok(R"({"op":"fail","charge":"c1"})");
  EXPECT_EQ(r["to_subscription"], 40);
  EXPECT_EQ(book.sub("user:ana"), 140);  // the current period gets it back; it expires at its end
  book.at = "2026-03-31T10:00:00Z";
  EXPECT_EQ(book.sub("user:ana"), 100);
}

TEST_F(LedgerTest, RefundWithNoCurrentPeriodGoesToTheWallet) {
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":100})");
  book.ok(Book::charge_text("ana", "c1", 4));
  book.ok(R"({"op":"cancel","payer":"user:ana"})");
  book.at = "2026-03-05T00:00:00Z";  // the cancelled subscription is over
  auto r = book.ok(R"({"op":"fail","charge":"c1"})");
  EXPECT_EQ(r["to_subscription"], 0);
  EXPECT_EQ(r["to_wallet"], 40);
  EXPECT_EQ(book.wallet("user:ana"), 40);
}

TEST_F(LedgerTest, AChargeIsRefundedAtMostOnce) {
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":100,"key":"t1"})");
  book.ok(Book::charge_text("ana", "c1", 4));
  book.ok(R"({"op":"fail","charge":"c1"})");
  EXPECT_EQ(book.code(R"({"op":"fail","charge":"c1"})"), "already_refunded");
  EXPECT_EQ(book.wallet("user:ana"), 100);
  EXPECT_EQ(book.code(R"({"op":"complete","charge":"c1"})"), "already_refunded");
  EXPECT_EQ(book.code(R"({"op":"fail","charge":"nope"})"), "unknown_charge");
}

// §4 Settle: the difference goes back wallet first; the result equals a charge of the actual.
// llm: 1000 input tokens at 125/M + up to 16000 output tokens at 1000/M = 0.125..16.125 -> 1..17.
constexpr const char* kLlmCharge =
    R"({"op":"charge","user":"ana","key":"c1","node":{"id":"n","model":"llm","params":{"input_tokens":1000,"max_output_tokens":16000}},"quoted":17,"rate_card":"test-1"})";

TEST_F(LedgerTest, RangedChargeHoldsTheMaximum) {
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":20,"key":"t1"})");
  auto r = book.ok(kLlmCharge);
  EXPECT_EQ(r["exact"], false);
  EXPECT_EQ(r["credits"], 17);
  EXPECT_EQ(book.wallet("user:ana"), 3);
}

TEST_F(LedgerTest, SettlementReturnsWalletPortionFirst) {
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":5})");
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":20,"key":"t1"})");
  auto c = book.ok(kLlmCharge);
  EXPECT_EQ(c["from_subscription"], 5);
  EXPECT_EQ(c["from_wallet"], 12);
  // 3875 output tokens: 0.125 + 3.875 = 4 credits. A charge of 4 takes 4 from the subscription.
  auto r = book.ok(R"({"op":"complete","charge":"c1","usage":{"output_tokens":3875}})");
  EXPECT_EQ(r["credits"], 4);
  EXPECT_EQ(r["returned"], 13);
  EXPECT_EQ(r["to_wallet"], 12);
  EXPECT_EQ(r["to_subscription"], 1);
  EXPECT_EQ(book.sub("user:ana"), 1);
  EXPECT_EQ(book.wallet("user:ana"), 20);
}

TEST_F(LedgerTest, SettlementEqualsAChargeOfTheActualPrice) {
  for (int output : {0, 1000, 4875, 9875, 16000}) {
    Book a, b;
    for (Book* x : {&a, &b}) {
      x->ok(R"({"op":"create_user","user":"ana"})");
      x->ok(R"({"op":"subscribe","payer":"user:ana","quota":5})");
      x->ok(R"({"op":"top_up","payer":"user:ana","credits":20,"key":"t1"})");
    }
    a.ok(kLlmCharge);
    auto settled = a.ok(R"({"op":"complete","charge":"c1","usage":{"output_tokens":)" + std::to_string(output) + "}}");
    const int64_t actual = settled["credits"].get<int64_t>();
    b.ok(R"({"op":"charge","user":"ana","key":"c1","node":{"id":"n","model":"llm","params":{"input_tokens":1000,"max_output_tokens":16000,"output_tokens":)" +
         std::to_string(output) + R"(}},"quoted":)" + std::to_string(actual) + R"(,"rate_card":"test-1"})");
    EXPECT_EQ(a.sub("user:ana"), b.sub("user:ana")) << output;
    EXPECT_EQ(a.wallet("user:ana"), b.wallet("user:ana")) << output;
  }
}

TEST_F(LedgerTest, SettlementIsOnceAndNeedsTheRunsQuantities) {
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":20,"key":"t1"})");
  book.ok(kLlmCharge);
  EXPECT_EQ(book.code(R"({"op":"complete","charge":"c1"})"), "invalid_op");  // a ranged charge needs usage
  EXPECT_EQ(book.code(R"({"op":"complete","charge":"c1","usage":{"input_tokens":5}})"), "invalid_param");
  EXPECT_EQ(book.code(R"({"op":"complete","charge":"c1","usage":{"output_tokens":16001}})"), "invalid_param");
  book.ok(R"({"op":"complete","charge":"c1","usage":{"output_tokens":0}})");
  EXPECT_EQ(book.code(R"({"op":"complete","charge":"c1","usage":{"output_tokens":0}})"), "already_settled");
  EXPECT_EQ(book.code(R"({"op":"fail","charge":"c1"})"), "already_settled");
  EXPECT_EQ(book.wallet("user:ana"), 19);
}

TEST_F(LedgerTest, CompletingAnExactChargeReturnsNothing) {
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":100,"key":"t1"})");
  book.ok(Book::charge_text("ana", "c1", 4));
  auto r = book.ok(R"({"op":"complete","charge":"c1"})");
  EXPECT_EQ(r["returned"], 0);
  EXPECT_EQ(r["status"], "settled");
  EXPECT_EQ(book.wallet("user:ana"), 60);
}

// §4 Top-up: at once, never expires, survives cancellation.
TEST_F(LedgerTest, TopUpIsImmediateAndNeverExpires) {
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":100})");
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":250,"key":"t1"})");
  EXPECT_EQ(book.wallet("user:ana"), 250);
  book.ok(R"({"op":"cancel","payer":"user:ana"})");
  book.at = "2027-06-01T00:00:00Z";
  auto b = book.balance("user:ana");
  EXPECT_EQ(b["wallet"], 250);
  EXPECT_EQ(b["subscription"]["status"], "cancelled");
  EXPECT_EQ(b["subscription"]["remaining"], 0);
}

// §4 Pause / cancel: remaining stays usable until the period ends.
TEST_F(LedgerTest, PausedSubscriptionStaysUsableUntilPeriodEnd) {
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":100})");
  book.at = "2026-02-10T00:00:00Z";
  book.ok(R"({"op":"pause","payer":"user:ana"})");
  auto r = book.ok(Book::charge_text("ana", "c1", 4));
  EXPECT_EQ(r["from_subscription"], 40);
  book.at = "2026-02-28T10:00:00Z";
  auto b = book.balance("user:ana");
  EXPECT_EQ(b["subscription"]["status"], "paused");
  EXPECT_EQ(b["subscription"]["remaining"], 0);  // grants nothing until resumed
  EXPECT_EQ(b["totals"]["expired"], 60);
  EXPECT_EQ(book.code(Book::charge_text("ana", "c2", 4)), "insufficient_credits");
}

TEST_F(LedgerTest, ResumingAfterThePeriodEndedStartsANewPeriodAtResumeTime) {
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":100})");
  book.ok(R"({"op":"pause","payer":"user:ana"})");
  book.at = "2026-04-15T08:30:00Z";
  auto r = book.ok(R"({"op":"resume","payer":"user:ana"})");
  EXPECT_EQ(r["subscription"]["status"], "active");
  EXPECT_EQ(r["subscription"]["remaining"], 100);
  EXPECT_EQ(r["subscription"]["period_start"], "2026-04-15T08:30:00Z");
  EXPECT_EQ(r["subscription"]["resets_at"], "2026-05-15T08:30:00Z");
}

TEST_F(LedgerTest, ResumingBeforeThePeriodEndsSimplyReactivates) {
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":100})");
  book.ok(Book::charge_text("ana", "c1", 4));
  book.at = "2026-02-01T00:00:00Z";
  book.ok(R"({"op":"cancel","payer":"user:ana"})");
  book.at = "2026-02-02T00:00:00Z";
  auto r = book.ok(R"({"op":"resume","payer":"user:ana"})");
  EXPECT_EQ(r["subscription"]["status"], "active");
  EXPECT_EQ(r["subscription"]["remaining"], 60);
  EXPECT_EQ(r["subscription"]["resets_at"], "2026-02-28T10:00:00Z");
  book.at = "2026-02-28T10:00:00Z";
  EXPECT_EQ(book.sub("user:ana"), 100);  // and it renews as before
}

TEST_F(LedgerTest, ACancelledSubscriptionThatIsOverCannotBeResumed) {
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":100})");
  book.ok(R"({"op":"cancel","payer":"user:ana"})");
  book.at = "2026-03-01T00:00:00Z";
  EXPECT_EQ(book.code(R"({"op":"resume","payer":"user:ana"})"), "no_subscription");
  auto r = book.ok(R"({"op":"subscribe","payer":"user:ana","quota":300})");
  EXPECT_EQ(r["subscription"]["remaining"], 300);
  EXPECT_EQ(r["subscription"]["resets_at"], "2026-04-01T00:00:00Z");
}

TEST_F(LedgerTest, SubscriptionStateErrors) {
  EXPECT_EQ(book.code(R"({"op":"pause","payer":"user:ana"})"), "no_subscription");
  EXPECT_EQ(book.code(R"({"op":"resume","payer":"user:ana"})"), "no_subscription");
  EXPECT_EQ(book.code(R"({"op":"cancel","payer":"user:ana"})"), "no_subscription");
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":100})");
  EXPECT_EQ(book.code(R"({"op":"subscribe","payer":"user:ana","quota":100})"), "already_subscribed");
  book.ok(R"({"op":"pause","payer":"user:ana"})");
  EXPECT_EQ(book.code(R"({"op":"subscribe","payer":"user:ana","quota":100})"), "already_subscribed");
  EXPECT_EQ(book.code(R"({"op":"subscribe","payer":"user:bob","quota":100})"), "unknown_user");
  EXPECT_EQ(book.code(R"({"op":"subscribe","payer":"user:ana","quota":0})"), "invalid_op");
}

// §4 Re-runs cost again; only a retry with the same key is charged once.
TEST_F(LedgerTest, ReRunWithSamePromptAndSeedIsANewCharge) {
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":100,"key":"t1"})");
  book.ok(Book::charge_text("ana", "run-1", 4));
  book.ok(Book::charge_text("ana", "run-2", 4));
  EXPECT_EQ(book.wallet("user:ana"), 20);
}

// §7 Idempotency.
TEST_F(LedgerTest, RetryWithSameKeyReplaysTheFirstResult) {
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":100,"key":"t1"})");
  auto first = book.ok(Book::charge_text("ana", "c1", 4));
  book.at = "2026-01-31T10:05:00Z";  // a retry comes later
  auto again = book.ok(Book::charge_text("ana", "c1", 4));
  EXPECT_EQ(again["replayed"], true);
  again.erase("replayed");
  EXPECT_EQ(again, first);
  EXPECT_EQ(book.wallet("user:ana"), 60);
  auto t = book.ok(R"({"op":"top_up","payer":"user:ana","credits":100,"key":"t1"})");
  EXPECT_EQ(t["replayed"], true);
  EXPECT_EQ(book.wallet("user:ana"), 60);
}

TEST_F(LedgerTest, SameKeyWithOtherContentConflicts) {
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":100,"key":"t1"})");
  EXPECT_EQ(book.code(R"({"op":"top_up","payer":"user:ana","credits":99,"key":"t1"})"), "idempotency_conflict");
  book.ok(Book::charge_text("ana", "c1", 4));
  EXPECT_EQ(book.code(Book::charge_text("ana", "c1", 5)), "idempotency_conflict");
  EXPECT_EQ(book.code(Book::charge_text("ana", "t1", 4)), "idempotency_conflict");
  EXPECT_EQ(book.wallet("user:ana"), 60);
}

TEST_F(LedgerTest, KeysNeverExpire) {
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":100,"key":"t1"})");
  book.at = "2036-01-01T00:00:00Z";
  EXPECT_EQ(book.ok(R"({"op":"top_up","payer":"user:ana","credits":100,"key":"t1"})")["replayed"], true);
}

TEST_F(LedgerTest, TimeNeverGoesBackwards) {
  book.at = "2026-02-01T00:00:00Z";
  book.ok(R"({"op":"create_user","user":"bob"})");
  book.at = "2026-01-31T23:59:59Z";
  EXPECT_EQ(book.code(R"({"op":"create_user","user":"cy"})"), "clock_regression");
  EXPECT_EQ(book.code(R"({"op":"balance","payer":"user:ana"})"), "clock_regression");
}

// §8 Server-side validation.
TEST_F(LedgerTest, StaleRateCardNamesTheCurrentVersion) {
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":100,"key":"t1"})");
  auto r = book.op(Book::charge_text("ana", "c1", 4, 40, "test-0"));
  EXPECT_EQ(r["error"]["code"], "stale_rate_card");
  EXPECT_NE(r["error"]["message"].get<std::string>().find("test-1"), std::string::npos);
  EXPECT_EQ(book.wallet("user:ana"), 100);
}

TEST_F(LedgerTest, PriceMismatchNamesTheServersPrice) {
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":100,"key":"t1"})");
  auto r = book.op(Book::charge_text("ana", "c1", 4, 39));
  EXPECT_EQ(r["error"]["code"], "price_mismatch");
  EXPECT_NE(r["error"]["message"].get<std::string>().find("40"), std::string::npos);
  EXPECT_EQ(book.code(Book::charge_text("ana", "c2", 4, 41)), "price_mismatch");
  EXPECT_EQ(book.wallet("user:ana"), 100);
}

TEST_F(LedgerTest, ChargeOfAnInvalidNodeIsRefused) {
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":100,"key":"t1"})");
  auto r = book.op(R"({"op":"charge","user":"ana","key":"c1","node":{"model":"vid","params":{"duration_s":7}},"quoted":70,"rate_card":"test-1"})");
  EXPECT_EQ(r["error"]["code"], "invalid_param");
  EXPECT_EQ(r["error"]["path"], "/node/params/duration_s");
  EXPECT_EQ(book.code(R"({"op":"charge","user":"ana","key":"c1","node":{"model":"nope"},"quoted":70,"rate_card":"test-1"})"), "unknown_model");
  EXPECT_EQ(book.code(Book::charge_text("zed", "c1", 4)), "unknown_user");
}

// §5 Workspaces.
class WorkspaceTest : public LedgerTest {
 protected:
  void SetUp() override {
    LedgerTest::SetUp();
    book.ok(R"({"op":"create_user","user":"bob"})");
    book.ok(R"({"op":"create_workspace","workspace":"studio","admin":"ana"})");
    book.ok(R"({"op":"add_member","workspace":"studio","user":"bob","by":"ana"})");
    book.ok(R"({"op":"subscribe","payer":"workspace:studio","quota":500,"by":"ana"})");
    book.ok(R"({"op":"top_up","payer":"user:bob","credits":100,"key":"bob-t1"})");
  }
};

TEST_F(WorkspaceTest, WorkspaceBalanceIsPooledAndSeparateFromPersonal) {
  book.ok(R"({"op":"switch","user":"bob","workspace":"studio"})");
  book.ok(R"({"op":"switch","user":"ana","workspace":"studio"})");
  EXPECT_EQ(book.ok(Book::charge_text("bob", "c1", 4))["payer"], "workspace:studio");
  EXPECT_EQ(book.ok(Book::charge_text("ana", "c2", 5))["payer"], "workspace:studio");
  EXPECT_EQ(book.sub("workspace:studio"), 410);
  EXPECT_EQ(book.wallet("user:bob"), 100);
  auto u = book.ok(R"({"op":"usage","payer":"workspace:studio","limit":10})");
  ASSERT_EQ(u["by_member"].size(), 2u);
  EXPECT_EQ(u["by_member"][0]["user"], "ana");
  EXPECT_EQ(u["by_member"][0]["credits"], 50);
  EXPECT_EQ(u["by_member"][1]["credits"], 40);
}

TEST_F(WorkspaceTest, SwitchingChangesOnlyTheNextGenerationsPayer) {
  book.ok(R"({"op":"switch","user":"bob","workspace":"studio"})");
  book.ok(Book::charge_text("bob", "c1", 4));
  book.ok(R"({"op":"switch","user":"bob","workspace":null})");
  EXPECT_EQ(book.ok(Book::charge_text("bob", "c2", 4))["payer"], "user:bob");
  // The refund of c1 goes back to the workspace, whatever is active now.
  auto r = book.ok(R"({"op":"fail","charge":"c1"})");
  EXPECT_EQ(r["payer"], "workspace:studio");
  EXPECT_EQ(book.sub("workspace:studio"), 500);
  EXPECT_EQ(book.wallet("user:bob"), 60);
}

TEST_F(WorkspaceTest, RemovedMemberGetsNotMemberAndIsNeverChargedElsewhere) {
  book.ok(R"({"op":"switch","user":"bob","workspace":"studio"})");
  book.ok(Book::charge_text("bob", "c1", 4));
  book.ok(R"({"op":"remove_member","workspace":"studio","user":"bob","by":"ana"})");
  EXPECT_EQ(book.code(Book::charge_text("bob", "c2", 4)), "not_member");
  EXPECT_EQ(book.wallet("user:bob"), 100);
  EXPECT_EQ(book.sub("workspace:studio"), 460);
  // A refund still goes back to the payer that was charged.
  EXPECT_EQ(book.ok(R"({"op":"fail","charge":"c1"})")["payer"], "workspace:studio");
  EXPECT_EQ(book.sub("workspace:studio"), 500);
  EXPECT_EQ(book.code(R"({"op":"switch","user":"bob","workspace":"studio"})"), "not_member");
}

TEST_F(WorkspaceTest, OnlyAdminsManageTheWorkspace) {
  book.ok(R"({"op":"create_user","user":"cy"})");
  EXPECT_EQ(book.code(R"({"op":"add_member","workspace":"studio","user":"cy","by":"bob"})"), "not_admin");
  EXPECT_EQ(book.code(R"({"op":"top_up","payer":"workspace:studio","credits":5,"key":"w1","by":"bob"})"), "not_admin");
  EXPECT_EQ(book.code(R"({"op":"set_member_cap","workspace":"studio","user":"bob","cap":5,"by":"bob"})"), "not_admin");
  EXPECT_EQ(book.code(R"({"op":"pause","payer":"workspace:studio","by":"bob"})"), "not_admin");
  EXPECT_EQ(book.code(R"({"op":"remove_member","workspace":"studio","user":"ana","by":"bob"})"), "not_admin");
  EXPECT_EQ(book.code(R"({"op":"add_member","workspace":"nope","user":"cy","by":"ana"})"), "unknown_workspace");
  EXPECT_EQ(book.code(R"({"op":"add_member","workspace":"studio","user":"bob","by":"ana"})"), "already_exists");
  EXPECT_EQ(book.code(R"({"op":"create_workspace","workspace":"studio","admin":"bob"})"), "already_exists");
  EXPECT_EQ(book.code(R"({"op":"remove_member","workspace":"studio","user":"ana","by":"ana"})"), "invalid_op");
  book.ok(R"({"op":"top_up","payer":"workspace:studio","credits":5,"key":"w1","by":"ana"})");
  EXPECT_EQ(book.wallet("workspace:studio"), 5);
}

TEST_F(WorkspaceTest, MemberCapLimitsSpendPerWorkspacePeriod) {
  book.ok(R"({"op":"set_member_cap","workspace":"studio","user":"bob","cap":90,"by":"ana"})");
  book.ok(R"({"op":"switch","user":"bob","workspace":"studio"})");
  book.ok(Book::charge_text("bob", "c1", 5));  // 50
  EXPECT_EQ(book.code(Book::charge_text("bob", "c2", 5)), "member_cap_exceeded");
  book.ok(Book::charge_text("bob", "c3", 4));  // 90 exactly
  book.ok(R"({"op":"fail","charge":"c1"})");   // a refund frees cap room
  book.ok(Book::charge_text("bob", "c4", 5));
  book.at = "2026-02-28T10:00:00Z";           // a new workspace period
  book.ok(Book::charge_text("bob", "c5", 8));
  book.ok(R"({"op":"set_member_cap","workspace":"studio","user":"bob","cap":null,"by":"ana"})");
  book.ok(Book::charge_text("bob", "c6", 8));
}

}  // namespace
}  // namespace credits::testing

// --- issue 8, defect 1: sums that cannot wrap, times that stay in 1970–9999 ------------------

namespace credits::testing {
namespace {

using nlohmann::json;

Timestamp t(const char* text) { return *parse_timestamp(text); }

// Tops `payer`'s wallet up to exactly `target` through the ledger API (fast: no per-step replay).
void fill_wallet(Ledger& l, const std::string& payer, Credits target, const std::string& prefix) {
  int n = 0;
  while (true) {
    const Credits wallet = l.payers().at(payer).wallet;
    if (wallet >= target) break;
    const Credits step = std::min(kMaxAmount, target - wallet);
    ASSERT_TRUE(l.top_up(l.now(), payer, step, prefix + std::to_string(n++), ""));
  }
}

json state(const Ledger& l) {
  json d = json::object();
  for (const auto& [id, p] : l.payers())
    d[id] = {p.sub.remaining, p.wallet, std::string(to_string(p.sub.status)), p.sub.in_period, p.totals.granted,
             p.totals.spent, p.totals.refunded};
  d["entries"] = l.entries().size();
  for (const auto& c : memory_records(l).charges()) d["charges"].push_back(std::string(to_string(c.status)));
  return d;
}

// "available" = remaining + wallet printed -9222372036854775809 once the wallet reached INT64_MAX.
TEST(LedgerLimits, AWalletHoldsAtMost2To62AndAvailableNeverWraps) {
  Book book;
  book.ok(R"({"op":"create_user","user":"ana"})");
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":1000000000000000})");
  fill_wallet(book.ledger, "user:ana", kMaxBucket, "t");
  const json before = state(book.ledger);
  json r = book.op(R"({"op":"top_up","payer":"user:ana","credits":1,"key":"one-more"})");
  EXPECT_EQ(r["error"]["code"], "invalid_op") << r.dump();
  EXPECT_EQ(r["error"]["path"], "/credits");
  EXPECT_NE(r["error"]["message"].get<std::string>().find("2^62"), std::string::npos) << r.dump();
  EXPECT_EQ(state(book.ledger), before);
  json b = book.balance("user:ana");
  EXPECT_EQ(b["wallet"], kMaxBucket);
  EXPECT_EQ(b["available"], kMaxBucket + kMaxAmount) << b.dump();
  EXPECT_EQ(b["totals"]["topped_up"], kMaxBucket);
  // The refused key was not consumed: the same key goes through once there is room.
  book.ok(Book::charge_text("ana", "c", 4));
}

// The issue's reproduction: a refund into a nearly full wallet wrapped it negative.
TEST(LedgerLimits, ARefundThatCannotFitIsRefusedAndLosesNothing) {
  Book book;
  book.ok(R"({"op":"create_user","user":"ana"})");
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":1000})");
  json c = book.ok(Book::charge_text("ana", "c1", 8));  // 80 from the subscription
  ASSERT_EQ(c["from_subscription"], 80);
  fill_wallet(book.ledger, "user:ana", kMaxBucket, "t");
  book.ok(R"({"op":"cancel","payer":"user:ana"})");
  book.at = "2026-03-15T00:00:00Z";  // the period is over: the refund would go to the wallet
  book.balance("user:ana");
  const json before = state(book.ledger);
  json r = book.op(R"({"op":"fail","charge":"c1"})");
  EXPECT_EQ(r["error"]["code"], "invalid_op") << r.dump();
  EXPECT_EQ(r["error"]["path"], "/charge");
  EXPECT_EQ(state(book.ledger), before);
  EXPECT_EQ(book.wallet("user:ana"), kMaxBucket);
  // Spend from the wallet, and the same refund goes through in full.
  book.ok(Book::charge_text("ana", "c2", 8));
  r = book.ok(R"({"op":"fail","charge":"c1"})");
  EXPECT_EQ(r["to_wallet"], 80);
  EXPECT_EQ(book.wallet("user:ana"), kMaxBucket);
  EXPECT_TRUE(book.ledger.verify_invariants());
}

// Charge and refund 10^15 again and again: "spent" grows by 10^15 each time and used to wrap.
TEST(LedgerLimits, AChargeThatWouldOverflowTheSpentTotalIsRefused) {
  auto card = load_rate_card(R"({"version":"big","models":[{"id":"m","kind":"text","label":"M",
    "params":{"n":{"type":"int","min":1,"max":1000000000000000,"default":1}},
    "price":[{"type":"per_unit","param":"n","rate":1}]}]})");
  ASSERT_TRUE(card) << card.error().message;
  Ledger l(std::make_shared<const RateCard>(std::move(*card)));
  const Timestamp at = t("2026-01-01T00:00:00Z");
  ASSERT_TRUE(l.create_user(at, "ana"));
  ASSERT_TRUE(l.top_up(at, "user:ana", kMaxAmount, "t", ""));
  auto charge = [&](int i) {
    ChargeRequest r;
    r.user = "ana";
    r.key = "c" + std::to_string(i);
    r.node = node_from_json(json::parse(R"({"model":"m","params":{"n":1000000000000000}})"));
    r.quoted = kMaxAmount;
    r.rate_card = "big";
    return l.charge(at, std::move(r));
  };
  const int fits = static_cast<int>(kMaxTotal / kMaxAmount);  // 9223 charges of 10^15
  for (int i = 0; i < fits; ++i) {
    ASSERT_TRUE(charge(i)) << i;
    ASSERT_TRUE(l.fail(at, "c" + std::to_string(i))) << i;
  }
  const size_t entries = l.entries().size();
  auto r = charge(fits);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid_op);
  EXPECT_NE(r.error().message.find("spent total"), std::string::npos) << r.error().message;
  EXPECT_EQ(l.entries().size(), entries);
  EXPECT_EQ(l.payers().at("user:ana").wallet, kMaxAmount);
  EXPECT_EQ(l.payers().at("user:ana").totals.spent, Credits{fits} * kMaxAmount);
  EXPECT_TRUE(l.verify_invariants());
  EXPECT_TRUE(l.verify_replay());
}

// Quota 10^15 from 1970: "granted" wrapped to 4126279631452241920 by 9999, and resets_at
// became 10000-01-01T00:00:00Z. The subscription now ends when the next grant cannot be counted.
TEST(LedgerLimits, GrantsStopBeforeTheGrantedTotalWouldOverflow) {
  Ledger l(test_card());
  ASSERT_TRUE(l.create_user(0, "ana"));
  ASSERT_TRUE(l.subscribe(0, "user:ana", kMaxAmount, ""));
  // A full wallet too, so that every side of the invariant is near 2^63.
  fill_wallet(l, "user:ana", kMaxBucket, "t");
  auto b = l.balance(t("3000-01-01T00:00:00Z"), "user:ana");
  ASSERT_TRUE(b);
  const Credits periods = kMaxTotal / kMaxAmount;  // 9223 grants fit
  EXPECT_EQ(b->totals.granted, periods * kMaxAmount);
  EXPECT_EQ(b->totals.expired, periods * kMaxAmount);
  EXPECT_EQ(b->sub.status, SubscriptionStatus::cancelled);
  EXPECT_FALSE(b->sub.in_period);
  EXPECT_EQ(b->available, kMaxBucket);
  EXPECT_TRUE(l.verify_invariants()) << l.verify_invariants().error().message;
  EXPECT_TRUE(l.verify_replay()) << l.verify_replay().error().message;
  // The last grant was at the anchor + 9222 months, and that period's end is where it ended.
  const Entry& last = l.entries().back();
  EXPECT_EQ(last.kind, EntryKind::expire);
  EXPECT_EQ(last.at, add_months(0, periods));
  // Subscribing again would pass the total: refused, with nothing changed.
  const size_t entries = l.entries().size();
  Status s = l.subscribe(t("3000-01-01T00:00:00Z"), "user:ana", kMaxAmount, "");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::invalid_op);
  EXPECT_EQ(s.error().path, "/quota");
  EXPECT_EQ(l.entries().size(), entries);
  // The issue's instant: nothing more happened, nothing wrapped.
  auto end = l.balance(t("9999-12-01T00:00:00Z"), "user:ana");
  ASSERT_TRUE(end);
  EXPECT_EQ(end->totals.granted, periods * kMaxAmount);
  EXPECT_EQ(l.entries().size(), entries);
  EXPECT_TRUE(l.verify_invariants());
}

// No time past 9999-12-31T23:59:59.999Z is accepted, kept or printed.
TEST(LedgerLimits, TimeEndsWith9999) {
  EXPECT_EQ(parse_timestamp("9999-12-31T23:59:59.999Z"), kMaxTimestamp);
  EXPECT_EQ(format_timestamp(kMaxTimestamp), "9999-12-31T23:59:59.999Z");
  EXPECT_FALSE(parse_timestamp("9999-12-31T23:30:00-01:00"));  // 10000-01-01T00:30:00Z
  EXPECT_TRUE(parse_timestamp("0000-01-01T00:00:00Z") == std::nullopt);
  EXPECT_FALSE(parse_timestamp("1970-01-01T00:30:00+01:00"));  // 1969

  Book book;
  book.at = "9999-01-15T00:00:00Z";
  book.ok(R"({"op":"create_user","user":"ana"})");
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":100})");
  book.at = "9999-12-14T23:59:59.999Z";
  EXPECT_EQ(book.balance("user:ana")["subscription"]["resets_at"], "9999-12-15T00:00:00Z");
  // At 9999-12-15 the next period would end in 10000: the subscription ends instead.
  book.at = "9999-12-15T00:00:00Z";
  json b = book.balance("user:ana");
  EXPECT_EQ(b["subscription"]["status"], "cancelled") << b.dump();
  EXPECT_EQ(b["subscription"]["resets_at"], nullptr);
  EXPECT_EQ(b["subscription"]["remaining"], 0);
  EXPECT_EQ(b["totals"]["granted"], 1100);  // 11 periods: from the 15th of January to the 15th of December
  EXPECT_EQ(b["totals"]["expired"], 1100);
  // A period that would end after 9999 cannot start.
  json r = book.op(R"({"op":"subscribe","payer":"user:ana","quota":100})");
  EXPECT_EQ(r["error"]["code"], "invalid_op") << r.dump();
  EXPECT_EQ(r["error"]["path"], "/at");
  r = book.op(R"({"op":"balance","at":"9999-12-31T23:30:00-01:00","payer":"user:ana"})");
  EXPECT_EQ(r["error"]["code"], "invalid_op");
  EXPECT_EQ(r["error"]["path"], "/at");
  // The billing window of December 9999 ends with time itself.
  book.at = "9999-12-31T23:59:59.999Z";
  json u = book.ok(R"({"op":"usage","payer":"user:ana"})");
  EXPECT_EQ(u["period"]["end"], "9999-12-31T23:59:59.999Z") << u.dump();
  EXPECT_EQ(u.dump().find("10000-"), std::string::npos) << u.dump();
  // A paused subscription resumed after its period ended needs a new period too.
  Book paused;
  paused.at = "9999-10-20T00:00:00Z";
  paused.ok(R"({"op":"create_user","user":"bo"})");
  paused.ok(R"({"op":"subscribe","payer":"user:bo","quota":100})");
  paused.ok(R"({"op":"pause","payer":"user:bo"})");
  paused.at = "9999-12-05T00:00:00Z";
  r = paused.op(R"({"op":"resume","payer":"user:bo"})");
  EXPECT_EQ(r["error"]["code"], "invalid_op") << r.dump();
  EXPECT_EQ(r["error"]["path"], "/at");
}

}  // namespace
}  // namespace credits::testing

// --- issue 8, defect 7: ids have an alphabet and a length ------------------------------------

namespace credits::testing {
namespace {

using nlohmann::json;

// create_user accepted NUL, newlines, U+202E and a 1 MB id, and billing printed them raw.
TEST(Ids, ClientChosenIdsFollowTheIdRule) {
  const std::string longest(kMaxIdLength, 'a');
  EXPECT_TRUE(is_valid_id(longest));
  EXPECT_TRUE(is_valid_id("Ana.B_c:d@e-9"));
  const std::vector<std::string> bad = {"", "a b", "a\nb", std::string("a\0b", 3), "\u202Eevil", "caf\u00e9",
                                        std::string(kMaxIdLength + 1, 'a'), std::string(1 << 20, 'a'), "a/b",
                                        "a\"b", "a\\b", "a\tb", "<b>"};
  for (const auto& id : bad) EXPECT_FALSE(is_valid_id(id)) << json(id).dump(-1, ' ', false, json::error_handler_t::replace);

  Book book;
  book.ok(R"({"op":"create_user","user":")" + longest + R"("})");
  book.ok(R"({"op":"create_user","user":"ana"})");
  book.ok(R"({"op":"create_workspace","workspace":"studio","admin":"ana"})");
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":100,"key":"t-1"})");
  const size_t entries = book.ledger.entries().size();
  const size_t payers = book.ledger.payers().size();
  for (const auto& id : bad) {
    const std::string v = json(id).dump(-1, ' ', false, json::error_handler_t::replace);
    const std::pair<std::string, std::string> cases[] = {
        {R"({"op":"create_user","user":)" + v + "}", "/user"},
        {R"({"op":"create_workspace","workspace":)" + v + R"(,"admin":"ana"})", "/workspace"},
        {R"({"op":"create_workspace","workspace":"w2","admin":)" + v + "}", "/admin"},
        {R"({"op":"add_member","workspace":"studio","user":)" + v + R"(,"by":"ana"})", "/user"},
        {R"({"op":"add_member","workspace":"studio","user":"ana","by":)" + v + "}", "/by"},
        {R"({"op":"switch","user":"ana","workspace":)" + v + "}", "/workspace"},
        {R"({"op":"top_up","payer":"user:ana","credits":1,"key":)" + v + "}", "/key"},
        {R"({"op":"top_up","payer":)" + json("user:" + id).dump(-1, ' ', false, json::error_handler_t::replace) +
             R"(,"credits":1,"key":"k"})",
         "/payer"},
        {R"({"op":"balance","payer":)" + json("workspace:" + id).dump(-1, ' ', false, json::error_handler_t::replace) + "}",
         "/payer"},
        {R"({"op":"charge","user":"ana","key":)" + v +
             R"(,"node":{"model":"vid","params":{"duration_s":4}},"quoted":40,"rate_card":"test-1"})",
         "/key"},
        {R"({"op":"fail","charge":)" + v + "}", "/charge"},
    };
    for (const auto& [text, path] : cases) {
      auto parsed = parse_json_limited(text);
      if (!parsed) continue;  // not UTF-8: refused as JSON already
      json r = book.op(parsed->dump(-1, ' ', false, json::error_handler_t::replace));
      EXPECT_EQ(r["ok"], false) << text;
      if (id.empty() && path == "/charge") continue;
      EXPECT_EQ(r["error"]["code"], "invalid_op") << text << " -> " << r.dump();
      EXPECT_EQ(r["error"]["path"], path) << text;
    }
    // A node's id is an id too: in a charge, a quote and a plan.
    json charge = {{"op", "charge"}, {"user", "ana"}, {"key", "c-x"},
                   {"node", {{"id", id}, {"model", "vid"}, {"params", {{"duration_s", 4}}}}},
                   {"quoted", 40}, {"rate_card", "test-1"}, {"at", book.at}};
    json r = apply_operation(book.ledger, charge);
    EXPECT_EQ(r["error"]["code"], "invalid_param") << r.dump(-1, ' ', false, json::error_handler_t::replace);
    EXPECT_EQ(r["error"]["path"], "/node/id");
    json q = quote_json(*test_card(), {{"id", id}, {"model", "vid"}});
    EXPECT_EQ(q["error"]["path"], "/id");
  }
  EXPECT_EQ(book.ledger.entries().size(), entries);
  EXPECT_EQ(book.ledger.payers().size(), payers);
  // The sample month and canvas follow the rule (the CLI contract replays them in full).
  json plan = plan_json(*sample_card(), json::parse(read_file("demo/canvas.json")), nullptr);
  EXPECT_EQ(plan["ok"], true);
}

}  // namespace
}  // namespace credits::testing
