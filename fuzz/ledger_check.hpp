// What the ledger harnesses check after every operation, as tests/property_test.cpp does: the
// money invariant, no negative bucket, entries that replay to the live state, and a refused
// operation that changed nothing.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "credits/cached_records.hpp"
#include "credits/ledger.hpp"
#include "credits/memory_records.hpp"
#include "fuzz_support.hpp"

namespace credits::fuzz {

// Every payer's balances and totals, the number of entries, the size of the charge list.
inline nlohmann::json digest(const Ledger& l) {
  nlohmann::json d = nlohmann::json::object();
  for (const auto& [id, p] : l.payers())
    d[id] = {p.sub.remaining, p.sub.quota, p.sub.in_period, p.sub.period_start, p.sub.period_end, p.wallet,
             p.totals.granted, p.totals.topped_up, p.totals.spent, p.totals.refunded, p.totals.expired,
             std::string(to_string(p.sub.status))};
  d["entries"] = l.entry_count();  // a durable ledger keeps none in memory once committed
  // The history: in memory, the charge list; behind a store's cache (the durable harness), the
  // records written and not yet durable (a refused operation writes none).
  if (const auto* memory = dynamic_cast<const MemoryRecords*>(&l.records()))
    d["charges"] = memory->charges().size();
  else if (const auto* cached = dynamic_cast<const CachedRecords*>(&l.records()))
    d["records_not_durable"] = cached->pinned();
  d["events"] = l.balance_events().last_seq();  // a refused operation emits no balance event
  return d;
}

// The replay of the entries needs all of them in memory: a durable ledger hands them to the
// store with each commit (Ledger::take_entries), and its harness checks the replay at the end,
// when a fresh ledger recovers from the store (recovery replays and checks every entry).
inline void check_ledger(const Ledger& l, std::string_view line) {
  if (Status s = l.verify_invariants(); !s) fail("verify_invariants: " + s.error().message, line);
  if (static_cast<int64_t>(l.entries().size()) != l.entry_count()) return;
  if (Status s = l.verify_replay(); !s) fail("verify_replay: " + s.error().message, line);
}

// A result of apply_operation: an object with a boolean "ok", and a code when refused.
inline bool result_ok(const nlohmann::json& r, std::string_view line) {
  FUZZ_CHECK(r.is_object() && r.contains("ok") && r["ok"].is_boolean(), "a result without ok: " + r.dump(), line);
  const bool ok = r["ok"].get<bool>();
  if (!ok) FUZZ_CHECK(r.contains("error") && r["error"].contains("code"), "a refusal without a code: " + r.dump(), line);
  return ok;
}

}  // namespace credits::fuzz
