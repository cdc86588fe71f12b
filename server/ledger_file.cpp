// `credits ledger --db PATH` and `credits journal --db PATH`.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <string>

#include "credits/operation.hpp"
#include "command_io.hpp"
#include "credits/wire/error_wire.hpp"
#include "credits/wire/json_text.hpp"
#include "http_server.hpp"
#include "open_ledger.hpp"

namespace credits::server {

using nlohmann::json;

namespace {

constexpr size_t kReadChunk = 1 << 20;

// Calls `fn` for each complete, non-blank line in buf[from..], without a trailing CR (as the
// in-memory CLI reads lines); returns where the unfinished last line starts.
template <typename Fn>
size_t each_complete_line(const std::string& buf, size_t from, Fn fn) {
  for (;;) {
    size_t nl = buf.find('\n', from);
    if (nl == std::string::npos) return from;
    std::string_view line(buf.data() + from, nl - from);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) fn(line);
    from = nl + 1;
  }
}

void write_all(const std::string& out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::write(1, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) std::exit(1);  // stdout is gone
    done += static_cast<size_t>(n);
  }
}

}  // namespace

int ledger_file(const std::string& rate_card_path, const std::string& embedded_card_text, const std::string& db,
                bool sync_full) {
  DurableLedger ledger;
  OpenLedger opened = open_ledger(db, sync_full, ledger, rate_card_path, embedded_card_text, std::nullopt, "credits ledger");
  std::string buf, out;
  size_t start = 0;
  bool eof = false;
  while (!eof) {
    // Read what is there (up to a chunk), apply every complete line, commit them together,
    // and only then print their results.
    if (start > 0) {
      buf.erase(0, start);
      start = 0;
    }
    const size_t old = buf.size();
    buf.resize(old + kReadChunk);
    ssize_t n;
    do n = ::read(0, buf.data() + old, kReadChunk);
    while (n < 0 && errno == EINTR);
    buf.resize(old + static_cast<size_t>(n > 0 ? n : 0));
    if (n <= 0) {
      eof = true;
      if (!buf.empty() && buf.back() != '\n') buf.push_back('\n');  // a last line without a newline
    }
    out.clear();
    // Parsed first, so that the chunk's keys are read from the store at once (one round trip
    // to PostgreSQL instead of one per key), then applied in order.
    std::vector<Result<json>> ops;
    start = each_complete_line(buf, 0, [&](std::string_view line) { ops.push_back(parse_json_limited(line)); });
    std::vector<const json*> parsed;
    for (const Result<json>& op : ops)
      if (op) parsed.push_back(&*op);
    ledger.prefetch(parsed);
    for (Result<json>& op : ops) {
      json r;
      try {
        r = op ? ledger.apply(std::move(*op), std::nullopt) : failed_operation_json(nullptr, op.error());
      } catch (const RecordReadError& e) {
        // The history could not be read: nothing of this batch is committed or printed.
        fail_usage(ErrorCode::storage_failed, e.what());
      }
      out += to_wire(r);
      out += '\n';
    }
    if (ledger.has_pending()) {
      StoreStatus s = opened.store->commit(ledger.take_batch());
      if (!s) fail_usage(ErrorCode::storage_failed, "a commit failed; the results of this batch were not printed: " + s.error);
      ledger.durable_through(ledger.last_seq());
    }
    write_all(out);
  }
  return 0;
}

namespace {

// The read-only commands need a ledger that exists: a missing SQLite file is not created.
void require_existing_ledger(const std::string& db) {
  struct stat st;
  if (!is_postgres_url(db) && ::stat(db.c_str(), &st) != 0)
    fail_usage(ErrorCode::unreadable_file, "no ledger database \"" + db + "\"");
}

}  // namespace

int verify_ledger(const std::string& db) {
  require_existing_ledger(db);
  auto store = open_store_or_die(db, false, StoreUse::reader, "credits verify", nullptr);
  DurableLedger ledger;
  ledger.set_full_replay(true);  // the whole journal, and the newest snapshot checked against it
  const bool terminal = ::isatty(STDERR_FILENO);
  if (terminal)
    ledger.on_progress([](int64_t n) { std::cerr << "\rverify: " << n << " journal records replayed" << std::flush; }, 50000);
  const RecoveryReport report = ledger.recover(*store);
  if (terminal) std::cerr << "\r\033[K" << std::flush;
  write_all(to_wire(report.to_json()) + "\n");
  if (!report.ok)
    fail_usage(ErrorCode::ledger_mismatch, std::to_string(report.problems.size()) +
                                               " difference(s) between the journal's replay and the stored ledger " +
                                               printable_db(db) + "; the report is on stdout");
  return 0;
}

int journal_dump(const std::string& db) {
  require_existing_ledger(db);
  // A reader: on PostgreSQL it reads one snapshot, beside a running server.
  auto store = open_store_or_die(db, false, StoreUse::reader, "credits journal", nullptr);
  std::string out;
  StoreStatus s = store->scan_journal([&](JournalRecord&& r) {
    if (r.kind == JournalKind::rate_card)
      out += to_wire(json{{"op", "rate_card"}, {"at", format_timestamp(r.at)}, {"version", r.body}});
    else
      out += r.body;
    out += '\n';
    if (out.size() > (1 << 20)) {
      write_all(out);
      out.clear();
    }
    return true;
  });
  write_all(out);
  if (!s) fail_usage(ErrorCode::unreadable_file, s.error);
  return 0;
}

}  // namespace credits::server
