// kensa::lnk against real shortcuts with known values (plaso's test data and the values plaso's
// own tests state for them; a malicious shortcut from InQuest's GlobalSign campaign) and against
// shortcuts built here byte by byte for the cases real files do not cover: ANSI strings in CP932,
// appended payloads, damage at every offset.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "kensa/archive/archive_reader.h"
#include "kensa/core/file.h"
#include "kensa/lnk/lnk_parser.h"

namespace kensa::lnk {
namespace {

const std::string kPlaso = "../shared/corpora/plaso-test-data/test_data/";

Bytes ReadCorpus(const std::string& path) {
  auto data = ReadFileBounded(path, 1 << 20);
  REQUIRE(data.has_value());
  return std::move(*data);
}

// One member of an InQuest campaign zip (password "infected"), extracted in memory only.
Bytes InquestMember(const std::string& zip, const std::string& member_suffix) {
  auto zip_bytes = ReadFileBounded("../shared/corpora/inquest-docs/" + zip, 64u << 20);
  REQUIRE(zip_bytes.has_value());
  auto listing = archive::ReadArchive(*zip_bytes, {"infected"}, archive::ArchiveLimits{});
  REQUIRE(listing.has_value());
  for (auto& member : listing->members) {
    if (member.name.ends_with(member_suffix)) return std::move(member.data);
  }
  FAIL("no member " << member_suffix << " in " << zip);
  return {};
}

bool HasAnomaly(const LnkParse& lnk, const std::string& code) {
  return std::any_of(lnk.anomalies.begin(), lnk.anomalies.end(), [&](const auto& a) { return a.code() == code; });
}

// --- a shortcut built byte by byte -----------------------------------------------------------

void PutU16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>(v >> 8));
}
void PutU32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::string Header(std::uint32_t flags) {
  std::string lnk("\x4C\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xC0\x00\x00\x00\x00\x00\x00\x46", 20);
  PutU32(lnk, flags);
  lnk.resize(0x3C, '\0');
  PutU32(lnk, 7);  // SW_SHOWMINNOACTIVE
  PutU16(lnk, 0x0641);  // CTRL+ALT+A
  lnk.resize(0x4C, '\0');
  return lnk;
}

// StringData in ANSI: a count of bytes, then the bytes.
void PutAnsiString(std::string& out, std::string_view bytes) {
  PutU16(out, static_cast<std::uint16_t>(bytes.size()));
  out.append(bytes);
}

void PutUnicodeString(std::string& out, std::u16string_view text) {
  PutU16(out, static_cast<std::uint16_t>(text.size()));
  for (char16_t c : text) PutU16(out, static_cast<std::uint16_t>(c));
}

constexpr std::uint32_t kHasName = 0x04;
constexpr std::uint32_t kHasArguments = 0x20;
constexpr std::uint32_t kHasIconLocation = 0x40;
constexpr std::uint32_t kIsUnicode = 0x80;
constexpr std::uint32_t kHasExpString = 0x200;

TEST_CASE("ParseLnk reads NeroInfoTool.lnk with the values plaso's tests state") {
  const Bytes data = ReadCorpus(kPlaso + "NeroInfoTool.lnk");
  auto lnk = ParseLnk(data);
  REQUIRE(lnk.has_value());
  const auto& info = lnk->info;
  CHECK(lnk->anomalies.empty());
  CHECK(info.creation_time() == "2009-06-05T20:13:20Z");
  CHECK(info.access_time() == "2010-01-29T21:30:11.3321569Z");
  CHECK(info.file_size() == 4635160);
  CHECK(info.file_attributes() == 0x20);
  CHECK(info.show_command() == "SW_SHOWNORMAL");
  CHECK(info.volume().drive_type() == "DRIVE_FIXED");
  CHECK(info.volume().drive_serial_number() == 0x70ECFA33);
  CHECK(info.volume().volume_label() == "OS");
  CHECK(info.local_base_path() == "C:\\Program Files (x86)\\Nero\\Nero 9\\Nero InfoTool\\InfoTool.exe");
  CHECK(info.target_path() == info.local_base_path());
  CHECK(info.id_list_path() == "C:\\Program Files (x86)\\Nero\\Nero 9\\Nero InfoTool\\InfoTool.exe");
  CHECK(info.relative_path() ==
        "..\\..\\..\\..\\..\\..\\..\\..\\Program Files (x86)\\Nero\\Nero 9\\Nero InfoTool\\InfoTool.exe");
  CHECK(info.working_dir() == "C:\\Program Files (x86)\\Nero\\Nero 9\\Nero InfoTool");
  CHECK(info.arguments() == "-ScParameter=30002  ");
  CHECK(info.icon_location() == "C:\\Program Files (x86)\\Nero\\Nero 9\\Nero InfoTool\\InfoTool.exe");
  CHECK(info.icon_environment_target() == "%ProgramFiles%\\Nero\\Nero 9\\Nero InfoTool\\InfoTool.exe");
  CHECK(info.name().starts_with("Nero InfoTool provides you with information about the most important features"));
  CHECK(info.command_line() ==
        "\"C:\\Program Files (x86)\\Nero\\Nero 9\\Nero InfoTool\\InfoTool.exe\" -ScParameter=30002  ");
  // The shell item of the target: plaso's "Name: InfoTool.exe ... NTFS file reference: 81349-1".
  REQUIRE(info.id_list_size() == 7);
  CHECK(info.id_list(0).name() == "My Computer");
  CHECK(info.id_list(2).name() == "Program Files (x86)");
  CHECK(info.id_list(2).short_name() == "PROGRA~2");
  CHECK(info.id_list(6).name() == "InfoTool.exe");
  CHECK(info.id_list(6).file_reference() == "81349-1");
  CHECK(info.id_list(6).modified() == "2009-06-05T20:13:20Z");
  // Distributed link tracking: plaso's uuid, MAC address and creation time.
  CHECK(info.tracker().machine_id() == "win-3qmdjgkf3g9");
  CHECK(info.tracker().droid_file_id() == "958705b5-0d19-11df-9fe4-705ab616a5f3");
  CHECK(info.tracker().mac_address() == "70:5a:b6:16:a5:f3");
  CHECK(info.tracker().droid_file_time() == "2010-01-29T21:02:17.8401717Z");
  CHECK(info.special_folder_id() == 42);
  CHECK(info.known_folder_id() == "7c5a40ef-a0fb-4bfc-874a-c0f2e0b9fa8e");
  REQUIRE(info.properties_size() == 1);
  CHECK(info.properties(0).value() == "S-1-5-21-1649921694-3861100353-2334684395-500");
}

