#include "credits/durable_ledger.hpp"

#include <algorithm>
#include <cassert>
#include <functional>
#include <utility>

#include "credits/operation.hpp"
#include "credits/ledger_state.hpp"
#include "credits/payer_id.hpp"
#include "credits/wire/error_wire.hpp"
#include "credits/wire/json_text.hpp"
#include "credits/wire/ledger_state_wire.hpp"

namespace credits {

using nlohmann::json;

namespace {

constexpr size_t kMaxProblems = 50;

PayerState state_of(const Payer& p, int64_t seq) {
  PayerState s;
  s.payer = p.id.text();
  s.status = std::string(to_string(p.sub.status));
  s.quota = p.sub.quota;
  s.remaining = p.sub.remaining;
  s.in_period = p.sub.in_period;
  s.period_start = p.sub.period_start;
  s.period_end = p.sub.period_end;
  s.wallet = p.wallet;
  s.held = p.held;
  s.totals = p.totals;
  s.seq = seq;
  return s;
}

bool same_subscription(const Subscription& a, const Subscription& b) {
  return a.status == b.status && a.quota == b.quota && a.remaining == b.remaining && a.anchor == b.anchor &&
         a.period_index == b.period_index && a.period_start == b.period_start && a.period_end == b.period_end &&
         a.in_period == b.in_period;
}

std::string describe(const PayerState& s) {
  return "status " + s.status + ", quota " + std::to_string(s.quota) + ", remaining " + std::to_string(s.remaining) +
         ", wallet " + std::to_string(s.wallet) + ", held " + std::to_string(s.held) + ", granted " + std::to_string(s.totals.granted) + ", topped_up " +
         std::to_string(s.totals.topped_up) + ", spent " + std::to_string(s.totals.spent) + ", refunded " +
         std::to_string(s.totals.refunded) + ", expired " + std::to_string(s.totals.expired) +
         (s.in_period ? ", period " + format_timestamp(s.period_start) + " to " + format_timestamp(s.period_end)
                      : ", no period");
}

std::string describe(const Entry& e) {
  return "#" + std::to_string(e.seq) + " " + format_timestamp(e.at) + " " + e.payer + " " +
         std::string(to_string(e.kind)) + " subscription " + std::to_string(e.subscription) + " wallet " +
         std::to_string(e.wallet) + (e.held ? " held " + std::to_string(e.held) : "") + (e.ref.empty() ? "" : " ref " + e.ref);
}

bool same_entry(const Entry& a, const Entry& b) {
  return a.seq == b.seq && a.at == b.at && a.payer == b.payer && a.kind == b.kind &&
         a.subscription == b.subscription && a.wallet == b.wallet && a.held == b.held && a.ref == b.ref;
}

json refused(const json& op, ErrorCode code, std::string message, std::string path) {
  json name = op.is_object() && op.contains("op") && op["op"].is_string() ? op["op"] : json(nullptr);
  return failed_operation_json(name, Error(code, std::move(message), std::move(path)));
}

// `events` names no payer: with a viewer it answers only the events of the payers that viewer
// may view (AccessIndex::can_view), the page filled from those; last_seq stays the newest
// seq overall, so a poller knows where the log stands. An unknown viewer is `unknown_user`.
json viewer_events(const Ledger& ledger, const AccessIndex& access, const json& op, const std::string& viewer) {
  if (!access.has_user(viewer)) return refused(op, ErrorCode::unknown_user, "no user \"" + viewer + "\"", "/user");
  auto parsed = parse_operation(op);
  if (!parsed) return failed_operation_json(given_op_name(op), parsed.error());
  const auto& e = std::get<ops::Events>(*parsed);
  const std::function<bool(const std::string&)> visible = [&](const std::string& payer) {
    return access.can_view(viewer, payer).ok();
  };
  auto page = ledger.events_after(e.at, e.after, e.limit, &visible);
  if (!page) return failed_operation_json("events", page.error());
  return operation_result_json(*parsed, OperationOutcome(std::move(*page)));
}

}  // namespace

json RecoveryReport::to_json() const {
  return json{{"ok", ok},
              {"records", records},
              {"operations", operations},
              {"entries", entries},
              {"payers", payers},
              {"snapshot", snapshot},
              {"rate_card", rate_card},
              {"problems", problems}};
}

Result<LoadedCard> load_card_text(std::string_view text, RateCardErrors* all_errors) {
  auto card = load_rate_card(text, all_errors);
  if (!card) return card.error();
  auto doc = parse_json_limited(text, kMaxDocumentBytes, "the rate card is not valid JSON");
  if (!doc) return doc.error();
  return LoadedCard{std::make_shared<const RateCard>(std::move(*card)), doc->dump()};
}

void DurableLedger::journal(JournalKind kind, Timestamp at, std::string body) {
  pending_.records.push_back(JournalRecord{++seq_, at, kind, std::move(body)});
}

// The store's records behind a cache when it keeps them; null: the ledger keeps them in memory.
std::unique_ptr<LedgerRecords> DurableLedger::make_records() {
  if (!source_) return nullptr;
  CardByVersion cards = [this](const std::string& version) -> std::shared_ptr<const RateCard> {
    auto it = cards_.find(version);
    return it == cards_.end() ? nullptr : it->second.card;
  };
  auto cache = std::make_unique<CachedRecords>(*source_, std::move(cards), cache_capacity_);
  cache->set_replaying(replaying_);
  cache->set_seq(seq_ + 1);
  cache_ = cache.get();
  return cache;
}

void DurableLedger::make_ledger() { ledger_ = std::make_unique<Ledger>(card_.card, make_records()); }

void DurableLedger::prefetch(const std::vector<const json*>& ops) {
  if (!cache_) return;
  std::vector<std::string> keys;
  for (const json* op : ops)
    if (op->is_object())
      if (auto it = op->find("key"); it != op->end() && it->is_string()) keys.push_back(it->get<std::string>());
  cache_->prefetch(keys);
}

namespace {

// The idempotency key a journal record's operation carries, found in its text without parsing
// it: a prefetch hint only (a wrong guess costs one more lookup of a key nobody uses).
std::string journaled_key(const std::string& body) {
  static constexpr std::string_view kKey = "\"key\":\"";
  const size_t at = body.find(kKey);
  if (at == std::string::npos) return "";
  const size_t from = at + kKey.size(), to = body.find('"', from);
  if (to == std::string::npos || body.find('\\', from) < to) return "";
  return body.substr(from, to - from);
}

}  // namespace

void DurableLedger::set_replaying(bool replaying) {
  replaying_ = replaying;
  if (cache_) cache_->set_replaying(replaying);
}

void DurableLedger::start_operation(int64_t seq) {
  if (!cache_) return;
  cache_->between_operations();  // no record the last operation handed out is used any more
  cache_->set_seq(seq);
}

// Between operations, reads (a CSV, a rendered page) see everything journaled so far.
void DurableLedger::end_operation() {
  if (cache_) cache_->set_seq(seq_ + 1);
}

void DurableLedger::touch(const std::string& payer) {
  if (ledger_->payers().count(payer)) dirty_[payer] = seq_;
}

Result<CardSwap> DurableLedger::use_rate_card(const LoadedCard& card, std::optional<Timestamp> now) {
  const std::string& version = card.card->version;
  CardSwap swap{card_.card ? card_.card->version : std::string(), version, false};
  auto known = cards_.find(version);
  if (known != cards_.end() && known->second.text != card.text)
    return Error(ErrorCode::invalid_rate_card,
                 "rate card version " + version +
                     " was already in force with different content; give the new card a new version",
                 "/version");
  if (card_.card && card_.card->version == version) return swap;  // already in force
  const LoadedCard& in_force = known != cards_.end() ? known->second : card;
  if (known == cards_.end()) {
    cards_.emplace(version, card);
    pending_.cards.push_back(StoredCard{version, card.text});
  }
  card_ = in_force;
  Timestamp at = ledger_ ? ledger_->now() : 0;
  if (now) at = std::max(at, *now);
  if (!ledger_) make_ledger();
  else ledger_->set_rate_card(card_.card);
  journal(JournalKind::rate_card, at, version);
  swap.changed = true;
  return swap;
}

json DurableLedger::apply(json op, std::optional<Timestamp> server_now, const std::string* viewer) {
  json r = apply_one(std::move(op), server_now, viewer);
  end_operation();
  return r;
}

json DurableLedger::apply_one(json op, std::optional<Timestamp> server_now, const std::string* viewer) {
  if (!ledger_) return refused(op, ErrorCode::invalid_op, "no rate card is in force", "");
  if (server_now && op.is_object()) op["at"] = format_timestamp(std::max(*server_now, ledger_->now()));
  // A read is checked against the viewer before the operation's own validation: who may not
  // see a payer learns nothing about it, not even that the request naming it is malformed.
  const std::optional<OpKind> kind = operation_kind(op);
  const bool read = kind && is_read(*kind);
  std::string read_payer;
  if (read)
    if (auto it = op.find("payer"); it != op.end() && it->is_string()) read_payer = it->get<std::string>();
  if (viewer && read && !read_payer.empty()) {
    Status s = access_.can_view(*viewer, read_payer);
    if (!s) return refused(op, s.error().code, s.error().message, s.error().path);
  }
  if (viewer && kind == OpKind::events) return viewer_events(*ledger_, access_, op, *viewer);  // a pure read
  start_operation(seq_ + 1);  // the journal record it becomes, if it is kept

  // The journal's text of the operation, made before it is applied: an operation that could
  // not be written down (a string that is not UTF-8, from a URL) is refused, not half kept.
  std::string text;
  try {
    text = op.dump();
  } catch (const std::exception&) {
    return refused(op, ErrorCode::invalid_json, "the operation holds text that is not valid UTF-8", "");
  }
  auto parsed = parse_operation(op);
  if (!parsed) return failed_operation_json(given_op_name(op), parsed.error());
  const size_t entries_before = ledger_->entries().size();
  const int64_t events_before = ledger_->balance_events().last_seq();
  const Timestamp now_before = ledger_->now();
  std::optional<Subscription> sub_before;
  if (read)
    if (auto p = ledger_->payers().find(read_payer); p != ledger_->payers().end()) sub_before = p->second.sub;

  // A created user's payer is stored even though no entry touches it yet.
  std::string created_user;
  if (const auto* c = std::get_if<ops::CreateUser>(&*parsed)) created_user = c->user;
  // Only a charge's node moves out of the operation: its memberships stay for observe().
  json r = apply_parsed_operation(*ledger_, std::move(*parsed));
  if (!r.value("ok", false)) return r;  // a refused operation changes nothing
  if (r.value("replayed", false)) return r;  // an idempotent retry changes nothing either

  const size_t entries_after = ledger_->entries().size();
  // A read that emitted a balance event is journaled too, so a replay gives the same events.
  if (read && ledger_->balance_events().last_seq() == events_before &&
      !read_changed_state(read_payer, sub_before, entries_before, !server_now && ledger_->now() != now_before))
    return r;

  journal(JournalKind::operation, ledger_->now(), std::move(text));
  access_.observe(*parsed);
  for (size_t i = entries_before; i < entries_after; ++i) touch(ledger_->entries()[i].payer);
  if (auto p = r.find("payer"); p != r.end() && p->is_string()) touch(p->get<std::string>());
  if (!created_user.empty()) touch(payer_text(PayerKind::user, created_user));
  return r;
}

// A read changes state only when time passing materialised a reset (entries, or the
// subscription moved), or, with client time, when it moved the clock forward.
bool DurableLedger::read_changed_state(const std::string& payer, const std::optional<Subscription>& sub_before,
                                       size_t entries_before, bool clock_moved) const {
  if (ledger_->entries().size() != entries_before || clock_moved) return true;
  if (!sub_before) return false;
  auto p = ledger_->payers().find(payer);
  return p == ledger_->payers().end() || !same_subscription(*sub_before, p->second.sub);
}

CommitBatch DurableLedger::take_batch() {
  CommitBatch batch = std::move(pending_);
  pending_ = CommitBatch{};
  if (ledger_) {
    batch.entries = ledger_->take_entries();  // in the store from now on, not in memory
    batch.payers.reserve(dirty_.size());
    for (const auto& [id, seq] : dirty_) batch.payers.push_back(state_of(ledger_->payers().at(id), seq));
  }
  if (cache_) {
    batch.history = cache_->take_written();  // pinned in memory until durable_through()
    cache_->between_operations();
  }
  if (source_ && ledger_) take_events(batch);
  batch.backfilled = std::exchange(backfill_pending_, false);
  // Now and then the state itself, so a start replays at most this many records.
  if (source_ && ledger_ && seq_ - snapshot_seq_ >= snapshot_every_) {
    batch.snapshot = StoredSnapshot{seq_, ledger_->entry_count(), snapshot_text()};
    snapshot_seq_ = seq_;
  }
  dirty_.clear();
  return batch;
}

// The balance events emitted since the last batch, for the store; memory lets them go once
// that batch is durable (durable_through).
void DurableLedger::take_events(CommitBatch& batch) {
  const BalanceEvents& events = ledger_->balance_events();
  const int64_t last = events.last_seq();
  if (last == events_stored_) return;
  const auto& log = events.log();
  auto from = log.end();
  while (from != log.begin() && std::prev(from)->seq > events_stored_) --from;
  for (auto it = from; it != log.end(); ++it) batch.events.push_back(StoredEvent{it->seq, it->payer, write_event_record(*it)});
  events_stored_ = last;
  events_batched_.emplace_back(seq_, last);
}

// Every event so far is in the store (a start or a catch-up replayed what it holds).
void DurableLedger::events_all_stored() {
  events_batched_.clear();
  if (!source_ || !ledger_) return;
  events_stored_ = ledger_->balance_events().last_seq();
  ledger_->forget_events_through(events_stored_, events_kept_);
}

void DurableLedger::durable_through(int64_t seq) {
  if (!cache_) return;
  cache_->durable(seq);
  cache_->between_operations();  // back to its capacity
  int64_t events = 0;
  while (!events_batched_.empty() && events_batched_.front().first <= seq) {
    events = events_batched_.front().second;
    events_batched_.pop_front();
  }
  if (events > 0 && ledger_) ledger_->forget_events_through(events, events_kept_);
}

// The problems a recovery finds: the first kMaxProblems in full, then a count of the rest.
class DurableLedger::Problems {
 public:
  explicit Problems(RecoveryReport& report) : report_(report) {}
  void add(std::string p) {
    report_.ok = false;
    if (report_.problems.size() < kMaxProblems) report_.problems.push_back(std::move(p));
    else ++more_;
  }
  bool room() const { return report_.problems.size() < kMaxProblems; }  // worth reading on
  RecoveryReport& finish(const LoadedCard& in_force) {
    if (more_) report_.problems.push_back("... and " + std::to_string(more_) + " more");
    if (in_force.card) report_.rate_card = in_force.card->version;
    return report_;
  }

