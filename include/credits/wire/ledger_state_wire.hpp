// The text form of a ledger's snapshot (ledger_state.hpp): one JSON document, written and read
// here only (the wire is the only code that knows JSON shapes). Every number is an integer,
// written and read exactly (never through a double): credits, totals, and instants as
// milliseconds since the epoch. A "version" field says which form this is; a reader refuses
// any other, and any field it does not know, so a newer snapshot is never half-read.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "credits/error.hpp"
#include "credits/ledger_state.hpp"

namespace credits {

inline constexpr std::string_view kLedgerStateFormat = "credits-ledger-state";
inline constexpr int64_t kLedgerStateVersion = 1;
// A snapshot scales with accounts: a few hundred bytes per user (more with a workspace, plus the
// event log), so tens of MB for a hundred thousand accounts. This is far above that but still
// bounds what a corrupt or hostile file can make the reader hold (the parsed tree is several
// times the text).
inline constexpr size_t kMaxLedgerStateBytes = size_t{256} << 20;

std::string write_ledger_state(const LedgerState& state);

// `invalid_json` with the JSON Pointer of the offending value for text that is not a snapshot
// of this version. It checks the form only: Ledger::from_state checks what the state means.
Result<LedgerState> read_ledger_state(std::string_view text);

}  // namespace credits
