#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "credits/decimal.hpp"

namespace credits {
namespace {

Decimal d(const char* s) { return *Decimal::parse(s); }

TEST(Decimal, ParsesExactDecimalText) {
  EXPECT_EQ(d("0.0021").to_string(), "0.0021");
  EXPECT_EQ(d("12").to_string(), "12");
  EXPECT_EQ(d("1.50").to_string(), "1.5");
  EXPECT_EQ(d("-0.5").to_string(), "-0.5");
  for (const char* bad : {"", "-", ".5", "5.", "1e3", "+1", "0x10", "1.2.3", "NaN", "inf", "007", " 1", "1 ",
                          "0.1234567890123456789"})
    EXPECT_FALSE(Decimal::parse(bad).has_value()) << bad;
}

TEST(Decimal, ArithmeticIsExactWhereBinaryFloatingPointIsNot) {
  // 0.1 + 0.2 == 0.3 exactly; 0.0021 per token × 1e6 tokens is exactly 2100.
  EXPECT_EQ(*d("0.1").add(d("0.2")), d("0.3"));
  EXPECT_EQ(*d("0.0021").mul(Decimal::from_int(1'000'000)), Decimal::from_int(2100));
  EXPECT_EQ(d("1.25").div_pow10(6)->to_string(), "0.00000125");
}

TEST(Decimal, RoundsUpOnceToWholeCredits) {
  EXPECT_EQ(*d("2100").ceil_to_int64(), 2100);
  EXPECT_EQ(*d("2100.0000001").ceil_to_int64(), 2101);
  EXPECT_EQ(*d("0.01").ceil_to_int64(), 1);
  EXPECT_EQ(*Decimal().ceil_to_int64(), 0);
  EXPECT_EQ(*d("-0.5").ceil_to_int64(), 0);
}

TEST(Decimal, CeilDivCountsStartedSteps) {
  EXPECT_EQ(*d("61").ceil_div(d("60")), Decimal::from_int(2));
  EXPECT_EQ(*d("60").ceil_div(d("60")), Decimal::from_int(1));
  EXPECT_EQ(*d("0.5").ceil_div(d("0.25")), Decimal::from_int(2));
  EXPECT_EQ(*d("0.51").ceil_div(d("0.25")), Decimal::from_int(3));
  EXPECT_FALSE(d("1").ceil_div(Decimal()).has_value());
}

TEST(Decimal, OverflowIsReportedNeverWrapped) {
  Decimal big = *Decimal::parse("999999999999999999");  // ~1e18
  auto sq = big.mul(big);                                 // ~1e36: fits
  ASSERT_TRUE(sq.has_value());
  EXPECT_FALSE(sq->mul(Decimal::from_int(100)).has_value());
  EXPECT_FALSE(sq->ceil_to_int64().has_value());
  EXPECT_FALSE(Decimal::from_int(INT64_MAX).mul(Decimal::from_int(INT64_MAX)).has_value());  // ~8.5e37
  EXPECT_FALSE(Decimal::from_int(INT64_MAX).add(*Decimal::parse("9999999999999999999999999999999999999")).has_value());
}

TEST(Decimal, ComparesAcrossScales) {
  EXPECT_EQ(d("1.5"), d("1.50"));
  EXPECT_LT(d("1.49"), d("1.5"));
  EXPECT_GT(d("10"), d("9.999999"));
  EXPECT_TRUE(d("3.000").is_integer());
  EXPECT_EQ(d("1000000").power_of_ten_exponent(), 6);
  EXPECT_EQ(d("60").power_of_ten_exponent(), -1);
}


// The 64-bit fast paths against the 128-bit paths they replace (detail::DecimalReference): the
// same mantissa, scale and text, or nullopt from both.

using Ref = detail::DecimalReference;
using Mantissa = Decimal::Mantissa;

Mantissa pow10m(int n) {
  Mantissa r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

std::string describe(const Decimal& x) {
  const Mantissa m = Ref::mantissa(x);
  const Mantissa a = m < 0 ? -m : m;
  std::string digits;
  Mantissa t = a;
  do digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(t % 10))), t /= 10;
  while (t != 0);
  return (m < 0 ? "-" : "") + digits + "e-" + std::to_string(x.scale());
}

::testing::AssertionResult same(const std::optional<Decimal>& fast, const std::optional<Decimal>& ref) {
  if (fast.has_value() != ref.has_value())
    return ::testing::AssertionFailure() << "fast " << (fast ? describe(*fast) : "nullopt") << ", 128-bit "
                                         << (ref ? describe(*ref) : "nullopt");
  if (!fast) return ::testing::AssertionSuccess();
  if (Ref::mantissa(*fast) != Ref::mantissa(*ref) || fast->scale() != ref->scale() ||
      fast->to_string() != ref->to_string())
    return ::testing::AssertionFailure() << "fast " << describe(*fast) << ", 128-bit " << describe(*ref);
  return ::testing::AssertionSuccess();
}

// Mantissas at the edges of the fast paths: around 2^31, 2^32, 2^63 and 2^64, every power of
// ten up to 10^37 - 1, and the largest m with m * 10^n in int64, each with both signs.
std::vector<Mantissa> edge_mantissas() {
  std::vector<Mantissa> v;
  auto both = [&](Mantissa m) {
    if (m >= Decimal::kLimit) return;
    v.push_back(m);
    v.push_back(-m);
  };
  for (int64_t m : {0, 1, 2, 3, 4, 5, 7, 9, 12, 25, 99, 1080, 4096, 123456789}) both(m);
  for (int k : {31, 32, 62, 63, 64, 100, 122}) {
    both(Mantissa(1) << k);
    both((Mantissa(1) << k) - 1);
    both((Mantissa(1) << k) + 1);
  }
  for (int n = 1; n <= 37; ++n) {
    both(pow10m(n));
    both(pow10m(n) - 1);
    both(pow10m(n) + 1);
    both(pow10m(n) / 2);
  }
  for (int n = 0; n <= 19; ++n) {
    const Mantissa bound = Mantissa(INT64_MAX) / pow10m(n);
    both(bound);
    both(bound + 1);
    both(bound - 1);
    both(bound * pow10m(n));
  }
  return v;
}

class Values {
 public:
  Values() : edges_(edge_mantissas()) {}

