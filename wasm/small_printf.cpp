#include "small_printf.hpp"

#include <cstdint>

namespace credits {

namespace {

struct Spec {
  bool left = false, zero = false;
  int width = 0, precision = -1;
  int length = 0;  // -2 hh, -1 h, 0 none, 1 l, 2 ll (z, j, t read as the 64-bit or 32-bit types they are)
  char conversion = 0;
};

// The output so far: at most size - 1 bytes are kept, every byte is counted.
struct Sink {
  char* out;
  size_t size;
  size_t count = 0;
  void put(char c) {
    if (count + 1 < size) out[count] = c;
    ++count;
  }
  void repeat(char c, int n) {
    for (int k = 0; k < n; ++k) put(c);
  }
};

// Reads a conversion's flags, width, precision and length from `f` (after the '%').
const char* read_spec(const char* f, Spec& s) {
  for (;; ++f) {
    if (*f == '-') s.left = true;
    else if (*f == '0') s.zero = true;
    else break;
  }
  while (*f >= '0' && *f <= '9') s.width = s.width * 10 + (*f++ - '0');
  if (*f == '.') {
    s.precision = 0;
    for (++f; *f >= '0' && *f <= '9'; ++f) s.precision = s.precision * 10 + (*f - '0');
  }
  if (*f == 'h' || *f == 'l') {
    const bool twice = f[1] == *f;
    s.length = (*f == 'h' ? -1 : 1) * (twice ? 2 : 1);
    f += twice ? 2 : 1;
  } else if (*f == 'z' || *f == 't' || *f == 'j') {
    s.length = (*f == 'j' || sizeof(size_t) == 8) ? 2 : 0;
    ++f;
  }
  s.conversion = *f;
  return f;
}

// The argument of an integer conversion as its magnitude and sign, truncated to its length.
uint64_t integer_arg(const Spec& s, va_list& args, bool& negative) {
  const bool is_signed = s.conversion == 'd' || s.conversion == 'i';
  negative = false;
  if (is_signed) {
    int64_t v = s.length == 2 ? va_arg(args, long long) : s.length == 1 ? va_arg(args, long) : va_arg(args, int);
    if (s.length == -2) v = static_cast<signed char>(v);
    if (s.length == -1) v = static_cast<short>(v);
    negative = v < 0;
    return negative ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  }
  uint64_t v = s.length == 2   ? va_arg(args, unsigned long long)
               : s.length == 1 ? va_arg(args, unsigned long)
                               : va_arg(args, unsigned int);
  if (s.length == -2) v = static_cast<unsigned char>(v);
  if (s.length == -1) v = static_cast<unsigned short>(v);
  return v;
}

// Digits (at least `precision` of them; none for 0 with precision 0), sign, padding.
void put_integer(Sink& sink, const Spec& s, uint64_t v, bool negative) {
  const int base = (s.conversion == 'x' || s.conversion == 'X') ? 16 : 10;
  const char* digits = s.conversion == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
  char buf[24];
  int n = 0;
  for (; v != 0; v /= static_cast<unsigned>(base)) buf[n++] = digits[v % static_cast<unsigned>(base)];
  const int precision = s.precision < 0 ? 1 : s.precision;
  const int zeros = precision > n ? precision - n : 0;
  const int body = n + zeros + (negative ? 1 : 0);
  const int pad = s.width > body ? s.width - body : 0;
  const bool zero_pad = s.zero && !s.left && s.precision < 0;
  if (!s.left && !zero_pad) sink.repeat(' ', pad);
  if (negative) sink.put('-');
  if (zero_pad) sink.repeat('0', pad);
  sink.repeat('0', zeros);
  while (n > 0) sink.put(buf[--n]);
  if (s.left) sink.repeat(' ', pad);
}

void put_text(Sink& sink, const Spec& s, const char* text, int length) {
  const int pad = s.width > length ? s.width - length : 0;
  if (!s.left) sink.repeat(' ', pad);
  for (int k = 0; k < length; ++k) sink.put(text[k]);
  if (s.left) sink.repeat(' ', pad);
}

// One conversion; false for one this formatter does not write.
bool convert(Sink& sink, const Spec& s, va_list& args) {
  switch (s.conversion) {
    case 'd': case 'i': case 'u': case 'x': case 'X': {
      bool negative = false;
      const uint64_t v = integer_arg(s, args, negative);
      put_integer(sink, s, v, negative);
      return true;
    }
    case 'c': {
      const char c = static_cast<char>(va_arg(args, int));
      put_text(sink, s, &c, 1);
      return true;
    }
    case 's': {
      const char* text = va_arg(args, const char*);
      int length = 0;
      while (text[length] != '\0' && (s.precision < 0 || length < s.precision)) ++length;
      put_text(sink, s, text, length);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

int small_vsnprintf(char* out, size_t size, const char* format, va_list args) {
  Sink sink{out, size};
  va_list ap;
  va_copy(ap, args);
  bool ok = true;
  for (const char* f = format; *f != '\0' && ok; ++f) {
    if (*f != '%') {
      sink.put(*f);
      continue;
    }
    if (f[1] == '%') {
      sink.put('%');
      ++f;
      continue;
    }
    Spec s;
    f = read_spec(f + 1, s);
    ok = s.conversion != '\0' && convert(sink, s, ap);
    if (!ok) break;
  }
  va_end(ap);
  if (!ok) {
    if (size > 0) out[0] = '\0';
    return -1;
  }
  if (size > 0) out[sink.count < size ? sink.count : size - 1] = '\0';
  return static_cast<int>(sink.count);
}

}  // namespace credits
