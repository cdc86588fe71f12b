// A compact binary form of a loaded rate card, for a card that was validated once already: the
// browser module embeds the sample card in this form (written at build time from the card as
// load_rate_card read it), so that starting it does not parse and validate JSON. Reading is a
// few thousand small copies, against nlohmann's parse and the loader's every check, measured at
// 30-82 ms in a fresh Chromium renderer (BENCHMARKS.md).
//
// The bytes hold every field of RateCard (the model index is rebuilt), decimals as their exact
// text; read_rate_card_binary(write_rate_card_binary(card)) is the same card. The reader checks
// that the bytes are well formed (lengths, enums, slots in range), not the card's rules: those
// were checked when the card was loaded from JSON. A card from a user is loaded from JSON.
#pragma once

#include <string>
#include <string_view>

#include "credits/error.hpp"
#include "credits/rate_card.hpp"

namespace credits {

std::string write_rate_card_binary(const RateCard& card);
// The card written by write_rate_card_binary, or invalid_rate_card for bytes it did not write
// (truncated, another format version, an enum or slot out of range).
Result<RateCard> read_rate_card_binary(std::string_view bytes);

}  // namespace credits
