// An exact decimal number for rates and prices: an integer mantissa over a power of ten.
// Rates such as 0.0021 credits per token are read from their decimal text and stay exact
// through every multiplication and addition; no binary floating point is involved. The
// mantissa is 128-bit and every operation is overflow-checked against kLimit. When both
// operands' mantissas and the result fit in int64 (the usual case for rate cards), the
// operations run in 64-bit arithmetic, which WebAssembly has natively; otherwise the 128-bit
// path runs. Both give the same mantissa and scale.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace credits {

namespace detail {
struct DecimalReference;
}

class Decimal {
 public:
  __extension__ typedef __int128 Mantissa;  // __extension__: a GNU type, kept under -Wpedantic
  static constexpr int kMaxScale = 36;
  // |mantissa| stays below 10^37 so that one more addition can never overflow int128.
  static const Mantissa kLimit;

  constexpr Decimal() = default;
  static Decimal from_int(int64_t v) { return Decimal(v, 0); }
  // Parses "12", "-0.5", "0.0021". No exponent, no leading '+', at most kMaxFractionDigits
  // digits after the point.
  static std::optional<Decimal> parse(std::string_view text);
  static constexpr int kMaxFractionDigits = 18;

  bool is_negative() const { return m_ < 0; }
  bool is_zero() const { return m_ == 0; }
  bool is_integer() const;
  int scale() const { return scale_; }

  // Exact arithmetic; nullopt on overflow.
  std::optional<Decimal> add(const Decimal& o) const;
  std::optional<Decimal> sub(const Decimal& o) const;
  std::optional<Decimal> mul(const Decimal& o) const;
  // Division by a power of ten is exact: it only moves the point.
  std::optional<Decimal> div_pow10(int digits) const;
  // Quotient rounded toward +infinity, for "billed per started step": ceil(this / step).
  std::optional<Decimal> ceil_div(const Decimal& step) const;

  // Rounds toward +infinity to a whole number; nullopt if it does not fit int64.
  std::optional<int64_t> ceil_to_int64() const;
  // Exact conversion to int64 when the value is whole and fits.
  std::optional<int64_t> to_int64() const;

  int compare(const Decimal& o) const;
  bool operator==(const Decimal& o) const { return compare(o) == 0; }
  bool operator!=(const Decimal& o) const { return compare(o) != 0; }
  bool operator<(const Decimal& o) const { return compare(o) < 0; }
  bool operator<=(const Decimal& o) const { return compare(o) <= 0; }
  bool operator>(const Decimal& o) const { return compare(o) > 0; }
  bool operator>=(const Decimal& o) const { return compare(o) >= 0; }

  // Shortest exact text: "240", "0.5", "0.0021". Never an exponent.
  std::string to_string() const;

  // If this decimal is a power of ten (1, 10, 100, ...), its exponent; otherwise -1.
  int power_of_ten_exponent() const;

 private:
  friend struct detail::DecimalReference;
  constexpr Decimal(Mantissa m, int scale) : m_(m), scale_(static_cast<int8_t>(scale)) {}
  static std::optional<Decimal> make(Mantissa m, int scale);
  // Removes trailing zeros from the fraction so scales stay small.
  void normalize();

  Mantissa m_ = 0;
  int8_t scale_ = 0;
};

namespace detail {
// The 128-bit paths alone, without the 64-bit fast paths: what the fast paths fall back to,
// and, for tests, the reference they are checked against (the raw mantissa included).
struct DecimalReference {
  static Decimal::Mantissa mantissa(const Decimal& d) { return d.m_; }
  // A decimal with exactly this mantissa and scale (|m| < kLimit, 0 <= scale <= kMaxScale).
  static Decimal raw(Decimal::Mantissa m, int scale) { return Decimal(m, scale); }
  static std::optional<Decimal> add(const Decimal& a, const Decimal& b);
  static std::optional<Decimal> sub(const Decimal& a, const Decimal& b);
  static std::optional<Decimal> mul(const Decimal& a, const Decimal& b);
  static std::optional<Decimal> ceil_div(const Decimal& a, const Decimal& step);
  static std::optional<int64_t> ceil_to_int64(const Decimal& a);
  static std::optional<int64_t> to_int64(const Decimal& a);
  static int compare(const Decimal& a, const Decimal& b);
  static bool is_integer(const Decimal& a);
  static int power_of_ten_exponent(const Decimal& a);
  static void normalize(Decimal& a);
};
}  // namespace detail

}  // namespace credits
