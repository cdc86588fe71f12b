// UTC instants and calendar arithmetic for billing periods. Pure functions: the engine has no
// clock; every operation brings its own time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace credits {

// Milliseconds since 1970-01-01T00:00:00Z.
using Timestamp = int64_t;

// Calendar constants: every part of the engine that turns instants into days or months uses
// these (and the functions below), so none repeats its own.
inline constexpr int64_t kMsPerSecond = 1000;
inline constexpr int64_t kMsPerMinute = 60 * kMsPerSecond;
inline constexpr int64_t kMsPerHour = 60 * kMsPerMinute;
inline constexpr int64_t kMsPerDay = 24 * kMsPerHour;
inline constexpr int64_t kMonthsPerYear = 12;

// The engine's time runs from 1970-01-01T00:00:00Z to this, its last instant:
// 9999-12-31T23:59:59.999Z. No time outside is accepted, kept or printed.
inline constexpr Timestamp kMaxTimestamp = 253'402'300'799'999;

// Accepts RFC 3339 date-times: "2026-11-24T10:00:00Z", with optional fractional seconds
// (kept to the millisecond) and a "Z" or "+hh:mm"/"-hh:mm" offset. The instant, in UTC, must
// lie in 1970-01-01T00:00:00Z..9999-12-31T23:59:59.999Z (9999-12-31T23:00:00-01:00 is refused).
std::optional<Timestamp> parse_timestamp(std::string_view text);

// "2026-11-24T10:00:00Z", or with ".123" when the instant has milliseconds.
std::string format_timestamp(Timestamp t);

// The instant `months` calendar months after `anchor`, at the same day of month and time of
// day; a day past the end of the target month falls on that month's last day. Computed from
// the anchor each time, so 31 Jan -> 28/29 Feb -> 31 Mar -> 30 Apr (never drifting to the 28th).
Timestamp add_months(Timestamp anchor, int64_t months);

// Days since the epoch for a civil date, and back (Howard Hinnant's algorithms).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
struct CivilDate {
  int64_t year;
  unsigned month;
  unsigned day;
};
CivilDate civil_from_days(int64_t days);

// The calendar month (UTC) holding an instant: its first instant, and a number that is the same
// for every instant of it and grows by one a month (year * 12 + month - 1).
Timestamp month_start(Timestamp t);
int64_t month_number(Timestamp t);

}  // namespace credits