  Decimal next() { return Ref::raw(mantissa(), scale()); }

 private:
  Mantissa mantissa() {
    switch (rng_() % 4) {
      case 0:
      case 1:
        return edges_[rng_() % edges_.size()];
      case 2: {  // int64 of any magnitude
        const int64_t m = static_cast<int64_t>(rng_() >> (rng_() % 64));
        return rng_() % 2 ? m : -Mantissa(m);
      }
      default: {  // below kLimit, of any magnitude
        __extension__ typedef unsigned __int128 Bits;
        const Bits bits = (Bits(rng_()) << 64 | rng_()) >> (7 + rng_() % 121);
        const Mantissa m = static_cast<Mantissa>(bits) % Decimal::kLimit;
        return rng_() % 2 ? m : -m;
      }
    }
  }

  int scale() {
    static const int kEdges[] = {0, 1, 17, 18, 19, 20, 35, 36};
    switch (rng_() % 3) {
      case 0:
        return static_cast<int>(rng_() % (Decimal::kMaxScale + 1));
      case 1:
        return static_cast<int>(rng_() % 5);
      default:
        return kEdges[rng_() % (sizeof kEdges / sizeof kEdges[0])];
    }
  }

  std::mt19937_64 rng_{20261201};
  std::vector<Mantissa> edges_;
};

// The messages are built only on failure.
void expect_same_binary(const Decimal& a, const Decimal& b) {
  EXPECT_TRUE(same(a.add(b), Ref::add(a, b))) << describe(a) << " + " << describe(b);
  EXPECT_TRUE(same(a.sub(b), Ref::sub(a, b))) << describe(a) << " - " << describe(b);
  EXPECT_TRUE(same(a.mul(b), Ref::mul(a, b))) << describe(a) << " * " << describe(b);
  EXPECT_TRUE(same(a.ceil_div(b), Ref::ceil_div(a, b))) << describe(a) << " ceil_div " << describe(b);
  EXPECT_EQ(a.compare(b), Ref::compare(a, b)) << describe(a) << " <=> " << describe(b);
}

void expect_same_unary(const Decimal& a) {
  EXPECT_EQ(a.ceil_to_int64(), Ref::ceil_to_int64(a)) << describe(a);
  EXPECT_EQ(a.to_int64(), Ref::to_int64(a)) << describe(a);
  EXPECT_EQ(a.is_integer(), Ref::is_integer(a)) << describe(a);
  EXPECT_EQ(a.power_of_ten_exponent(), Ref::power_of_ten_exponent(a)) << describe(a);
}

TEST(DecimalFastPath, MatchesThe128BitPathOnEdgeValues) {
  // Every pair of edge mantissas, in turn at scale pairs that rescale by 0, 1, 2, 18, 19 and
  // 36 digits (all of them for the same pairs would take seconds in WASM).
  const std::vector<Mantissa> edges = edge_mantissas();
  const std::pair<int, int> scales[] = {{0, 0}, {0, 1}, {2, 0}, {0, 18}, {19, 0}, {36, 0}, {17, 36}, {1, 1}};
  const size_t n_scales = sizeof scales / sizeof scales[0];
  for (size_t i = 0; i < edges.size(); ++i) {
    for (int s : {0, 2, 18, 19, 36}) expect_same_unary(Ref::raw(edges[i], s));
    for (size_t j = 0; j < edges.size(); ++j) {
      const auto [sa, sb] = scales[(i + j) % n_scales];
      expect_same_binary(Ref::raw(edges[i], sa), Ref::raw(edges[j], sb));
    }
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(DecimalFastPath, MatchesThe128BitPathOnRandomValues) {
  Values values;
  for (int i = 0; i < 100'000 && !::testing::Test::HasFailure(); ++i) {
    const Decimal a = values.next();
    const Decimal b = values.next();
    expect_same_unary(a);
    expect_same_binary(a, b);
  }
}

TEST(DecimalFastPath, MatchesThe128BitPathOnRateCardValues) {
  // Rates, quantities and steps as cards write them, chained as the estimator chains them.
  const char* texts[] = {"0",      "1",     "4",   "12",    "1080",  "0.05", "0.0021", "0.5",   "1.50", "-0.5",
                         "0.25",   "60",    "2.5", "0.001", "1000000", "0.000001", "999999999999999999",
                         "-12.75", "0.123456789012345678"};
  for (const char* x : texts) {
    for (const char* y : texts) {
      const Decimal a = d(x), b = d(y);
      expect_same_unary(a);
      expect_same_binary(a, b);
      auto p = a.mul(b);
      ASSERT_TRUE(same(p, Ref::mul(a, b)));
      if (!p) continue;
      expect_same_unary(*p);
      expect_same_binary(*p, a);
      if (auto q = p->div_pow10(6)) expect_same_binary(*q, b);
    }
  }
}

TEST(DecimalFastPath, KeepsTheUnnormalisedMantissaAndScale) {
  // add and mul never strip trailing zeros below kMaxScale; the fast path must not either.
  auto s = d("1.50").add(d("0.50"));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(Ref::mantissa(*s), 200);
  EXPECT_EQ(s->scale(), 2);
  EXPECT_EQ(s->to_string(), "2");
  auto p = d("0.50").mul(d("40"));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(Ref::mantissa(*p), 2000);
  EXPECT_EQ(p->scale(), 2);
  // Past kMaxScale the 128-bit path strips zeros: 0.5 (scale 18) × 0.2 (scale 19) = 0.1.
  auto q = Ref::raw(5 * pow10m(17), 18).mul(Ref::raw(2 * pow10m(18), 19));
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->to_string(), "0.1");
  EXPECT_LE(q->scale(), Decimal::kMaxScale);
  // INT64_MAX + 1 leaves int64: the 128-bit path takes it.
  auto big = Decimal::from_int(INT64_MAX).add(Decimal::from_int(1));
  ASSERT_TRUE(big.has_value());
  EXPECT_EQ(big->to_string(), "9223372036854775808");
  EXPECT_EQ(*Decimal::from_int(INT64_MIN).ceil_to_int64(), INT64_MIN);
  EXPECT_EQ(*Ref::raw(1, 36).ceil_to_int64(), 1);
  EXPECT_EQ(*Ref::raw(-1, 36).ceil_to_int64(), 0);
}

}  // namespace
}  // namespace credits
