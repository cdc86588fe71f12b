// Balance events (SPEC §11; include/credits/balance_events.hpp): set_alert, set_auto_top_up and
// the `events` read, through the JSON entry points, the text path and the durable ledger.
#include "credits/balance_events.hpp"

#include "credits/durable_ledger.hpp"
#include "test_support.hpp"
#include "memory_store.hpp"

namespace credits::testing {
namespace {

using nlohmann::json;

// A book with ana (a wallet of `wallet`) and the workspace studio (admin ana, member bob).
class Events : public ::testing::Test {
 protected:
  void SetUp() override {
    book.ok(R"({"op":"create_user","user":"ana"})");
    book.ok(R"({"op":"create_user","user":"bob"})");
    book.ok(R"({"op":"create_workspace","workspace":"studio","admin":"ana"})");
    book.ok(R"({"op":"add_member","workspace":"studio","user":"bob","by":"ana"})");
  }
  void top_up(int64_t credits, const std::string& key, const std::string& payer = "user:ana") {
    book.ok(R"({"op":"top_up","payer":")" + payer + R"(","credits":)" + std::to_string(credits) + R"(,"key":")" + key +
            R"(","by":"ana"})");
  }
  json alert(const std::string& below, const std::string& payer = "user:ana") {
    return book.ok(R"({"op":"set_alert","payer":")" + payer + R"(","below":)" + below + "}");
  }
  json auto_top_up(const std::string& below, const std::string& to, const std::string& payer = "user:ana") {
    return book.ok(R"({"op":"set_auto_top_up","payer":")" + payer + R"(","below":)" + below + R"(,"to":)" + to + "}");
  }
  void charge(const std::string& key, int seconds) { EXPECT_TRUE(book.charge("ana", key, seconds).value("ok", false)) << key; }
  json events(int64_t after = 0, int limit = 100) {
    return book.ok(R"({"op":"events","after":)" + std::to_string(after) + R"(,"limit":)" + std::to_string(limit) + "}");
  }
  // The types of every event so far, in order.
  std::vector<std::string> types() {
    std::vector<std::string> out;
    const json page = events(0, 1000);
    for (const auto& e : page["events"]) out.push_back(e["type"].get<std::string>());
    return out;
  }
  using Types = std::vector<std::string>;

  Book book;
};

TEST_F(Events, AnAlertFiresOnceWhenAvailableFallsBelow) {
  top_up(100, "t1");
  json set = alert("50");
  EXPECT_EQ(to_wire(set), R"({"below":50,"ok":true,"op":"set_alert","payer":"user:ana"})");
  EXPECT_EQ(types(), Types{});
  charge("c1", 4);  // 60 left: not below
  EXPECT_EQ(types(), Types{});
  book.at = "2026-01-31T11:00:00Z";
  charge("c2", 4);  // 20 left
  json page = events();
  ASSERT_EQ(page["events"].size(), 1u);
  EXPECT_EQ(to_wire(page["events"][0]),
            R"({"at":"2026-01-31T11:00:00Z","available":20,"below":50,"payer":"user:ana","seq":1,"type":"balance_low"})");
  EXPECT_EQ(page["last_seq"], 1);
  top_up(5, "t2");  // 25: still below, nothing more
  EXPECT_EQ(types(), Types{"balance_low"});
}

// The settings are read back with the balance (and the billing view), after the read's own
// evaluation: a request the read raised shows as outstanding; a top-up with its key clears it.
TEST_F(Events, BalanceShowsTheSettingsAndTheirState) {
  EXPECT_TRUE(book.balance("user:ana")["alert"].is_null());
  EXPECT_TRUE(book.balance("user:ana")["auto_top_up"].is_null());
  top_up(100, "t1");
  alert("50");
  auto_top_up("30", "200");
  charge("c1", 8);  // 20 left: low, and a request for 180
  json b = book.balance("user:ana");
  EXPECT_EQ(to_wire(b["alert"]), R"({"below":50,"low":true})");
  EXPECT_EQ(to_wire(b["auto_top_up"]), R"({"below":30,"outstanding":"auto-top-up:user:ana:2","to":200})");
  top_up(180, "auto-top-up:user:ana:2");
  b = book.ok(R"({"op":"usage","payer":"user:ana"})");
  EXPECT_EQ(to_wire(b["alert"]), R"({"below":50,"low":false})");
  EXPECT_TRUE(b["auto_top_up"]["outstanding"].is_null());
  book.ok(R"({"op":"set_alert","payer":"user:ana","below":null})");
  EXPECT_TRUE(book.balance("user:ana")["alert"].is_null());
}

