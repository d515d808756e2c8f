#pragma once
// Bounded, endian-explicit reads over hostile bytes. Every read checks its range and fails
// softly (std::nullopt or an empty span) instead of reading past the end.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kensa {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;

// Little-endian integer at `offset`, or nullopt when it does not fit inside `data`.
template <typename T>
std::optional<T> ReadLe(ByteSpan data, std::uint64_t offset) {
  static_assert(std::is_integral_v<T>);
  if (offset > data.size() || data.size() - offset < sizeof(T)) return std::nullopt;
  T value = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    value = static_cast<T>(value | (static_cast<T>(data[offset + i]) << (8 * i)));
  }
  return value;
}

// Big-endian variant of ReadLe.
template <typename T>
std::optional<T> ReadBe(ByteSpan data, std::uint64_t offset) {
  static_assert(std::is_integral_v<T>);
  if (offset > data.size() || data.size() - offset < sizeof(T)) return std::nullopt;
  T value = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    value = static_cast<T>((value << 8) | static_cast<T>(data[offset + i]));
  }
  return value;
}

// The part of `data` in [offset, offset+length), clipped to what exists.
inline ByteSpan SubSpan(ByteSpan data, std::uint64_t offset, std::uint64_t length) {
  if (offset >= data.size()) return {};
  const std::uint64_t available = data.size() - offset;
  return data.subspan(static_cast<std::size_t>(offset),
                      static_cast<std::size_t>(std::min(length, available)));
}

// True when `data` starts with `prefix` at `offset`.
inline bool HasBytesAt(ByteSpan data, std::uint64_t offset, std::string_view prefix) {
  if (offset > data.size() || data.size() - offset < prefix.size()) return false;
  return std::memcmp(data.data() + offset, prefix.data(), prefix.size()) == 0;
}

// A NUL-terminated ASCII string at `offset`, at most `max_length` bytes; stops at the end.
std::string ReadCString(ByteSpan data, std::uint64_t offset, std::size_t max_length);

// A UTF-16LE string of `units` code units at `offset`, converted to UTF-8 (clipped to data).
std::string ReadUtf16Le(ByteSpan data, std::uint64_t offset, std::size_t units);

// Appends one code point as UTF-8; invalid code points become U+FFFD.
void AppendUtf8(std::string& out, std::uint32_t code_point);

// The longest prefix of UTF-8 `text` of at most `max_bytes` that does not end inside a
// character: cutting a string at a byte count must not leave half a character (protobuf
// refuses such strings, and JSON readers mangle them).
std::string_view Utf8Prefix(std::string_view text, std::size_t max_bytes);

// True when `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF), which protobuf requires of every string field.
bool IsValidUtf8(std::string_view text);

// Shannon entropy of `data` in bits per byte, 0.0 for empty input.
double ShannonEntropy(ByteSpan data);

// "0x1f40": a number as analysts read offsets and addresses.
std::string HexNumber(std::uint64_t value);

// Lower-case hexadecimal of `data`.
std::string ToHex(ByteSpan data);

// The bytes that hex digits spell ("4d 5A90" -> 4d 5a 90); anything that is not a hex digit
// separates nothing and is skipped, and an odd last digit is dropped.
Bytes FromHex(std::string_view hex);

// ASCII lower-casing (sample text is not assumed to be any encoding).
std::string AsciiLower(std::string_view text);

}  // namespace kensa
