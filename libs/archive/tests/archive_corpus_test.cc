// Real archives from ../shared/corpora: InQuest's malicious-document collection (ZipCrypto,
// password "infected"; MANIFEST.tsv lists every member with its sha256 and size), oletools'
// test zips (password "infected-test", not in the default list) and speakeasy's xz-compressed
// test programs. Members stay in memory; nothing is written or run.
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "archive_test_support.h"

namespace kensa::archive {
namespace {

using testing::DefaultPasswords;
using testing::FindingOf;
using testing::HasFinding;

constexpr const char* kInquest = "../shared/corpora/inquest-docs/";

struct ManifestEntry {
  std::string sha256;
  std::uint64_t size = 0;
};

// zip file -> member name -> entry
std::map<std::string, std::map<std::string, ManifestEntry>> ReadManifest() {
  std::ifstream in(std::string(kInquest) + "MANIFEST.tsv");
  REQUIRE(in.good());
  std::map<std::string, std::map<std::string, ManifestEntry>> manifest;
  std::string line;
  std::getline(in, line);  // header: zip, member, sha256, size, file_type
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string zip, member, sha256, size;
    std::getline(fields, zip, '\t');
    std::getline(fields, member, '\t');
    std::getline(fields, sha256, '\t');
    std::getline(fields, size, '\t');
    manifest[zip][member] = {sha256, std::stoull(size)};
  }
  return manifest;
}

TEST_CASE(
    "Every member of InQuest's zips opens with the default passwords and matches the manifest") {
  const auto manifest = ReadManifest();
  REQUIRE(manifest.size() == 15);
  const auto passwords = DefaultPasswords();
  std::size_t members = 0;
  std::uint64_t bytes = 0;
  double total_ms = 0;
  for (const auto& [zip, expected] : manifest) {
    INFO(zip);
    auto data = ReadFileBounded(kInquest + zip, 64ull << 20);
    REQUIRE(data.has_value());
    const auto start = std::chrono::steady_clock::now();
    auto listing = ReadArchive(*data, passwords);
    total_ms +=
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    REQUIRE(listing.has_value());
    CHECK(listing->format == "zip");
    CHECK_FALSE(listing->truncated);
    CHECK(HasFinding(*listing, "archive_password_found", "infected"));
    CHECK(FindingOf(*listing, "archive_password_unknown") == nullptr);
    CHECK(listing->members.size() == expected.size());
    for (const auto& member : listing->members) {
      INFO(member.name);
      const auto it = expected.find(member.name);
      REQUIRE(it != expected.end());
      CHECK(member.extracted);
      CHECK(member.encrypted);
      CHECK(member.password_used == "infected");
      CHECK(member.size == it->second.size);
      CHECK(hashing::Sha256Hex(member.data) == it->second.sha256);
      ++members;
      bytes += member.size;
    }
  }
  CHECK(members == 197);
  std::cout << "inquest: " << members << " members, " << bytes / 1024 << " KiB in " << total_ms
            << " ms (" << static_cast<int>(static_cast<double>(members) / (total_ms / 1000))
            << " members/s, "
            << static_cast<int>(static_cast<double>(bytes) / (1 << 20) / (total_ms / 1000))
            << " MiB/s)\n";
}

TEST_CASE("A bzip2 stream inside InQuest's Shlayer zip is reported as a nested archive") {
  auto data = ReadFileBounded(std::string(kInquest) + "2019-02-Shlayer_Malware.zip", 64ull << 20);
  REQUIRE(data.has_value());
  auto listing = ReadArchive(*data, DefaultPasswords());
  REQUIRE(listing.has_value());
  CHECK(HasFinding(*listing, "archive_encrypted", "2 of 2 members encrypted"));
  CHECK(HasFinding(
      *listing, "archive_nested_archive",
      "2019-02-Shlayer Malware/8ad48b482dcd8d893dd8193acf2436383d9ddf65f55cf2ec47a4e0de3b2c22bf "
      "(content: bzip2)"));
}

TEST_CASE("oletools' test zips open with the submitter's password 'infected-test'") {
  const std::string zip =
      "../shared/corpora/oletools-tests/tests/test-data/msodde/dde-test-from-office2016.doc.zip";
  auto data = ReadFileBounded(zip, 16ull << 20);
  REQUIRE(data.has_value());

  auto without = ReadArchive(*data, DefaultPasswords());
  REQUIRE(without.has_value());
  REQUIRE(without->members.size() == 1);
  CHECK_FALSE(without->members[0].extracted);
  CHECK(FindingOf(*without, "archive_password_unknown") != nullptr);

  std::vector<std::string> passwords = {"infected-test"};
  auto with = ReadArchive(*data, passwords);
  REQUIRE(with.has_value());
  REQUIRE(with->members.size() == 1);
  CHECK(with->members[0].name == "dde-test-from-office2016.doc");
  CHECK(with->members[0].extracted);
  CHECK(with->members[0].password_used == "infected-test");
  // An OLE2 compound file, as the name says.
  CHECK(HasBytesAt(with->members[0].data, 0, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"));
}

TEST_CASE("speakeasy's xz-compressed test programs are single streams holding a PE") {
  const std::string path = "../shared/corpora/speakeasy-tests/tests/bins/dll_test_x64.dll.xz";
  auto data = ReadFileBounded(path, 16ull << 20);
  REQUIRE(data.has_value());
  auto listing = ReadArchive(*data, {});
  REQUIRE(listing.has_value());
  CHECK(listing->format == "xz");
  REQUIRE(listing->members.size() == 1);
  const auto& member = listing->members[0];
  CHECK(member.extracted);
  CHECK(HasBytesAt(member.data, 0, "MZ"));
  CHECK(HasFinding(*listing, "archive_executable_member", "data (content: pe)"));
}

}  // namespace
}  // namespace kensa::archive