TEST_F(Events, RecoveredOnceWhenBackAtOrAboveTheThreshold) {
  top_up(60, "t1");
  alert("50");
  charge("c1", 4);  // 20
  top_up(30, "t2");  // 50: at the threshold is not below
  top_up(30, "t3");
  EXPECT_EQ(types(), (Types{"balance_low", "balance_recovered"}));
  EXPECT_EQ(events(1)["events"][0]["available"], 50);
}

TEST_F(Events, NoStormAcrossManyCharges) {
  top_up(4000, "t1");
  alert("2000");
  for (int i = 0; i < 100; ++i) charge("c" + std::to_string(i), 4);  // 4000 down to 0
  EXPECT_EQ(types(), Types{"balance_low"});
  EXPECT_EQ(book.wallet("user:ana"), 0);
}

TEST_F(Events, AChargeAndItsRefundAroundTheThresholdGiveOneLowAndOneRecovered) {
  top_up(100, "t1");
  alert("50");
  charge("c1", 6);  // 40
  book.ok(R"({"op":"fail","charge":"c1"})");  // 100 again
  EXPECT_EQ(types(), (Types{"balance_low", "balance_recovered"}));
  // A refused charge (more than there is) appends nothing and emits nothing.
  EXPECT_EQ(book.charge("ana", "big", 8)["ok"], true);  // 20
  EXPECT_EQ(book.code(Book::charge_text("ana", "too-big", 8)), "insufficient_credits");
  EXPECT_EQ(types(), (Types{"balance_low", "balance_recovered", "balance_low"}));
}

TEST_F(Events, TimePassingAResetGivesRecoveredAndAnExpiryGivesLow) {
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":100})");  // anchored 31 Jan 10:00
  alert("50");
  charge("c1", 6);  // 40 left in the period
  EXPECT_EQ(types(), Types{"balance_low"});
  book.at = "2026-03-01T00:00:00Z";  // past the 28 Feb boundary: a reset to 100, read by a balance
  EXPECT_EQ(book.balance("user:ana")["available"], 100);
  json recovered = events(1)["events"][0];
  EXPECT_EQ(recovered["type"], "balance_recovered");
  EXPECT_EQ(recovered["at"], "2026-03-01T00:00:00Z");  // the time of the operation that caused it
  EXPECT_EQ(recovered["available"], 100);
  // A paused subscription's period ends with nothing granted: its remaining expires.
  book.ok(R"({"op":"pause","payer":"user:ana"})");
  book.at = "2026-04-01T00:00:00Z";
  EXPECT_EQ(book.balance("user:ana")["available"], 0);
  EXPECT_EQ(types(), (Types{"balance_low", "balance_recovered", "balance_low"}));
}

TEST_F(Events, SettingAnAlertWhileBelowFiresAtOnceAndSettingItAgainKeepsItsState) {
  top_up(10, "t1");
  alert("50");
  EXPECT_EQ(types(), Types{"balance_low"});
  alert("50");  // a retry: still low, nothing new
  alert("40");  // still below the new threshold
  EXPECT_EQ(types(), Types{"balance_low"});
  alert("5");   // no longer below: recovered
  EXPECT_EQ(types(), (Types{"balance_low", "balance_recovered"}));
  EXPECT_EQ(events(1)["events"][0]["below"], 5);
}

TEST_F(Events, NullRemovesTheAlert) {
  top_up(100, "t1");
  alert("50");
  json removed = alert("null");
  EXPECT_EQ(to_wire(removed), R"({"below":null,"ok":true,"op":"set_alert","payer":"user:ana"})");
  EXPECT_EQ(book.ledger.balance_events().alert("user:ana"), nullptr);
  charge("c1", 8);
  EXPECT_EQ(types(), Types{});
  alert("null");  // removing what is not there is fine
}

