#include <gtest/gtest.h>

#include "credits/civil_time.hpp"

namespace credits {
namespace {

Timestamp t(const char* s) { return *parse_timestamp(s); }

TEST(CivilTime, ParsesAndFormatsRfc3339) {
  EXPECT_EQ(format_timestamp(t("2026-11-24T10:00:00Z")), "2026-11-24T10:00:00Z");
  EXPECT_EQ(format_timestamp(t("2026-11-24T10:00:00.250Z")), "2026-11-24T10:00:00.250Z");
  EXPECT_EQ(t("2026-11-24T11:00:00+01:00"), t("2026-11-24T10:00:00Z"));
  EXPECT_EQ(t("1970-01-01T00:00:00Z"), 0);
  for (const char* bad : {"", "2026-11-24", "2026-11-24T10:00:00", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z",
                          "2026-11-24T24:00:00Z", "2026-11-24T10:00:00Zjunk", "1969-12-31T23:59:59Z", "２０２６"})
    EXPECT_FALSE(parse_timestamp(bad).has_value()) << bad;
}

TEST(CivilTime, MonthEndAnchorsClampWithoutDrifting) {
  const Timestamp anchor = t("2026-01-31T09:15:00Z");
  EXPECT_EQ(format_timestamp(add_months(anchor, 1)), "2026-02-28T09:15:00Z");
  EXPECT_EQ(format_timestamp(add_months(anchor, 2)), "2026-03-31T09:15:00Z");
  EXPECT_EQ(format_timestamp(add_months(anchor, 3)), "2026-04-30T09:15:00Z");
  EXPECT_EQ(format_timestamp(add_months(anchor, 12)), "2027-01-31T09:15:00Z");
  EXPECT_EQ(format_timestamp(add_months(t("2027-12-31T00:00:00Z"), 2)), "2028-02-29T00:00:00Z");
  EXPECT_EQ(format_timestamp(add_months(t("2026-03-15T00:00:00Z"), 1)), "2026-04-15T00:00:00Z");
}

}  // namespace
}  // namespace credits
