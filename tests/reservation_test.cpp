// Run reservations (SPEC §11), each rule as a named test driven through JSON operations: the
// hold, charges drawn from it, release and expiry, and every rule of SPEC §4 for the money
// inside a hold (a reset while held, a refund of a reserved charge, a release after the period
// ended, pause, caps, a member removed mid-run). Book checks conservation (with `held`) and the
// replay after every operation.
#include "credits/durable_ledger.hpp"
#include "memory_store.hpp"
#include "test_support.hpp"

namespace credits::testing {
namespace {

using nlohmann::json;

// A run of model "vid" (10 credits a second at 720p): n1 4 s (40), n2 6 s (60), n3 8 s skipped.
const char* kGraph =
    R"({"nodes":[{"id":"n1","model":"vid","params":{"duration_s":4}},)"
    R"({"id":"n2","model":"vid","params":{"duration_s":6}},)"
    R"({"id":"n3","model":"vid","params":{"duration_s":8},"skip":true}]})";

std::string reserve_text(const std::string& user, const std::string& key, const std::string& extra = "",
                         const std::string& graph = kGraph) {
  return R"({"op":"reserve","user":")" + user + R"(","key":")" + key + R"(","graph":)" + graph +
         R"(,"rate_card":"test-1")" + extra + "}";
}

// A charge of node `node` ("vid", `seconds` seconds) drawn from reservation `reservation`.
std::string reserved_charge(const std::string& user, const std::string& key, const std::string& node, int seconds,
                            const std::string& reservation) {
  return R"({"op":"charge","user":")" + user + R"(","key":")" + key + R"(","node":{"id":")" + node +
         R"(","model":"vid","params":{"duration_s":)" + std::to_string(seconds) + R"(}},"quoted":)" +
         std::to_string(10 * seconds) + R"(,"rate_card":"test-1","reservation":")" + reservation + R"("})";
}

class ReservationTest : public ::testing::Test {
 protected:
  void SetUp() override { book.ok(R"({"op":"create_user","user":"ana"})"); }
  // Ana with a subscription of `quota` and a wallet of `wallet`.
  void fund(int64_t quota, int64_t wallet) {
    if (quota) book.ok(R"({"op":"subscribe","payer":"user:ana","quota":)" + std::to_string(quota) + "}");
    if (wallet)
      book.ok(R"({"op":"top_up","payer":"user:ana","credits":)" + std::to_string(wallet) + R"(,"key":"t-ana"})");
  }
  json release(const std::string& key) { return book.op(R"({"op":"release","reservation":")" + key + R"("})"); }
  int64_t held(const std::string& payer) { return book.balance(payer)["held"].get<int64_t>(); }
  Book book;
};

TEST_F(ReservationTest, HoldsThePlansMaximumSubscriptionFirst) {
  fund(70, 100);
  json r = book.ok(reserve_text("ana", "run1"));
  EXPECT_EQ(r["credits"], 100);  // n1 + n2; the skipped n3 is not held
  EXPECT_EQ(r["from_subscription"], 70);
  EXPECT_EQ(r["from_wallet"], 30);
  EXPECT_EQ(r["payer"], "user:ana");
  EXPECT_EQ(r["expires_at"], "2026-02-01T10:00:00Z");  // 24 h by default
  EXPECT_EQ(r["nodes"], json::parse(R"({"n1":40,"n2":60})"));
  json b = book.balance("user:ana");
  EXPECT_EQ(b["subscription"]["remaining"], 0);
  EXPECT_EQ(b["wallet"], 70);
  EXPECT_EQ(b["held"], 100);
  EXPECT_EQ(b["available"], 70);
}

TEST_F(ReservationTest, AnUnaffordableRunHoldsNothing) {
  fund(50, 20);
  EXPECT_EQ(book.code(reserve_text("ana", "run1")), "insufficient_credits");
  EXPECT_EQ(held("user:ana"), 0);
  EXPECT_EQ(book.sub("user:ana"), 50);
  EXPECT_EQ(book.wallet("user:ana"), 20);
}