TEST_F(Events, AnAutoTopUpRequestsOnceWithADeterministicKey) {
  top_up(100, "t1");
  json set = auto_top_up("50", "200");
  EXPECT_EQ(to_wire(set), R"({"below":50,"ok":true,"op":"set_auto_top_up","payer":"user:ana","to":200})");
  charge("c1", 6);  // 40
  charge("c2", 4);  // 0
  json page = events();
  ASSERT_EQ(page["events"].size(), 1u);
  EXPECT_EQ(to_wire(page["events"][0]),
            R"({"at":"2026-01-31T10:00:00Z","available":40,"below":50,"credits":160,"key":"auto-top-up:user:ana:1",)"
            R"("payer":"user:ana","seq":1,"to":200,"type":"top_up_requested"})");
  EXPECT_TRUE(is_valid_id(page["events"][0]["key"].get<std::string>()));
  EXPECT_EQ(book.wallet("user:ana"), 0);  // the ledger never moves money by itself
}

TEST_F(Events, ARequestStaysOutstandingUntilATopUpWithItsKey) {
  top_up(100, "t1");
  auto_top_up("50", "200");
  charge("c1", 6);  // 40: request 1
  top_up(100, "other");  // 140, but not the request's key
  charge("c2", 8);       // 60
  charge("c3", 4);       // 20: below again, but one is outstanding
  EXPECT_EQ(types(), Types{"top_up_requested"});
  // The same key for another payer does not fulfil it (and the key is then taken).
  book.ok(R"({"op":"top_up","payer":"workspace:studio","credits":5,"key":"auto-top-up:user:ana:1","by":"ana"})");
  EXPECT_EQ(book.ledger.balance_events().auto_top_up("user:ana")->outstanding, "auto-top-up:user:ana:1");
  EXPECT_EQ(types(), Types{"top_up_requested"});
}

TEST_F(Events, AFulfilledRequestStillBelowIsFollowedByANewOne) {
  top_up(100, "t1");
  auto_top_up("50", "200");
  charge("c1", 6);  // 40: request 1 for 160
  top_up(160, "auto-top-up:user:ana:1");  // 200: fulfilled, not below
  EXPECT_FALSE(book.ledger.balance_events().auto_top_up("user:ana")->outstanding);
  EXPECT_EQ(types(), Types{"top_up_requested"});
  charge("c2", 8);
  charge("c3", 8);  // 40: request 2
  book.at = "2026-01-31T12:00:00Z";
  top_up(5, "auto-top-up:user:ana:2");  // fulfilled with less than asked: 45, still below
  json page = events(2);
  ASSERT_EQ(page["events"].size(), 1u);
  EXPECT_EQ(page["events"][0]["key"], "auto-top-up:user:ana:3");
  EXPECT_EQ(page["events"][0]["credits"], 155);
  EXPECT_EQ(page["events"][0]["available"], 45);
  EXPECT_EQ(page["events"][0]["at"], "2026-01-31T12:00:00Z");
}

TEST_F(Events, NullRemovesTheAutoTopUpAndForgetsItsRequest) {
  top_up(10, "t1");
  auto_top_up("50", "200");  // set while below: a request at once
  EXPECT_EQ(types(), Types{"top_up_requested"});
  auto_top_up("50", "300");  // set again: the request stays outstanding
  EXPECT_EQ(types(), Types{"top_up_requested"});
  json removed = book.ok(R"({"op":"set_auto_top_up","payer":"user:ana","below":null})");
  EXPECT_EQ(to_wire(removed), R"({"below":null,"ok":true,"op":"set_auto_top_up","payer":"user:ana","to":null})");
  EXPECT_EQ(book.ledger.balance_events().auto_top_up("user:ana"), nullptr);
  auto_top_up("50", "200");  // a new setting, nothing outstanding: a new request
  EXPECT_EQ(types(), (Types{"top_up_requested", "top_up_requested"}));
  EXPECT_EQ(events(1)["events"][0]["key"], "auto-top-up:user:ana:2");
}

