#include "open_ledger.hpp"

#include <chrono>

#include "command_io.hpp"
#include "credits/wire/error_wire.hpp"
#include "credits/wire/json_text.hpp"

namespace credits::server {

using nlohmann::json;

OpenLedger open_ledger(const std::string& db, bool sync_full, DurableLedger& ledger, const std::string& card_path,
                       const std::string& embedded_text, std::optional<Timestamp> now) {
  OpenLedger out;
  std::string error;
  out.store = SqliteStore::open(db, sync_full ? SyncMode::full : SyncMode::normal, error);
  if (!out.store) fail_usage(ErrorCode::unreadable_file, error);
  const auto t0 = std::chrono::steady_clock::now();
  out.report = ledger.recover(*out.store);
  out.replay_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!out.report.ok)
    fail_usage(ErrorCode::ledger_mismatch,
               "the ledger " + db + " does not match its own journal; refusing to start. " +
                   std::to_string(out.report.problems.size()) + " problem(s), the first: " +
                   (out.report.problems.empty() ? std::string("?") : out.report.problems.front()),
               json{{"report", out.report.to_json()}});
  if (!card_path.empty() || !ledger.ready()) {
    LoadedCard card = load_card_or_die(card_path, embedded_text);
    auto swap = ledger.use_rate_card(card, now);
    if (!swap) fail_usage(ErrorCode::invalid_rate_card, swap.error().message + " (" + (card_path.empty() ? "embedded" : card_path) + ")");
  }
  if (ledger.has_pending()) {
    StoreStatus s = out.store->commit(ledger.take_batch());
    if (!s) fail_usage(ErrorCode::storage_failed, s.error);
  }
  return out;
}

}  // namespace credits::server
