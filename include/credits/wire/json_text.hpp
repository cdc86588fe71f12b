// Writing JSON text directly, for the hot paths (quotes, plans). The bytes are exactly what
// nlohmann::json::dump(-1, ' ', false, replace) would write for the same value: a string
// that is valid UTF-8 with nothing to escape is copied; any other goes through nlohmann's
// own serializer. tests/json_text_test.cpp checks the equivalence on random strings.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "credits/error.hpp"
#include "credits/money.hpp"

namespace credits {

// The one reader of JSON text (nodes, graphs, operations, balances, rate cards, the journal).
// Beyond RFC 8259 it refuses, with `invalid_json` and the JSON Pointer of the offending value:
// a key that appears twice in one object (other parsers keep the first or the last, so the
// same text could mean two things), and a number whose decimal value a double cannot carry
// exactly (7.9999999999999999, 123456789012345678901): every float the document holds is
// read back by its shortest text, which is then exactly what the input wrote. Text that is not
// JSON gets `not_json_message`. Depth and size limits are the caller's (parse_json_limited).
Result<nlohmann::json> parse_json_strict(std::string_view text, std::string_view not_json_message = "not valid JSON");

// Whether a float's source text is exactly the value the double holds (the check
// parse_json_strict makes on every float), for readers that build their own values.
bool float_text_is_exact(double value, const std::string& text);

// The limits checked before any text is parsed: at most `max_bytes`, nested at most
// `max_depth` levels (so no input can exhaust the stack). `invalid_json` otherwise.
Status check_json_limits(std::string_view text, size_t max_bytes, int max_depth);

// Parses JSON text with the engine's limits (depth, size) through the one strict reader
// (parse_json_strict: duplicate keys and numbers that cannot be read exactly are
// `invalid_json` with a pointer). Every JSON input of the engine comes through here.
inline constexpr int kMaxJsonDepth = 64;
inline constexpr size_t kMaxJsonBytes = 4 << 20;             // one line: a node, an operation
inline constexpr size_t kMaxDocumentBytes = size_t{1} << 30;  // a whole canvas or batch
Result<nlohmann::json> parse_json_limited(std::string_view text, size_t max_bytes = kMaxJsonBytes,
                                          std::string_view not_json_message = "not valid JSON");

// An input amount: an integer in 0..kMaxAmount (money.hpp); nullopt for anything else. The
// caller words the error, which names the field.
std::optional<Credits> json_amount(const nlohmann::json& v);

void append_json_string(std::string& out, std::string_view s);

// The exact text of a JSON value, as the CLI prints it and the browser returns it: no spaces,
// keys in byte order; invalid UTF-8 in echoed input is replaced, never an abort.
std::string to_wire(const nlohmann::json& j);
void append_json_int(std::string& out, int64_t v);

// `"key":` with a key known to need no escaping.
inline void append_key(std::string& out, std::string_view key) {
  out += '"';
  out += key;
  out += "\":";
}

}  // namespace credits
