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

std::string NowRfc3339() {
  using namespace std::chrono;
  return FormatRfc3339(duration_cast<seconds>(system_clock::now().time_since_epoch()).count());
}

}  // namespace kensa
