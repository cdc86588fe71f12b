// Shared by the libFuzzer harnesses: the cards they run on (read once, from the source tree)
// and a check that stops the run with a message (libFuzzer then saves the input as a crash).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "credits/rate_card.hpp"

namespace credits::fuzz {

inline std::string read_source_file(const std::string& relative) {
  std::ifstream in(std::string(CREDITS_SOURCE_DIR) + "/" + relative, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz: cannot read %s\n", relative.c_str());
    std::abort();
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::shared_ptr<const RateCard> load_source_card(const std::string& relative) {
  auto card = load_rate_card(read_source_file(relative));
  if (!card) {
    std::fprintf(stderr, "fuzz: %s does not load: %s\n", relative.c_str(), card.error().message.c_str());
    std::abort();
  }
  return std::make_shared<const RateCard>(std::move(*card));
}

// The sample card (quotes and plans: the golden corpus is written against it) and the small
// test card (ledger runs: fewer models, so each run is fast).
inline const std::shared_ptr<const RateCard>& sample_card() {
  static const auto card = load_source_card("demo/rate-card.json");
  return card;
}
inline const std::shared_ptr<const RateCard>& test_card() {
  static const auto card = load_source_card("tests/data/test-card.json");
  return card;
}

[[noreturn]] inline void fail(const std::string& what, std::string_view input = {}) {
  std::fprintf(stderr, "fuzz property failed: %s\n", what.c_str());
  if (!input.empty()) std::fprintf(stderr, "after input: %.*s\n", static_cast<int>(input.size()), input.data());
  std::abort();
}

#define FUZZ_CHECK(cond, ...)                              \
  do {                                                     \
    if (!(cond)) ::credits::fuzz::fail(__VA_ARGS__);       \
  } while (0)

// Calls fn(line) for each non-blank line, without a trailing CR, as the CLI reads JSON Lines.
template <typename Fn>
void each_line(std::string_view text, Fn fn) {
  size_t from = 0;
  while (from <= text.size()) {
    size_t nl = text.find('\n', from);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(from, nl - from);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) fn(line);
    from = nl + 1;
  }
}

}  // namespace credits::fuzz
