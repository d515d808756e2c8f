#pragma once
// Internal: the hand-written scanners behind IndicatorExtractor, and the character helpers
// they share. Each scanner appends what it finds in one string to a MatchList; the extractor
// deduplicates, bounds and maps positions to file offsets.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kensa/analysis/v1/indicator.pb.h"
#include "kensa/indicators/public_suffix_list.h"

namespace kensa::indicators::internal {

struct Match {
  analysis::v1::IndicatorType type;
  std::string value;
  std::size_t pos;  // byte index in the scanned text
};

// Byte ranges already claimed by a URL, an e-mail address or an IPv6 address; later network
// scanners skip tokens that start inside them (the URL scanner reports the host itself).
// Spans are added during one scanner's pass and become visible to queries after Freeze(), so
// that a query is a binary search over disjoint sorted intervals, never a linear walk.
class Covered {
 public:
  void Add(std::size_t begin, std::size_t end) { pending_.emplace_back(begin, end); }
  // Makes every span added so far visible to Contains.
  void Freeze();
  bool Contains(std::size_t pos) const;

 private:
  std::vector<std::pair<std::size_t, std::size_t>> pending_;
  std::vector<std::pair<std::size_t, std::size_t>> merged_;  // disjoint, sorted by begin
};

// Which trigger characters a string holds; computed once so that most strings skip most
// scanners.
struct TextFeatures {
  bool colon = false;
  bool dot = false;
  bool at = false;
  bool backslash = false;
  bool slash = false;
  bool percent = false;
  bool space = false;
  bool bracket = false;  // '[', '(' or '{': defanged separators
};
TextFeatures ComputeFeatures(std::string_view text);

// Network indicators: URL, DOMAIN, IPV4, IPV6, EMAIL.
void ScanNetwork(std::string_view text, const TextFeatures& features,
                 const PublicSuffixList& psl, std::vector<Match>& out);
// Host artifacts: REGISTRY_KEY, FILE_PATH, MUTEX, USER_AGENT, COMMAND_LINE.
void ScanHostArtifacts(std::string_view text, const TextFeatures& features,
                       std::size_t max_command_length, std::vector<Match>& out);

// --- Character helpers (ASCII only: sample text is not trusted to be any encoding) -----------

constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }
constexpr bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
constexpr bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
constexpr bool IsHex(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}
constexpr char ToLower(char c) { return IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive: does `text` hold `lower_needle` (already lower case) at `pos`?
inline bool HasAtNoCase(std::string_view text, std::size_t pos, std::string_view lower_needle) {
  if (pos > text.size() || text.size() - pos < lower_needle.size()) return false;
  for (std::size_t i = 0; i < lower_needle.size(); ++i) {
    if (ToLower(text[pos + i]) != lower_needle[i]) return false;
  }
  return true;
}

inline bool HasAt(std::string_view text, std::size_t pos, std::string_view needle) {
  return pos <= text.size() && text.substr(pos).starts_with(needle);
}

inline char CharAt(std::string_view text, std::size_t pos) {
  return pos < text.size() ? text[pos] : '\0';
}

inline char CharBefore(std::string_view text, std::size_t pos) {
  return pos > 0 && pos <= text.size() ? text[pos - 1] : '\0';
}

}  // namespace kensa::indicators::internal