TEST_F(Events, RequestKeysFollowTheIdRuleAndAvoidKeysInUse) {
  top_up(100, "auto-top-up:user:ana:1");  // a client took the key the first request would get
  auto_top_up("500", "1000");
  EXPECT_EQ(events()["events"][0]["key"], "auto-top-up:user:ana:1.1");
  const std::string longest(kMaxIdLength, 'x');
  book.ok(R"({"op":"create_user","user":")" + longest + R"("})");
  auto_top_up("500", "1000", "user:" + longest);
  const std::string key = events(1)["events"][0]["key"].get<std::string>();
  EXPECT_EQ(key, "auto-top-up:2");
  EXPECT_TRUE(is_valid_id(key));
}

TEST_F(Events, AWorkspaceNeedsItsAdmin) {
  const std::string ws = R"("payer":"workspace:studio")";
  EXPECT_EQ(book.code(R"({"op":"set_alert",)" + ws + R"(,"below":5})"), "invalid_op");  // no "by"
  EXPECT_EQ(book.code(R"({"op":"set_alert",)" + ws + R"(,"below":5,"by":"bob"})"), "not_admin");
  EXPECT_EQ(book.code(R"({"op":"set_auto_top_up",)" + ws + R"(,"below":5,"to":9,"by":"bob"})"), "not_admin");
  EXPECT_EQ(book.code(R"({"op":"set_alert","payer":"user:ana","below":5,"by":"bob"})"), "not_admin");
  EXPECT_EQ(book.code(R"({"op":"set_alert",)" + ws + R"(,"below":5,"by":"zed"})"), "unknown_user");
  book.ok(R"({"op":"set_alert",)" + ws + R"(,"below":5,"by":"ana"})");
  book.ok(R"({"op":"set_auto_top_up",)" + ws + R"(,"below":5,"to":9,"by":"ana"})");
  EXPECT_EQ(types(), (Types{"balance_low", "top_up_requested"}));  // the pool is empty
  EXPECT_EQ(events()["events"][0]["payer"], "workspace:studio");
}

TEST_F(Events, BadInputIsRefusedWithItsPointerAndChangesNothing) {
  top_up(10, "t1");
  const json before = events();
  struct Case {
    std::string text, code, path;
  };
  const std::vector<Case> cases = {
      {R"({"op":"set_alert","payer":"user:ana","below":-1})", "invalid_op", "/below"},
      {R"({"op":"set_alert","payer":"user:ana","below":1000000000000001})", "invalid_op", "/below"},
      {R"({"op":"set_alert","payer":"user:ana","below":2.5})", "invalid_op", "/below"},
      {R"({"op":"set_alert","payer":"user:ana"})", "invalid_op", "/below"},
      {R"({"op":"set_alert","below":5})", "invalid_op", "/payer"},
      {R"({"op":"set_alert","payer":"user:ana","below":5,"sound":"loud"})", "invalid_op", "/sound"},
      {R"({"op":"set_alert","payer":"user:zed","below":5})", "unknown_user", "/payer"},
      {R"({"op":"set_alert","payer":"workspace:nope","below":5,"by":"ana"})", "unknown_workspace", "/payer"},
      {R"({"op":"set_auto_top_up","payer":"user:ana","below":50,"to":50})", "invalid_op", "/to"},
      {R"({"op":"set_auto_top_up","payer":"user:ana","below":50,"to":20})", "invalid_op", "/to"},
      {R"({"op":"set_auto_top_up","payer":"user:ana","below":50,"to":1000000000000001})", "invalid_op", "/to"},
      {R"({"op":"set_auto_top_up","payer":"user:ana","below":-5,"to":10})", "invalid_op", "/below"},
      {R"({"op":"set_auto_top_up","payer":"user:ana","below":50})", "invalid_op", "/to"},
      {R"({"op":"set_auto_top_up","payer":"user:ana","to":50})", "invalid_op", "/below"},
      {R"({"op":"set_auto_top_up","payer":"user:ana","below":5,"to":9,"key":"k"})", "invalid_op", "/key"},
      {R"({"op":"events","limit":0})", "invalid_op", "/limit"},
      {R"({"op":"events","limit":1001})", "invalid_op", "/limit"},
      {R"({"op":"events","after":-1})", "invalid_op", "/after"},
      {R"({"op":"events","after":"3"})", "invalid_op", "/after"},
      {R"({"op":"events","payer":"user:ana"})", "invalid_op", "/payer"},
      {R"({"op":"events","at":"2020-01-01T00:00:00Z"})", "clock_regression", "/at"},
  };
  for (const Case& c : cases) {
    json r = book.op(c.text);
    ASSERT_EQ(r.value("ok", true), false) << c.text;
    EXPECT_EQ(r["error"]["code"], c.code) << c.text;
    EXPECT_EQ(r["error"]["path"], c.path) << c.text;
  }
  EXPECT_EQ(book.ledger.balance_events().alert("user:ana"), nullptr);
  EXPECT_EQ(book.ledger.balance_events().auto_top_up("user:ana"), nullptr);
  EXPECT_EQ(events(), before);
  // The typed ledger refuses the same, for callers that skip the reader.
  const PayerId ana = *PayerId::parse("user:ana");
  const Timestamp at = book.ledger.now();
  EXPECT_EQ(book.ledger.set_alert(at, ana, -1, "").error().path, "/below");
  EXPECT_EQ(book.ledger.set_auto_top_up(at, ana, 5, kMaxAmount + 1, "").error().path, "/to");
  EXPECT_EQ(book.ledger.events_after(at, 0, 0).error().path, "/limit");
}

