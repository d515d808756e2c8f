#pragma once
// Times as Kensa writes them everywhere (reports, findings, metadata): RFC 3339 in UTC.

#include <cstdint>
#include <string>

namespace kensa {

// "2026-11-26T07:30:00Z" for a Unix time in seconds (negative values are before 1970).
std::string FormatRfc3339(std::int64_t unix_seconds);

// FormatRfc3339 of the current time.
std::string NowRfc3339();

}  // namespace kensa
