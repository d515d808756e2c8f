// ReadArchive over archives made at test time by the real tools, and over corkami's minimal
// archives (../shared/corpora/corkami/mini).
#include <locale.h>
#include <sys/resource.h>

#include <chrono>
#include <iostream>

#include "archive_test_support.h"

namespace kensa::archive {
namespace {

using testing::AsBytes;
using testing::Codes;
using testing::ContentOf;
using testing::DefaultPasswords;
using testing::DetailOf;
using testing::FindingOf;
using testing::HasFinding;
using testing::MemberNamed;
using testing::Sha256;
using testing::Text;
using testing::Workspace;

// MS-SHLLINK 2.1: HeaderSize 0x4C and the shell link CLSID, padded to a full header.
std::string LnkHeader() {
  std::string lnk(
      "\x4C\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xC0\x00\x00\x00\x00\x00\x00\x46", 20);
  lnk.resize(0x4C, '\0');
  return lnk;
}

Result<ArchiveListing> ReadFile(const Workspace& workspace, const std::string& name,
                                const std::vector<std::string>& passwords = {},
                                const ArchiveLimits& limits = {}) {
  const Bytes data = workspace.Read(name);
  return ReadArchive(data, passwords, limits);
}

TEST_CASE(
    "A zip with a shortcut and a double-extension program yields both members and their findings") {
  Workspace workspace;
  const std::string program =
      "MZ" + std::string(62, '\0');  // a DOS header: an executable by content
  workspace.Write("invoice.pdf.exe", program);
  workspace.Write("scan.lnk", LnkHeader());
  workspace.Write("readme.txt", "read me\n");
  workspace.Run("zip -q mail.zip invoice.pdf.exe scan.lnk readme.txt");

  auto listing = ReadFile(workspace, "mail.zip");
  REQUIRE(listing.has_value());
  CHECK(listing->format == "zip");
  CHECK(listing->compression.empty());
  CHECK_FALSE(listing->truncated);
  REQUIRE(listing->members.size() == 3);
  const auto& exe = listing->members[0];
  CHECK(exe.name == "invoice.pdf.exe");
  CHECK(exe.extracted);
  CHECK(exe.size == 64);
  CHECK(hashing::Sha256Hex(exe.data) == Sha256(program));
  CHECK_FALSE(exe.encrypted);
  CHECK(exe.modified_unix_seconds.has_value());
  CHECK(listing->members[1].name == "scan.lnk");
  CHECK(Text(listing->members[1].data) == LnkHeader());
  CHECK(Text(listing->members[2].data) == "read me\n");

  CHECK(HasFinding(*listing, "archive_double_extension", "invoice.pdf.exe (pdf.exe)"));
  CHECK(HasFinding(*listing, "archive_executable_member", "invoice.pdf.exe"));
  CHECK(HasFinding(*listing, "archive_lnk_member", "scan.lnk"));
  CHECK(listing->findings.size() == 3);
}

TEST_CASE("Content gives away an executable or shortcut behind an innocent name") {
  Workspace workspace;
  workspace.Write("photo.jpg", "MZ" + std::string(62, '\0'));
  workspace.Write("notes.txt", LnkHeader());
  workspace.Run("zip -q inner.zip notes.txt");
  workspace.Run("cp inner.zip holiday.dat && zip -q outer.zip photo.jpg notes.txt holiday.dat");

  auto listing = ReadFile(workspace, "outer.zip");
  REQUIRE(listing.has_value());
  CHECK(HasFinding(*listing, "archive_executable_member", "photo.jpg (content: dos)"));
  CHECK(HasFinding(*listing, "archive_lnk_member", "notes.txt (content: lnk)"));
  // The nested zip is a member, not opened here: the pipeline analyzes it as a child.
  CHECK(HasFinding(*listing, "archive_nested_archive", "holiday.dat (content: zip)"));
  REQUIRE(listing->members.size() == 3);
  CHECK(listing->members[2].data == workspace.Read("inner.zip"));
}

TEST_CASE("A ZipCrypto zip with password 'infected' opens with the default list") {
  Workspace workspace;
  workspace.Write("sample.doc", "not really a document");
  workspace.Write("second.txt", "two");
  workspace.Run("zip -q -P infected sample.zip sample.doc second.txt");

  auto listing = ReadFile(workspace, "sample.zip", DefaultPasswords());
  REQUIRE(listing.has_value());
  REQUIRE(listing->members.size() == 2);
  for (const auto& member : listing->members) {
    CHECK(member.encrypted);
    CHECK(member.extracted);
    CHECK(member.password_used == "infected");
  }
  CHECK(Text(listing->members[0].data) == "not really a document");
  CHECK(Text(listing->members[1].data) == "two");
  CHECK(Codes(*listing) == std::vector<std::string>{"archive_encrypted", "archive_password_found"});
  CHECK(HasFinding(*listing, "archive_encrypted", "2 of 2 members encrypted"));
  CHECK(HasFinding(*listing, "archive_password_found", "infected"));
}

TEST_CASE("The submitter's password is tried before the default list") {
  Workspace workspace;
  workspace.Write("請求書.txt", "支払期限は今月末です");
  workspace.Run("zip -q -P 'PPAP-2024' invoice.zip *.txt");

  const auto data = workspace.Read("invoice.zip");
  auto unknown = ReadArchive(data, DefaultPasswords());
  REQUIRE(unknown.has_value());
  REQUIRE(unknown->members.size() == 1);
  CHECK(unknown->members[0].encrypted);
  CHECK_FALSE(unknown->members[0].extracted);
  CHECK(unknown->members[0].data.empty());
  CHECK(unknown->members[0].size == std::string("支払期限は今月末です").size());
  CHECK(FindingOf(*unknown, "archive_password_unknown") != nullptr);
  CHECK(FindingOf(*unknown, "archive_password_found") == nullptr);

  std::vector<std::string> passwords = {"PPAP-2024"};
  const auto defaults = DefaultPasswords();
  passwords.insert(passwords.end(), defaults.begin(), defaults.end());
  auto opened = ReadArchive(data, passwords);
  REQUIRE(opened.has_value());
  REQUIRE(opened->members.size() == 1);
  CHECK(opened->members[0].extracted);
  CHECK(Text(opened->members[0].data) == "支払期限は今月末です");
  CHECK(opened->members[0].password_used == "PPAP-2024");
}

TEST_CASE("A WinZip AES-256 zip made by 7z opens with 'infected'") {
  Workspace workspace;
  workspace.Write("payload.js", "WScript.Echo('x');");
  workspace.Run("7z a -tzip -mem=AES256 -pinfected aes.zip payload.js");

  auto listing = ReadFile(workspace, "aes.zip", DefaultPasswords());
  REQUIRE(listing.has_value());
  REQUIRE(listing->members.size() == 1);
  CHECK(listing->members[0].name == "payload.js");
  CHECK(listing->members[0].extracted);
  CHECK(listing->members[0].password_used == "infected");
  CHECK(Text(listing->members[0].data) == "WScript.Echo('x');");
  CHECK(HasFinding(*listing, "archive_password_found", "infected"));
  CHECK(HasFinding(*listing, "archive_executable_member", "payload.js"));
}

TEST_CASE("7z archives: plain ones are extracted, encrypted ones are listed and reported") {
  Workspace workspace;
  workspace.Write("a.txt", "alpha");
  workspace.Write("dir/b.vbs", "MsgBox 1");
  workspace.Run("7z a plain.7z a.txt dir");
  workspace.Run("7z a -pinfected encrypted.7z a.txt");
  workspace.Run("7z a -pinfected -mhe=on hidden.7z a.txt");

  auto plain = ReadFile(workspace, "plain.7z");
  REQUIRE(plain.has_value());
  CHECK(plain->format == "7z");
  REQUIRE(plain->members.size() == 2);
  REQUIRE(MemberNamed(*plain, "a.txt") != nullptr);
  CHECK(ContentOf(*plain, "a.txt") == "alpha");
  REQUIRE(MemberNamed(*plain, "dir/b.vbs") != nullptr);
  CHECK(ContentOf(*plain, "dir/b.vbs") == "MsgBox 1");

  // libarchive 3.6 has no 7zAES: the member is listed, not extracted, whatever the password.
  auto encrypted = ReadFile(workspace, "encrypted.7z", DefaultPasswords());
  REQUIRE(encrypted.has_value());
  REQUIRE(encrypted->members.size() == 1);
  CHECK(encrypted->members[0].name == "a.txt");
  CHECK(encrypted->members[0].encrypted);
  CHECK_FALSE(encrypted->members[0].extracted);
  CHECK(HasFinding(*encrypted, "archive_encrypted",
                   "1 of 1 members encrypted; 7z encryption cannot be decrypted here"));

  // With encrypted headers not even the names are readable.
  auto hidden = ReadFile(workspace, "hidden.7z", DefaultPasswords());
  REQUIRE(hidden.has_value());
  CHECK(hidden->members.empty());
  CHECK(hidden->truncated);
  REQUIRE(FindingOf(*hidden, "archive_encrypted") != nullptr);
  CHECK(DetailOf(*hidden, "archive_encrypted").find("header is encrypted") != std::string::npos);
}

TEST_CASE("tar.gz yields the tar members; gzip, bzip2 and xz streams yield their content") {
  Workspace workspace;
  workspace.Write("logs/a.log", "first");
  workspace.Write("logs/b.log", "second");
  workspace.Run("tar czf logs.tar.gz logs");
  workspace.Write("notes.txt", "a single stream\n");
  workspace.Run(
      "gzip -c notes.txt > notes.txt.gz && bzip2 -c notes.txt > notes.txt.bz2 && xz -c notes.txt > "
      "notes.txt.xz");

  auto tar = ReadFile(workspace, "logs.tar.gz");
  REQUIRE(tar.has_value());
  CHECK(tar->format == "tar");
  CHECK(tar->compression == "gzip");
  REQUIRE(tar->members.size() == 2);
  CHECK(ContentOf(*tar, "logs/a.log") == "first");
  CHECK(ContentOf(*tar, "logs/b.log") == "second");

  auto gzip = ReadFile(workspace, "notes.txt.gz");
  REQUIRE(gzip.has_value());
  CHECK(gzip->format == "gzip");
  CHECK(gzip->compression.empty());
  REQUIRE(gzip->members.size() == 1);
  CHECK(gzip->members[0].name == "notes.txt");  // the name gzip keeps in its header
  CHECK(Text(gzip->members[0].data) == "a single stream\n");

  for (const std::string format : {"bzip2", "xz"}) {
    INFO(format);
    auto stream = ReadFile(workspace, format == "xz" ? "notes.txt.xz" : "notes.txt.bz2");
    REQUIRE(stream.has_value());
    CHECK(stream->format == format);
    REQUIRE(stream->members.size() == 1);
    CHECK(stream->members[0].name == "data");  // these formats keep no name
    CHECK(Text(stream->members[0].data) == "a single stream\n");
  }
}

TEST_CASE("A zip member name in CP932 without the UTF-8 flag is decoded") {
  Workspace workspace;
  // Info-ZIP writes an ASCII placeholder with flag bit 11 clear; the placeholder's bytes are
  // then replaced by the CP932 bytes of 請求書 (6 bytes each), as Japanese Windows writes them.
  workspace.Write("XXXXXX.txt", "本文");
  workspace.Run("zip -q cp932.zip XXXXXX.txt");
  Bytes data = workspace.Read("cp932.zip");
  const std::string placeholder = "XXXXXX";
  const std::string cp932 = "\x90\xBF\x8B\x81\x8F\x91";
  std::string text(data.begin(), data.end());
  std::size_t replaced = 0;
  for (auto at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder, at)) {
    text.replace(at, placeholder.size(), cp932);
    ++replaced;
  }
  REQUIRE(replaced == 2);  // local header and central directory
  data.assign(text.begin(), text.end());
  REQUIRE((ReadLe<std::uint16_t>(data, 6).value() & 0x0800) == 0);  // APPNOTE 4.4.4 bit 11

