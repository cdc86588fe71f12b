// Node quotes on the sample card: one node as JSON text (as `credits estimate` reads a line).
// Whatever the input, the answer is one JSON object with "ok"; a quote has 0 <= min <= max,
// and an exact quote has min == max == credits.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "credits/operation.hpp"
#include "credits/wire/quote_wire.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto& card = credits::fuzz::sample_card();
  auto node = credits::parse_json_limited(text);
  std::string out;
  if (!node) credits::write_failed_quote(out, nullptr, node.error());
  else out = credits::quote_wire(*card, *node);
  auto back = nlohmann::json::parse(out, nullptr, false);
  FUZZ_CHECK(back.is_object() && back.contains("ok") && back["ok"].is_boolean(), "a quote is not an object with ok: " + out);
  if (!back["ok"].get<bool>()) {
    FUZZ_CHECK(back.contains("error") && back["error"].contains("code"), "a refusal without a code: " + out);
    return 0;
  }
  const auto mn = back.at("min").get<int64_t>(), mx = back.at("max").get<int64_t>();
  FUZZ_CHECK(0 <= mn && mn <= mx, "a quote with min > max or below 0: " + out);
  if (back.at("exact").get<bool>())
    FUZZ_CHECK(mn == mx && back.at("credits").get<int64_t>() == mn, "an exact quote with a range: " + out);
  // The text is canonical JSON: read and written again by nlohmann, it is the same bytes (keys
  // in byte order, no spaces), which is what the CLI, the server and the browser all send.
  FUZZ_CHECK(credits::to_wire(back) == out, "a quote's text is not canonical: " + out);
  return 0;
}
