// What the command line and the server share at the edge: reading a named file, loading a rate
// card from a file (or the embedded sample card) and reading back its document, and the
// exit-status-2 error on stderr (SPEC §9; command_error_json writes it). One copy, for
// `credits estimate|plan|ledger|billing|diff`, `credits ledger --db`, `credits journal` and
// `credits serve`.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "credits/durable_ledger.hpp"
#include "credits/error.hpp"

namespace credits::server {

// Prints {"ok": false, "error": {"code", "message", "path", ...extra}} on stderr and exits 2.
[[noreturn]] void fail_usage(const Error& error, const nlohmann::json& extra = nullptr);
[[noreturn]] void fail_usage(ErrorCode code, const std::string& message,
                             const nlohmann::json& extra = nullptr);

// Reads a whole file; nullopt when it cannot be read.
std::optional<std::string> read_file(const std::string& path);

// Loads the rate card file `path`, or `embedded_text` when `path` is empty; exits 2 when the
// file cannot be read (unreadable_file) or the card is invalid (invalid_rate_card, with every
// problem listed).
LoadedCard load_card_or_die(const std::string& path, const std::string& embedded_text);

// A loaded card's JSON document, read back from its canonical text (what a rate card diff
// compares models by).
nlohmann::json card_document(const std::string& canonical_text);

}  // namespace credits::server