TEST_F(ReservationTest, ReservedChargesDrawFromTheHoldAndNeverFailForCredits) {
  fund(100, 0);
  book.ok(reserve_text("ana", "run1"));
  EXPECT_EQ(book.code(Book::charge_text("ana", "plain", 4)), "insufficient_credits");  // nothing is left outside
  json c1 = book.ok(reserved_charge("ana", "c1", "n1", 4, "run1"));
  EXPECT_EQ(c1["credits"], 40);
  EXPECT_EQ(c1["from_subscription"], 40);
  EXPECT_EQ(c1["reservation"], "run1");
  book.ok(reserved_charge("ana", "c2", "n2", 6, "run1"));
  EXPECT_EQ(held("user:ana"), 0);
  json b = book.balance("user:ana");
  EXPECT_EQ(b["totals"]["spent"], 100);
  EXPECT_EQ(b["subscription"]["remaining"], 0);
}

TEST_F(ReservationTest, ReleaseReturnsWhatIsLeftEachPortionToItsBucket) {
  fund(70, 100);
  book.ok(reserve_text("ana", "run1"));                 // 70 subscription + 30 wallet
  book.ok(reserved_charge("ana", "c1", "n1", 4, "run1"));  // 40, from the subscription portion
  json r = release("run1");
  ASSERT_TRUE(r.value("ok", false)) << r.dump();
  EXPECT_EQ(r["released"], 60);
  EXPECT_EQ(r["to_subscription"], 30);
  EXPECT_EQ(r["to_wallet"], 30);
  EXPECT_EQ(r["charged"], 40);
  EXPECT_EQ(r["status"], "released");
  EXPECT_EQ(book.sub("user:ana"), 30);
  EXPECT_EQ(book.wallet("user:ana"), 100);
  EXPECT_EQ(held("user:ana"), 0);
}

TEST_F(ReservationTest, ReleaseTwiceIsRefusedAndChangesNothing) {
  fund(100, 0);
  book.ok(reserve_text("ana", "run1"));
  book.ok(R"({"op":"release","reservation":"run1"})");
  const size_t entries = book.ledger.entries().size();
  EXPECT_EQ(release("run1")["error"]["code"], "already_released");
  EXPECT_EQ(book.code(reserved_charge("ana", "c1", "n1", 4, "run1")), "already_released");
  EXPECT_EQ(book.ledger.entries().size(), entries);
  EXPECT_EQ(book.sub("user:ana"), 100);
}

TEST_F(ReservationTest, AHoldExpiresByTimeAndWhatIsLeftGoesBack) {
  fund(100, 0);
  book.ok(reserve_text("ana", "run1", R"(,"expires_in_s":3600)"));
  book.ok(reserved_charge("ana", "c1", "n1", 4, "run1"));
  book.at = "2026-01-31T11:00:00Z";  // exactly expires_at
  EXPECT_EQ(book.code(reserved_charge("ana", "c2", "n2", 6, "run1")), "already_released");
  json b = book.balance("user:ana");
  EXPECT_EQ(b["held"], 0);
  EXPECT_EQ(b["subscription"]["remaining"], 60);
  const Reservation& r = memory_records(book.ledger).reservations().front();
  EXPECT_EQ(r.status, ReservationStatus::expired);
  EXPECT_EQ(r.closed_at, *parse_timestamp("2026-01-31T11:00:00Z"));
  const Entry& last = book.ledger.entries().back();
  EXPECT_EQ(last.kind, EntryKind::release);
  EXPECT_EQ(last.at, r.expires_at);  // recorded at its own instant, not at the read's
  EXPECT_EQ(release("run1")["error"]["code"], "already_released");
}