 private:
  RecoveryReport& report_;
  size_t more_ = 0;
};

RecoveryReport DurableLedger::recover(LedgerStore& store) {
  RecoveryReport report;
  Problems problems(report);
  // One snapshot for every read: another writer of a shared store may commit meanwhile.
  if (StoreStatus s = store.begin_read(); !s) {
    problems.add("cannot read the ledger: " + s.error);
    return problems.finish(card_);
  }
  source_ = store.records();
  // A store that keeps the history has every record the replay makes, unless it was upgraded
  // from a schema without them: then the replay's records are its first commit.
  const bool backfill = source_ && store.needs_backfill();
  set_replaying(source_ && !backfill);
  std::optional<StoredSnapshot> snapshot;
  if (source_ && !backfill)
    if (StoreStatus s = store.load_snapshot(snapshot); !s) problems.add("cannot read the snapshot: " + s.error);
  const bool from_snapshot = snapshot && !full_replay_;
  if (snapshot && full_replay_) snapshot_to_check_ = snapshot;
  if (report.ok && recover_cards(store, problems) && (!from_snapshot || start_from(store, *snapshot, problems)) &&
      replay_journal(store, from_snapshot ? snapshot->seq : 0, report, problems)) {
    check_entries(store, from_snapshot ? snapshot->entries : 0, report, problems);
    check_payers(store, report, problems);
    if (snapshot_to_check_ && report.ok)
      problems.add("the snapshot at journal record " + std::to_string(snapshot_to_check_->seq) + " is past the journal");
    if (ledger_) {
      // From a snapshot only the entries after it are in memory: the store's were checked.
      if (!from_snapshot)
        if (Status s = ledger_->verify_replay(); !s) problems.add(s.error().message);
      if (Status s = ledger_->verify_invariants(); !s) problems.add(s.error().message);
      // Checked against the store: from now on the store holds them, not memory.
      (void)ledger_->take_entries();
    }
  }
  store.end_read();
  set_replaying(false);
  if (cache_) cache_->between_operations();  // what the last record read leaves for its capacity
  end_operation();
  snapshot_to_check_.reset();
  snapshot_seq_ = snapshot ? snapshot->seq : 0;
  // A backfill writes every event the replay emitted with its first batch; otherwise the store
  // has them all.
  if (backfill) {
    events_stored_ = 0;
    events_batched_.clear();
  } else {
    events_all_stored();
  }
  report.snapshot = from_snapshot ? snapshot->seq : 0;
  backfill_pending_ = backfill && report.ok;
  return problems.finish(card_);
}

// The snapshot's text: a header line (the card in force), then the ledger's state.
// Without the balance events: they are in the store, and the ones a ledger still holds depend
// on what was durable when (and on set_events_kept), so a full replay could not reproduce the
// text; its `last_seq` carries on. (The durable fuzzer found it.)
std::string DurableLedger::snapshot_text() const {
  LedgerState state = ledger_->state();
  state.balance_events.log.clear();
  return to_wire(json{{"format", "credits-snapshot"}, {"rate_card", card_.card->version}}) + "\n" +
         write_ledger_state(state);
}

// The state as the snapshot has it, checked as it is read (Ledger::from_state): the journal
// after it is then replayed and checked against the stored entries and balances, as ever.
bool DurableLedger::start_from(LedgerStore& store, const StoredSnapshot& snapshot, Problems& problems) {
  const std::string where = "the snapshot at journal record " + std::to_string(snapshot.seq);
  const size_t line = snapshot.body.find('\n');
  auto header = parse_json_limited(std::string_view(snapshot.body).substr(0, line));
  const json* version = header && header->is_object() ? &(*header)["rate_card"] : nullptr;
  auto card = version && version->is_string() ? cards_.find(version->get<std::string>()) : cards_.end();
  if (line == std::string::npos || card == cards_.end()) {
    problems.add(where + " has no header naming a stored rate card");
    return false;
  }
  auto state = read_ledger_state(std::string_view(snapshot.body).substr(line + 1));
  if (!state) {
    problems.add(where + " cannot be read: " + state.error().message + " at " + state.error().path);
    return false;
  }
  if (state->entry_count != snapshot.entries) {
    problems.add(where + " counts " + std::to_string(state->entry_count) + " entries; it is stored with " +
                 std::to_string(snapshot.entries));
    return false;
  }
  // Its clock is the time its journal record was stamped with (a replay ends each operation
  // there): one indexed read ties the snapshot to the journal it claims to stand at.
  std::optional<JournalRecord> at_record;
  StoreStatus read = store.scan_journal_after(snapshot.seq - 1, [&](JournalRecord&& rec) {
    at_record = std::move(rec);
    return false;
  });
  if (!read || !at_record || at_record->seq != snapshot.seq) {
    problems.add(where + " names a journal record the store does not have" + (read ? "" : ": " + read.error));
    return false;
  }
  if (at_record->kind != JournalKind::rate_card && at_record->at != state->now) {
    problems.add(where + " says the time is " + format_timestamp(state->now) + "; its journal record was stamped " +
                 format_timestamp(at_record->at));
    return false;
  }
  card_ = card->second;
  seq_ = snapshot.seq;
  AccessIndex access = AccessIndex::from_state(*state);
  auto ledger = Ledger::from_state(card_.card, make_records(), std::move(*state));
  if (!ledger) {
    cache_ = nullptr;
    problems.add(where + " is refused: " + ledger.error().message);
    return false;
  }
  ledger_ = std::move(*ledger);
  access_ = std::move(access);
  return true;
}

// A full replay passing the newest snapshot's record: the snapshot must be what it had then.
void DurableLedger::check_snapshot(const JournalRecord& rec, Problems& problems) {
  if (!snapshot_to_check_ || rec.seq != snapshot_to_check_->seq) return;
  if (!ledger_ || snapshot_text() != snapshot_to_check_->body)
    problems.add("the snapshot at journal record " + std::to_string(rec.seq) + " differs from the replay's state there");
  snapshot_to_check_.reset();
}

RecoveryReport DurableLedger::rebuild(LedgerStore& store) {
  ledger_.reset();
  cache_ = nullptr;
  access_ = AccessIndex();
  card_ = LoadedCard();
  cards_.clear();
  seq_ = 0;
  pending_ = CommitBatch();
  dirty_.clear();
  return recover(store);
}

constexpr size_t kCatchUpChunk = 500;

RecoveryReport DurableLedger::catch_up(LedgerStore& store, const StoreHead* head) {
  assert(!has_pending() && dirty_.empty());
  assert(!ledger_ || ledger_->entries().empty());
  RecoveryReport report;
  Problems problems(report);
  // What the others wrote is in the store already, their records too.
  set_replaying(true);
  // In chunks: the chunk's keys are read from the store at once, then its records replayed.
  std::vector<JournalRecord> chunk;
  bool go_on = true;
  auto replay_chunk = [&] {
    if (cache_) {
      std::vector<std::string> keys;
      for (const JournalRecord& rec : chunk)
        if (rec.kind != JournalKind::rate_card) keys.push_back(journaled_key(rec.body));
      cache_->prefetch(keys);
    }
    for (JournalRecord& rec : chunk)
      if (go_on && !catch_up_record(store, std::move(rec), report, problems)) go_on = false;
    chunk.clear();
    return go_on;
  };
  StoreStatus scanned = store.scan_journal_after(seq_, [&](JournalRecord&& rec) {
    chunk.push_back(std::move(rec));
    return chunk.size() < kCatchUpChunk || replay_chunk();
  });
  if (!chunk.empty()) replay_chunk();
  set_replaying(false);
  if (cache_) cache_->between_operations();  // what the last record read leaves for its capacity
  end_operation();
  if (!scanned) problems.add("cannot read the journal: " + scanned.error);
  // What the records replayed appended is stored already: their writer committed it.
  if (ledger_) (void)ledger_->take_entries();
  events_all_stored();
  const int64_t entries = ledger_ ? ledger_->entry_count() : 0;
  if (head && report.ok && (seq_ != head->seq || entries != head->entries))
    problems.add("after catching up the ledger stands at journal record " + std::to_string(seq_) +
                 " with " + std::to_string(entries) +
                 " entries; the store's head says " + std::to_string(head->seq) + " with " +
                 std::to_string(head->entries));
  report.entries = entries;
  return problems.finish(card_);
}

bool DurableLedger::catch_up_record(LedgerStore& store, JournalRecord&& rec, RecoveryReport& report,
                                    Problems& problems) {
  ++report.records;
  if (rec.seq != seq_ + 1) {
    problems.add("journal record " + std::to_string(rec.seq) + " follows " + std::to_string(seq_) +
                 " while catching up: records are missing");
    return false;
  }
  seq_ = rec.seq;
  if (rec.kind == JournalKind::rate_card) {
    // A card another writer put in force for the first time is stored beside its record.
    if (!cards_.count(rec.body) && !recover_cards(store, problems)) return false;
    return replay_card(rec, problems) && report.ok;
  }
  ++report.operations;
  if (!ledger_) {
    problems.add("journal record " + std::to_string(rec.seq) + " comes before any rate card");
    return false;
  }
  replay_operation(rec, problems);
  return report.ok;
}

// Every stored rate card, loaded again and checked to be the version it is stored as.
bool DurableLedger::recover_cards(LedgerStore& store, Problems& problems) {
  std::vector<StoredCard> cards;
  if (StoreStatus s = store.load_cards(cards); !s) {
    problems.add("cannot read the rate cards: " + s.error);
    return false;
  }
  bool ok = true;
  for (const StoredCard& c : cards) {
    auto loaded = load_card_text(c.text);
    if (!loaded) {
      problems.add("stored rate card " + c.version + " no longer loads: " + loaded.error().message + " at " +
                   loaded.error().path);
      ok = false;
      continue;
    }
    if (loaded->card->version != c.version) {
      problems.add("stored rate card " + c.version + " says it is version " + loaded->card->version);
      ok = false;
    }
    cards_.emplace(c.version, std::move(*loaded));
  }
  return ok;
}

// The journal, replayed in order into a fresh ledger. False when it could not be replayed.
// The journal after record `after` (0: all of it), replayed in order. False when it could not be.
bool DurableLedger::replay_journal(LedgerStore& store, int64_t after, RecoveryReport& report, Problems& problems) {
  auto replay = [&](JournalRecord&& rec) {
    ++report.records;
    if (progress_ && report.records % progress_every_ == 0) progress_(report.records);
    if (rec.seq != seq_ + 1)
      problems.add("journal record " + std::to_string(rec.seq) + " follows " + std::to_string(seq_) + ": records are missing");
    seq_ = rec.seq;
    bool go_on = true;
    if (rec.kind == JournalKind::rate_card) {
      go_on = replay_card(rec, problems);
    } else if (!ledger_) {
      problems.add("journal record " + std::to_string(rec.seq) + " comes before any rate card");
      return false;
    } else {
      ++report.operations;
      replay_operation(rec, problems);
      go_on = problems.room();
    }
    check_snapshot(rec, problems);
    return go_on;
  };
  StoreStatus scanned = after > 0 ? store.scan_journal_after(after, replay) : store.scan_journal(replay);
  if (!scanned) problems.add("cannot read the journal: " + scanned.error);
  return report.ok;
}

bool DurableLedger::replay_card(const JournalRecord& rec, Problems& problems) {
  auto c = cards_.find(rec.body);
  if (c == cards_.end()) {
    problems.add("journal record " + std::to_string(rec.seq) + " puts rate card " + rec.body + " in force, which is not stored");
    return problems.room();
  }
  card_ = c->second;
  if (!ledger_) make_ledger();
  else ledger_->set_rate_card(card_.card);
  return true;
}

void DurableLedger::replay_operation(const JournalRecord& rec, Problems& problems) {
  start_operation(rec.seq);
  auto doc = parse_json_limited(rec.body, kMaxDocumentBytes);
  if (!doc) {
    problems.add("journal record " + std::to_string(rec.seq) + " is not valid JSON");
    return;
  }
  auto parsed = parse_operation(*doc);
  json r;
  try {
    r = parsed ? apply_parsed_operation(*ledger_, std::move(*parsed)) : failed_operation_json(given_op_name(*doc), parsed.error());
  } catch (const RecordReadError& e) {
    problems.add("journal record " + std::to_string(rec.seq) + " cannot be replayed: " + e.what());
    return;
  }
  if (!r.value("ok", false)) {
    problems.add("journal record " + std::to_string(rec.seq) + " (" + rec.body.substr(0, 200) +
                 ") was accepted but its replay is refused: " + to_wire(r["error"]));
    return;
  }
  access_.observe(*parsed);
  if (ledger_->now() != rec.at)
    problems.add("journal record " + std::to_string(rec.seq) + " is stamped " + format_timestamp(rec.at) +
                 " but its operation says " + format_timestamp(ledger_->now()));
}

// The stored entries against the replayed ones.
void DurableLedger::check_entries(LedgerStore& store, int64_t after, RecoveryReport& report, Problems& problems) {
  static const std::vector<Entry> kNoEntries;
  // The replay's entries in memory: those numbered after `after` (a snapshot's count).
  const std::vector<Entry>& live = ledger_ ? ledger_->entries() : kNoEntries;
  const int64_t replayed = static_cast<int64_t>(live.size());
  auto replay_of = [&](int64_t seq) -> const Entry& { return live[static_cast<size_t>(seq - after - 1)]; };
  int64_t expected = after + 1;  // entries are numbered 1, 2, 3... as the ledger appends them
  int64_t stored_entries = 0;
  auto check = [&](Entry&& e) {
    ++stored_entries;
    if (e.seq > expected)
      problems.add("entries #" + std::to_string(expected) + (e.seq - 1 > expected ? " to #" + std::to_string(e.seq - 1) : "") +
                   " are missing from the store");
    expected = e.seq + 1;
    if (e.seq <= after || e.seq > after + replayed)
      problems.add("stored entry " + describe(e) + " has no counterpart in the replay");
    else if (!same_entry(e, replay_of(e.seq)))
      problems.add("stored entry " + describe(e) + " differs from the replay: " + describe(replay_of(e.seq)));
    return problems.room();
  };
  StoreStatus scanned = after > 0 ? store.scan_entries_after(after, check) : store.scan_entries(check);
  if (!scanned) problems.add("cannot read the entries: " + scanned.error);
  report.entries = stored_entries;
  if (report.ok && expected - 1 < after + replayed)
    problems.add(std::to_string(after + replayed - (expected - 1)) + " replayed entries are not stored, the first " +
                 describe(replay_of(expected)));
}

// The stored balances against the replayed ones.
void DurableLedger::check_payers(LedgerStore& store, RecoveryReport& report, Problems& problems) {
  std::vector<PayerState> stored;
  if (StoreStatus s = store.load_payers(stored); !s) problems.add("cannot read the payers: " + s.error);
  report.payers = static_cast<int64_t>(stored.size());
  std::map<std::string, bool> seen;
  for (const PayerState& s : stored) {
    seen[s.payer] = true;
    auto p = ledger_ ? ledger_->payers().find(s.payer) : std::map<std::string, Payer>::const_iterator{};
    if (!ledger_ || p == ledger_->payers().end()) {
      problems.add("stored payer " + s.payer + " does not exist in the replay");
      continue;
    }
    PayerState replayed = state_of(p->second, s.seq);
    if (!s.same_balances(replayed)) problems.add(s.payer + ": stored " + describe(s) + "; replay " + describe(replayed));
  }
  if (ledger_)
    for (const auto& [id, p] : ledger_->payers())
      if (!seen.count(id)) problems.add("payer " + id + " exists in the replay but its balances are not stored");
}

}  // namespace credits
