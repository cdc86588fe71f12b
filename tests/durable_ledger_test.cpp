// The durable ledger's core (durable_ledger.hpp, ledger_store.hpp, access.hpp) with a store in
// memory: what is journaled, recovery by replay, the checks that refuse a store that does not
// match its journal, rate card swaps, server time stamping, and who may view a payer.
#include "credits/durable_ledger.hpp"

#include "test_support.hpp"
#include "memory_store.hpp"

namespace credits::testing {
namespace {

using nlohmann::json;


LoadedCard card_from(const std::string& relative, const std::string& version = "") {
  json doc = json::parse(read_file(relative));
  if (!version.empty()) doc["version"] = version;
  auto c = load_card_text(doc.dump());
  EXPECT_TRUE(c.ok());
  return *c;
}

class DurableLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ledger.recover(store).ok);
    ASSERT_TRUE(ledger.use_rate_card(card_from("tests/data/test-card.json"), std::nullopt).ok());
    commit();
  }
  json op(const std::string& text) {
    json j = json::parse(text);
    if (!j.contains("at")) j["at"] = at;
    return ledger.apply(j, std::nullopt);
  }
  json ok(const std::string& text) {
    json r = op(text);
    EXPECT_TRUE(r.value("ok", false)) << text << " -> " << r.dump();
    return r;
  }
  void commit() { ASSERT_TRUE(store.commit(ledger.take_batch())); }
  RecoveryReport reopen(DurableLedger& fresh) { return fresh.recover(store); }

  MemoryStore store;
  DurableLedger ledger;
  std::string at = "2026-01-31T10:00:00Z";
};

// Memory does not keep history: a batch takes the entries it makes durable, and the ledger
// forgets them; their numbering goes on without a gap.
TEST_F(DurableLedgerTest, EntriesLeaveMemoryWithTheirBatch) {
  ok(R"({"op":"create_user","user":"ana"})");
  ok(R"({"op":"subscribe","payer":"user:ana","quota":60})");
  ok(R"({"op":"top_up","payer":"user:ana","credits":50,"key":"t1"})");
  EXPECT_EQ(ledger.ledger().entries().size(), 2u);
  CommitBatch first = ledger.take_batch();
  ASSERT_EQ(first.entries.size(), 2u);
  EXPECT_EQ(first.entries[0].seq, 1);
  EXPECT_EQ(first.entries[1].seq, 2);
  EXPECT_TRUE(ledger.ledger().entries().empty());
  EXPECT_EQ(ledger.ledger().entry_count(), 2);
  ASSERT_TRUE(store.commit(first));
  ok(Book::charge_text("ana", "c1", 8));
  CommitBatch second = ledger.take_batch();
  ASSERT_EQ(second.entries.size(), 1u);
  EXPECT_EQ(second.entries[0].seq, 3);
  EXPECT_EQ(second.entries[0].kind, EntryKind::charge);
  ASSERT_TRUE(store.commit(second));
  // The in-memory replay check needs every entry; the store's replay (recover) still checks.
  Status s = ledger.ledger().verify_replay();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::internal);
  DurableLedger fresh;
  RecoveryReport r = reopen(fresh);
  ASSERT_TRUE(r.ok) << r.to_json().dump(2);
  EXPECT_EQ(r.entries, 3);
  EXPECT_EQ(fresh.ledger().entry_count(), 3);
  EXPECT_TRUE(fresh.ledger().entries().empty());
}

