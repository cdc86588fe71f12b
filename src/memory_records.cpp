#include "credits/memory_records.hpp"

#include <cassert>

namespace credits {

const MemoryRecords::KeyUse* MemoryRecords::use(const std::string& key, RecordKind kind) const {
  auto it = keys_.find(key);
  return it != keys_.end() && it->second.kind == kind ? &it->second : nullptr;
}

std::optional<RecordKind> MemoryRecords::kind_of(const std::string& key) {
  auto it = keys_.find(key);
  if (it == keys_.end()) return std::nullopt;
  return it->second.kind;
}

Charge* MemoryRecords::find_charge(const std::string& key) {
  const KeyUse* u = use(key, RecordKind::charge);
  return u ? &charges_[u->index] : nullptr;
}

const TopUpRecord* MemoryRecords::find_top_up(const std::string& key) {
  const KeyUse* u = use(key, RecordKind::top_up);
  return u ? &top_ups_[u->index] : nullptr;
}

Reservation* MemoryRecords::find_reservation(const std::string& key) {
  const KeyUse* u = use(key, RecordKind::reservation);
  return u ? &reservations_[u->index] : nullptr;
}

Charge& MemoryRecords::add_charge(Charge charge) {
  const size_t index = charges_.size();
  const bool fresh = keys_.emplace(charge.key, KeyUse{RecordKind::charge, index}).second;
  assert(fresh);
  (void)fresh;
  by_payer_[charge.payer].push_back(index);
  return charges_.emplace_back(std::move(charge));
}

void MemoryRecords::add_top_up(TopUpRecord top_up) {
  const bool fresh = keys_.emplace(top_up.outcome.key, KeyUse{RecordKind::top_up, top_ups_.size()}).second;
  assert(fresh);
  (void)fresh;
  top_ups_.push_back(std::move(top_up));
}

Reservation& MemoryRecords::add_reservation(Reservation reservation) {
  const bool fresh = keys_.emplace(reservation.key, KeyUse{RecordKind::reservation, reservations_.size()}).second;
  assert(fresh);
  (void)fresh;
  return reservations_.emplace_back(std::move(reservation));
}

void MemoryRecords::newest_charges(const std::string& payer, const std::function<bool(const Charge&)>& more) {
  auto it = by_payer_.find(payer);
  if (it == by_payer_.end()) return;
  for (size_t i = it->second.size(); i-- > 0;)
    if (!more(charges_[it->second[i]])) return;
}

void MemoryRecords::charges_in_order(const std::string& payer, const std::function<bool(const Charge&)>& more) {
  auto it = by_payer_.find(payer);
  if (it == by_payer_.end()) return;
  for (size_t index : it->second)
    if (!more(charges_[index])) return;
}

}  // namespace credits
