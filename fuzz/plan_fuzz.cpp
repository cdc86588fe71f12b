// Plans (graphs) on the sample card: one {"nodes": [...]} document, priced without and with
// balances, as `credits plan` does. The answer is always one JSON object with "ok".
#include <cstdint>
#include <nlohmann/json.hpp>

#include "credits/operation.hpp"
#include "credits/wire/plan_wire.hpp"
#include "credits/wire/quote_wire.hpp"
#include "fuzz_support.hpp"

namespace {

void check_plan(const std::string& out) {
  auto back = nlohmann::json::parse(out, nullptr, false);
  FUZZ_CHECK(back.is_object() && back.contains("ok") && back["ok"].is_boolean(), "a plan is not an object with ok: " + out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto& card = credits::fuzz::sample_card();
  auto graph = credits::parse_json_limited(text, credits::kMaxDocumentBytes);
  if (!graph) return 0;
  static const nlohmann::json balance = {{"subscription", 200}, {"wallet", 150}};
  for (const nlohmann::json* b : {static_cast<const nlohmann::json*>(nullptr), &balance}) {
    const std::string out = credits::plan_wire(*card, *graph, b);
    check_plan(out);
    // The text is canonical JSON: read and written again by nlohmann, it is the same bytes.
    FUZZ_CHECK(credits::to_wire(nlohmann::json::parse(out)) == out, "a plan's text is not canonical: " + out);
  }
  return 0;
}
