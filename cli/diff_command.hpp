// `credits diff --from OLD --to NEW [--nodes FILE]` (SPEC §12): reads the two cards and the
// nodes, and prints what rate_card_diff_wire says the new card changes. Reading and converting
// only; the comparison is the core's.
#pragma once

#include <string>

namespace credits::cli {

// Prints the diff as one JSON line and returns 0; exits 2 (a JSON error on stderr) when a card
// or the nodes file cannot be read. `nodes_path` empty: a sample over each model's domain.
int run_diff(const std::string& from_path, const std::string& to_path,
             const std::string& nodes_path);

}  // namespace credits::cli
