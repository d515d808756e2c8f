#pragma once
// Text helpers of the de-obfuscator (private to libs/script): UTF-8 handling by code point,
// base64 and hex, UTF-16LE text detection, and bounded zlib inflation.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/core/bytes.h"

namespace kensa::script::internal {

// Invalid UTF-8 sequences replaced by U+FFFD, so that the text can go into a proto string.
std::string SanitizeUtf8(std::string_view text);

// At most `max_bytes` of `text`, cut on a code point boundary.
std::string Utf8Prefix(std::string_view text, std::size_t max_bytes);

std::vector<std::uint32_t> ToCodePoints(std::string_view utf8);
std::string FromCodePoints(const std::vector<std::uint32_t>& code_points);

// The code points of `text` in reverse order.
std::string ReverseUtf8(std::string_view text);

// A code point as UTF-8, or nullopt for surrogates and values past U+10FFFF.
std::optional<std::string> CodePointText(std::int64_t code_point);

// Base64 (standard or URL alphabet; whitespace skipped; padding optional). nullopt when a
// character is outside the alphabet or fewer than `min_chars` base64 characters were seen.
std::optional<Bytes> DecodeBase64(std::string_view text, std::size_t min_chars = 4);

// Hex digit pairs ("4D5A90..."), nullopt when anything else is present or the count is odd.
std::optional<Bytes> DecodeHexString(std::string_view text);

// `bytes` as UTF-8 text when they look like text: UTF-16LE (even size, units mostly printable)
// or UTF-8/ASCII with few control characters. nullopt for binary data.
std::optional<std::string> BytesAsText(ByteSpan bytes);

// The same, UTF-16LE only.
std::optional<std::string> Utf16LeAsText(ByteSpan bytes);

// Inflates a raw deflate stream (PowerShell's DeflateStream) or a gzip member (GzipStream).
// nullopt when the data is not a valid stream; output is cut at `max_output`.
std::optional<Bytes> InflateRaw(ByteSpan data, std::size_t max_output);
std::optional<Bytes> Gunzip(ByteSpan data, std::size_t max_output);

// ASCII case-insensitive comparisons on byte strings.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix);
// Position of `needle` in `text` ignoring ASCII case, from `from`; npos when absent.
std::size_t FindIgnoreCase(std::string_view text, std::string_view needle, std::size_t from = 0);

// Replaces every occurrence of `from` (non-empty) in `text`; case-insensitive for ASCII when
// `ignore_case`.
std::string ReplaceAll(std::string_view text, std::string_view from, std::string_view to, bool ignore_case);

}  // namespace kensa::script::internal