// §4 reset: the held credits are not the period's remaining; released after the reset, the
// subscription portion goes into the current period as a refund's would.
TEST_F(ReservationTest, AResetWhileHeldExpiresOnlyWhatWasNotHeld) {
  fund(100, 0);
  book.ok(reserve_text("ana", "run1", R"(,"expires_in_s":2592000)"));  // 30 days
  book.at = "2026-02-28T10:00:00Z";                                    // the reset
  json b = book.balance("user:ana");
  EXPECT_EQ(b["subscription"]["remaining"], 100);
  EXPECT_EQ(b["held"], 100);
  EXPECT_EQ(b["totals"]["expired"], 0);
  book.ok(reserved_charge("ana", "c1", "n1", 4, "run1"));
  json r = release("run1");
  EXPECT_EQ(r["to_subscription"], 60);
  EXPECT_EQ(book.sub("user:ana"), 160);
}

// An expiry that falls before a reset lands in the period it expired in, and expires with it.
TEST_F(ReservationTest, AnExpiryBeforeAResetIsOrderedWithIt) {
  fund(100, 0);
  book.ok(reserve_text("ana", "run1"));  // expires 2026-02-01, before the 2026-02-28 reset
  book.at = "2026-03-01T00:00:00Z";      // nothing touched ana in between
  json b = book.balance("user:ana");
  EXPECT_EQ(b["held"], 0);
  EXPECT_EQ(b["subscription"]["remaining"], 100);  // the new period's quota
  EXPECT_EQ(b["totals"]["expired"], 100);          // the released 100 expired at the reset
  std::vector<EntryKind> kinds;
  for (const Entry& e : book.ledger.entries()) kinds.push_back(e.kind);
  ASSERT_GE(kinds.size(), 3u);
  EXPECT_EQ(kinds[kinds.size() - 3], EntryKind::release);
  EXPECT_EQ(kinds[kinds.size() - 2], EntryKind::expire);
  EXPECT_EQ(kinds[kinds.size() - 1], EntryKind::grant);
}

// §4 refund with no current period: a paused subscription's period ended while held.
TEST_F(ReservationTest, AReleaseAfterThePeriodEndedGoesToTheWallet) {
  fund(100, 0);
  book.ok(reserve_text("ana", "run1", R"(,"expires_in_s":2592000)"));
  book.ok(R"({"op":"pause","payer":"user:ana"})");
  book.at = "2026-03-01T00:00:00Z";
  json r = release("run1");
  EXPECT_EQ(r["to_subscription"], 0);
  EXPECT_EQ(r["to_wallet"], 100);
  EXPECT_EQ(book.wallet("user:ana"), 100);
}

// §4 refund: a reserved charge's refund restores its portions to the buckets; the hold keeps
// what it had left.
TEST_F(ReservationTest, ARefundOfAReservedChargeGoesBackToTheBuckets) {
  fund(100, 0);
  book.ok(reserve_text("ana", "run1"));
  book.ok(reserved_charge("ana", "c1", "n1", 4, "run1"));
  json f = book.ok(R"({"op":"fail","charge":"c1"})");
  EXPECT_EQ(f["to_subscription"], 40);
  EXPECT_EQ(book.sub("user:ana"), 40);
  EXPECT_EQ(held("user:ana"), 60);
  EXPECT_EQ(book.code(R"({"op":"fail","charge":"c1"})"), "already_refunded");
}

TEST_F(ReservationTest, ARangedReservedChargeSettlesToTheBuckets) {
  fund(0, 1000);
  const std::string graph = R"({"nodes":[{"id":"t","model":"llm","params":{"input_tokens":100000,"max_output_tokens":100000}}]})";
  json r = book.ok(reserve_text("ana", "run1", "", graph));
  json q = quote_json(book.ledger.rate_card(), json::parse(R"({"id":"t","model":"llm","params":{"input_tokens":100000,"max_output_tokens":100000}})"));
  ASSERT_TRUE(q["ok"].get<bool>()) << q.dump();
  EXPECT_EQ(r["credits"], q["max"]);
  json c = json::parse(R"({"op":"charge","user":"ana","key":"c1","rate_card":"test-1","reservation":"run1",
    "node":{"id":"t","model":"llm","params":{"input_tokens":100000,"max_output_tokens":100000}}})");
  c["quoted"] = {{"min", q["min"]}, {"max", q["max"]}};
  book.ok(c.dump());
  json s = book.ok(R"({"op":"complete","charge":"c1","usage":{"output_tokens":0}})");
  EXPECT_EQ(s["to_wallet"].get<int64_t>(), q["max"].get<int64_t>() - q["min"].get<int64_t>());
  EXPECT_EQ(book.wallet("user:ana"), 1000 - q["min"].get<int64_t>());
}

