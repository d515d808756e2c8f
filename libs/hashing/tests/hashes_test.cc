#include "kensa/hashing/hashes.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

#include "kensa/core/file.h"
#include "tlsh_internal.h"

namespace kensa::hashing {
namespace {

// `count` pseudo-random bytes from the C library's classic LCG (seed 42). The expected digests
// below were computed from the same bytes with Python's hashlib, py-tlsh 4.x and ppdeep; the TLSH
// ones with tlsh.hash() of py-tlsh 4.12.1 (identical under 5.0.0), where "TNULL" means no digest.
Bytes LcgBytes(std::size_t count) {
  Bytes out;
  out.reserve(count);
  std::uint64_t x = 42;
  for (std::size_t i = 0; i < count; ++i) {
    x = (x * 1103515245ULL + 12345ULL) % (1ULL << 31);
    out.push_back(static_cast<std::uint8_t>((x >> 16) & 0xFF));
  }
  return out;
}

// `length` bytes repeating first, first+1, ..., first+period-1.
Bytes Ramp(std::uint8_t first, std::uint8_t period, std::size_t length) {
  Bytes out(length);
  for (std::size_t i = 0; i < length; ++i) out[i] = static_cast<std::uint8_t>(first + i % period);
  return out;
}

TEST_CASE("ComputeHashes gives the digests that reference tools give for the same bytes") {
  sample::v1::Hashes hashes;
  ComputeHashes(LcgBytes(5000), hashes);
  CHECK(hashes.md5() == "b53bd547f7e39b1ab9121688f86e73e3");
  CHECK(hashes.sha1() == "8d4b3852f7da4b1719e128c5eae2a20cf5529bda");
  CHECK(hashes.sha256() == "73c6e7990800e7a769315170917b4398accd802e716cbe3ccf98051a7fc34479");
  CHECK(hashes.ssdeep() ==
        "96:vhBjfok5rzZlBkbS+DoYf+iSOZoSfx2mX0hcMwgzYJ/tQ8XZO:3j1HPBaS+DoYdb6S52hhcWzYJ/tQsO");
  CHECK(hashes.tlsh() ==
        "T1CAA17EA0162B25C4DB8C0DAAB6474963523CB306B50F54D473F5A52E3C2CA6AB968D2D");
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

TEST_CASE("TLSH starts at 50 bytes, as TLSH 4.x does, not at Debian libtlsh's 256") {
  CHECK(Tlsh(LcgBytes(49)).empty());  // py-tlsh: TNULL
  CHECK(Tlsh(LcgBytes(50)) ==
        "T14C900282416135C8022340C115FF5071406F70C47496504011120846041864A90ED307");
  CHECK(Tlsh(LcgBytes(51)) ==
        "T1C9900292416135C8022340C115FF5071406F70C47496544011120846041864A90ED307");
  CHECK(Tlsh(LcgBytes(255)) ==
        "T1E0D02E6A812822C0D07B9C960DAF6030C02AB0D190EAA1A069654287184C58E73A4203");
  CHECK(Tlsh(LcgBytes(256)) ==
        "T161D02E6B812822C0D07B9C960DAF6030C02AB0D190EAA1A069654287184C58E73A4203");
  CHECK(Tlsh(LcgBytes(300)) ==
        "T168E0721B412422C0D46B8CA60EAF5031C03EB08090FA50A0AAA1824B1A5C68DB3A464A");
}

TEST_CASE("TLSH of a 1 MiB input matches py-tlsh") {
  CHECK(Tlsh(LcgBytes(1U << 20)) ==
        "T13B2533D60E9BBECFC1E7340095B770B29924F3016C67A0518AFF2566EFCA35664B4B48");
}

TEST_CASE("TLSH of a real PE file matches py-tlsh") {
  // corkami's 65535sects.exe: 2,622,464 bytes, almost all of them its 65,535 section headers.
  const auto pe = ReadFileBounded("../shared/corpora/corkami/PE/bin/65535sects.exe", 4U << 20);
  REQUIRE(pe.has_value());
  CHECK(Sha256Hex(*pe) == "4809eb53debf0923f50d3ba05c05b5b149f3d6f1c65d43871044522f80ea3241");
  CHECK(Tlsh(*pe) ==
        "T134C5AEEABB1B7ED3C42A433108D90B0EF98B1577B1E10295DF24521F9A3929CC9679C7");
}

TEST_CASE("TLSH is empty unless more than half of the 128 digest buckets are non-empty") {
  CHECK(Tlsh(Bytes(5000, 0x00)).empty());      // py-tlsh: TNULL
  CHECK(Tlsh(Bytes(1U << 20, 0xFF)).empty());  // py-tlsh: TNULL
  // A 28-byte ramp repeated to 1,000 bytes fills 64 of the 128 buckets starting at 0x04 (no
  // digest) and 65 starting at 0x15 (counted with a Python model of the bucket step).
  CHECK(Tlsh(Ramp(0x04, 28, 1000)).empty());  // py-tlsh: TNULL
  CHECK(Tlsh(Ramp(0x15, 28, 1000)) ==
        "T18C1101C0C3C808CF2C2710C8A19900AB00817080608404200B4102DA4D96020D62342C");
}

TEST_CASE("TLSH length codes follow the reference table and keep growing past 32-bit lengths") {
  using internal::TlshLengthCode;
  // Within 32 bits these equal the reference's l_capturing() (checked for every length up to
  // 100,000 and at every table entry +-2).
  CHECK(TlshLengthCode(50) == 9);
  CHECK(TlshLengthCode(656) == 15);
  CHECK(TlshLengthCode(657) == 16);
  CHECK(TlshLengthCode(3171) == 21);
  CHECK(TlshLengthCode(3172) == 22);
  CHECK(TlshLengthCode(1U << 20) == 82);
  CHECK(TlshLengthCode(4224281216ULL) == 169);
  // Kensa's extension: 1.1x per code past the reference's last threshold, capped at 255.
  CHECK(TlshLengthCode(4224281217ULL) == 170);
  CHECK(TlshLengthCode(1ULL << 32) == 170);
  CHECK(TlshLengthCode(5000000000ULL) == 171);
  CHECK(TlshLengthCode(1ULL << 40) == 228);
  CHECK(TlshLengthCode(std::numeric_limits<std::uint64_t>::max()) == 255);
}

}  // namespace
}  // namespace kensa::hashing
