#include "credits/cached_records.hpp"

#include <algorithm>
#include <cassert>
#include <unordered_set>

namespace credits {

CachedRecords::CachedRecords(RecordSource& source, CardByVersion cards, size_t capacity)
    : source_(source), cards_(std::move(cards)), capacity_(capacity) {}

CachedRecords::Record CachedRecords::decode(const StoredRecord& stored) const {
  auto fail = [&](const Error& e) -> Record {
    throw RecordReadError("the stored record \"" + stored.key + "\" cannot be read: " + e.message);
  };
  switch (stored.kind) {
    case RecordKind::charge: {
      auto c = read_charge_record(stored.body, cards_);
      return c ? Record(std::move(*c)) : fail(c.error());
    }
    case RecordKind::top_up: {
      auto t = read_top_up_record(stored.body);
      return t ? Record(std::move(*t)) : fail(t.error());
    }
    case RecordKind::reservation: {
      auto r = read_reservation_record(stored.body);
      return r ? Record(std::move(*r)) : fail(r.error());
    }
  }
  return fail(Error(ErrorCode::internal, "unknown kind"));
}

CachedRecords::Slot& CachedRecords::insert(const std::string& key, Record record) {
  auto [it, fresh] = slots_.emplace(key, Slot{std::move(record), 0, false, {}});
  assert(fresh);
  (void)fresh;
  absent_.erase(key);
  Slot& slot = it->second;
  lru_.push_back(&it->first);
  slot.lru = std::prev(lru_.end());
  slot.in_lru = true;
  return slot;
}

CachedRecords::Slot* CachedRecords::find(const std::string& key) {
  if (auto it = slots_.find(key); it != slots_.end()) {
    ++counters_.hits;
    if (it->second.in_lru) lru_.splice(lru_.end(), lru_, it->second.lru);  // most recent now
    return &it->second;
  }
  if (absent_.count(key)) {
    ++counters_.misses;
    return nullptr;
  }
  std::optional<StoredRecord> stored;
  if (StoreStatus s = source_.find_record(key, seq_ - 1, stored); !s)
    throw RecordReadError("cannot read the record \"" + key + "\" from the store: " + s.error);
  if (!stored) {
    ++counters_.misses;
    return nullptr;
  }
  ++counters_.loads;
  return &insert(key, decode(*stored));
}

std::optional<RecordKind> CachedRecords::kind_of(const std::string& key) {
  const Slot* slot = find(key);
  if (!slot) return std::nullopt;
  return static_cast<RecordKind>(slot->record.index());
}

Charge* CachedRecords::find_charge(const std::string& key) {
  Slot* slot = find(key);
  return slot ? std::get_if<Charge>(&slot->record) : nullptr;
}

const TopUpRecord* CachedRecords::find_top_up(const std::string& key) {
  Slot* slot = find(key);
  return slot ? std::get_if<TopUpRecord>(&slot->record) : nullptr;
}

Reservation* CachedRecords::find_reservation(const std::string& key) {
  Slot* slot = find(key);
  return slot ? std::get_if<Reservation>(&slot->record) : nullptr;
}

// A new version of the slot's record, under the current journal record; it stays in memory
// until that record is durable. Two writes in one operation keep the last.
void CachedRecords::write(const std::string& key, Slot& slot) {
  if (replaying_) return;  // the store has it already
  StoredRecord v;
  v.kind = static_cast<RecordKind>(slot.record.index());
  v.key = key;
  v.seq = seq_;
  std::visit(
      [&](const auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, Charge>) {
          v.payer = r.payer, v.order = r.entry_seq, v.body = write_charge_record(r);
        } else if constexpr (std::is_same_v<T, Reservation>) {
          v.payer = r.payer, v.order = r.entry_seq, v.body = write_reservation_record(r);
        } else {
          v.payer = r.outcome.payer, v.body = write_top_up_record(r);
        }
      },
      slot.record);
  for (auto it = written_.rbegin(); it != written_.rend() && it->seq == seq_; ++it)
    if (it->key == key) {
      *it = std::move(v);
      return;
    }
  written_.push_back(std::move(v));
  if (slot.in_lru) {
    lru_.erase(slot.lru);
    slot.in_lru = false;
  }
  slot.pinned_until = seq_;
  pins_.emplace_back(seq_, &slots_.find(key)->first);
}

Charge& CachedRecords::add_charge(Charge charge) {
  const std::string key = charge.key;
  Slot& slot = insert(key, std::move(charge));
  write(key, slot);
  return std::get<Charge>(slot.record);
}

void CachedRecords::add_top_up(TopUpRecord top_up) {
  const std::string key = top_up.outcome.key;
  write(key, insert(key, std::move(top_up)));
}

Reservation& CachedRecords::add_reservation(Reservation reservation) {
  const std::string key = reservation.key;
  Slot& slot = insert(key, std::move(reservation));
  write(key, slot);
  return std::get<Reservation>(slot.record);
}

// The ledger changed a record it found here: the pointer it holds is the slot's.
void CachedRecords::changed(const Charge& charge) {
  auto it = slots_.find(charge.key);
  assert(it != slots_.end() && &std::get<Charge>(it->second.record) == &charge);
  write(it->first, it->second);
}

void CachedRecords::changed(const Reservation& reservation) {
  auto it = slots_.find(reservation.key);
  assert(it != slots_.end() && &std::get<Reservation>(it->second.record) == &reservation);
  write(it->first, it->second);
}