class WorkspaceReservationTest : public ReservationTest {
 protected:
  void SetUp() override {
    ReservationTest::SetUp();
    book.ok(R"({"op":"create_user","user":"ben"})");
    book.ok(R"({"op":"create_workspace","workspace":"studio","admin":"ana"})");
    book.ok(R"({"op":"add_member","workspace":"studio","user":"ben","by":"ana"})");
    book.ok(R"({"op":"top_up","payer":"workspace:studio","credits":500,"key":"t-studio","by":"ana"})");
    book.ok(R"({"op":"switch","user":"ben","workspace":"studio"})");
  }
  void cap(int64_t credits) {
    book.ok(R"({"op":"set_member_cap","workspace":"studio","user":"ben","by":"ana","cap":)" + std::to_string(credits) + "}");
  }
};

TEST_F(WorkspaceReservationTest, AReservationCountsAgainstTheMembersCap) {
  cap(80);
  EXPECT_EQ(book.code(reserve_text("ben", "run1")), "member_cap_exceeded");
  cap(100);
  book.ok(reserve_text("ben", "run1"));
  EXPECT_EQ(book.code(Book::charge_text("ben", "plain", 4)), "member_cap_exceeded");  // the hold counts
  book.ok(reserved_charge("ben", "c1", "n1", 4, "run1"));  // counted once, at the hold
  book.ok(R"({"op":"release","reservation":"run1"})");     // the unspent 60 leave the cap
  book.ok(Book::charge_text("ben", "plain2", 6));          // 40 + 60 = the cap
  EXPECT_EQ(book.code(Book::charge_text("ben", "plain3", 4)), "member_cap_exceeded");
}

TEST_F(WorkspaceReservationTest, AMemberRemovedMidRunCannotDrawOnTheHold) {
  book.ok(reserve_text("ben", "run1"));
  EXPECT_EQ(held("workspace:studio"), 100);
  book.ok(reserved_charge("ben", "c1", "n1", 4, "run1"));
  book.ok(R"({"op":"remove_member","workspace":"studio","user":"ben","by":"ana"})");
  EXPECT_EQ(book.code(reserved_charge("ben", "c2", "n2", 6, "run1")), "not_member");
  // The refund of what was charged still goes back to the workspace, and so does the rest.
  book.ok(R"({"op":"fail","charge":"c1"})");
  book.ok(R"({"op":"release","reservation":"run1"})");
  EXPECT_EQ(book.wallet("workspace:studio"), 500);
  EXPECT_EQ(held("workspace:studio"), 0);
}

TEST_F(WorkspaceReservationTest, TheHoldStaysWithItsPayerWhateverContextIsActive) {
  book.ok(reserve_text("ben", "run1"));
  book.ok(R"({"op":"switch","user":"ben","workspace":null})");  // ben's personal account is empty
  json c = book.ok(reserved_charge("ben", "c1", "n1", 4, "run1"));
  EXPECT_EQ(c["payer"], "workspace:studio");
}