TEST_F(DurableLedgerTest, RecoveryReplaysTheJournalToTheSameState) {
  ok(R"({"op":"create_user","user":"ana"})");
  ok(R"({"op":"subscribe","payer":"user:ana","quota":60})");
  ok(R"({"op":"top_up","payer":"user:ana","credits":50,"key":"t1"})");
  ok(Book::charge_text("ana", "c1", 8));  // 80: 60 from the subscription, 20 from the wallet
  commit();
  ok(R"({"op":"fail","charge":"c1"})");
  commit();
  DurableLedger fresh;
  RecoveryReport r = reopen(fresh);
  ASSERT_TRUE(r.ok) << r.to_json().dump(2);
  EXPECT_EQ(r.records, 6);  // the card, create, subscribe, top-up, charge, fail
  EXPECT_EQ(r.rate_card, "test-1");
  const Payer& a = fresh.ledger().payers().at("user:ana");
  EXPECT_EQ(a.sub.remaining, 60);
  EXPECT_EQ(a.wallet, 50);
  EXPECT_EQ(fresh.ledger().entry_count(), ledger.ledger().entry_count());
  EXPECT_EQ(fresh.ledger().entry_count(), 4);  // the grant, the top-up, the charge, its refund
  EXPECT_TRUE(fresh.ledger().entries().empty()) << "checked against the store, then forgotten";
  // The replayed ledger goes on where the first stopped: keys are remembered.
  json retry = json::parse(Book::charge_text("ana", "c1", 8));
  retry["at"] = at;
  json again = fresh.apply(retry, std::nullopt);
  EXPECT_EQ(again.value("replayed", false), true);
  EXPECT_EQ(fresh.last_seq(), ledger.last_seq());
}

TEST_F(DurableLedgerTest, RefusalsRetriesAndPlainReadsAreNotJournaled) {
  ok(R"({"op":"create_user","user":"ana"})");
  ok(R"({"op":"top_up","payer":"user:ana","credits":50,"key":"t1"})");
  commit();
  const size_t journaled = store.journal.size();
  EXPECT_FALSE(op(R"({"op":"top_up","payer":"user:nobody","credits":50,"key":"t2"})").value("ok", true));
  EXPECT_TRUE(op(R"({"op":"top_up","payer":"user:ana","credits":50,"key":"t1"})").value("replayed", false));
  ok(R"({"op":"balance","payer":"user:ana"})");
  EXPECT_FALSE(ledger.has_pending());
  // With client time, a read that moves the clock forward is journaled (it changes what
  // later times are accepted); a subscription reset materialised by a read is too.
  at = "2026-02-01T00:00:00Z";
  ok(R"({"op":"balance","payer":"user:ana"})");
  EXPECT_TRUE(ledger.has_pending());
  commit();
  EXPECT_EQ(store.journal.size(), journaled + 1);
}

TEST_F(DurableLedgerTest, ReadsThatMaterialiseAResetAreJournaledWithServerTime) {
  ok(R"({"op":"create_user","user":"ana"})");
  ok(R"({"op":"subscribe","payer":"user:ana","quota":100})");
  commit();
  const Timestamp later = *parse_timestamp("2026-02-01T00:00:00Z");
  json r = ledger.apply(json::parse(R"({"op":"balance","payer":"user:ana"})"), later);
  EXPECT_TRUE(r.value("ok", false));
  EXPECT_FALSE(ledger.has_pending()) << "no boundary passed: nothing to journal";
  const Timestamp next_period = *parse_timestamp("2026-03-01T00:00:00Z");
  r = ledger.apply(json::parse(R"({"op":"balance","payer":"user:ana"})"), next_period);
  EXPECT_TRUE(ledger.has_pending()) << "a reset was materialised";
  commit();
  DurableLedger fresh;
  ASSERT_TRUE(reopen(fresh).ok);
}

TEST_F(DurableLedgerTest, ServerTimeNeverGoesBackwards) {
  ok(R"({"op":"create_user","user":"ana"})");
  const Timestamp earlier = *parse_timestamp("2020-01-01T00:00:00Z");
  json r = ledger.apply(json::parse(R"({"op":"top_up","at":"1999-01-01T00:00:00Z","payer":"user:ana","credits":5,"key":"k"})"), earlier);
  ASSERT_TRUE(r.value("ok", false)) << r.dump();
  EXPECT_EQ(ledger.ledger().now(), *parse_timestamp(at)) << "stamped with the last operation's time";
  const Timestamp later = *parse_timestamp("2026-03-01T12:00:00.250Z");
  ledger.apply(json::parse(R"({"op":"top_up","payer":"user:ana","credits":5,"key":"k2"})"), later);
  EXPECT_EQ(ledger.ledger().now(), later);
  commit();
  EXPECT_NE(store.journal.back().body.find("2026-03-01T12:00:00.250Z"), std::string::npos);
}