// Only events already durable leave the ledger's memory (DurableLedger::durable_through), so
// the store has every one asked for here.
void CachedRecords::older_events(int64_t after, const std::function<bool(BalanceEvent&&)>& more) {
  StoreStatus s = source_.scan_events(after, [&](StoredEvent&& stored) {
    auto e = read_event_record(stored.body);
    if (!e) throw RecordReadError("the stored balance event " + std::to_string(stored.seq) + " cannot be read: " + e.error().message);
    return more(std::move(*e));
  });
  if (!s) throw RecordReadError("cannot read the balance events from the store: " + s.error);
}

void CachedRecords::prefetch(const std::vector<std::string>& keys) {
  std::vector<std::string> wanted;
  std::unordered_set<std::string_view> asked;
  for (const std::string& key : keys)
    if (!key.empty() && !slots_.count(key) && !absent_.count(key) && asked.insert(key).second) wanted.push_back(key);
  if (wanted.empty()) return;
  if (absent_.size() > capacity_) absent_.clear();  // bounded, however long no batch is taken
  std::vector<StoredRecord> found;
  ++counters_.prefetches;
  if (StoreStatus s = source_.find_records(wanted, seq_ - 1, found); !s) return;
  std::unordered_set<std::string> returned;  // what the store has: the rest is absent
  for (StoredRecord& stored : found) {
    returned.insert(stored.key);
    if (slots_.count(stored.key) || !asked.count(stored.key)) continue;
    std::optional<Record> record;
    try {
      record.emplace(decode(stored));
    } catch (const RecordReadError&) {
      continue;  // read again by the operation that needs it, which reports it
    }
    ++counters_.loads;
    insert(stored.key, std::move(*record));
  }
  for (std::string& key : wanted)
    if (!returned.count(key)) absent_.insert(std::move(key));
}

std::vector<StoredRecord> CachedRecords::take_written() {
  absent_.clear();  // bounded by one batch's keys
  std::vector<StoredRecord> out;
  out.swap(written_);
  return out;
}

void CachedRecords::durable(int64_t seq) {
  while (!pins_.empty() && pins_.front().first <= seq) {
    auto it = slots_.find(*pins_.front().second);
    pins_.pop_front();
    assert(it != slots_.end());
    Slot& slot = it->second;
    if (slot.in_lru || slot.pinned_until > seq) continue;  // a later version is still pinned
    slot.pinned_until = 0;
    lru_.push_back(&it->first);
    slot.lru = std::prev(lru_.end());
    slot.in_lru = true;
  }
}

void CachedRecords::between_operations() {
  while (slots_.size() > capacity_ && !lru_.empty()) {
    const std::string* key = lru_.front();
    lru_.pop_front();
    slots_.erase(*key);
    ++counters_.evictions;
  }
}

// The payer's pinned charges: the versions the store may not have yet, which reads see first.
std::vector<const Charge*> CachedRecords::pinned_charges(const std::string& payer, bool newest_first) const {
  std::vector<const Charge*> out;
  std::unordered_set<const std::string*> seen;
  for (const auto& [seq, key] : pins_) {
    if (!seen.insert(key).second) continue;
    const Charge* c = std::get_if<Charge>(&slots_.at(*key).record);
    if (c && c->payer == payer) out.push_back(c);
  }
  std::sort(out.begin(), out.end(), [&](const Charge* a, const Charge* b) {
    return newest_first ? a->entry_seq > b->entry_seq : a->entry_seq < b->entry_seq;
  });
  return out;
}

// The store's charges of the payer as of the record before the current one, with the pinned
// versions merged in by their order (in place of the store's, when it has an older one).
void CachedRecords::scan(const std::string& payer, bool newest_first, const std::function<bool(const Charge&)>& more) {
  const std::vector<const Charge*> overlay = pinned_charges(payer, newest_first);
  std::unordered_set<std::string> overlaid;
  for (const Charge* c : overlay) overlaid.insert(c->key);
  size_t next = 0;
  bool stopped = false;
  auto comes_first = [&](const Charge* c, int64_t order) { return newest_first ? c->entry_seq > order : c->entry_seq < order; };
  auto pass = [&](const Charge& c) {
    stopped = !more(c);
    return !stopped;
  };
  std::string damaged;
  StoreStatus s = source_.scan_charges(payer, seq_ - 1, newest_first, [&](StoredRecord&& r) {
    if (overlaid.count(r.key)) return true;
    for (; next < overlay.size() && comes_first(overlay[next], r.order); ++next)
      if (!pass(*overlay[next])) return false;
    if (auto it = slots_.find(r.key); it != slots_.end())  // in memory, unpinned: the same version
      if (const Charge* c = std::get_if<Charge>(&it->second.record)) return pass(*c);
    auto c = read_charge_record(r.body, cards_);
    if (!c) {
      damaged = r.key + ": " + c.error().message;
      return false;
    }
    return pass(*c);
  });
  if (!s) throw RecordReadError("cannot read " + payer + "'s charges from the store: " + s.error);
  if (!damaged.empty()) throw RecordReadError("a stored charge cannot be read: " + damaged);
  while (!stopped && next < overlay.size()) pass(*overlay[next++]);
}

void CachedRecords::newest_charges(const std::string& payer, const std::function<bool(const Charge&)>& more) {
  scan(payer, true, more);
}

void CachedRecords::charges_in_order(const std::string& payer, const std::function<bool(const Charge&)>& more) {
  scan(payer, false, more);
}

}  // namespace credits
