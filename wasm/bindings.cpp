// embind bindings: JSON text, or numbers in the module's memory for the typed path, in and out;
// every call caught at the boundary. No domain logic here: credits::Engine does the work so the
// browser and the CLI share every byte.
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>

#include <cstdlib>
#include <string>

#include "engine.hpp"
#include "credits/wire/error_wire.hpp"
#include "embedded_rate_card_binary.hpp"

namespace {

credits::Engine& engine() {
  // One engine per module instance; each createCredits() call instantiates its own module.
  // Its card is the embedded sample card, validated at build time (wasm/card_pack.cpp): read
  // from its binary form, not parsed and checked again as JSON at every start.
  static credits::Engine instance;
  static const bool started = instance.use_binary_rate_card(std::string_view(
      reinterpret_cast<const char*>(credits::browser::kEmbeddedRateCardBinary), credits::browser::kEmbeddedRateCardBinarySize));
  (void)started;
  return instance;
}

std::string internal_error() {
  return credits::failure_wire(credits::Error(credits::ErrorCode::internal, "internal error in the credit engine"));
}

// No exception ever reaches JavaScript: it becomes a result object like any other error.
template <typename Fn>
std::string guarded(Fn fn) {
  try {
    return fn();
  } catch (...) {
    return internal_error();
  }
}

std::string load_rate_card(std::string text) { return guarded([&] { return engine().load_rate_card(text); }); }
std::string models() { return guarded([&] { return engine().models(); }); }
std::string encoder_index() {
  return guarded([&] { return engine().encoder_index(); });
}
std::string encoded_tables() { return guarded([&] { return engine().encoded_tables(); }); }
std::string version() { return guarded([&] { return engine().rate_card_version(); }); }
}  // namespace

// The typed path's pricing call, pointers into the module's memory written and read by the
// package (web/src/encode.js). A plain export, not embind: with -sDYNAMIC_EXECUTION=0 (no eval,
// so pages need no unsafe-eval) every embind call goes through a generic invoker, measured at
// about 200 ns in Node, more than pricing a node; a direct export costs a few ns. Numbers only,
// so there is nothing for embind to convert.
extern "C" EMSCRIPTEN_KEEPALIVE double credits_price_encoded(uintptr_t input, double input_length, double count,
                                                             uintptr_t output) {
  try {
    return static_cast<double>(engine().price_encoded(reinterpret_cast<const double*>(input),
                                                      static_cast<size_t>(input_length),
                                                      static_cast<size_t>(count),
                                                      reinterpret_cast<double*>(output)));
  } catch (...) {
    return -1;
  }
}

namespace {

int card_index() {
  try {
    return engine().card_index();
  } catch (...) {
    return -1;
  }
}
// A breakdown asked for after the quote: the record again, on the card that priced it.
std::string quote_encoded(int card, uintptr_t record, double length) {
  return guarded([&] {
    return engine().quote_encoded(card, reinterpret_cast<const double*>(record), static_cast<size_t>(length));
  });
}
uintptr_t allocate(double bytes) { return reinterpret_cast<uintptr_t>(std::malloc(static_cast<size_t>(bytes))); }
void release(uintptr_t p) { std::free(reinterpret_cast<void*>(p)); }

std::string quote(std::string node) { return guarded([&] { return engine().quote(node); }); }
std::string quote_many(std::string nodes) { return guarded([&] { return engine().quote_many(nodes); }); }
std::string plan(std::string graph, std::string balances) { return guarded([&] { return engine().plan(graph, balances); }); }
std::string session_load(std::string graph, std::string balances) {
  return guarded([&] { return engine().session_load(graph, balances); });
}
std::string session_update_node(std::string node) { return guarded([&] { return engine().session_update_node(node); }); }
std::string session_set_input(std::string to, std::string port, std::string from) {
  return guarded([&] { return engine().session_set_input(to, port, from); });
}
std::string session_plan(std::string balances) { return guarded([&] { return engine().session_plan(balances); }); }
std::string preview(std::string kind, std::string request) { return guarded([&] { return engine().preview(kind, request); }); }

}  // namespace

EMSCRIPTEN_BINDINGS(credits) {
  emscripten::function("loadRateCard", &load_rate_card);
  emscripten::function("models", &models);
  emscripten::function("encoderIndex", &encoder_index);
  emscripten::function("version", &version);
  emscripten::function("encodedTables", &encoded_tables);
  emscripten::function("quote", &quote);
  emscripten::function("cardIndex", &card_index);
  emscripten::function("quoteEncoded", &quote_encoded);
  emscripten::function("allocate", &allocate);
  emscripten::function("release", &release);
  emscripten::function("quoteMany", &quote_many);
  emscripten::function("plan", &plan);
  emscripten::function("sessionLoad", &session_load);
  emscripten::function("sessionUpdateNode", &session_update_node);
  emscripten::function("sessionSetInput", &session_set_input);
  emscripten::function("sessionPlan", &session_plan);
  emscripten::function("preview", &preview);
}