TEST_F(DurableLedgerTest, AStoreThatDoesNotMatchItsJournalIsRefusedWithEachDifference) {
  ok(R"({"op":"create_user","user":"ana"})");
  ok(R"({"op":"top_up","payer":"user:ana","credits":50,"key":"t1"})");
  ok(Book::charge_text("ana", "c1", 4));
  commit();
  {
    MemoryStore tampered = store;
    tampered.payers["user:ana"].wallet += 1;
    DurableLedger fresh;
    RecoveryReport r = fresh.recover(tampered);
    ASSERT_FALSE(r.ok);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_NE(r.problems[0].find("user:ana: stored"), std::string::npos) << r.problems[0];
  }
  {
    MemoryStore tampered = store;
    tampered.entries.erase(tampered.entries.begin());
    DurableLedger fresh;
    RecoveryReport r = fresh.recover(tampered);
    ASSERT_FALSE(r.ok);
    EXPECT_NE(r.problems[0].find("entries #1 are missing"), std::string::npos) << r.problems[0];
  }
  {
    MemoryStore tampered = store;
    tampered.journal.erase(tampered.journal.begin() + 2);  // the top-up
    DurableLedger fresh;
    RecoveryReport r = fresh.recover(tampered);
    ASSERT_FALSE(r.ok);
    EXPECT_NE(r.to_json().dump().find("records are missing"), std::string::npos);
  }
  {
    MemoryStore tampered = store;
    tampered.payers.erase("user:ana");
    DurableLedger fresh;
    EXPECT_FALSE(fresh.recover(tampered).ok);
  }
}

TEST_F(DurableLedgerTest, RateCardSwapsAreJournaledAndVersionsAreNeverReused) {
  ok(R"({"op":"create_user","user":"ana"})");
  ok(R"({"op":"top_up","payer":"user:ana","credits":500,"key":"t1"})");
  ok(Book::charge_text("ana", "c1", 4));
  auto swap = ledger.use_rate_card(card_from("tests/data/test-card.json", "test-2"), std::nullopt);
  ASSERT_TRUE(swap.ok());
  EXPECT_EQ(swap->previous, "test-1");
  EXPECT_TRUE(swap->changed);
  EXPECT_EQ(op(Book::charge_text("ana", "c2", 4))["error"]["code"], "stale_rate_card");
  ok(Book::charge_text("ana", "c2", 4, -1, "test-2"));
  // Same version, other content: refused.
  LoadedCard other = card_from("demo/rate-card.json", "test-1");
  EXPECT_FALSE(ledger.use_rate_card(other, std::nullopt).ok());
  // Back to test-1 (the same content) is allowed, and a no-op when already in force.
  ASSERT_TRUE(ledger.use_rate_card(card_from("tests/data/test-card.json"), std::nullopt).ok());
  EXPECT_FALSE(ledger.use_rate_card(card_from("tests/data/test-card.json"), std::nullopt)->changed);
  ok(Book::charge_text("ana", "c3", 4));
  commit();
  EXPECT_EQ(store.cards.size(), 2u);
  DurableLedger fresh;
  RecoveryReport r = reopen(fresh);
  ASSERT_TRUE(r.ok) << r.to_json().dump(2);
  EXPECT_EQ(r.rate_card, "test-1");
  EXPECT_EQ(memory_records(fresh.ledger()).charges().size(), 3u);
  EXPECT_EQ(memory_records(fresh.ledger()).charges()[1].card->version, "test-2");
}

