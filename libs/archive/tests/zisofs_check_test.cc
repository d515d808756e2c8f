// The zisofs check before libarchive: mkzftree's block sizes pass, others refuse the image.
#include <algorithm>
#include <string>

#include "../src/zisofs_check.h"
#include "archive_test_support.h"

namespace kensa::archive {
namespace {

using testing::DetailOf;
using testing::Workspace;

// The offset of the block size exponent of the first Rock Ridge ZF entry.
std::size_t ExponentOffset(const Bytes& image) {
  const std::string entry("ZF\x10\x01pz", 6);
  const auto found = std::search(image.begin(), image.end(), entry.begin(), entry.end());
  REQUIRE(found != image.end());
  return static_cast<std::size_t>(found - image.begin()) + 7;
}

TEST_CASE("A zisofs image made by mkzftree is read; its block size exponent patched is not") {
  Workspace workspace;
  workspace.Run("mkdir src && seq 1 20000 > src/numbers.txt && mkzftree src zsrc");
  workspace.Run("genisoimage -quiet -R -z -o z.iso zsrc");
  Bytes image = workspace.Read("z.iso");
  const std::size_t exponent = ExponentOffset(image);
  REQUIRE(image[exponent] == 15);  // mkzftree's default, 32 KiB blocks

  CHECK_FALSE(ZisofsProblem(image).has_value());
  auto listing = ReadArchive(image, {}, {});
  REQUIRE(listing.has_value());
  REQUIRE(listing->members.size() == 1);
  CHECK(listing->members[0].name == "numbers.txt");
  const Bytes numbers = workspace.Read("src/numbers.txt");
  CHECK(listing->members[0].data == numbers);  // libarchive undid the zisofs compression

  // libarchive 3.6 would malloc four bytes per uncompressed byte for block pointers at 2^0,
  // and shift past 64 bits at 2^64.
  for (const std::uint8_t bad : {std::uint8_t{0}, std::uint8_t{14}, std::uint8_t{18},
                                 std::uint8_t{64}, std::uint8_t{255}}) {
    INFO(int{bad});
    image[exponent] = bad;
    const std::string expected = "a zisofs entry at byte " + std::to_string(exponent - 7) +
                                 " declares blocks of 2^" + std::to_string(bad) +
                                 " bytes (mkzftree writes 2^15 to 2^17)";
    CHECK(ZisofsProblem(image) == expected);
    auto refused = ReadArchive(image, {}, {});
    REQUIRE(refused.has_value());
    CHECK(refused->format == "iso9660");
    CHECK(refused->members.empty());
    CHECK(DetailOf(*refused, "archive_damaged") == "iso9660 not read: " + expected);
  }
  for (const std::uint8_t good : {std::uint8_t{16}, std::uint8_t{17}}) {
    image[exponent] = good;
    CHECK_FALSE(ZisofsProblem(image).has_value());
  }
}

TEST_CASE("Bytes that only look like a ZF entry outside an ISO image are not the check's business") {
  Bytes data(0x9000, 0);
  const std::string entry("ZF\x10\x01pz\x04\x00", 8);
  std::copy(entry.begin(), entry.end(), data.begin() + 0x100);
  CHECK_FALSE(ZisofsProblem(data).has_value());  // no CD001 volume descriptor
  const std::string cd001("CD001");
  std::copy(cd001.begin(), cd001.end(), data.begin() + 0x8001);
  CHECK(ZisofsProblem(data) ==
        "a zisofs entry at byte 256 declares blocks of 2^0 bytes (mkzftree writes 2^15 to 2^17)");
}

}  // namespace
}  // namespace kensa::archive
