#include "kensa/indicators/indicator_extractor.h"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

#include "kensa/core/bytes.h"
#include "scanners.h"

namespace kensa::indicators {
namespace {

using analysis::v1::IndicatorType;

// Length of the well-formed UTF-8 sequence at `i` (RFC 3629 section 4: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0.
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned c = at(i);
  if (c < 0x80) return 1;
  std::size_t len = 0;
  unsigned lo = 0x80;
  unsigned hi = 0xBF;  // range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
  }
  return len;
}

// Proto3 strings must be UTF-8; text handed to AddText may not be. Invalid bytes become U+FFFD.
std::string ValidUtf8(std::string value) {
  std::size_t i = 0;
  while (i < value.size()) {
    const std::size_t len = Utf8SequenceLength(value, i);
    if (len == 0) break;
    i += len;
  }
  if (i == value.size()) return value;
  std::string out(value, 0, i);
  while (i < value.size()) {
    const std::size_t len = Utf8SequenceLength(value, i);
    if (len == 0) {
      AppendUtf8(out, 0xFFFD);
      ++i;
    } else {
      out.append(value, i, len);
      i += len;
    }
  }
  return out;
}

}  // namespace

// Maps a byte index in a string's UTF-8 text back to a file offset.
class IndicatorExtractor::OffsetMap {
 public:
  enum class Mode { kFixed, kBytes, kUtf16, kShiftJis };
  OffsetMap(std::uint64_t base, Mode mode) : base_(base), mode_(mode) {}

  std::uint64_t At(std::string_view text, std::size_t pos) const {
    switch (mode_) {
      case Mode::kFixed:
        return base_;
      case Mode::kBytes:
        return base_ + pos;
      case Mode::kUtf16:
      case Mode::kShiftJis: {
        // Each code point is two bytes in UTF-16LE; in Shift_JIS, ASCII is one byte and every
        // other character the extractor produces (double-byte JIS) is two.
        std::uint64_t offset = base_;
        for (std::size_t i = 0; i < pos && i < text.size(); ++i) {
          const auto c = static_cast<unsigned char>(text[i]);
          if ((c & 0xC0) == 0x80) continue;  // continuation byte
          offset += (mode_ == Mode::kUtf16 || c >= 0x80) ? 2 : 1;
        }
        return offset;
      }
    }
    return base_;
  }

 private:
  std::uint64_t base_;
  Mode mode_;
};

IndicatorExtractor::IndicatorExtractor(const PublicSuffixList& psl, IndicatorLimits limits)
    : psl_(&psl), limits_(limits), per_type_(static_cast<std::size_t>(analysis::v1::IndicatorType_MAX) + 1, 0) {}

void IndicatorExtractor::AddString(const strings::ExtractedString& string,
                                   std::string_view source_prefix) {
  std::string source(source_prefix);
  source += '.';
  source += strings::EncodingName(string.encoding);
  ScanString(string, source);
}

void IndicatorExtractor::AddStrings(const std::vector<strings::ExtractedString>& strings,
                                    std::string_view source_prefix) {
  // One source label per encoding, built once: this runs for every string of a sample.
  std::array<std::string, 3> sources;
  for (const auto encoding :
       {strings::Encoding::kAscii, strings::Encoding::kUtf16Le, strings::Encoding::kShiftJis}) {
    sources[static_cast<std::size_t>(encoding)] =
        std::string(source_prefix) + "." + std::string(strings::EncodingName(encoding));
  }
  for (const auto& s : strings) ScanString(s, sources[static_cast<std::size_t>(s.encoding)]);
}

void IndicatorExtractor::ScanString(const strings::ExtractedString& string,
                                    std::string_view source) {
  OffsetMap::Mode mode = OffsetMap::Mode::kBytes;
  if (string.encoding == strings::Encoding::kUtf16Le) mode = OffsetMap::Mode::kUtf16;
  if (string.encoding == strings::Encoding::kShiftJis) mode = OffsetMap::Mode::kShiftJis;
  Scan(string.text, source, OffsetMap(string.offset, mode));
}

void IndicatorExtractor::AddText(std::string_view text, std::string_view source,
                                 std::uint64_t offset) {
  Scan(text, source, OffsetMap(offset, OffsetMap::Mode::kFixed));
}

void IndicatorExtractor::Scan(std::string_view text, std::string_view source,
                              const OffsetMap& offsets) {
  const internal::TextFeatures features = internal::ComputeFeatures(text);
  if (!features.colon && !features.dot && !features.at && !features.backslash &&
      !features.slash && !features.percent && !features.space && !features.bracket) {
    return;
  }
  std::vector<internal::Match> matches;
  internal::ScanNetwork(text, features, *psl_, matches);
  internal::ScanHostArtifacts(text, features, limits_.max_value_length, matches);
  for (internal::Match& match : matches) {
    Record(match.type, std::move(match.value), source, offsets.At(text, match.pos));
  }
}

void IndicatorExtractor::Record(IndicatorType type, std::string value, std::string_view source,
                                std::uint64_t offset) {
  value = ValidUtf8(std::move(value));
  std::string key(1, static_cast<char>(type));
  key += value;
  const auto it = index_.find(key);
  if (it != index_.end()) {
    Entry& entry = entries_[it->second];
    if (entry.occurrences < std::numeric_limits<std::uint32_t>::max()) ++entry.occurrences;
    if (offset < entry.offset) {
      entry.offset = offset;
      entry.source = std::string(source);
    }
    return;
  }
  const auto type_index = static_cast<std::size_t>(type);
  if (value.empty() || value.size() > limits_.max_value_length ||
      entries_.size() >= limits_.max_indicators || type_index >= per_type_.size() ||
      per_type_[type_index] >= limits_.max_per_type) {
    ++dropped_;
    return;
  }
  ++per_type_[type_index];
  index_.emplace(std::move(key), entries_.size());
  entries_.push_back(Entry{type, std::move(value), std::string(source), offset, 1});
}

std::vector<analysis::v1::Indicator> IndicatorExtractor::Indicators() const {
  std::vector<const Entry*> sorted;
  sorted.reserve(entries_.size());
  for (const Entry& e : entries_) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(), [](const Entry* a, const Entry* b) {
    if (a->type != b->type) return a->type < b->type;
    if (a->offset != b->offset) return a->offset < b->offset;
    return a->value < b->value;
  });
  std::vector<analysis::v1::Indicator> out;
  out.reserve(sorted.size());
  for (const Entry* e : sorted) {
    analysis::v1::Indicator indicator;
    indicator.set_type(e->type);
    indicator.set_value(e->value);
    indicator.set_source(e->source);
    indicator.set_offset(e->offset);
    indicator.set_occurrences(e->occurrences);
    out.push_back(std::move(indicator));
  }
  return out;
}

}  // namespace kensa::indicators