TEST_F(DurableLedgerTest, ViewersSeeTheirOwnAccountAndTheirWorkspaces) {
  ok(R"({"op":"create_user","user":"ana"})");
  ok(R"({"op":"create_user","user":"bo"})");
  ok(R"({"op":"create_workspace","workspace":"w","admin":"ana"})");
  const std::string ana = "ana", bo = "bo", nobody = "nobody";
  auto view = [&](const std::string* who, const char* payer) {
    json r = ledger.apply(json{{"op", "balance"}, {"at", at}, {"payer", payer}}, std::nullopt, who);
    return r.value("ok", false) ? std::string("ok") : r["error"]["code"].get<std::string>();
  };
  EXPECT_EQ(view(&ana, "user:ana"), "ok");
  EXPECT_EQ(view(&ana, "workspace:w"), "ok");
  EXPECT_EQ(view(&bo, "workspace:w"), "not_member");
  EXPECT_EQ(view(&bo, "user:ana"), "not_member");
  EXPECT_EQ(view(&nobody, "user:ana"), "unknown_user");
  EXPECT_EQ(view(&ana, "workspace:x"), "unknown_workspace");
  ok(R"({"op":"add_member","workspace":"w","user":"bo","by":"ana"})");
  EXPECT_EQ(view(&bo, "workspace:w"), "ok");
  ok(R"({"op":"remove_member","workspace":"w","user":"bo","by":"ana"})");
  EXPECT_EQ(view(&bo, "workspace:w"), "not_member");
  // The index is rebuilt by recovery too.
  commit();
  DurableLedger fresh;
  ASSERT_TRUE(reopen(fresh).ok);
  EXPECT_TRUE(fresh.access().is_admin("w", "ana"));
  EXPECT_FALSE(fresh.access().is_member("w", "bo"));
}

// A store upgraded from a schema without records: its journal has operations its records do
// not. The first start replays the whole journal and its first commit writes every record, so
// an old key is still known (a retry is not charged again) and an old charge can be refunded.
TEST(HistoryInTheStore, AStoreWithoutRecordsIsBackfilledByItsFirstStart) {
  MemoryStore old;
  DurableLedger first;
  ASSERT_TRUE(first.recover(old).ok);
  ASSERT_TRUE(first.use_rate_card(card_from("tests/data/test-card.json"), std::nullopt).ok());
  auto apply = [&](DurableLedger& l, const std::string& text) {
    json op = json::parse(text);
    op["at"] = "2026-01-31T10:00:00Z";
    return l.apply(op, std::nullopt);
  };
  ASSERT_TRUE(apply(first, R"({"op":"create_user","user":"ana"})").value("ok", false));
  ASSERT_TRUE(apply(first, R"({"op":"top_up","payer":"user:ana","credits":500,"key":"t1"})").value("ok", false));
  ASSERT_TRUE(apply(first, Book::charge_text("ana", "c1", 8)).value("ok", false));
  json c2 = apply(first, Book::charge_text("ana", "c2", 4));
  ASSERT_TRUE(c2.value("ok", false)) << c2.dump();
  ASSERT_TRUE(old.commit(first.take_batch()));

  MemoryStore upgraded(true);
  upgraded.cards = old.cards;
  upgraded.journal = old.journal;
  upgraded.entries = old.entries;
  upgraded.payers = old.payers;
  upgraded.backfill = true;
  DurableLedger second;
  second.set_cache_records(1);
  ASSERT_TRUE(second.recover(upgraded).ok);
  CommitBatch batch = second.take_batch();
  EXPECT_TRUE(batch.backfilled);
  ASSERT_EQ(batch.history.size(), 3u);  // t1, c1, c2: each as the journal made it
  EXPECT_EQ(batch.history[1].key, "c1");
  EXPECT_EQ(batch.history[1].seq, 4);  // the card, the user, the top-up, then this charge
  ASSERT_TRUE(upgraded.commit(batch));
  second.durable_through(second.last_seq());
  EXPECT_FALSE(upgraded.needs_backfill());

  DurableLedger third;
  third.set_cache_records(1);
  ASSERT_TRUE(third.recover(upgraded).ok);
  EXPECT_TRUE(third.take_batch().history.empty()) << "a backfilled store's records are not written again";
  EXPECT_TRUE(apply(third, Book::charge_text("ana", "c1", 8)).value("replayed", false));
  EXPECT_EQ(apply(third, R"({"op":"top_up","payer":"user:ana","credits":9,"key":"c2"})")["error"]["code"], "idempotency_conflict");
  json refund = apply(third, R"({"op":"fail","charge":"c2"})");
  ASSERT_TRUE(refund.value("ok", false)) << refund.dump();
  EXPECT_EQ(third.ledger().payers().at("user:ana").wallet, 500 - 80);
}

