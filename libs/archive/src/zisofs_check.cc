#include "zisofs_check.h"

#include <algorithm>
#include <array>

namespace kensa::archive {
namespace {

// Rock Ridge ZF entry: signature "ZF", length 16, version 1, then the algorithm "pz", the
// header size in 4-byte words and the block size exponent (RRIP zisofs extension).
constexpr std::array<std::uint8_t, 6> kZfEntry = {'Z', 'F', 16, 1, 'p', 'z'};
constexpr std::size_t kExponentOffset = 7;
constexpr std::uint8_t kSmallestExponent = 15;  // 32 KiB blocks
constexpr std::uint8_t kLargestExponent = 17;   // 128 KiB blocks
// An ISO 9660 image starts with 32 KiB of system area, then its volume descriptors.
constexpr std::size_t kVolumeDescriptorOffset = 0x8001;
constexpr std::array<std::uint8_t, 5> kStandardIdentifier = {'C', 'D', '0', '0', '1'};

bool LooksLikeIso9660(ByteSpan data) {
  if (data.size() < kVolumeDescriptorOffset + kStandardIdentifier.size()) return false;
  return std::equal(kStandardIdentifier.begin(), kStandardIdentifier.end(),
                    data.begin() + kVolumeDescriptorOffset);
}

}  // namespace

std::optional<std::string> ZisofsProblem(ByteSpan data) {
  if (!LooksLikeIso9660(data)) return std::nullopt;
  auto at = data.begin();
  for (;;) {
    at = std::search(at, data.end(), kZfEntry.begin(), kZfEntry.end());
    if (at == data.end()) return std::nullopt;
    const auto offset = static_cast<std::size_t>(at - data.begin());
    if (offset + kExponentOffset < data.size()) {
      const std::uint8_t exponent = data[offset + kExponentOffset];
      if (exponent < kSmallestExponent || exponent > kLargestExponent) {
        return "a zisofs entry at byte " + std::to_string(offset) + " declares blocks of 2^" +
               std::to_string(exponent) + " bytes (mkzftree writes 2^15 to 2^17)";
      }
    }
    ++at;
  }
}

}  // namespace kensa::archive
