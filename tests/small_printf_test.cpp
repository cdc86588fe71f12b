// wasm/small_printf.hpp's formatter, the browser module's snprintf, against the C library's on
// the formats nlohmann prints (every value they take) and on the rest of what it supports.
#include "small_printf.hpp"

#include <gtest/gtest.h>

#include <cstdarg>
#include <cstdio>
#include <string>

namespace {

struct Both {
  std::string small, libc;
  int small_n = 0, libc_n = 0;
};

Both format_both(size_t size, const char* format, ...) {
  Both b;
  std::string small(size + 1, '#'), libc(size + 1, '#');
  va_list a, c;
  va_start(a, format);
  va_copy(c, a);
  b.small_n = credits::small_vsnprintf(small.data(), size, format, a);
  b.libc_n = std::vsnprintf(libc.data(), size, format, c);
  va_end(c);
  va_end(a);
  b.small = small;
  b.libc = libc;
  return b;
}

#define EXPECT_SAME(size, ...)                           \
  do {                                                   \
    const Both b = format_both(size, __VA_ARGS__);       \
    EXPECT_EQ(b.small, b.libc) << #__VA_ARGS__;          \
    EXPECT_EQ(b.small_n, b.libc_n) << #__VA_ARGS__;      \
  } while (0)

TEST(SmallPrintf, WritesNlohmannsFormatsAsTheCLibraryDoes) {
  for (int c = 0; c < 256; ++c) {
    EXPECT_SAME(9, "<U+%.4X>", static_cast<unsigned char>(c));  // the lexer's token text
    EXPECT_SAME(3, "%.2hhX", static_cast<unsigned char>(c));     // the binary readers'
  }
  for (int cp = 0; cp <= 0xFFFF; ++cp) EXPECT_SAME(7, "\\u%04x", static_cast<uint16_t>(cp));  // the serializer's
  for (int hi = 0xD800; hi < 0xDC00; hi += 7)
    EXPECT_SAME(13, "\\u%04x\\u%04x", static_cast<uint16_t>(hi), static_cast<uint16_t>(0xDC00 + hi % 1024));
}

TEST(SmallPrintf, WritesWhatItSupportsAsTheCLibraryDoes) {
  for (size_t size : {0, 1, 2, 5, 40}) {
    EXPECT_SAME(size, "plain text, 100%% %s", "sure");
    EXPECT_SAME(size, "%d|%5d|%-5d|%05d|%.3d|%8.3d|%-8.3d|%.0d", -42, -42, -42, -42, -42, -42, -42, 0);
    EXPECT_SAME(size, "%u %x %X %08x %-6X| %.0x", 4000000000u, 0xbeefu, 0xbeefu, 0xbeefu, 0xabu, 0u);
    EXPECT_SAME(size, "%lld %llu %llx %ld %lu", -9223372036854775807LL - 1, 18446744073709551615ULL,
                18446744073709551615ULL, -2147483647L - 1, 4294967295UL);
    EXPECT_SAME(size, "%hd %hu %hhd %hhu %hx", 70000, 70000, 300, 300, 70000);
    EXPECT_SAME(size, "%zu %zx %c|%3c|%-3c|%.2s|%6s|%-6.3s|", size_t{123}, size_t{255}, 'a', 'b', 'c', "xyz", "ab", "abcdef");
    EXPECT_SAME(size, "%i %d %d", 0, 2147483647, -2147483647 - 1);
  }
}

// Whether the formatter refused `format`: -1 and an empty output.
bool refused(const char* format, ...) {
  char out[16] = "untouched";
  va_list a;
  va_start(a, format);
  const int n = credits::small_vsnprintf(out, sizeof out, format, a);
  va_end(a);
  return n == -1 && out[0] == '\0';
}

TEST(SmallPrintf, RefusesWhatItDoesNotSupport) {
  EXPECT_TRUE(refused("%f", 1.5));
  EXPECT_TRUE(refused("%g", 1.5));
  EXPECT_TRUE(refused("%*d", 3, 4));
  EXPECT_TRUE(refused("%+d", 3));
  EXPECT_TRUE(refused("%#x", 3));
  EXPECT_TRUE(refused("tail %"));
}

}  // namespace