TEST_F(ReservationTest, RetriesReplayAndOtherContentConflicts) {
  fund(200, 0);
  json first = book.ok(reserve_text("ana", "run1"));
  book.at = "2026-01-31T10:05:00Z";
  json again = book.ok(reserve_text("ana", "run1"));
  EXPECT_EQ(again.value("replayed", false), true);
  EXPECT_EQ(again["credits"], first["credits"]);
  EXPECT_EQ(held("user:ana"), 100);
  EXPECT_EQ(book.code(reserve_text("ana", "run1", R"(,"expires_in_s":60)")), "idempotency_conflict");
  const std::string other = R"({"nodes":[{"id":"n1","model":"vid","params":{"duration_s":5}}]})";
  EXPECT_EQ(book.code(reserve_text("ana", "run1", "", other)), "idempotency_conflict");
  book.ok(Book::charge_text("ana", "c1", 4));
  EXPECT_EQ(book.code(reserve_text("ana", "c1")), "idempotency_conflict");  // one key space
  // A reserved charge's retry replays too; the same key without the reservation conflicts.
  book.ok(reserved_charge("ana", "c2", "n1", 4, "run1"));
  EXPECT_EQ(book.op(reserved_charge("ana", "c2", "n1", 4, "run1")).value("replayed", false), true);
  EXPECT_EQ(book.code(Book::charge_text("ana", "c2", 4)), "idempotency_conflict");
  EXPECT_EQ(held("user:ana"), 60);
}

TEST_F(ReservationTest, BadChargesOnAHoldAreRefusedAndChangeNothing) {
  fund(100, 0);
  book.ok(R"({"op":"create_user","user":"ben"})");
  book.ok(reserve_text("ana", "run1"));
  const size_t entries = book.ledger.entries().size();
  auto error = [&](const std::string& text) { return book.op(text)["error"]; };
  json e = error(reserved_charge("ana", "c1", "n9", 4, "run1"));
  EXPECT_EQ(e["code"], "invalid_op");
  EXPECT_EQ(e["path"], "/node/id");
  EXPECT_EQ(error(reserved_charge("ana", "c1", "n3", 8, "run1"))["path"], "/node/id");  // skipped: not held
  // A node run with other values than planned is priced again; allowed while the hold covers it.
  e = error(reserved_charge("ana", "c1", "n1", 8, "run1"));  // 80 of the 100 held
  EXPECT_TRUE(e.is_null()) << e.dump();
  e = error(reserved_charge("ana", "c2", "n2", 6, "run1"));  // 60 > the 20 left
  EXPECT_EQ(e["code"], "insufficient_credits");
  EXPECT_EQ(e["path"], "/reservation");
  EXPECT_EQ(error(reserved_charge("ana", "c3", "n1", 4, "nope"))["code"], "unknown_reservation");
  EXPECT_EQ(error(reserved_charge("ben", "c3", "n1", 4, "run1"))["path"], "/user");  // ana's run
  std::string wrong_model = reserved_charge("ana", "c4", "n1", 4, "run1");
  wrong_model.replace(wrong_model.find("\"vid\""), 5, "\"bucket\"");
  EXPECT_FALSE(book.op(wrong_model).value("ok", true));
  EXPECT_EQ(book.ledger.entries().size(), entries + 1);  // only the one accepted charge
  EXPECT_EQ(held("user:ana"), 20);
}