  auto listing = ReadArchive(data, {});
  REQUIRE(listing.has_value());
  REQUIRE(listing->members.size() == 1);
  CHECK(listing->members[0].name == "請求書.txt");
  CHECK(Text(listing->members[0].data) == "本文");
}

TEST_CASE(
    "Unicode names from 7z and Joliet ISO images come out as UTF-8, and the thread's locale is "
    "restored") {
  Workspace workspace;
  workspace.Write("iso/請求書.pdf.lnk", LnkHeader());
  workspace.Write("iso/readme.txt", "hello");
  workspace.Run("genisoimage -quiet -input-charset utf-8 -J -R -o lure.iso iso");
  workspace.Run("cd iso && 7z a ../names.7z '請求書.pdf.lnk'");

  const locale_t before = uselocale(locale_t{});
  auto iso = ReadFile(workspace, "lure.iso");
  CHECK(uselocale(locale_t{}) == before);
  REQUIRE(iso.has_value());
  CHECK(iso->format == "iso9660");
  REQUIRE(iso->members.size() == 2);
  REQUIRE(MemberNamed(*iso, "請求書.pdf.lnk") != nullptr);
  CHECK(ContentOf(*iso, "請求書.pdf.lnk") == LnkHeader());
  CHECK(HasFinding(*iso, "archive_double_extension", "請求書.pdf.lnk (pdf.lnk)"));
  CHECK(HasFinding(*iso, "archive_lnk_member", "請求書.pdf.lnk"));

  auto seven = ReadFile(workspace, "names.7z");
  REQUIRE(seven.has_value());
  REQUIRE(seven->members.size() == 1);
  CHECK(seven->members[0].name == "請求書.pdf.lnk");
}

TEST_CASE("A cabinet made by gcab is read") {
  Workspace workspace;
  workspace.Write("setup.inf", "[Version]\r\n");
  workspace.Write("update.exe", "MZ" + std::string(62, '\0'));
  workspace.Run("gcab -c -z update.cab setup.inf update.exe");

  auto listing = ReadFile(workspace, "update.cab");
  REQUIRE(listing.has_value());
  CHECK(listing->format == "cab");
  REQUIRE(listing->members.size() == 2);
  CHECK(listing->members[0].name == "setup.inf");
  CHECK(Text(listing->members[0].data) == "[Version]\r\n");
  CHECK(listing->members[1].size == 64);
  CHECK(HasFinding(*listing, "archive_executable_member", "update.exe"));
}

TEST_CASE("Names that escape the extraction folder or hide their extension are reported") {
  Workspace workspace;
  workspace.Write("evil.bat", "echo");
  workspace.Run("tar -cPf absolute.tar \"$PWD/evil.bat\"");
  workspace.Run(
      "python3 -c \"import zipfile; z = zipfile.ZipFile('names.zip', 'w'); "
      "z.writestr('../../Startup/run.bat', 'echo'); "
      "z.writestr('C:/Users/Public/x.txt', 'x'); "
      "z.writestr('photo_high_re\\u202egnp.js', 'x'); z.close()\"");

  auto tar = ReadFile(workspace, "absolute.tar");
  REQUIRE(tar.has_value());
  REQUIRE(tar->members.size() == 1);
  CHECK(tar->members[0].name == workspace.Path("evil.bat"));
  CHECK(HasFinding(*tar, "archive_path_traversal", workspace.Path("evil.bat")));

  auto zip = ReadFile(workspace, "names.zip");
  REQUIRE(zip.has_value());
  REQUIRE(zip->members.size() == 3);
  CHECK(HasFinding(*zip, "archive_path_traversal", "../../Startup/run.bat"));
  CHECK(HasFinding(*zip, "archive_path_traversal", "C:/Users/Public/x.txt"));
  CHECK(HasFinding(*zip, "archive_rtlo_name", "photo_high_re\u202egnp.js"));
  CHECK(HasFinding(*zip, "archive_executable_member", "photo_high_re\u202egnp.js"));
}

// 1 GiB of zeros zipped by Info-ZIP at level 9 (about 1 MB), made once for the bomb tests.
const Bytes& ZerosZip() {
  static const Workspace workspace;
  static const Bytes data = [] {
    workspace.Run("truncate -s 1G zeros.bin && zip -q -9 bomb.zip zeros.bin && rm zeros.bin");
    return workspace.Read("bomb.zip");
  }();
  return data;
}

long PeakRssKib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST_CASE("A zip bomb is reported from its declared sizes without decompressing") {
  const Bytes& bomb = ZerosZip();
  const auto start = std::chrono::steady_clock::now();
  auto listing = ReadArchive(bomb, {});
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(listing.has_value());
  REQUIRE(listing->members.size() == 1);
  CHECK(listing->members[0].name == "zeros.bin");
  CHECK(listing->members[0].size == (1ull << 30));
  CHECK_FALSE(listing->members[0].extracted);
  CHECK(listing->expanded_bytes == 0);
  CHECK(HasFinding(*listing, "archive_member_too_large", "zeros.bin: declares 1073741824 bytes"));
  REQUIRE(FindingOf(*listing, "archive_bomb_ratio") != nullptr);
  CHECK(
      DetailOf(*listing, "archive_bomb_ratio").starts_with("members declare 1073741824 bytes in "));
  CHECK(ms < 1000);
  std::cout << "zip bomb (declared sizes): " << ms << " ms\n";
}

TEST_CASE("A zip bomb that lies about its size ends with a finding after a bounded read") {
  // The directory and local header now claim 1000 bytes for the 1 GiB member.
  Bytes bomb = ZerosZip();
  auto patch_size = [&](std::size_t header, std::size_t field) {
    for (std::uint8_t& byte : std::span(bomb).subspan(header + field, 4)) byte = 0;
    bomb[header + field] = 0xE8;  // 1000 little-endian
    bomb[header + field + 1] = 0x03;
  };
  const std::string text(bomb.begin(), bomb.end());
  patch_size(text.find("PK\x03\x04"), 22);  // APPNOTE 4.3.7 uncompressed size
  patch_size(text.find("PK\x01\x02"), 24);  // APPNOTE 4.3.12

  const auto start = std::chrono::steady_clock::now();
  auto listing = ReadArchive(bomb, {});
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(listing.has_value());
  REQUIRE(listing->members.size() == 1);
  CHECK_FALSE(listing->members[0].extracted);
  CHECK(listing->members[0].data.empty());
  CHECK(listing->truncated);
  REQUIRE(FindingOf(*listing, "archive_bomb_ratio") != nullptr);
  CHECK(DetailOf(*listing, "archive_bomb_ratio").find("and still expanding") != std::string::npos);
  // Stopped right after the 16 MiB below which ratios are not judged.
  CHECK(listing->expanded_bytes >= kDefaultMinBombSize);
  CHECK(listing->expanded_bytes < kDefaultMinBombSize + (1u << 20));
  CHECK(ms < 5000);
  // Nothing near the 1 GiB the member expands to was ever held in memory.
  CHECK(PeakRssKib() < 512 * 1024);
  std::cout << "zip bomb (lying sizes): " << ms << " ms, " << listing->expanded_bytes
            << " bytes expanded, peak RSS " << PeakRssKib() / 1024 << " MiB\n";
}

TEST_CASE("A gzip bomb without declared sizes is stopped by its ratio") {
  Workspace workspace;
  // 64 gzip members of 16 MiB of zeros each: one 1 GiB stream (RFC 1952 2.2 allows members in a
  // row).
  workspace.Run(
      "head -c 16777216 /dev/zero | gzip -9 > part.gz && for i in $(seq 64); do cat part.gz; done "
      "> bomb.gz");
  const auto start = std::chrono::steady_clock::now();
  auto listing = ReadFile(workspace, "bomb.gz");
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(listing.has_value());
  CHECK(listing->format == "gzip");
  REQUIRE(listing->members.size() == 1);
  CHECK_FALSE(listing->members[0].extracted);
  CHECK(FindingOf(*listing, "archive_bomb_ratio") != nullptr);
  CHECK(listing->expanded_bytes < kDefaultMinBombSize + (1u << 20));
  CHECK(ms < 5000);
  std::cout << "gzip bomb: " << ms << " ms\n";
}

TEST_CASE("Member, size and total limits stop reading with findings") {
  Workspace workspace;
  std::string names;
  for (int i = 0; i < 30; ++i) {
    workspace.Write("f" + std::to_string(i) + ".txt",
                    std::string(1000, static_cast<char>('a' + i % 26)));
    names += " f" + std::to_string(i) + ".txt";
  }
  workspace.Run("zip -q many.zip" + names);

  ArchiveLimits few;
  few.max_members = 10;
  auto limited = ReadFile(workspace, "many.zip", {}, few);
  REQUIRE(limited.has_value());
  CHECK(limited->members.size() == 10);
  CHECK(limited->truncated);
  CHECK(HasFinding(*limited, "archive_member_limit", "more than 10 entries"));

  ArchiveLimits small;
  small.max_member_size = 999;
  auto too_large = ReadFile(workspace, "many.zip", {}, small);
  REQUIRE(too_large.has_value());
  CHECK(too_large->members.size() == 30);
  CHECK_FALSE(too_large->members[0].extracted);
  CHECK(too_large->members[0].size == 1000);
  CHECK(HasFinding(*too_large, "archive_member_too_large", "f0.txt: declares 1000 bytes"));
  // Twenty of the thirty say it all.
  CHECK(too_large->findings.size() == kMaxFindingsPerCode);

  ArchiveLimits budget;
  budget.max_total_size = 5500;
  auto stopped = ReadFile(workspace, "many.zip", {}, budget);
  REQUIRE(stopped.has_value());
  CHECK(stopped->truncated);
  CHECK(stopped->members.size() == 6);  // the sixth crosses the budget and is not kept
  CHECK(stopped->members[4].extracted);
  CHECK_FALSE(stopped->members[5].extracted);
  CHECK(HasFinding(*stopped, "archive_total_size_limit", "more than 5500 bytes decompressed"));

  ArchiveLimits no_time;
  no_time.max_duration = std::chrono::milliseconds(0);
  auto expired = ReadFile(workspace, "many.zip", {}, no_time);
  REQUIRE(expired.has_value());
  CHECK(expired->members.empty());
  CHECK(expired->truncated);
  CHECK(FindingOf(*expired, "archive_time_limit") != nullptr);
}

TEST_CASE("Damaged archives yield findings, and non-archives an error") {
  Workspace workspace;
  workspace.Write("a.txt", std::string(5000, 'a'));
  workspace.Write("b.txt", "bravo");
  workspace.Run("zip -q -0 stored.zip a.txt b.txt");
  Bytes zip = workspace.Read("stored.zip");

  // A flipped byte in a stored member's data fails its CRC-32; the data is still given.
  Bytes flipped = zip;
  const std::string text(zip.begin(), zip.end());
  flipped[text.find("aaaa")] = 'b';
  auto crc = ReadArchive(flipped, {});
  REQUIRE(crc.has_value());
  REQUIRE(crc->members.size() == 2);
  REQUIRE(FindingOf(*crc, "archive_member_damaged") != nullptr);
  CHECK(DetailOf(*crc, "archive_member_damaged").starts_with("a.txt: ZIP bad CRC"));
  CHECK(Text(crc->members[1].data) == "bravo");

  // Cut in the middle of the first member: no central directory, the stream breaks off.
  const Bytes cut(zip.begin(), zip.begin() + 2000);
  auto truncated = ReadArchive(cut, {});
  REQUIRE(truncated.has_value());
  CHECK(truncated->truncated);
  CHECK(FindingOf(*truncated, "archive_damaged") != nullptr);

  // An empty zip (only the end of central directory record) is a zip without members.
  const std::string empty_zip = std::string("PK\x05\x06", 4) + std::string(18, '\0');
  auto empty = ReadArchive(AsBytes(empty_zip), {});
  REQUIRE(empty.has_value());
  CHECK(empty->format == "zip");
  CHECK(empty->members.empty());
  CHECK(empty->findings.empty());

  const std::string not_archive = "just some text, not an archive\n";
  auto error = ReadArchive(AsBytes(not_archive), {});
  REQUIRE_FALSE(error.has_value());
  CHECK(error.error().code() == StatusCode::kInvalidArgument);
  CHECK(error.error().message() == "not an archive libarchive reads: Unrecognized archive format");
  CHECK_FALSE(ReadArchive({}, {}).has_value());
}

TEST_CASE("corkami's minimal archives of every supported format are read") {
  struct Expected {
    std::string file, format, member, content;
  };
  const std::vector<Expected> cases = {
      {"zip.zip", "zip", "zip.txt", "ZIP\r\n"},
      {"7-Zip.7z", "7z", "7-Zip.txt", "7-Zip"},
      {"rar4.rar", "rar", "rar4.txt", "RAR4"},
      {"rar5.rar", "rar", "rar5.txt", "RAR5"},
      {"cabinet.cab", "cab", "README.txt", "Microsoft Cabinet\r\n"},
      {"iso.iso", "iso9660", "ISO.TXT", "ISO\n"},
      {"tar.tar", "tar", "hello.txt", "TAR"},
      {"gzip.gz", "gzip", "gzip.txt", "gzip"},
      {"bzip2.bz2", "bzip2", "data", "bzip2"},
      {"xz.xz", "xz", "data", "XZ\r\n"}};
  for (const auto& expected : cases) {
    INFO(expected.file);
    auto data = ReadFileBounded("../shared/corpora/corkami/mini/" + expected.file, 1 << 20);
    REQUIRE(data.has_value());
    auto listing = ReadArchive(*data, {});
    REQUIRE(listing.has_value());
    CHECK(listing->format == expected.format);
    CHECK(listing->findings.empty());
    REQUIRE(listing->members.size() == 1);
    CHECK(listing->members[0].name == expected.member);
    CHECK(listing->members[0].extracted);
    CHECK(Text(listing->members[0].data) == expected.content);
  }
}

TEST_CASE("The password list skips comments and blank lines and keeps spaces") {
  Workspace workspace;
  workspace.Write("list.txt", "# comment\r\ninfected\r\n\r\n two words \nlast");
  auto passwords = LoadPasswordList(workspace.Path("list.txt"));
  REQUIRE(passwords.has_value());
  CHECK(*passwords == std::vector<std::string>{"infected", " two words ", "last"});

  auto defaults = LoadPasswordList("rules/archive/passwords.txt");
  REQUIRE(defaults.has_value());
  REQUIRE(defaults->size() >= 10);
  CHECK(defaults->front() == "infected");

  workspace.Write("bad.txt", "ok\n\xFF\xFE\n");
  auto bad = LoadPasswordList(workspace.Path("bad.txt"));
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message() == workspace.Path("bad.txt") + ":2: a password must be UTF-8");
  CHECK(LoadPasswordList(workspace.Path("missing.txt")).error().code() == StatusCode::kNotFound);
}

}  // namespace
}  // namespace kensa::archive
