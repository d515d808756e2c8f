// The collector's portable parts built for the host: SHA-256 against FIPS 180-4's vectors, the
// zip writer against Info-ZIP's `unzip`, and the text encodings the manifest and TSVs use.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

extern "C" {
#include "sha256.h"
#include "strbuf.h"
#include "zip_writer.h"
}

namespace kensa::collector_test {
namespace {

std::string Sha256Of(const std::string& data, std::size_t chunk = 0) {
  Sha256 hash;
  Sha256Init(&hash);
  if (chunk == 0) chunk = data.size() + 1;
  for (std::size_t at = 0; at < data.size(); at += chunk)
    Sha256Update(&hash, data.data() + at, std::min(chunk, data.size() - at));
  std::uint8_t digest[SHA256_DIGEST_SIZE];
  Sha256Final(&hash, digest);
  char hex[65];
  Sha256Hex(digest, hex);
  return hex;
}

TEST_CASE("SHA-256 gives the FIPS 180-4 example digests") {
  CHECK(Sha256Of("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha256Of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(Sha256Of(std::string(1000000, 'a'), 4093) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("SHA-256 does not depend on how the input is split into updates") {
  // 55, 56 and 64 bytes sit on the padding boundaries of FIPS 180-4 section 5.1.1.
  for (std::size_t length : {55u, 56u, 63u, 64u, 65u, 1000u}) {
    std::string data(length, '\0');
    for (std::size_t i = 0; i < length; ++i) data[i] = static_cast<char>(i * 7 + 3);
    const std::string whole = Sha256Of(data);
    for (std::size_t chunk : {1u, 3u, 63u, 64u}) CHECK(Sha256Of(data, chunk) == whole);
  }
}

TEST_CASE("CRC-32 gives the standard check value and DOS times pack as zip expects") {
  CHECK(Crc32Update(0, "123456789", 9) == 0xCBF43926u);
  // Continuing a CRC over a second chunk equals one pass.
  CHECK(Crc32Update(Crc32Update(0, "12345", 5), "6789", 4) == 0xCBF43926u);
  std::uint16_t date = 0, time = 0;
  ZipDosDateTime(2026, 11, 26, 11, 31, 25, &date, &time);
  CHECK(date == ((46 << 9) | (11 << 5) | 26));
  CHECK(time == ((11 << 11) | (31 << 5) | 12));  // two-second resolution
  ZipDosDateTime(1970, 1, 1, 0, 0, 0, &date, &time);
  CHECK(date == ((0 << 9) | (1 << 5) | 1));  // before 1980: the zip epoch
}

// A ZipSink over a FILE*.
int FileWrite(void* context, const void* data, std::size_t n) {
  return std::fwrite(data, 1, n, static_cast<std::FILE*>(context)) == n ? 0 : 1;
}
int FileSeek(void* context, std::uint64_t offset) {
  return fseeko(static_cast<std::FILE*>(context), static_cast<off_t>(offset), SEEK_SET);
}
int FileTruncate(void* context) {
  auto* file = static_cast<std::FILE*>(context);
  if (std::fflush(file) != 0) return 1;
  return ftruncate(fileno(file), ftello(file));
}

struct TempZip {
  std::filesystem::path path;
  std::FILE* file = nullptr;
  ZipWriter zip{};

  explicit TempZip(const std::string& name) {
    path =
        std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".zip");
    file = std::fopen(path.c_str(), "w+b");
    REQUIRE(file != nullptr);
    ZipInit(&zip, ZipSink{file, FileWrite, FileSeek, FileTruncate});
  }
  void Close() {
    REQUIRE(ZipFinish(&zip) == ZIP_OK);
    ZipFree(&zip);
    REQUIRE(std::fclose(file) == 0);
    file = nullptr;
  }
  ~TempZip() {
    if (file != nullptr) std::fclose(file);
    std::filesystem::remove(path);
  }
};

void AddEntry(ZipWriter* zip, const std::string& name, const std::string& data, std::size_t chunk) {
  REQUIRE(ZipBeginEntry(zip, name.c_str(), (46 << 9) | (11 << 5) | 26, 0) == ZIP_OK);
  for (std::size_t at = 0; at < data.size(); at += chunk)
    REQUIRE(ZipWriteData(zip, data.data() + at, std::min(chunk, data.size() - at)) == ZIP_OK);
  REQUIRE(ZipEndEntry(zip) == ZIP_OK);
}

std::string Run(const std::string& command, int* status) {
  std::string output;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  std::size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, got);
  *status = ::pclose(pipe);
  return output;
}

TEST_CASE("unzip extracts what the zip writer stored, names in UTF-8, without aborted entries") {
  TempZip archive("kensa-zip-writer-test");
  std::string binary(200000, '\0');
  for (std::size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>((i * 131) >> 3);
  AddEntry(&archive.zip, "commands/processes.tsv", "pid\tppid\n4\t0\n", 64);
  AddEntry(&archive.zip, "files/C/Users/\xe5\xb1\xb1\xe7\x94\xb0/NTUSER.DAT", "regf", 4);
  // An entry abandoned half-way (a file whose read failed) is longer than everything after
  // it, so the final truncate has to cut its leftovers off the end.
  REQUIRE(ZipBeginEntry(&archive.zip, "files/C/half-read.bin", 0, 0) == ZIP_OK);
  std::string big(300000, 'x');
  REQUIRE(ZipWriteData(&archive.zip, big.data(), big.size()) == ZIP_OK);
  REQUIRE(ZipAbortEntry(&archive.zip) == ZIP_OK);
  AddEntry(&archive.zip, "files/C/Windows/empty.txt", "", 1);
  AddEntry(&archive.zip, "files/C/Windows/binary.dat", binary, 7919);
  archive.Close();

  int status = 0;
  const std::string quoted = "'" + archive.path.string() + "'";
  const std::string test = Run("unzip -t " + quoted + " 2>&1", &status);
  INFO(test);
  CHECK(status == 0);
  CHECK(test.find("No errors detected") != std::string::npos);
  const std::string names = Run("unzip -Z1 " + quoted, &status);
  CHECK(names ==
        "commands/processes.tsv\nfiles/C/Users/\xe5\xb1\xb1\xe7\x94\xb0/NTUSER.DAT\n"
        "files/C/Windows/empty.txt\nfiles/C/Windows/binary.dat\n");
  CHECK(Run("unzip -p " + quoted + " commands/processes.tsv", &status) == "pid\tppid\n4\t0\n");
  CHECK(Run("unzip -p " + quoted + " files/C/Windows/binary.dat", &status) == binary);
  CHECK(std::filesystem::file_size(archive.path) < 210000);
}

TEST_CASE("the zip writer stops at 65534 entries and the archive stays valid") {
  TempZip archive("kensa-zip-writer-limit-test");
  for (unsigned i = 0; i < ZIP_MAX_ENTRIES; ++i) {
    const std::string name = "e/" + std::to_string(i);
    REQUIRE(ZipBeginEntry(&archive.zip, name.c_str(), 0, 0) == ZIP_OK);
    REQUIRE(ZipEndEntry(&archive.zip) == ZIP_OK);
  }
  CHECK(ZipBeginEntry(&archive.zip, "one-too-many", 0, 0) == ZIP_ERROR_LIMIT);
  CHECK(ZipBeginEntry(&archive.zip, "", 0, 0) == ZIP_ERROR_LIMIT);
  archive.Close();
  int status = 0;
  const std::string test = Run("unzip -tq '" + archive.path.string() + "' 2>&1", &status);
  INFO(test);
  CHECK(status == 0);
}

std::string Take(StrBuf* sb) {
  std::string text = sb->data ? std::string(sb->data, sb->len) : std::string();
  SbFree(sb);
  return text;
}

TEST_CASE("JSON and TSV escaping keep every value on one line and parseable") {
  StrBuf sb;
  SbInit(&sb);
  SbAppendJsonString(&sb, "C:\\Users\\\"x\"\n\t\x01");
  CHECK(Take(&sb) == "\"C:\\\\Users\\\\\\\"x\\\"\\n\\t\\u0001\"");
  SbInit(&sb);
  SbAppendTsvField(&sb, "a\tb\nc\\d\re");
  CHECK(Take(&sb) == "a\\tb\\nc\\\\d\\re");
}

TEST_CASE("UTF-16 becomes UTF-8, with lone surrogates replaced by U+FFFD") {
  // "Aあ" + U+1F600 (a surrogate pair) + a lone high surrogate + "z" + a lone low surrogate.
  const std::uint16_t units[] = {0x41, 0x3042, 0xD83D, 0xDE00, 0xD800, 0x7A, 0xDC00};
  StrBuf sb;
  SbInit(&sb);
  SbAppendUtf16(&sb, units, 7);
  CHECK(Take(&sb) == "A\xe3\x81\x82\xf0\x9f\x98\x80\xef\xbf\xbdz\xef\xbf\xbd");
}

std::string Ipv6(std::initializer_list<unsigned> groups) {
  std::uint8_t bytes[16];
  int i = 0;
  for (unsigned group : groups) {
    bytes[i++] = static_cast<std::uint8_t>(group >> 8);
    bytes[i++] = static_cast<std::uint8_t>(group);
  }
  StrBuf sb;
  SbInit(&sb);
  SbAppendIpv6(&sb, bytes);
  return Take(&sb);
}

TEST_CASE("IPv6 addresses print in RFC 5952 form") {
  CHECK(Ipv6({0, 0, 0, 0, 0, 0, 0, 0}) == "::");
  CHECK(Ipv6({0, 0, 0, 0, 0, 0, 0, 1}) == "::1");
  CHECK(Ipv6({0xfe80, 0, 0, 0, 0, 0, 1, 2}) == "fe80::1:2");
  CHECK(Ipv6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 0}) == "2001:db8::");
  // The longest zero run is compressed; of equal runs the first; a single zero stays "0".
  CHECK(Ipv6({1, 0, 0, 2, 0, 0, 0, 3}) == "1:0:0:2::3");
  CHECK(Ipv6({1, 0, 0, 2, 0, 0, 3, 4}) == "1::2:0:0:3:4");
  CHECK(Ipv6({0x2001, 0xdb8, 0, 1, 1, 1, 1, 1}) == "2001:db8:0:1:1:1:1:1");
  const std::uint8_t v4[4] = {192, 0, 2, 10};
  StrBuf sb;
  SbInit(&sb);
  SbAppendIpv4(&sb, v4);
  CHECK(Take(&sb) == "192.0.2.10");
}

TEST_CASE("numbers and times print exactly") {
  StrBuf sb;
  SbInit(&sb);
  SbAppendU64(&sb, 18446744073709551615ull);
  SbAppendChar(&sb, ' ');
  SbAppendI64(&sb, INT64_MIN);
  SbAppendChar(&sb, ' ');
  SbAppendHexU32(&sb, 0xC0000005u, 8);
  SbAppendChar(&sb, ' ');
  SbAppendRfc3339(&sb, 2026, 1, 2, 3, 4, 5);
  CHECK(Take(&sb) == "18446744073709551615 -9223372036854775808 0xC0000005 2026-01-02T03:04:05Z");
}

}  // namespace
}  // namespace kensa::collector_test
