// libFuzzer target: string extraction (ASCII, UTF-16LE, Shift_JIS) and indicator extraction
// over arbitrary bytes. Seed it with any binaries: PEs, documents, text files.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "kensa/analysis/v1/indicator.pb.h"
#include "kensa/indicators/defang.h"
#include "kensa/indicators/indicator_extractor.h"
#include "kensa/indicators/public_suffix_list.h"
#include "kensa/strings/string_extractor.h"

namespace {

// The real list when the host has it; a few rules otherwise, so the target runs anywhere.
const kensa::indicators::PublicSuffixList& List() {
  static const kensa::indicators::PublicSuffixList list = [] {
    auto loaded = kensa::indicators::PublicSuffixList::Load(
        kensa::indicators::kDefaultPublicSuffixListPath);
    if (loaded) return std::move(*loaded);
    return std::move(*kensa::indicators::PublicSuffixList::Parse(
        "com\nnet\norg\njp\nco.jp\n*.kobe.jp\n!city.kobe.jp\nzip\ntop\n"));
  }();
  return list;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const kensa::ByteSpan bytes(data, size);
  // Small limits so that cutting and truncation paths run often.
  kensa::strings::StringLimits limits;
  limits.min_length = 4;
  limits.max_length = 64;
  limits.max_strings = 512;
  kensa::strings::StringStats stats;
  const auto found = kensa::strings::ExtractStrings(bytes, limits, &stats);
  if (found.size() > limits.max_strings) __builtin_trap();
  std::uint64_t previous = 0;
  for (const auto& s : found) {
    if (s.offset >= size || s.offset < previous || s.text.empty()) __builtin_trap();
    previous = s.offset;
    // An ASCII string is exactly the bytes at its offset.
    if (s.encoding == kensa::strings::Encoding::kAscii &&
        (s.text.size() > limits.max_length || s.offset + s.text.size() > size ||
         std::memcmp(data + s.offset, s.text.data(), s.text.size()) != 0)) {
      __builtin_trap();
    }
  }

  kensa::indicators::IndicatorLimits indicator_limits;
  indicator_limits.max_indicators = 64;
  indicator_limits.max_per_type = 16;
  indicator_limits.max_value_length = 256;
  kensa::indicators::IndicatorExtractor extractor(List(), indicator_limits);
  extractor.AddStrings(found);
  // Raw bytes as text too: invalid UTF-8, NULs and controls must not upset the scanners.
  extractor.AddText(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz", 0);
  const auto indicators = extractor.Indicators();
  if (indicators.size() > indicator_limits.max_indicators) __builtin_trap();
  for (const auto& indicator : indicators) {
    if (indicator.value().empty() || indicator.value().size() > indicator_limits.max_value_length ||
        indicator.occurrences() == 0) {
      __builtin_trap();
    }
    // Proto3 strings must be valid UTF-8: a round trip through the wire format checks it.
    std::string wire;
    kensa::analysis::v1::Indicator copy;
    if (!indicator.SerializeToString(&wire) || !copy.ParseFromString(wire)) __builtin_trap();
    (void)kensa::indicators::Defang(indicator.type(), indicator.value());
  }
  return 0;
}