TEST_CASE("ParseLnk reads example.lnk, a shortcut without LinkInfo whose target is an environment path") {
  const Bytes data = ReadCorpus(kPlaso + "example.lnk");
  auto lnk = ParseLnk(data);
  REQUIRE(lnk.has_value());
  const auto& info = lnk->info;
  CHECK(info.creation_time() == "2009-07-13T23:29:02.849131Z");
  CHECK(info.access_time() == "2009-07-13T23:29:02.849131Z");
  CHECK(info.write_time() == "2009-07-14T01:39:18.22Z");
  CHECK(info.file_size() == 544768);
  CHECK(info.name() == "@%windir%\\system32\\migwiz\\wet.dll,-590");
  CHECK(info.relative_path() == ".\\migwiz\\migwiz.exe");
  CHECK(info.working_dir() == "%windir%\\system32\\migwiz");
  CHECK(info.icon_location() == "%windir%\\system32\\migwiz\\migwiz.exe");
  CHECK(info.environment_target() == "%windir%\\system32\\migwiz\\migwiz.exe");
  CHECK(info.target_path() == "%windir%\\system32\\migwiz\\migwiz.exe");
  CHECK(info.local_base_path().empty());
  CHECK(info.tracker().droid_file_id() == "846ee3bb-7039-11de-9d20-001d09fa5a1c");
  CHECK(info.tracker().mac_address() == "00:1d:09:fa:5a:1c");
  CHECK(info.tracker().droid_file_time() == "2009-07-14T05:45:20.5000123Z");
}

TEST_CASE("ParseLnk replaces an unpaired UTF-16 surrogate with U+FFFD and keeps the rest of the path") {
  const Bytes data = ReadCorpus(kPlaso + "unpaired_surrogate.lnk");
  auto lnk = ParseLnk(data);
  REQUIRE(lnk.has_value());
  const auto& info = lnk->info;
  CHECK(info.creation_time() == "2023-07-10T04:01:20.7971076Z");
  CHECK(info.file_size() == 11264);
  CHECK(info.volume().drive_serial_number() == 0x2CA3D1AE);
  CHECK(info.local_base_path() == "C:\\test\\unicode_U+0000d800_\xEF\xBF\xBD.exe");
  CHECK(info.working_dir() == "C:\\test");
  REQUIRE(info.id_list_size() == 4);
  CHECK(info.id_list(3).short_name() == "UNICOD~1.EXE");
  CHECK(info.id_list(3).file_reference() == "386618-63");
  CHECK(info.id_list(3).modified() == "2019-12-06T21:29:00Z");
}

TEST_CASE("ParseLnk reads the GlobalSign campaign shortcut that runs wscript on a dropped VBScript") {
  const Bytes data = InquestMember("2020-07-GlobalSign.zip", "/system_lnk");
  auto lnk = ParseLnk(data);
  REQUIRE(lnk.has_value());
  const auto& info = lnk->info;
  CHECK(info.target_path() == "C:\\Windows\\System32\\wscript.exe");
  CHECK(info.arguments() == "C:\\\\ProgramData\\\\Support\\\\licenseverification.vbs fYBtqEucjehr84MW");
  CHECK(info.volume().drive_serial_number() == 0xB49A9525);
  CHECK(info.creation_time() == "2019-03-19T04:45:02.8667335Z");
  // The attacker's machine: NetBIOS name, VMware MAC address (00:50:56) and user SID.
  CHECK(info.tracker().machine_id() == "desktop-3qp1nmc");
  CHECK(info.tracker().mac_address() == "00:50:56:92:a7:d5");
  CHECK(info.tracker().droid_file_time() == "2020-05-07T13:40:52.9226741Z");
  REQUIRE(info.properties_size() >= 1);
  CHECK(info.properties(0).format_id() == "46588ae2-4cbc-4338-bbfc-139326986dce");
  CHECK(info.properties(0).value() == "S-1-5-21-1593282578-710523072-3904041158-500");
  CHECK(info.known_folder_id() == "1ac14e77-02e7-4e5d-b744-2eb1ae5198b7");
}