// A store that cannot read its history stops the operation: nothing is answered from a guess.
TEST(HistoryInTheStore, AFailedReadIsAnExceptionNotAnAnswer) {
  class Failing : public MemoryStore {
   public:
    Failing() : MemoryStore(true) {}
    StoreStatus find_record(const std::string& key, int64_t as_of, std::optional<StoredRecord>& out) override {
      if (fail) return {"disk on fire"};
      return MemoryStore::find_record(key, as_of, out);
    }
    bool fail = false;
  };
  Failing store;
  DurableLedger ledger;
  ASSERT_TRUE(ledger.recover(store).ok);
  ASSERT_TRUE(ledger.use_rate_card(card_from("tests/data/test-card.json"), std::nullopt).ok());
  json op = json::parse(R"({"op":"create_user","user":"ana","at":"2026-01-31T10:00:00Z"})");
  ASSERT_TRUE(ledger.apply(op, std::nullopt).value("ok", false));
  ASSERT_NE(ledger.cache(), nullptr);
  store.fail = true;
  json top_up = json::parse(R"({"op":"top_up","payer":"user:ana","credits":5,"key":"t1","at":"2026-01-31T10:00:00Z"})");
  EXPECT_THROW(ledger.apply(top_up, std::nullopt), RecordReadError);
}

// A store that keeps the history keeps the state too, every few journal records: a start reads
// the newest snapshot and replays only the journal after it, and goes on exactly as a start
// that replays everything.
class SnapshotBook {
 public:
  explicit SnapshotBook(int64_t every) : store(true) {
    DurableLedger l;
    l.set_snapshot_every(every);
    EXPECT_TRUE(l.recover(store).ok);
    EXPECT_TRUE(l.use_rate_card(card_from("tests/data/test-card.json"), std::nullopt).ok());
    for (const std::string& text :
         {std::string(R"({"op":"create_user","user":"ana"})"), std::string(R"({"op":"create_user","user":"bo"})"),
          std::string(R"({"op":"create_workspace","workspace":"ws","admin":"ana"})"),
          std::string(R"({"op":"top_up","payer":"user:ana","credits":500,"key":"t1"})"),
          std::string(R"({"op":"top_up","payer":"user:bo","credits":300,"key":"t2"})"), Book::charge_text("ana", "c1", 8),
          Book::charge_text("ana", "c2", 4), Book::charge_text("bo", "c3", 5)}) {
      json r = apply(l, text);
      EXPECT_TRUE(r.value("ok", false)) << text << " " << r.dump();
      EXPECT_TRUE(store.commit(l.take_batch()));
      l.durable_through(l.last_seq());
    }
    last_seq = l.last_seq();
  }
  static json apply(DurableLedger& l, const std::string& text) {
    json op = json::parse(text);
    op["at"] = "2026-01-31T10:00:00Z";
    return l.apply(op, std::nullopt);
  }
  MemoryStore store;
  int64_t last_seq = 0;
};

