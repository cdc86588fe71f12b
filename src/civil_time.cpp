#include "credits/civil_time.hpp"

#include <cstdio>
#include <cstring>

namespace credits {

namespace {

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return (m == 2 && is_leap(y)) ? 29 : kDays[m - 1];
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

CivilDate civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

std::optional<Timestamp> parse_timestamp(std::string_view s) {
  int y, mo, d, h, mi, se;
  if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) ||
      s[7] != '-' || !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') ||
      !digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' ||
      !digits(s, 17, 2, se))
    return std::nullopt;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > static_cast<int>(days_in_month(y, mo)) ||
      h > 23 || mi > 59 || se > 59)
    return std::nullopt;
  size_t pos = 19;
  int64_t ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 3) ms = ms * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0 || n > 9) return std::nullopt;
    for (int k = n; k < 3; ++k) ms *= 10;
  }
  int64_t offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om) || oh > 23 || om > 59)
      return std::nullopt;
    offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  int64_t t = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * kMsPerDay +
              ((h * 60 + mi) * 60 + se) * 1000LL + ms - offset_min * 60'000;
  if (t < 0 || t > kMaxTimestamp) return std::nullopt;
  return t;
}

std::string format_timestamp(Timestamp t) {
  int64_t days = floor_div(t, kMsPerDay);
  int64_t ms_of_day = t - days * kMsPerDay;
  CivilDate c = civil_from_days(days);
  const int64_t secs = ms_of_day / kMsPerSecond;
  const int ms = static_cast<int>(ms_of_day % kMsPerSecond);
  if (c.year < 0 || c.year > 9999) {  // never inside the engine's time; kept exact all the same
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03dZ", static_cast<long long>(c.year),
                  c.month, c.day, static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                  static_cast<long long>(secs % 60), ms);
    return ms == 0 ? std::string(buf, std::strlen(buf) - 5) + "Z" : std::string(buf);
  }
  // Written digit by digit: every result of the ledger prints times, and snprintf's format
  // parsing was a measurable part of a charge's line.
  char buf[24] = "0000-00-00T00:00:00.000";
  auto put = [&buf](size_t at, int64_t v, int width) {
    for (int k = width - 1; k >= 0; --k, v /= 10) buf[at + static_cast<size_t>(k)] = static_cast<char>('0' + v % 10);
  };
  put(0, c.year, 4);
  put(5, c.month, 2);
  put(8, c.day, 2);
  put(11, secs / 3600, 2);
  put(14, secs / 60 % 60, 2);
  put(17, secs % 60, 2);
  if (ms == 0) return std::string(buf, 19) + 'Z';
  put(20, ms, 3);
  return std::string(buf, 23) + 'Z';
}

Timestamp add_months(Timestamp anchor, int64_t months) {
  int64_t days = floor_div(anchor, kMsPerDay);
  int64_t ms_of_day = anchor - days * kMsPerDay;
  CivilDate c = civil_from_days(days);
  int64_t month_index = c.year * kMonthsPerYear + (c.month - 1) + months;
  int64_t y = floor_div(month_index, kMonthsPerYear);
  unsigned m = static_cast<unsigned>(month_index - y * kMonthsPerYear + 1);
  unsigned d = c.day;
  unsigned last = days_in_month(y, m);
  if (d > last) d = last;
  return days_from_civil(y, m, d) * kMsPerDay + ms_of_day;
}

Timestamp month_start(Timestamp t) {
  const CivilDate c = civil_from_days(floor_div(t, kMsPerDay));
  return days_from_civil(c.year, c.month, 1) * kMsPerDay;
}

int64_t month_number(Timestamp t) {
  const CivilDate c = civil_from_days(floor_div(t, kMsPerDay));
  return c.year * kMonthsPerYear + (c.month - 1);
}

}  // namespace credits
