// Ledger operations in memory: the input is JSON Lines of SPEC §9 operations (as `credits
// ledger` reads them) applied to a fresh ledger on the small test card. After each line the
// ledger's invariants hold and its entries replay to its state (tests/property_test.cpp), and
// a refused operation changed nothing.
#include <cstdint>

#include "credits/operation.hpp"
#include "ledger_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace credits::fuzz;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  credits::Ledger ledger(test_card());
  each_line(text, [&](std::string_view line) {
    const nlohmann::json before = digest(ledger);
    const nlohmann::json r = credits::apply_operation_line(ledger, line);
    if (!result_ok(r, line))
      FUZZ_CHECK(digest(ledger) == before, "a refused operation changed the ledger: " + r.dump(), line);
    check_ledger(ledger, line);
  });
  return 0;
}