TEST(Snapshots, AStartReplaysOnlyTheJournalAfterTheNewestSnapshot) {
  SnapshotBook book(4);
  ASSERT_TRUE(book.store.snapshot.has_value());
  const int64_t at = book.store.snapshot->seq;
  EXPECT_EQ(at, 8);  // records 1..9: the card, three creations, two top-ups, three charges
  DurableLedger quick, full;
  full.set_full_replay(true);
  RecoveryReport q = quick.recover(book.store), f = full.recover(book.store);
  ASSERT_TRUE(q.ok) << q.to_json().dump(2);
  ASSERT_TRUE(f.ok) << f.to_json().dump(2);
  EXPECT_EQ(q.snapshot, at);
  EXPECT_EQ(q.records, book.last_seq - at);  // the journal after the snapshot, no more
  EXPECT_EQ(f.snapshot, 0);
  EXPECT_EQ(f.records, book.last_seq);
  EXPECT_EQ(quick.last_seq(), full.last_seq());
  // Retries are remembered, balances and the billing page are the same, new work goes on alike.
  for (const std::string& text :
       {Book::charge_text("ana", "c1", 8), Book::charge_text("bo", "c3", 5), Book::charge_text("ana", "c4", 6),
        std::string(R"({"op":"top_up","payer":"user:ana","credits":9,"key":"c2"})"),
        std::string(R"({"op":"usage","payer":"user:ana","limit":10})"), std::string(R"({"op":"balance","payer":"user:bo"})")})
    EXPECT_EQ(to_wire(SnapshotBook::apply(quick, text)), to_wire(SnapshotBook::apply(full, text))) << text;
}

TEST(Snapshots, ANewSnapshotIsWrittenOnlyEveryThatManyRecords) {
  SnapshotBook book(1000);
  EXPECT_FALSE(book.store.snapshot.has_value());
  SnapshotBook every(1);
  ASSERT_TRUE(every.store.snapshot.has_value());
  EXPECT_EQ(every.store.snapshot->seq, every.last_seq);
  DurableLedger l;
  RecoveryReport r = l.recover(every.store);
  ASSERT_TRUE(r.ok) << r.to_json().dump(2);
  EXPECT_EQ(r.records, 0);  // nothing after the snapshot to replay
}

TEST(Snapshots, AFullReplayRefusesASnapshotThatDiffersFromTheJournal) {
  SnapshotBook book(4);
  ASSERT_TRUE(book.store.snapshot.has_value());
  std::string& body = book.store.snapshot->body;
  // A member cap nobody set: nothing a start from it can check against the stored rows.
  const std::string caps = "\"caps\":{}";
  const size_t at = body.find(caps);
  ASSERT_NE(at, std::string::npos) << body;
  body.replace(at, caps.size(), "\"caps\":{\"ana\":50}");
  DurableLedger quick;
  EXPECT_TRUE(quick.recover(book.store).ok);
  DurableLedger full;
  full.set_full_replay(true);
  RecoveryReport f = full.recover(book.store);
  EXPECT_FALSE(f.ok);
  EXPECT_NE(f.to_json().dump().find("the snapshot at journal record 8 differs from the replay's state there"), std::string::npos)
      << f.to_json().dump(2);
}

TEST(Snapshots, AStartRefusesASnapshotItCannotRead) {
  for (std::string broken : {std::string("no header"), std::string("{\"format\":\"credits-snapshot\",\"rate_card\":\"nope\"}\n{}")}) {
    SnapshotBook book(4);
    book.store.snapshot->body = broken;
    DurableLedger l;
    RecoveryReport r = l.recover(book.store);
    EXPECT_FALSE(r.ok) << broken;
    EXPECT_NE(r.to_json().dump().find("the snapshot at journal record 8"), std::string::npos) << r.to_json().dump(2);
  }
  {
    SnapshotBook book(4);  // its clock is not the time its journal record was stamped with
    std::string& body = book.store.snapshot->body;
    const std::string now = "\"now\":1769853600000";
    const size_t at = body.find(now);
    ASSERT_NE(at, std::string::npos) << body;
    body.replace(at, now.size(), "\"now\":1769853599999");
    DurableLedger l;
    RecoveryReport r = l.recover(book.store);
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.to_json().dump().find("says the time is 2026-01-31T09:59:59.999Z; its journal record was stamped"),
              std::string::npos)
        << r.to_json().dump(2);
  }
  SnapshotBook book(4);  // a wallet changed: the stored payers say otherwise
  std::string& body = book.store.snapshot->body;
  const size_t at = body.find("\"wallet\":380");
  ASSERT_NE(at, std::string::npos) << body;
  body.replace(at, 12, "\"wallet\":390");
  DurableLedger l;
  EXPECT_FALSE(l.recover(book.store).ok);
}