TEST_CASE("ParseLnk decodes ANSI strings written on a Japanese system as CP932") {
  std::string lnk = Header(kHasName | kHasArguments);
  // "請求書" (invoice) in Shift_JIS, and an argument with a Japanese folder name.
  PutAnsiString(lnk, "\x90\xBF\x8B\x81\x8F\x91");
  PutAnsiString(lnk, "/c start C:\\Users\\Public\\\x83\x5F\x83\x45\x83\x93\x83\x8D\x81\x5B\x83\x68\\a.exe");
  PutU32(lnk, 0);  // TerminalBlock
  auto parsed = ParseLnk(ByteSpan(reinterpret_cast<const std::uint8_t*>(lnk.data()), lnk.size()));
  REQUIRE(parsed.has_value());
  CHECK(parsed->info.name() == "請求書");
  CHECK(parsed->info.arguments() == "/c start C:\\Users\\Public\\ダウンロード\\a.exe");
  CHECK(parsed->info.ansi_code_page() == 932);
  CHECK(parsed->info.show_command() == "SW_SHOWMINNOACTIVE");
  CHECK(parsed->info.hotkey() == "CTRL+ALT+A");
  CHECK(parsed->anomalies.empty());
}

TEST_CASE("ParseLnk reports data appended after the terminal block") {
  std::string lnk = Header(kHasArguments | kIsUnicode | kHasExpString | kHasIconLocation);
  PutUnicodeString(lnk, u"/c findstr /b TVq %~f0 > %tmp%\\p.b64");
  PutUnicodeString(lnk, u"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe");
  // EnvironmentVariableDataBlock with the Unicode target.
  std::string block;
  PutU32(block, 0x314);
  PutU32(block, 0xA0000001);
  block.resize(8 + 260, '\0');
  for (char16_t c : std::u16string_view(u"%windir%\\system32\\cmd.exe")) PutU16(block, static_cast<std::uint16_t>(c));
  block.resize(0x314, '\0');
  lnk += block;
  PutU32(lnk, 0);
  const std::size_t end = lnk.size();
  lnk += "MZ payload carried by the shortcut";
  auto parsed = ParseLnk(ByteSpan(reinterpret_cast<const std::uint8_t*>(lnk.data()), lnk.size()));
  REQUIRE(parsed.has_value());
  CHECK(parsed->info.environment_target() == "%windir%\\system32\\cmd.exe");
  CHECK(parsed->info.target_path() == "%windir%\\system32\\cmd.exe");
  CHECK(parsed->info.command_line() == "%windir%\\system32\\cmd.exe /c findstr /b TVq %~f0 > %tmp%\\p.b64");
  CHECK(parsed->info.appended_offset() == end);
  CHECK(parsed->info.appended_size() == 34);
  CHECK(HasAnomaly(*parsed, "lnk_appended_data"));
}

TEST_CASE("ParseLnk rejects data without the shell link header") {
  const std::string not_lnk(100, 'A');
  auto parsed = ParseLnk(ByteSpan(reinterpret_cast<const std::uint8_t*>(not_lnk.data()), not_lnk.size()));
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("ParseLnk reports an ID list item that overruns the list") {
  std::string lnk = Header(0x01);
  PutU16(lnk, 10);                         // IDListSize
  PutU16(lnk, 40);                         // an item claiming 40 bytes
  lnk.append("\x32\x00\x00\x00\x00\x00\x00\x00", 8);
  PutU32(lnk, 0);
  auto parsed = ParseLnk(ByteSpan(reinterpret_cast<const std::uint8_t*>(lnk.data()), lnk.size()));
  REQUIRE(parsed.has_value());
  CHECK(HasAnomaly(*parsed, "lnk_malformed_id_list"));
}

TEST_CASE("ParseLnk parses every truncation of a real shortcut without failing and says it is truncated") {
  const Bytes data = ReadCorpus(kPlaso + "NeroInfoTool.lnk");
  for (std::size_t size = 0x4C; size < data.size(); ++size) {
    auto parsed = ParseLnk(ByteSpan(data.data(), size));
    REQUIRE(parsed.has_value());
    // The last bytes are the terminal block's: only a cut before them is visible damage.
    if (size < data.size() - 4) {
      INFO("size " << size);
      CHECK((HasAnomaly(*parsed, "lnk_truncated") || HasAnomaly(*parsed, "lnk_malformed_extra_data") ||
             HasAnomaly(*parsed, "lnk_malformed_id_list") || HasAnomaly(*parsed, "lnk_malformed_link_info")));
    }
  }
}

}  // namespace
}  // namespace kensa::lnk
