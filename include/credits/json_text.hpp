// Writing JSON text directly, for the hot paths (quotes, plans). The bytes are exactly what
// nlohmann::json::dump(-1, ' ', false, replace) would write for the same value: a string
// that is valid UTF-8 with nothing to escape is copied; any other goes through nlohmann's
// own serializer. tests/json_text_test.cpp checks the equivalence on random strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace credits {

void append_json_string(std::string& out, std::string_view s);
void append_json_int(std::string& out, int64_t v);

// `"key":` with a key known to need no escaping.
inline void append_key(std::string& out, std::string_view key) {
  out += '"';
  out += key;
  out += "\":";
}

}  // namespace credits