// A second writer of a shared store catches up with what the first committed, reading the keys
// of each chunk of records at once (prefetch) through a cache of one record: every record is
// seen as it stood at its point in the journal (a charge new at its record, refunded later),
// and afterwards both answer alike.
TEST(HistoryInTheStore, ASecondWriterCatchesUpThroughTheCacheAsTheJournalHadIt) {
  MemoryStore shared(true);
  DurableLedger first, second;
  second.set_cache_records(1);
  ASSERT_TRUE(first.recover(shared).ok);
  ASSERT_TRUE(first.use_rate_card(card_from("tests/data/test-card.json"), std::nullopt).ok());
  auto apply = [](DurableLedger& l, const std::string& text) {
    json op = json::parse(text);
    op["at"] = "2026-01-31T10:00:00Z";
    return l.apply(op, std::nullopt);
  };
  ASSERT_TRUE(apply(first, R"({"op":"create_user","user":"ana"})").value("ok", false));
  ASSERT_TRUE(apply(first, R"({"op":"top_up","payer":"user:ana","credits":500,"key":"t1"})").value("ok", false));
  ASSERT_TRUE(shared.commit(first.take_batch()));
  first.durable_through(first.last_seq());
  ASSERT_TRUE(second.recover(shared).ok);
  // After the second started: c1 charged, c2 charged, c1 refunded, c3 charged.
  ASSERT_TRUE(apply(first, Book::charge_text("ana", "c1", 8)).value("ok", false));
  ASSERT_TRUE(apply(first, Book::charge_text("ana", "c2", 4)).value("ok", false));
  json refund = apply(first, R"({"op":"fail","charge":"c1"})");
  ASSERT_TRUE(refund.value("ok", false)) << refund.dump();
  ASSERT_TRUE(apply(first, Book::charge_text("ana", "c3", 5)).value("ok", false));
  ASSERT_TRUE(shared.commit(first.take_batch()));
  first.durable_through(first.last_seq());

  RecoveryReport caught = second.catch_up(shared, nullptr);
  ASSERT_TRUE(caught.ok) << caught.to_json().dump(2);
  EXPECT_EQ(caught.records, 4);
  EXPECT_EQ(second.last_seq(), first.last_seq());
  ASSERT_NE(second.cache(), nullptr);
  EXPECT_GE(second.cache()->counters().prefetches, 1u);
  EXPECT_LE(second.cache()->size(), 1u);
  for (const std::string& text :
       {Book::charge_text("ana", "c1", 8), Book::charge_text("ana", "c3", 5),
        std::string(R"({"op":"fail","charge":"c1"})"),
        std::string(R"({"op":"fail","charge":"c2"})"),
        std::string(R"({"op":"top_up","payer":"user:ana","credits":500,"key":"t1"})"),
        std::string(R"({"op":"usage","payer":"user:ana","limit":10})")})
    EXPECT_EQ(to_wire(apply(second, text)), to_wire(apply(first, text))) << text;
}