TEST_F(Events, EventsArePagedAfterASeqWithALimit) {
  top_up(100, "t1");
  alert("50");
  for (int i = 0; i < 3; ++i) {  // low, recovered, three times
    charge("c" + std::to_string(i), 6);
    book.ok(R"({"op":"fail","charge":"c)" + std::to_string(i) + R"("})");
  }
  auto seqs = [](const json& page) {
    std::vector<int64_t> out;
    for (const auto& e : page["events"]) out.push_back(e["seq"].get<int64_t>());
    return out;
  };
  EXPECT_EQ(seqs(events(0, 2)), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(seqs(events(2, 2)), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(seqs(events(4, 100)), (std::vector<int64_t>{5, 6}));
  EXPECT_EQ(to_wire(events(6)), R"({"events":[],"last_seq":6,"ok":true,"op":"events"})");
  EXPECT_EQ(to_wire(events(99)), R"({"events":[],"last_seq":6,"ok":true,"op":"events"})");
  json defaults = book.ok(R"({"op":"events"})");  // after 0, limit 100
  EXPECT_EQ(seqs(defaults), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(defaults["last_seq"], 6);
  // The text path writes the same bytes.
  EXPECT_EQ(apply_operation_text(book.ledger, std::string_view(R"({"op":"events","at":"2026-01-31T10:00:00Z","limit":3})")),
            to_wire(events(0, 3)));
}

std::string with_at(const std::string& text, const std::string& at) {
  json j = json::parse(text);
  j["at"] = at;
  return j.dump();
}

// Operations of a month that cross thresholds every way (charges, refunds, top-ups fulfilling
// requests, a reset read by a balance, settings changed and removed).
std::vector<std::string> month_of_events() {
  return {
      R"({"op":"create_user","at":"2026-01-31T10:00:00Z","user":"ana"})",
      R"({"op":"subscribe","at":"2026-01-31T10:00:00Z","payer":"user:ana","quota":100})",
      R"({"op":"set_alert","at":"2026-01-31T10:00:00Z","payer":"user:ana","below":70})",
      R"({"op":"set_auto_top_up","at":"2026-01-31T10:01:00Z","payer":"user:ana","below":50,"to":150})",
      with_at(Book::charge_text("ana", "c1", 4), "2026-01-31T10:02:00Z"),
      R"({"op":"charge","at":"2026-02-01T10:00:00Z","user":"ana","key":"c2","node":{"id":"n1","model":"vid","params":{"duration_s":4}},"quoted":40,"rate_card":"test-1"})",
      R"({"op":"fail","at":"2026-02-02T10:00:00Z","charge":"c2"})",
      R"({"op":"charge","at":"2026-02-03T10:00:00Z","user":"ana","key":"c3","node":{"id":"n1","model":"vid","params":{"duration_s":5}},"quoted":50,"rate_card":"test-1"})",
      R"({"op":"top_up","at":"2026-02-04T10:00:00Z","payer":"user:ana","credits":20,"key":"auto-top-up:user:ana:2"})",
      R"({"op":"balance","at":"2026-03-05T10:00:00Z","payer":"user:ana"})",
      R"({"op":"set_alert","at":"2026-03-05T10:00:00Z","payer":"user:ana","below":null})",
      R"({"op":"events","at":"2026-03-05T10:00:00Z"})",
  };
}

TEST(EventsReplay, TheSameOperationsGiveTheSameEventsByteForByte) {
  Ledger by_json(test_card()), by_text(test_card());
  std::string results_json, results_text;
  for (const std::string& line : month_of_events()) {
    results_json += to_wire(apply_operation(by_json, json::parse(line))) + "\n";
    results_text += apply_operation_text(by_text, std::string_view(line)) + "\n";
  }
  EXPECT_EQ(results_json, results_text);
  const std::string a = to_wire(apply_operation(by_json, json::parse(month_of_events().back())));
  const std::string b = apply_operation_text(by_text, std::string_view(month_of_events().back()));
  EXPECT_EQ(a, b);
  json page = json::parse(a);
  ASSERT_EQ(page["events"].size(), 4u) << a;
  EXPECT_EQ(page["events"][2]["key"], "auto-top-up:user:ana:3");
  EXPECT_EQ(page["events"][2]["credits"], 120);
  std::vector<std::string> types;
  for (const auto& e : page["events"]) types.push_back(e["type"]);
  // c1: 60 (low); c2: 20 (request 2, for 130); its refund: 60; c3: 10 (request 2 is still
  // outstanding); the top-up with its key: 30, still below (request 3); the reset: 120 (recovered).
  EXPECT_EQ(types, (std::vector<std::string>{"balance_low", "top_up_requested", "top_up_requested", "balance_recovered"}))
      << a;
}


class DurableEvents : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ledger.recover(store).ok);
    auto card = load_card_text(read_file("tests/data/test-card.json"));
    ASSERT_TRUE(card.ok());
    ASSERT_TRUE(ledger.use_rate_card(*card, std::nullopt).ok());
    commit();
  }
  json ok(DurableLedger& l, const std::string& text, std::optional<Timestamp> server_now = std::nullopt,
          const std::string* viewer = nullptr) {
    json r = l.apply(json::parse(text), server_now, viewer);
    EXPECT_TRUE(r.value("ok", false)) << text << " -> " << r.dump();
    return r;
  }
  void commit() { ASSERT_TRUE(store.commit(ledger.take_batch())); }
  static std::string all_events(DurableLedger& l) {
    return to_wire(l.apply(json::parse(R"({"op":"events","limit":1000})"), l.ledger().now()));
  }

  MemoryStore store;
  DurableLedger ledger;
};

