#include <gtest/gtest.h>

#include <cstdio>
#include <random>

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

// format_timestamp writes its digits itself; the text is what printf wrote before, for instants
// all over the engine's time, with and without milliseconds.
TEST(CivilTime, FormatsEveryInstantAsPrintfDid) {
  auto printf_form = [](Timestamp at) {
    const int64_t days = at / kMsPerDay, ms_of_day = at % kMsPerDay, secs = ms_of_day / 1000;
    const int ms = static_cast<int>(ms_of_day % 1000);
    const CivilDate c = civil_from_days(days);
    char buf[40];
    std::snprintf(buf, sizeof buf, ms ? "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03dZ" : "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                  static_cast<long long>(c.year), c.month, c.day, static_cast<long long>(secs / 3600),
                  static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60), ms);
    return std::string(buf);
  };
  std::mt19937_64 rng(9);
  std::uniform_int_distribution<Timestamp> any(0, kMaxTimestamp);
  for (Timestamp at : {Timestamp{0}, Timestamp{999}, kMaxTimestamp, kMaxTimestamp - 999}) EXPECT_EQ(format_timestamp(at), printf_form(at));
  for (int i = 0; i < 20000; ++i) {
    Timestamp at = any(rng);
    if (i % 2) at -= at % 1000;  // whole seconds too
    ASSERT_EQ(format_timestamp(at), printf_form(at)) << at;
  }
}

}  // namespace
}  // namespace credits
