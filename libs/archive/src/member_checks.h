#pragma once
// What a member's name and content say about it: the UTF-8 form of a raw name and the tricks
// mail-attachment archives play with names (path traversal, double extensions, RTLO) and
// contents (programs, shortcuts, archives in archives). Pure functions, no libarchive.

#include <optional>
#include <string>
#include <string_view>

#include "kensa/core/bytes.h"

namespace kensa::archive {

bool IsValidUtf8(std::string_view text);

// A raw entry name as UTF-8: kept when it already is valid UTF-8, otherwise decoded as CP932
// (undecodable bytes become U+FFFD).
std::string DecodeMemberName(std::string_view raw);

// Cuts `text` to at most `max_bytes` without splitting a UTF-8 sequence.
std::string TruncateUtf8(std::string_view text, std::size_t max_bytes);

// True for "../x", "a/../../x", "/etc/x", "\\server\x", "C:\x" and "C:x".
bool IsPathTraversal(std::string_view name);

// "pdf.exe" for "invoice.pdf.exe" or "invoice.pdf   .exe": a document-like extension right
// before an executable (or .lnk) one, compared without case. nullopt when there is none.
std::optional<std::string> DoubleExtension(std::string_view name);

// The name contains U+202E RIGHT-TO-LEFT OVERRIDE.
bool HasRightToLeftOverride(std::string_view name);

// The lower-case extension of the last path component ("exe"), empty when none.
std::string LowerExtension(std::string_view name);

// Programs and scripts Windows runs on a double click (.exe, .scr, .js, .vbs, .hta, .ps1...).
bool IsExecutableExtension(std::string_view lower_extension);
// Containers a user opens by double click, or a scanner must unpack (.zip, .iso, .img...).
bool IsArchiveExtension(std::string_view lower_extension);

}  // namespace kensa::archive
