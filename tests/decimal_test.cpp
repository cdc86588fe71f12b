#include <gtest/gtest.h>

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

}  // namespace
}  // namespace credits
