// The browser module's snprintf: wasm/small_printf.hpp's formatter instead of libc's printf
// (linked only into the module, not the tests; see small_printf.hpp for why and what it writes).
#include <cstdarg>
#include <cstddef>

#include "small_printf.hpp"

extern "C" int snprintf(char* __restrict out, size_t size, const char* __restrict format, ...) {
  va_list args;
  va_start(args, format);
  const int n = credits::small_vsnprintf(out, size, format, args);
  va_end(args);
  return n;
}
