#include "credits/decimal.hpp"

#include <algorithm>
#include <cstdlib>

namespace credits {

namespace {

constexpr Decimal::Mantissa pow10(int n) {
  Decimal::Mantissa r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

constexpr Decimal::Mantissa kLimitValue = pow10(37);

bool within_limit(Decimal::Mantissa m) { return m < kLimitValue && m > -kLimitValue; }

// Scales `m` up by 10^n, checking the limit.
std::optional<Decimal::Mantissa> scale_up(Decimal::Mantissa m, int n) {
  for (int i = 0; i < n; ++i) {
    Decimal::Mantissa r;
    if (__builtin_mul_overflow(m, static_cast<Decimal::Mantissa>(10), &r)) return std::nullopt;
    if (!within_limit(r)) return std::nullopt;
    m = r;
  }
  return m;
}

// The 64-bit fast paths. WebAssembly has 64-bit integers natively but does 128-bit
// multiplication and division in software (__multi3, __muloti4, __udivmodti4), so mantissas
// that fit int64 are worked on as int64. Each fast path gives the mantissa and scale that the
// 128-bit path (detail::DecimalReference) gives, and falls back to it when a value or an
// intermediate result does not fit.
using Ref = detail::DecimalReference;

constexpr int kMaxPow10_64 = 18;
constexpr int64_t kPow10_64[kMaxPow10_64 + 1] = {
    1LL,
    10LL,
    100LL,
    1000LL,
    10000LL,
    100000LL,
    1000000LL,
    10000000LL,
    100000000LL,
    1000000000LL,
    10000000000LL,
    100000000000LL,
    1000000000000LL,
    10000000000000LL,
    100000000000000LL,
    1000000000000000LL,
    10000000000000000LL,
    100000000000000000LL,
    1000000000000000000LL,
};
// |m| <= kRescaleBound[n] exactly when m * 10^n fits int64 (INT64_MIN excluded).
constexpr int64_t kRescaleBound[kMaxPow10_64 + 1] = {
    INT64_MAX,
    INT64_MAX / 10LL,
    INT64_MAX / 100LL,
    INT64_MAX / 1000LL,
    INT64_MAX / 10000LL,
    INT64_MAX / 100000LL,
    INT64_MAX / 1000000LL,
    INT64_MAX / 10000000LL,
    INT64_MAX / 100000000LL,
    INT64_MAX / 1000000000LL,
    INT64_MAX / 10000000000LL,
    INT64_MAX / 100000000000LL,
    INT64_MAX / 1000000000000LL,
    INT64_MAX / 10000000000000LL,
    INT64_MAX / 100000000000000LL,
    INT64_MAX / 1000000000000000LL,
    INT64_MAX / 10000000000000000LL,
    INT64_MAX / 100000000000000000LL,
    INT64_MAX / 1000000000000000000LL,
};

bool fits64(Decimal::Mantissa m) { return m == static_cast<Decimal::Mantissa>(static_cast<int64_t>(m)); }

// m * 10^n into *out when it fits int64 (0 <= n <= kMaxScale); false otherwise. A bound
// check rather than __builtin_mul_overflow, which in WebAssembly calls the software __multi3.
bool rescale64(int64_t m, int n, int64_t* out) {
  if (n == 0) {
    *out = m;
    return true;
  }
  if (n > kMaxPow10_64) {  // a nonzero m times 10^19 or more does not fit
    *out = 0;
    return m == 0;
  }
  if (m > kRescaleBound[n] || m < -kRescaleBound[n]) return false;
  *out = m * kPow10_64[n];
  return true;
}

bool fits32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

// a * b into *out; true on overflow. Two int32 factors cannot overflow int64 (the common
// case, decided without the software multiply that __builtin_mul_overflow costs in WASM).
bool mul64_overflows(int64_t a, int64_t b, int64_t* out) {
  if (fits32(a) && fits32(b)) {
    *out = a * b;
    return false;
  }
  return __builtin_mul_overflow(a, b, out);
}

}  // namespace

const Decimal::Mantissa Decimal::kLimit = kLimitValue;

std::optional<Decimal> Decimal::make(Mantissa m, int scale) {
  if (!within_limit(m)) return std::nullopt;
  if (scale <= kMaxScale) return Decimal(m, scale);  // the common case: no 128-bit division
  // Trailing zeros are stripped only when the scale would exceed its bound: 1.50000 may fit
  // where its raw scale does not.
  while (scale > kMaxScale && m % 10 == 0) {
    m /= 10;
    --scale;
  }
  if (scale > kMaxScale) return std::nullopt;
  return Decimal(m, scale);
}

void Decimal::normalize() {
  if (scale_ == 0) return;
  if (!fits64(m_)) return Ref::normalize(*this);
  int64_t m = static_cast<int64_t>(m_);
  int scale = scale_;
  while (scale > 0 && m % 10 == 0) m /= 10, --scale;
  m_ = m;
  scale_ = static_cast<int8_t>(scale);
}

std::optional<Decimal> Decimal::parse(std::string_view text) {
  if (text.empty() || text.size() > 60) return std::nullopt;
  size_t i = 0;
  bool negative = false;
  if (text[0] == '-') {
    negative = true;
    i = 1;
  }
  Mantissa m = 0;
  int scale = 0;
  bool seen_point = false;
  int int_digits = 0;
  int frac_digits = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (seen_point || int_digits == 0) return std::nullopt;
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    if (seen_point) {
      ++frac_digits;
      ++scale;
      if (frac_digits > kMaxFractionDigits) return std::nullopt;
    } else {
      // "007" is not a decimal anyone means; "0" and "0.5" are fine.
      if (int_digits == 1 && m == 0) return std::nullopt;
      ++int_digits;
    }
    m = m * 10 + (c - '0');
    if (!within_limit(m)) return std::nullopt;
  }
  if (int_digits == 0 || (seen_point && frac_digits == 0)) return std::nullopt;
  return make(negative ? -m : m, scale);
}

bool Decimal::is_integer() const {
  Decimal n = *this;
  n.normalize();
  return n.scale_ == 0;
}

std::optional<Decimal> Decimal::add(const Decimal& o) const {
  if (fits64(m_) && fits64(o.m_)) {
    const int s = std::max(scale_, o.scale_);
    int64_t a, b, r;
    if (rescale64(static_cast<int64_t>(m_), s - scale_, &a) &&
        rescale64(static_cast<int64_t>(o.m_), s - o.scale_, &b) && !__builtin_add_overflow(a, b, &r))
      return Decimal(r, s);  // |r| < 2^63 < kLimit and s <= kMaxScale: what make() returns
  }
  return Ref::add(*this, o);
}

std::optional<Decimal> Decimal::sub(const Decimal& o) const {
  if (fits64(m_) && fits64(o.m_)) {
    const int s = std::max(scale_, o.scale_);
    int64_t a, b, r;
    if (rescale64(static_cast<int64_t>(m_), s - scale_, &a) &&
        rescale64(static_cast<int64_t>(o.m_), s - o.scale_, &b) && !__builtin_sub_overflow(a, b, &r))
      return Decimal(r, s);
  }
  return Ref::sub(*this, o);
}

std::optional<Decimal> Decimal::mul(const Decimal& o) const {
  const int s = scale_ + o.scale_;
  int64_t r;
  if (s <= kMaxScale && fits64(m_) && fits64(o.m_) &&
      !mul64_overflows(static_cast<int64_t>(m_), static_cast<int64_t>(o.m_), &r))
    return Decimal(r, s);
  return Ref::mul(*this, o);
}

std::optional<Decimal> Decimal::div_pow10(int digits) const {
  if (digits < 0) return std::nullopt;
  return make(m_, scale_ + digits);
}

std::optional<Decimal> Decimal::ceil_div(const Decimal& step) const {
  if (step.m_ <= 0) return std::nullopt;
  if (fits64(m_) && fits64(step.m_)) {
    const int s = std::max(scale_, step.scale_);
    int64_t a, b;
    if (rescale64(static_cast<int64_t>(m_), s - scale_, &a) &&
        rescale64(static_cast<int64_t>(step.m_), s - step.scale_, &b)) {
      int64_t q = a / b;  // b > 0: never INT64_MIN / -1
      if (a % b != 0 && a > 0) ++q;
      return Decimal(q, 0);
    }
  }
  return Ref::ceil_div(*this, step);
}

std::optional<int64_t> Decimal::ceil_to_int64() const {
  if (!fits64(m_)) return Ref::ceil_to_int64(*this);
  const int64_t m = static_cast<int64_t>(m_);
  if (scale_ > kMaxPow10_64) return m > 0 ? 1 : 0;  // |m| < 10^19 <= 10^scale: within (-1, 1)
  const int64_t p = kPow10_64[scale_];
  int64_t q = m / p;
  if (m % p != 0 && m > 0) ++q;
  return q;
}

std::optional<int64_t> Decimal::to_int64() const {
  Decimal n = *this;
  n.normalize();
  if (n.scale_ != 0) return std::nullopt;
  if (n.m_ > INT64_MAX || n.m_ < INT64_MIN) return std::nullopt;
  return static_cast<int64_t>(n.m_);
}

int Decimal::compare(const Decimal& o) const {
  if (scale_ == o.scale_) return m_ < o.m_ ? -1 : (m_ > o.m_ ? 1 : 0);
  if (fits64(m_) && fits64(o.m_)) {
    const int s = std::max(scale_, o.scale_);
    int64_t a, b;
    if (rescale64(static_cast<int64_t>(m_), s - scale_, &a) &&
        rescale64(static_cast<int64_t>(o.m_), s - o.scale_, &b))
      return a < b ? -1 : (a > b ? 1 : 0);
  }
  return Ref::compare(*this, o);
}

std::string Decimal::to_string() const {
  Decimal n = *this;
  // Trailing zeros: 64-bit division when the mantissa fits, the common case for prices.
  if (n.m_ > -static_cast<Mantissa>(INT64_MAX) && n.m_ < static_cast<Mantissa>(INT64_MAX)) {
    int64_t m = static_cast<int64_t>(n.m_);
    int scale = n.scale_;
    while (scale > 0 && m % 10 == 0) m /= 10, --scale;
    n.m_ = m;
    n.scale_ = static_cast<int8_t>(scale);
  } else {
    n.normalize();
  }
  const int scale_ = n.scale_;
  const bool negative = n.m_ < 0;
  char digits[48];
  int len = 0;
  if (n.m_ > -static_cast<Mantissa>(INT64_MAX) && n.m_ < static_cast<Mantissa>(INT64_MAX)) {
    uint64_t m = static_cast<uint64_t>(negative ? -static_cast<int64_t>(n.m_) : static_cast<int64_t>(n.m_));
    do digits[len++] = static_cast<char>('0' + m % 10), m /= 10;
    while (m != 0);
  } else {
    Mantissa m = negative ? -n.m_ : n.m_;
    do digits[len++] = static_cast<char>('0' + static_cast<int>(m % 10)), m /= 10;
    while (m != 0);
  }
  while (len <= scale_) digits[len++] = '0';
  std::string out;
  out.reserve(static_cast<size_t>(len) + 2);
  if (negative) out.push_back('-');
  for (int i = len - 1; i >= 0; --i) {
    out.push_back(digits[i]);
    if (i == scale_ && i != 0) out.push_back('.');
  }
  return out;
}

int Decimal::power_of_ten_exponent() const {
  if (m_ <= 0) return -1;
  if (!fits64(m_)) return Ref::power_of_ten_exponent(*this);
  int64_t m = static_cast<int64_t>(m_);
  int e = 0;
  while (m % 10 == 0) m /= 10, ++e;
  if (m != 1) return -1;
  return e - scale_ >= 0 ? e - scale_ : -1;
}

// The 128-bit paths, as they were before the fast paths: the fallback, and the tests' reference.

void Ref::normalize(Decimal& d) {
  while (d.scale_ > 0 && d.m_ % 10 == 0) {
    d.m_ /= 10;
    --d.scale_;
  }
}

bool Ref::is_integer(const Decimal& x) {
  Decimal n = x;
  normalize(n);
  return n.scale_ == 0;
}

std::optional<Decimal> Ref::add(const Decimal& x, const Decimal& o) {
  int s = std::max(x.scale_, o.scale_);
  auto a = scale_up(x.m_, s - x.scale_);
  auto b = scale_up(o.m_, s - o.scale_);
  if (!a || !b) return std::nullopt;
  return Decimal::make(*a + *b, s);
}

std::optional<Decimal> Ref::sub(const Decimal& x, const Decimal& o) {
  Decimal neg(-o.m_, o.scale_);
  return add(x, neg);
}

std::optional<Decimal> Ref::mul(const Decimal& x, const Decimal& o) {
  Decimal::Mantissa r;
  if (__builtin_mul_overflow(x.m_, o.m_, &r)) return std::nullopt;
  return Decimal::make(r, x.scale_ + o.scale_);
}

std::optional<Decimal> Ref::ceil_div(const Decimal& x, const Decimal& step) {
  if (step.m_ <= 0) return std::nullopt;
  // Bring both to the same scale; then the quotient of the mantissas is the quotient.
  int s = std::max(x.scale_, step.scale_);
  auto a = scale_up(x.m_, s - x.scale_);
  auto b = scale_up(step.m_, s - step.scale_);
  if (!a || !b) return std::nullopt;
  Decimal::Mantissa q = *a / *b;
  if (*a % *b != 0 && *a > 0) ++q;
  return Decimal::make(q, 0);
}

std::optional<int64_t> Ref::ceil_to_int64(const Decimal& x) {
  Decimal::Mantissa p = pow10(x.scale_);
  Decimal::Mantissa q = x.m_ / p;
  if (x.m_ % p != 0 && x.m_ > 0) ++q;
  if (q > INT64_MAX || q < INT64_MIN) return std::nullopt;
  return static_cast<int64_t>(q);
}

std::optional<int64_t> Ref::to_int64(const Decimal& x) {
  Decimal n = x;
  normalize(n);
  if (n.scale_ != 0) return std::nullopt;
  if (n.m_ > INT64_MAX || n.m_ < INT64_MIN) return std::nullopt;
  return static_cast<int64_t>(n.m_);
}

int Ref::compare(const Decimal& x, const Decimal& o) {
  if (x.scale_ == o.scale_) return x.m_ < o.m_ ? -1 : (x.m_ > o.m_ ? 1 : 0);
  int s = std::max(x.scale_, o.scale_);
  auto a = scale_up(x.m_, s - x.scale_);
  auto b = scale_up(o.m_, s - o.scale_);
  if (a && b) return *a < *b ? -1 : (*a > *b ? 1 : 0);
  // One side overflowed when rescaled: it is the one with the larger magnitude.
  if (!a) return x.m_ < 0 ? -1 : 1;
  return o.m_ < 0 ? 1 : -1;
}

int Ref::power_of_ten_exponent(const Decimal& x) {
  if (x.m_ <= 0) return -1;
  Decimal::Mantissa m = x.m_;
  int e = 0;
  while (m % 10 == 0) {
    m /= 10;
    ++e;
  }
  if (m != 1) return -1;
  return e - x.scale_ >= 0 ? e - x.scale_ : -1;
}

}  // namespace credits