TEST_F(DurableEvents, RecoveryFromTheStoreGivesTheSameEvents) {
  for (const std::string& line : month_of_events()) ok(ledger, line);
  commit();
  const std::string before = all_events(ledger);
  EXPECT_FALSE(ledger.has_pending()) << "the events read changes nothing and is not journaled";
  DurableLedger fresh;
  RecoveryReport r = fresh.recover(store);
  ASSERT_TRUE(r.ok) << r.to_json().dump(2);
  EXPECT_EQ(all_events(fresh), before);
  EXPECT_EQ(json::parse(before)["last_seq"], 4);
}

TEST_F(DurableEvents, AReadWhoseResetEmitsAnEventIsJournaled) {
  ok(ledger, R"({"op":"create_user","at":"2026-01-31T10:00:00Z","user":"ana"})");
  ok(ledger, R"({"op":"subscribe","at":"2026-01-31T10:00:00Z","payer":"user:ana","quota":100})");
  ok(ledger, R"({"op":"set_alert","at":"2026-01-31T10:00:00Z","payer":"user:ana","below":50})");
  ok(ledger, with_at(Book::charge_text("ana", "c1", 6), "2026-01-31T10:00:00Z"));  // 40: low
  commit();
  const size_t journaled = store.journal.size();
  // Server time past the 28 Feb boundary: the balance read materialises the reset.
  ok(ledger, R"({"op":"balance","payer":"user:ana"})", *parse_timestamp("2026-03-01T00:00:00Z"));
  EXPECT_TRUE(ledger.has_pending());
  commit();
  EXPECT_EQ(store.journal.size(), journaled + 1);
  const std::string before = all_events(ledger);
  EXPECT_EQ(json::parse(before)["events"][1]["type"], "balance_recovered");
  DurableLedger fresh;
  ASSERT_TRUE(fresh.recover(store).ok);
  EXPECT_EQ(all_events(fresh), before);
}

