#pragma once
// Internal: helpers the API models share (handles, protections, paths, string output).

#include <cstdint>
#include <string>
#include <string_view>

#include "machine.h"

namespace kensa::emulator::internal {

inline std::uint64_t InvalidHandleValue(const Machine& m) {
  return m.x64() ? ~0ull : 0xFFFFFFFFull;
}
// Pseudo handles: GetCurrentProcess() and GetCurrentThread().
inline bool IsCurrentProcess(const Machine& m, std::uint64_t h) {
  return h == InvalidHandleValue(m) || h == 0;
}

// PAGE_* (winnt.h) to engine protections and back.
std::uint32_t ProtFromPage(std::uint32_t page);
std::uint32_t PageFromProt(std::uint32_t prot);
bool PageIsExecutable(std::uint32_t page);

// An absolute Windows path: relative names are taken from the current directory (the user's
// Desktop), environment variables expanded.
std::string FullPath(Machine& m, std::string_view path);
std::string ExpandEnvironment(Machine& m, std::string_view text);
std::string EnvironmentVariable(Machine& m, std::string_view name);  // "" when unset
std::string TempDirectory(Machine& m);  // with a trailing backslash

// Writes `value` into a caller buffer of `capacity` characters in the function's A/W form.
// Returns the length written (without NUL), or the size needed (with NUL) when it does not
// fit, as GetTempPath-style functions do.
std::uint64_t WriteStringResult(ApiInvocation& inv, std::uint64_t buffer, std::uint64_t capacity,
                                std::string_view value);
// Writes the string (A or W by the function) and its terminator with no size check, for
// functions whose contract has none (lstrcpy, strcpy). Returns bytes written.
std::size_t WriteStringUnbounded(ApiInvocation& inv, std::uint64_t buffer, std::string_view value);

// Case-insensitive wildcard match of '*' and '?' (FindFirstFile patterns).
bool WildcardMatch(std::string_view pattern, std::string_view name);

std::string Quote(std::string_view s);

// UTF-8 <-> UTF-16LE byte strings (registry values are stored as Windows stores them).
std::string ToUtf16Le(std::string_view utf8);
std::string FromUtf16Le(std::string_view utf16);

// printf-style formatting over guest arguments. `next_arg` returns the next variadic argument
// as a pointer-sized slot; 64-bit integers and doubles take two slots on x86.
std::string FormatGuest(Machine& m, std::string_view format, bool wide,
                        const std::function<std::uint64_t()>& next_arg);

}  // namespace kensa::emulator::internal