TEST_F(ReservationTest, BadReservationsAreRefusedAndHoldNothing) {
  fund(100, 0);
  auto error = [&](const std::string& text) { return book.op(text)["error"]; };
  EXPECT_EQ(error(R"({"op":"release","reservation":"nope"})")["code"], "unknown_reservation");
  json e = error(reserve_text("ana", "r1", "", R"({"nodes":[{"id":"a","model":"vid","params":{"duration_s":7}}]})"));
  EXPECT_EQ(e["code"], "invalid_param");
  EXPECT_EQ(e["path"], "/graph/nodes/0/params/duration_s");
  EXPECT_EQ(error(reserve_text("ana", "r1", "", R"({"nodes":[{"id":"a","model":"nope"}]})"))["code"], "unknown_model");
  e = error(reserve_text("ana", "r1", "", R"({"nodes":[{"id":"a","model":"vid","inputs":{"video":"b"}}]})"));
  EXPECT_EQ(e["path"].get<std::string>().rfind("/graph", 0), 0u) << e.dump();
  EXPECT_EQ(error(R"({"op":"reserve","user":"ana","key":"r1","graph":)" + std::string(kGraph) +
                  R"(,"rate_card":"old"})")["code"], "stale_rate_card");
  EXPECT_EQ(error(reserve_text("ana", "r1", R"(,"expires_in_s":0)"))["path"], "/expires_in_s");
  EXPECT_EQ(error(reserve_text("ana", "r1", R"(,"expires_in_s":2592001)"))["path"], "/expires_in_s");
  EXPECT_EQ(error(reserve_text("ana", "r1", R"(,"extra":1)"))["path"], "/extra");
  EXPECT_EQ(error(reserve_text("nobody", "r1"))["code"], "unknown_user");
  EXPECT_EQ(error(R"({"op":"reserve","user":"ana","key":"r1","rate_card":"test-1"})")["path"], "/graph");
  EXPECT_EQ(held("user:ana"), 0);
  EXPECT_EQ(book.sub("user:ana"), 100);
  EXPECT_TRUE(memory_records(book.ledger).reservations().empty());
}

TEST_F(ReservationTest, UsageShowsReservedChargesAsGenerations) {
  fund(100, 0);
  book.ok(reserve_text("ana", "run1"));
  book.ok(reserved_charge("ana", "c1", "n1", 4, "run1"));
  json u = book.ok(R"({"op":"usage","payer":"user:ana"})");
  ASSERT_EQ(u["generations"].size(), 1u);
  EXPECT_EQ(u["generations"][0]["credits"], 40);
  EXPECT_EQ(u["by_model"][0]["credits"], 40);
  EXPECT_EQ(u["held"], 60);
}

// The durable layer journals reserve, reserved charges and release like every money-moving
// operation, stores `held`, and recovery rebuilds the same holds.
TEST(DurableReservation, RecoveryRebuildsTheHolds) {
  MemoryStore store;
  DurableLedger ledger;
  ASSERT_TRUE(ledger.recover(store).ok);
  auto card = load_card_text(read_file("tests/data/test-card.json"));
  ASSERT_TRUE(card.ok());
  ASSERT_TRUE(ledger.use_rate_card(*card, std::nullopt).ok());
  std::string at = "2026-01-31T10:00:00Z";
  auto ok = [&](const std::string& text) {
    json j = json::parse(text);
    j["at"] = at;
    json r = ledger.apply(j, std::nullopt);
    EXPECT_TRUE(r.value("ok", false)) << text << " -> " << r.dump();
    ASSERT_TRUE(store.commit(ledger.take_batch()));
  };
  ok(R"({"op":"create_user","user":"ana"})");
  ok(R"({"op":"subscribe","payer":"user:ana","quota":300})");
  ok(reserve_text("ana", "run1"));
  ok(reserve_text("ana", "run2", R"(,"expires_in_s":60)"));
  ok(reserved_charge("ana", "c1", "n1", 4, "run1"));
  at = "2026-01-31T10:05:00Z";  // run2 expired; a read makes it real, and is journaled for it
  ok(R"({"op":"balance","payer":"user:ana"})");
  EXPECT_EQ(store.payers.at("user:ana").held, 60);
  DurableLedger fresh;
  RecoveryReport report = fresh.recover(store);
  ASSERT_TRUE(report.ok) << report.to_json().dump(2);
  const Payer& a = fresh.ledger().payers().at("user:ana");
  EXPECT_EQ(a.held, 60);
  EXPECT_EQ(a.sub.remaining, 200);
  EXPECT_EQ(memory_records(fresh.ledger()).reservations().at(1).status, ReservationStatus::expired);
  // It goes on where it stopped: the open hold can be drawn on and released.
  json c = json::parse(reserved_charge("ana", "c2", "n2", 6, "run1"));
  c["at"] = at;
  EXPECT_TRUE(fresh.apply(c, std::nullopt).value("ok", false));
}

}  // namespace
}  // namespace credits::testing