TEST_F(DurableEvents, AViewerSeesOnlyTheEventsOfPayersItMayView) {
  const std::string at = R"("at":"2026-01-31T10:00:00Z",)";
  ok(ledger, R"({"op":"create_user",)" + at + R"("user":"ana"})");
  ok(ledger, R"({"op":"create_user",)" + at + R"("user":"bob"})");
  ok(ledger, R"({"op":"create_workspace",)" + at + R"("workspace":"studio","admin":"ana"})");
  ok(ledger, R"({"op":"set_alert",)" + at + R"("payer":"user:ana","below":5})");
  ok(ledger, R"({"op":"set_alert",)" + at + R"("payer":"user:bob","below":5})");
  ok(ledger, R"({"op":"set_alert",)" + at + R"("payer":"workspace:studio","below":5,"by":"ana"})");
  const std::string query = R"({"op":"events",)" + at + R"("limit":2})";
  const std::string bob = "bob", ana = "ana", zed = "zed";
  json seen_by_bob = ok(ledger, query, std::nullopt, &bob);
  EXPECT_EQ(to_wire(seen_by_bob["events"]), R"([{"at":"2026-01-31T10:00:00Z","available":0,"below":5,"payer":"user:bob","seq":2,"type":"balance_low"}])");
  EXPECT_EQ(seen_by_bob["last_seq"], 3);
  json seen_by_ana = ok(ledger, query, std::nullopt, &ana);
  ASSERT_EQ(seen_by_ana["events"].size(), 2u);
  EXPECT_EQ(seen_by_ana["events"][0]["payer"], "user:ana");
  EXPECT_EQ(seen_by_ana["events"][1]["payer"], "workspace:studio");
  json unknown = ledger.apply(json::parse(query), std::nullopt, &zed);
  EXPECT_EQ(unknown["error"]["code"], "unknown_user");
  json all = ok(ledger, query);
  EXPECT_EQ(all["events"].size(), 2u);  // without a viewer: every payer's
}

}  // namespace
}  // namespace credits::testing

// With run reservations (SPEC §11): a hold takes credits out of what is available, a release
// or an expiry by time gives them back, and the events follow from the entries alone.
namespace credits::testing {
namespace {

TEST(EventsWithReservations, AHoldAReleaseAndAnExpiryCrossTheThreshold) {
  Book book;
  book.ok(R"({"op":"create_user","user":"ana"})");
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":150,"key":"t1"})");
  book.ok(R"({"op":"set_alert","payer":"user:ana","below":100})");
  const std::string graph = R"({"nodes":[{"id":"n1","model":"vid","params":{"duration_s":4}},)"
                            R"({"id":"n2","model":"vid","params":{"duration_s":6}}]})";
  auto reserve = [&](const std::string& key) {
    return book.ok(R"({"op":"reserve","user":"ana","key":")" + key + R"(","graph":)" + graph +
                   R"(,"rate_card":"test-1"})");
  };
  auto types = [&] {
    std::vector<std::string> out;
    const json page = book.ok(R"({"op":"events"})");
    for (const auto& e : page["events"]) out.push_back(e["type"].get<std::string>());
    return out;
  };
  reserve("run1");  // 100 held: 50 available
  EXPECT_EQ(types(), std::vector<std::string>{"balance_low"});
  book.ok(R"({"op":"release","reservation":"run1"})");  // 150
  EXPECT_EQ(types(), (std::vector<std::string>{"balance_low", "balance_recovered"}));
  reserve("run2");
  book.at = "2026-02-02T10:00:00Z";  // past expires_at (24 h): released by time, read by a balance
  EXPECT_EQ(book.balance("user:ana")["available"], 150);
  EXPECT_EQ(types(), (std::vector<std::string>{"balance_low", "balance_recovered", "balance_low", "balance_recovered"}));
}

}  // namespace
}  // namespace credits::testing
