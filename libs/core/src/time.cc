#include "kensa/core/time.h"

#include <chrono>
#include <cstdio>

namespace kensa {

std::string FormatRfc3339(std::int64_t unix_seconds) {
  // std::chrono's civil calendar, not gmtime_r: no time_t range or locale to worry about.
  using namespace std::chrono;
  const sys_seconds tp{seconds{unix_seconds}};
  const auto day_start = floor<days>(tp);
  const year_month_day ymd{day_start};
  const hh_mm_ss hms{tp - day_start};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buffer;
}

std::string FormatFiletime(std::uint64_t filetime) {
  if (filetime == 0) return {};
  constexpr std::uint64_t kTicksPerSecond = 10000000;
  constexpr std::int64_t kFiletimeToUnix = 11644473600;  // seconds from 1601-01-01 to 1970-01-01
  constexpr std::uint64_t kYear10000 = 2650467744000000000ull;  // RFC 3339 has four-digit years
  if (filetime >= kYear10000) return {};
  const auto seconds = static_cast<std::int64_t>(filetime / kTicksPerSecond) - kFiletimeToUnix;
  std::string text = FormatRfc3339(seconds);
  const std::uint64_t fraction = filetime % kTicksPerSecond;
  if (fraction != 0) {
    char digits[8];
    std::snprintf(digits, sizeof digits, "%07llu", static_cast<unsigned long long>(fraction));
    std::string fraction_text = digits;
    while (fraction_text.back() == '0') fraction_text.pop_back();
    text.insert(text.size() - 1, "." + fraction_text);
  }
  return text;
}

std::string NowRfc3339() {
  using namespace std::chrono;
  return FormatRfc3339(duration_cast<seconds>(system_clock::now().time_since_epoch()).count());
}

}  // namespace kensa
