// The 7z header check before libarchive: lying file counts are refused, real archives pass.
#include <sys/resource.h>

#include <cstdlib>
#include <string>

#include "archive_test_support.h"
#include "../src/sevenzip_header.h"

namespace kensa::archive {
namespace {

using namespace std::string_view_literals;
using testing::DetailOf;
using testing::FindingOf;
using testing::Workspace;

std::string Script() {
  const char* source = std::getenv("KENSA_SOURCE_DIR");
  return std::string(source != nullptr ? source : ".") + "/libs/archive/tests/make_lying_7z.py";
}

long MaxRssKib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// archive_fuzz's find (CI, 2026-11-26): corkami's 7-Zip.7z with its file count mutated to
// 16,511,974 in a 90-byte plain header; libarchive callocs 1.45 GB for it.
constexpr std::string_view kFuzzFind =
    "\x37\x7a\xbc\xaf\x27\x1c\x00\x04\x51\x81\x9d\xa2\x09\x00\x00\x00\x00\x00\x00\x00"
    "\x5a\x00\x00\x00\x00\x00\x00\x00\xc3\x25\x9a\xb3\x01\x00\x04\x37\x2d\x5a\x69\x70"
    "\x00\x01\x04\x06\x00\x01\x09\x09\x00\x07\x0b\x01\x00\x01\x21\x21\x01\x00\x0c\x05"
    "\x00\x08\x0a\x01\xdc\xee\x6a\x02\x00\x00\x05\xff\xe6\xf3\xfb\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x11\x15\x00\x37\x00\x2d\x00\x5a\x00\x69\x00\x70\x00\x2e"
    "\x00\x74\x00\x78\x00\x74\x00\x00\x00\x14\x0a\x01\x00\xad\x43\xcb\x14\x19\x17\xd6"
    "\x01\x15\x06\x01\x00\x20\x00\x00\x00\x00\x00"sv;

TEST_CASE("A 7z whose plain header declares 16 million files in 90 bytes is not read") {
  const ByteSpan data = testing::AsBytes(kFuzzFind);
  CHECK(SevenZipHeaderProblem(data) == "the header declares 16511974 files in 90 bytes");
  const long before = MaxRssKib();
  auto listing = ReadArchive(data, {}, {});
  REQUIRE(listing.has_value());
  CHECK(listing->format == "7z");
  CHECK(listing->members.empty());
  CHECK(listing->truncated);
  CHECK(DetailOf(*listing, "archive_damaged") ==
        "7z not read: the header declares 16511974 files in 90 bytes");
  CHECK(MaxRssKib() - before < 64 * 1024);  // nothing near the 1.4 GB libarchive would take
}

TEST_CASE("Lying file counts are found in plain and in LZMA-encoded headers") {
  Workspace workspace;
  workspace.Run("python3 '" + Script() + "' plain plain.7z 100000000");
  workspace.Run("python3 '" + Script() + "' encoded encoded.7z 99999999");
  workspace.Run("python3 '" + Script() + "' encoded honest.7z 1");

  const Bytes plain = workspace.Read("plain.7z");
  CHECK(SevenZipHeaderProblem(plain) == "the header declares 100000000 files in 8 bytes");
  const Bytes encoded = workspace.Read("encoded.7z");
  CHECK(SevenZipHeaderProblem(encoded) == "the header declares 99999999 files in 8 bytes");
  auto listing = ReadArchive(encoded, {}, {});
  REQUIRE(listing.has_value());
  CHECK(DetailOf(*listing, "archive_damaged") ==
        "7z not read: the header declares 99999999 files in 8 bytes");
  CHECK(listing->members.empty());

  // One file in an 5-byte header is believable: libarchive reads it (and finds no name).
  const Bytes honest = workspace.Read("honest.7z");
  CHECK_FALSE(SevenZipHeaderProblem(honest).has_value());
}

TEST_CASE("Headers that list more folders or streams than they hold are refused too") {
  // libarchive would calloc COUNT folders or three arrays of COUNT streams first.
  Workspace workspace;
  workspace.Run("python3 '" + Script() + "' folders folders.7z 100000000");
  workspace.Run("python3 '" + Script() + "' substreams substreams.7z 99999999");
  for (const char* name : {"folders.7z", "substreams.7z"}) {
    INFO(name);
    const Bytes data = workspace.Read(name);
    CHECK(SevenZipHeaderProblem(data) ==
          "the header is damaged or lists more than it holds before its file list");
    auto listing = ReadArchive(data, {}, {});
    REQUIRE(listing.has_value());
    CHECK(listing->members.empty());
    CHECK(DetailOf(*listing, "archive_damaged").rfind("7z not read: ", 0) == 0);
  }
  // The same layout with an honest count passes.
  workspace.Run("python3 '" + Script() + "' substreams honest.7z 1");
  CHECK_FALSE(SevenZipHeaderProblem(workspace.Read("honest.7z")).has_value());
}

TEST_CASE("Archives 7z writes pass the check, with plain and encoded headers and many files") {
  Workspace workspace;
  workspace.Run("mkdir many && for i in $(seq 1 1500); do echo $i > many/f$i.txt; done");
  workspace.Run("printf 'MZ-like program bytes' > tool.exe && printf 'text' > a.txt");
  workspace.Run("7z a -mhc=off plain.7z a.txt tool.exe");
  workspace.Run("7z a encoded.7z a.txt tool.exe");
  workspace.Run("7z a -m0=lzma2 -mf=BCJ2 bcj2.7z a.txt tool.exe");
  workspace.Run("7z a -ms=off many.7z many");
  workspace.Run("7z a -ms=on -mhc=off many_plain.7z many");
  workspace.Run("7z a empty_dir.7z many/f1.txt && mkdir d && 7z a dir_only.7z d");
  for (const char* name : {"plain.7z", "encoded.7z", "bcj2.7z", "many.7z", "many_plain.7z",
                           "empty_dir.7z", "dir_only.7z"}) {
    INFO(name);
    const Bytes data = workspace.Read(name);
    CHECK_FALSE(SevenZipHeaderProblem(data).has_value());
    ArchiveLimits limits;
    limits.max_members = 2000;
    auto listing = ReadArchive(data, {}, limits);
    REQUIRE(listing.has_value());
    CHECK(FindingOf(*listing, "archive_damaged") == nullptr);
  }
  auto many = ReadArchive(workspace.Read("many.7z"), {}, {});
  REQUIRE(many.has_value());
  // The default limit of 1,000 entries, not the check, stops it (the folder is an entry).
  CHECK(many->members.size() == 999);
  CHECK(FindingOf(*many, "archive_member_limit") != nullptr);
}

TEST_CASE("A self-extracting program's 7z is checked where libarchive looks for it") {
  Workspace workspace;
  workspace.Run("python3 '" + Script() + "' plain lie.7z 5000000");
  Bytes sfx(0x27000 + 0x100, 0);
  sfx[0] = 'M';
  sfx[1] = 'Z';
  const Bytes lie = workspace.Read("lie.7z");
  sfx.insert(sfx.end(), lie.begin(), lie.end());
  CHECK(SevenZipHeaderProblem(sfx) == "the header declares 5000000 files in 8 bytes");
  // Outside the window it is no archive libarchive would open.
  Bytes early(0x100, 0);
  early[0] = 'M';
  early[1] = 'Z';
  early.insert(early.end(), lie.begin(), lie.end());
  CHECK_FALSE(SevenZipHeaderProblem(early).has_value());
}

TEST_CASE("Truncated and damaged 7z headers are left to libarchive, which reports them") {
  const ByteSpan whole = testing::AsBytes(kFuzzFind);
  for (std::size_t size : {6u, 31u, 32u, 40u, 100u}) {
    INFO(size);
    const ByteSpan cut = whole.first(size);
    CHECK_FALSE(SevenZipHeaderProblem(cut).has_value());
    auto listing = ReadArchive(cut, {}, {});
    if (listing.has_value()) CHECK(listing->members.empty());
  }
}

}  // namespace
}  // namespace kensa::archive
