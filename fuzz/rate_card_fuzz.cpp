// Rate card loading: any text either loads or is refused with errors, never crashes. A card
// that loads has a canonical text (what the durable ledger stores) that loads again, to the
// same canonical text: recovery reloads stored cards and must find them unchanged.
#include <cstdint>

#include "credits/durable_ledger.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  credits::RateCardErrors all;
  auto card = credits::load_rate_card(text, &all);
  if (!card) {
    FUZZ_CHECK(!all.errors.empty(), "a refused card lists no problem");
    return 0;
  }
  auto loaded = credits::load_card_text(text);
  FUZZ_CHECK(loaded.ok(), "load_rate_card accepts what load_card_text refuses: " + loaded.error().message);
  FUZZ_CHECK(loaded->card->version == card->version, "two loads give two versions");
  auto again = credits::load_card_text(loaded->text);
  FUZZ_CHECK(again.ok(), "the canonical text of a card does not load: " +
                             (again.ok() ? std::string() : again.error().message), loaded->text);
  FUZZ_CHECK(again->text == loaded->text, "the canonical text is not stable", loaded->text);
  return 0;
}
