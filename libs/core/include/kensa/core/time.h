#pragma once
// Times as Kensa writes them everywhere (reports, findings, metadata): RFC 3339 in UTC.

#include <cstdint>
#include <string>

namespace kensa {

// "2026-11-26T07:30:00Z" for a Unix time in seconds (negative values are before 1970).
std::string FormatRfc3339(std::int64_t unix_seconds);

// "2009-07-13T23:29:02.8491311Z" for a Windows FILETIME (100 ns ticks since 1601-01-01 UTC),
// the fraction kept to the tick without trailing zeros; "" for 0 (unset) and for times past
// year 9999, which RFC 3339 cannot write.
std::string FormatFiletime(std::uint64_t filetime);

// FormatRfc3339 of the current time.
std::string NowRfc3339();

}  // namespace kensa
