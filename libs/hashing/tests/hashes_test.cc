#include "kensa/hashing/hashes.h"

#include <catch2/catch.hpp>

namespace kensa::hashing {
namespace {

// 5,000 pseudo-random bytes from the C library's classic LCG (seed 42). The expected digests
// below were computed from the same bytes with Python's hashlib, py-tlsh 4.x and ppdeep.
Bytes LcgBytes() {
  Bytes out;
  std::uint64_t x = 42;
  for (int i = 0; i < 5000; ++i) {
    x = (x * 1103515245ULL + 12345ULL) % (1ULL << 31);
    out.push_back(static_cast<std::uint8_t>((x >> 16) & 0xFF));
  }
  return out;
}

TEST_CASE("ComputeHashes gives the digests that reference tools give for the same bytes") {
  sample::v1::Hashes hashes;
  ComputeHashes(LcgBytes(), hashes);
  CHECK(hashes.md5() == "b53bd547f7e39b1ab9121688f86e73e3");
  CHECK(hashes.sha1() == "8d4b3852f7da4b1719e128c5eae2a20cf5529bda");
  CHECK(hashes.sha256() == "73c6e7990800e7a769315170917b4398accd802e716cbe3ccf98051a7fc34479");
  CHECK(hashes.ssdeep() == "96:vhBjfok5rzZlBkbS+DoYf+iSOZoSfx2mX0hcMwgzYJ/tQ8XZO:3j1HPBaS+DoYdb6S52hhcWzYJ/tQsO");
  CHECK(hashes.tlsh() == "T1CAA17EA0162B25C4DB8C0DAAB6474963523CB306B50F54D473F5A52E3C2CA6AB968D2D");
}

TEST_CASE("Empty and tiny inputs hash without TLSH") {
  sample::v1::Hashes hashes;
  ComputeHashes({}, hashes);
  CHECK(hashes.sha256() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hashes.tlsh().empty());
  const Bytes tiny = {'M', 'Z'};
  CHECK(Tlsh(tiny).empty());
  CHECK(Md5Hex(tiny) == "ac6ad5d9b99757c3a878f2d275ace198");
}

}  // namespace
}  // namespace kensa::hashing
