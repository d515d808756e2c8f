// Synthetic compound files for what the corpora lack: version 4 (4096-byte sectors), a DIFAT
// sector chain, and broken chains at known places.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "../src/code_page.h"
#include "kensa/ole/compound_file.h"

namespace kensa::ole {
namespace {

constexpr std::uint32_t kFree = 0xFFFFFFFFu;
constexpr std::uint32_t kEnd = 0xFFFFFFFEu;
constexpr std::uint32_t kFatSect = 0xFFFFFFFDu;
constexpr std::uint32_t kDifSect = 0xFFFFFFFCu;
constexpr std::size_t kSs = 4096;

void Put16(Bytes& d, std::size_t off, std::uint16_t v) {
  d[off] = static_cast<std::uint8_t>(v);
  d[off + 1] = static_cast<std::uint8_t>(v >> 8);
}
void Put32(Bytes& d, std::size_t off, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i) d[off + i] = static_cast<std::uint8_t>(v >> (8 * i));
}
void Put64(Bytes& d, std::size_t off, std::uint64_t v) {
  for (std::size_t i = 0; i < 8; ++i) d[off + i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::size_t Sector(std::uint32_t n) { return (n + 1) * kSs; }

void PutName(Bytes& d, std::size_t entry, const std::string& name) {
  for (std::size_t i = 0; i < name.size(); ++i) Put16(d, entry + 2 * i, static_cast<std::uint8_t>(name[i]));
  Put16(d, entry + 64, static_cast<std::uint16_t>(2 * (name.size() + 1)));
}

// Version 4 file. Sector 0: FAT; 1: DIFAT (naming FAT sector 2); 2: FAT (all free);
// 3: directory; 4-5: stream "Big" of 5000 bytes.
Bytes BuildV4() {
  Bytes d(Sector(6), 0);
  const std::uint8_t sig[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
  std::copy(std::begin(sig), std::end(sig), d.begin());
  Put16(d, 24, 0x3E);
  Put16(d, 26, 4);
  Put16(d, 28, 0xFFFE);
  Put16(d, 30, 12);
  Put16(d, 32, 6);
  Put32(d, 40, 1);     // directory sectors
  Put32(d, 44, 2);     // FAT sectors
  Put32(d, 48, 3);     // first directory sector
  Put32(d, 56, 4096);  // mini stream cutoff
  Put32(d, 60, kEnd);  // no MiniFAT
  Put32(d, 68, 1);     // first DIFAT sector
  Put32(d, 72, 1);     // DIFAT sectors
  Put32(d, 76, 0);
  for (std::size_t i = 1; i < 109; ++i) Put32(d, 76 + 4 * i, kFree);
  for (std::size_t i = 0; i < kSs / 4; ++i) {
    Put32(d, Sector(0) + 4 * i, kFree);
    Put32(d, Sector(1) + 4 * i, kFree);
    Put32(d, Sector(2) + 4 * i, kFree);
  }
  const std::uint32_t fat[6] = {kFatSect, kDifSect, kFatSect, kEnd, 5, kEnd};
  for (std::size_t i = 0; i < 6; ++i) Put32(d, Sector(0) + 4 * i, fat[i]);
  Put32(d, Sector(1), 2);
  Put32(d, Sector(1) + kSs - 4, kEnd);
  const std::size_t dir = Sector(3);
  for (std::size_t e = 0; e < kSs / 128; ++e) {
    Put32(d, dir + 128 * e + 68, kFree);
    Put32(d, dir + 128 * e + 72, kFree);
    Put32(d, dir + 128 * e + 76, kFree);
  }
  PutName(d, dir, "Root Entry");
  d[dir + 66] = 5;
  Put32(d, dir + 76, 1);
  Put32(d, dir + 116, kEnd);
  const std::size_t big = dir + 128;
  PutName(d, big, "Big");
  d[big + 66] = 2;
  Put64(d, big + 100, 132539328000000000ull);  // 2021-01-01 00:00:00 UTC
  Put32(d, big + 116, 4);
  Put64(d, big + 120, 5000);
  for (std::size_t i = 0; i < 5000; ++i) d[Sector(4) + i] = static_cast<std::uint8_t>(i % 251);
  return d;
}

bool HasAnomaly(const std::vector<analysis::v1::Anomaly>& anomalies, const std::string& code) {
  return std::any_of(anomalies.begin(), anomalies.end(),
                     [&](const analysis::v1::Anomaly& a) { return a.code() == code; });
}

TEST_CASE("A version 4 file with 4096-byte sectors and a DIFAT sector reads cleanly") {
  const Bytes data = BuildV4();
  auto cf = CompoundFile::Open(data);
  REQUIRE(cf.has_value());
  CHECK(cf->anomalies().empty());
  CHECK(cf->major_version() == 4);
  CHECK(cf->sector_size() == 4096);
  REQUIRE(cf->entries().size() == 2);
  const DirectoryEntry& big = cf->entries()[1];
  CHECK(big.name == "Big");
  CHECK(big.path == "Big");
  CHECK(big.size == 5000);
  CHECK(big.parent_id == 0);
  CHECK(FiletimeToUnixSeconds(big.creation_time) == 1609459200);
  auto stream = cf->ReadStream("BIG");
  REQUIRE(stream.has_value());
  REQUIRE(stream->size() == 5000);
  CHECK((*stream)[4999] == 4999 % 251);
  CHECK((*stream)[4096] == 4096 % 251);
}

TEST_CASE("A stream chain that revisits a sector stops with ole_fat_chain_loop") {
  Bytes data = BuildV4();
  Put32(data, Sector(0) + 4 * 4, 4);  // sector 4 -> sector 4
  auto cf = CompoundFile::Open(data);
  REQUIRE(cf.has_value());
  std::vector<analysis::v1::Anomaly> anomalies;
  auto stream = cf->ReadStream("Big", &anomalies);
  REQUIRE(stream.has_value());
  CHECK(stream->size() == 4096);
  CHECK(HasAnomaly(anomalies, "ole_fat_chain_loop"));
}

TEST_CASE("A chain leaving the FAT or the file is ole_sector_out_of_range") {
  Bytes data = BuildV4();
  Put32(data, Sector(0) + 4 * 4, 5000000);
  auto cf = CompoundFile::Open(data);
  REQUIRE(cf.has_value());
  std::vector<analysis::v1::Anomaly> anomalies;
  auto stream = cf->ReadStream("Big", &anomalies);
  REQUIRE(stream.has_value());
  CHECK(stream->size() == 4096);
  CHECK(HasAnomaly(anomalies, "ole_sector_out_of_range"));

  // A file cut inside the stream: the FAT names a sector that is not there.
  Bytes cut = BuildV4();
  cut.resize(Sector(5));
  auto truncated = CompoundFile::Open(cut);
  REQUIRE(truncated.has_value());
  anomalies.clear();
  CHECK(truncated->ReadStream("Big", &anomalies)->size() == 4096);
  CHECK(HasAnomaly(anomalies, "ole_sector_out_of_range"));
}

TEST_CASE("A FAT sector count larger than the file is capped and reported") {
  Bytes data = BuildV4();
  Put32(data, 44, 0x7FFFFFFF);
  auto cf = CompoundFile::Open(data);
  REQUIRE(cf.has_value());
  CHECK(HasAnomaly(cf->anomalies(), "ole_fat_sector_count_invalid"));
  CHECK(HasAnomaly(cf->anomalies(), "ole_difat_truncated"));
  CHECK(cf->ReadStream("Big")->size() == 5000);  // the FAT sectors that exist still work
}

TEST_CASE("Code page 932 text (Shift_JIS) converts to UTF-8 through iconv") {
  const Bytes nihon = {0x93, 0xFA, 0x96, 0x7B, 0x8C, 0xEA};  // 日本語
  CHECK(internal::DecodeCodePage(nihon, 932) == "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
  // A lead byte cut off at the end becomes U+FFFD rather than disappearing.
  const Bytes cut = {0x41, 0x93};
  CHECK(internal::DecodeCodePage(cut, 932) == "A\xEF\xBF\xBD");
  const Bytes cafe = {0x63, 0x61, 0x66, 0xE9};
  CHECK(internal::DecodeCodePage(cafe, 1252) == "caf\xC3\xA9");
  // An unknown code page falls back to Latin-1, which is always valid UTF-8.
  CHECK(internal::DecodeCodePage(cafe, 99999) == "caf\xC3\xA9");
}

}  // namespace
}  // namespace kensa::ole
