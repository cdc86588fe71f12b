// A formatter for the few integer formats the module's libraries print, so that the browser
// module need not link libc's printf (printf_core, fmt_fp with its long double arithmetic: about
// 4 KB of the package gzipped). nlohmann's lexer ("<U+%.4X>", an error's token) and serializer
// ("\\u%04x", a control character in a string) are the only callers of snprintf in the module;
// wasm/snprintf.cpp makes this the module's snprintf. Supported: literal text, "%%", the flags
// '-' and '0', a width, a precision, the length modifiers hh, h, l, ll, z, j, t, and the
// conversions d, i, u, x, X, c and s, each as C's snprintf writes it (tests/small_printf_test.cpp
// compares them with the C library's). Anything else (floating point, '*', '#', '+', ' ')
// writes nothing and returns -1.
#pragma once

#include <cstdarg>
#include <cstddef>

namespace credits {

int small_vsnprintf(char* out, size_t size, const char* format, va_list args);

}  // namespace credits
