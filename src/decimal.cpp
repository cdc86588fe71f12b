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

}  // namespace

const Decimal::Mantissa Decimal::kLimit = kLimitValue;

std::optional<Decimal> Decimal::make(Mantissa m, int scale) {
  if (!within_limit(m)) return std::nullopt;
  // Trailing zeros are stripped only when the scale would exceed its bound: 1.50000 may fit
  // where its raw scale does not. The hot path avoids 128-bit division entirely.
  while (scale > kMaxScale && m % 10 == 0) {
    m /= 10;
    --scale;
  }
  if (scale > kMaxScale) return std::nullopt;
  return Decimal(m, scale);
}

void Decimal::normalize() {
  while (scale_ > 0 && m_ % 10 == 0) {
    m_ /= 10;
    --scale_;
  }
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
  int s = std::max(scale_, o.scale_);
  auto a = scale_up(m_, s - scale_);
  auto b = scale_up(o.m_, s - o.scale_);
  if (!a || !b) return std::nullopt;
  return make(*a + *b, s);
}

std::optional<Decimal> Decimal::sub(const Decimal& o) const {
  Decimal neg(-o.m_, o.scale_);
  return add(neg);
}

std::optional<Decimal> Decimal::mul(const Decimal& o) const {
  Mantissa r;
  if (__builtin_mul_overflow(m_, o.m_, &r)) return std::nullopt;
  return make(r, scale_ + o.scale_);
}

std::optional<Decimal> Decimal::div_pow10(int digits) const {
  if (digits < 0) return std::nullopt;
  return make(m_, scale_ + digits);
}

std::optional<Decimal> Decimal::ceil_div(const Decimal& step) const {
  if (step.m_ <= 0) return std::nullopt;
  // Bring both to the same scale; then the quotient of the mantissas is the quotient.
  int s = std::max(scale_, step.scale_);
  auto a = scale_up(m_, s - scale_);
  auto b = scale_up(step.m_, s - step.scale_);
  if (!a || !b) return std::nullopt;
  Mantissa q = *a / *b;
  if (*a % *b != 0 && *a > 0) ++q;
  return make(q, 0);
}

std::optional<int64_t> Decimal::ceil_to_int64() const {
  Mantissa p = pow10(scale_);
  Mantissa q = m_ / p;
  if (m_ % p != 0 && m_ > 0) ++q;
  if (q > INT64_MAX || q < INT64_MIN) return std::nullopt;
  return static_cast<int64_t>(q);
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
  int s = std::max(scale_, o.scale_);
  auto a = scale_up(m_, s - scale_);
  auto b = scale_up(o.m_, s - o.scale_);
  if (a && b) return *a < *b ? -1 : (*a > *b ? 1 : 0);
  // One side overflowed when rescaled: it is the one with the larger magnitude.
  if (!a) return m_ < 0 ? -1 : 1;
  return o.m_ < 0 ? 1 : -1;
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
  Mantissa m = m_;
  const int scale_ = this->scale_;
  int e = 0;
  while (m % 10 == 0) {
    m /= 10;
    ++e;
  }
  if (m != 1) return -1;
  return e - scale_ >= 0 ? e - scale_ : -1;
}

}  // namespace credits