// A store that keeps the history keeps the balance events too: memory holds only the newest
// few of those durable, and the `events` read pages through the older ones in the store,
// exactly as a ledger that keeps them all in memory answers; so does a start from a snapshot.
TEST(HistoryInTheStore, OldBalanceEventsAreReadBackFromTheStore) {
  MemoryStore stored(true), plain;
  DurableLedger kept, whole;
  kept.set_events_kept(2);
  kept.set_snapshot_every(3);
  ASSERT_TRUE(kept.recover(stored).ok);
  ASSERT_TRUE(whole.recover(plain).ok);
  int minute = 0;
  auto both = [&](const std::string& text) {
    json op = json::parse(text);
    op["at"] = format_timestamp(*parse_timestamp("2026-01-31T10:00:00Z") + 60000 * minute++);
    json a = kept.apply(op, std::nullopt), b = whole.apply(op, std::nullopt);
    EXPECT_EQ(to_wire(a), to_wire(b)) << text;
    EXPECT_TRUE(stored.commit(kept.take_batch()));
    kept.durable_through(kept.last_seq());
    EXPECT_TRUE(plain.commit(whole.take_batch()));
    return a;
  };
  for (DurableLedger* l : {&kept, &whole}) ASSERT_TRUE(l->use_rate_card(card_from("tests/data/test-card.json"), std::nullopt).ok());
  both(R"({"op":"create_user","user":"ana"})");
  both(R"({"op":"top_up","payer":"user:ana","credits":500,"key":"t0"})");
  both(R"({"op":"set_alert","payer":"user:ana","below":450,"by":"ana"})");
  for (int i = 1; i <= 4; ++i) {  // each round: low, then recovered
    EXPECT_TRUE(both(Book::charge_text("ana", "c" + std::to_string(i), 8)).value("ok", false));
    EXPECT_TRUE(both(R"({"op":"top_up","payer":"user:ana","credits":80,"key":"t)" + std::to_string(i) + R"("})").value("ok", false));
  }
  ASSERT_EQ(kept.ledger().balance_events().last_seq(), 8);
  EXPECT_LE(kept.ledger().balance_events().log().size(), 2u) << "the older ones left memory";
  EXPECT_EQ(stored.events.size(), 8u);
  const int scans = stored.event_scans;
  for (const char* page : {R"({"op":"events","after":0,"limit":100})", R"({"op":"events","after":0,"limit":3})",
                           R"({"op":"events","after":5,"limit":2})", R"({"op":"events","after":7,"limit":10})",
                           R"({"op":"events","after":8,"limit":10})"})
    both(page);
  EXPECT_GT(stored.event_scans, scans) << "pages were read from the store";

  // The snapshot is the full replay's state at its record, whatever events were kept.
  DurableLedger verified;
  verified.set_full_replay(true);
  RecoveryReport full = verified.recover(stored);
  EXPECT_TRUE(full.ok) << full.to_json().dump(2);
  DurableLedger reopened;
  reopened.set_events_kept(2);
  RecoveryReport r = reopened.recover(stored);
  ASSERT_TRUE(r.ok) << r.to_json().dump(2);
  EXPECT_GT(r.snapshot, 0);
  EXPECT_LE(reopened.ledger().balance_events().log().size(), 2u);
  json all = json::parse(R"({"op":"events","after":0,"limit":100})");
  all["at"] = format_timestamp(*parse_timestamp("2026-01-31T10:00:00Z") + 60000 * minute);
  EXPECT_EQ(to_wire(reopened.apply(all, std::nullopt)), to_wire(whole.apply(all, std::nullopt)));
  // The next event follows on, in memory and in the store.
  json charge = json::parse(Book::charge_text("ana", "c9", 8));
  charge["at"] = all["at"];
  EXPECT_EQ(to_wire(reopened.apply(charge, std::nullopt)), to_wire(whole.apply(charge, std::nullopt)));
  CommitBatch next = reopened.take_batch();
  ASSERT_EQ(next.events.size(), 1u);
  EXPECT_EQ(next.events[0].seq, 9);
}

}  // namespace
}  // namespace credits::testing
