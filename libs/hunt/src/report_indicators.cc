#include "kensa/hunt/report_indicators.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

#include "kensa/core/bytes.h"
#include "kensa/indicators/indicator_extractor.h"

namespace kensa::hunt {

namespace {

constexpr std::size_t kMaxIndicators = 500;
// Offsets order the findings for the extractor, which keeps the source of the lowest offset:
// a more severe finding comes first, then the report's order.
constexpr std::uint64_t kOffsetPerLevel = 1'000'000;

int Rank(const std::string& level) {
  if (level == "critical") return 0;
  if (level == "high") return 1;
  if (level == "medium") return 2;
  return -1;  // low, informational: no IOC
}

bool IsLowerHex64(std::string_view text) {
  return text.size() == 64 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// sha256 values in a line: the collector's listings write them as 64 lower-case hex digits.
std::vector<std::string> Sha256Tokens(std::string_view text) {
  std::vector<std::string> tokens;
  std::size_t start = 0;
  while (start < text.size()) {
    while (start < text.size() && !std::isxdigit(static_cast<unsigned char>(text[start]))) ++start;
    std::size_t end = start;
    while (end < text.size() && std::isxdigit(static_cast<unsigned char>(text[end]))) ++end;
    const std::string token = AsciiLower(text.substr(start, end - start));
    if (IsLowerHex64(token)) tokens.push_back(token);
    start = end;
  }
  return tokens;
}

// C:\Windows\System32\cmd.exe, /bin/bash and the like: named by every process tree and
// account, blocked by no one. A binary replaced in place is named by its hash.
bool IsStandardBinary(const analysis::v1::Indicator& indicator) {
  if (indicator.type() != analysis::v1::INDICATOR_TYPE_FILE_PATH) return false;
  const std::string path = AsciiLower(indicator.value());
  static constexpr std::array<std::string_view, 4> kUnixFolders = {"/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/"};
  for (std::string_view folder : kUnixFolders) {
    if (path.starts_with(folder) && path.find('/', folder.size()) == std::string::npos) return true;
  }
  static constexpr std::array<std::string_view, 4> kFolders = {"c:\\windows\\system32\\", "c:\\windows\\syswow64\\",
                                                               "%systemroot%\\system32\\", "%windir%\\system32\\"};
  const bool in_folder = std::any_of(kFolders.begin(), kFolders.end(),
                                     [&](std::string_view folder) { return path.starts_with(folder); });
  return in_folder && (path.ends_with(".exe") || path.ends_with(".dll") || path.ends_with(".sys"));
}

}  // namespace

void SetReportIndicators(const indicators::PublicSuffixList& psl, forensics::v1::HuntReport* report) {
  indicators::IndicatorLimits limits;
  limits.max_indicators = kMaxIndicators * 2;  // room for the standard binaries dropped below
  indicators::IndicatorExtractor extractor(psl, limits);
  std::map<std::string, std::pair<std::uint64_t, std::string>> hashes;  // sha256 -> (offset, rule)
  std::uint64_t index = 0;
  for (const auto& finding : report->findings()) {
    ++index;
    const int rank = Rank(finding.level());
    if (rank < 0) continue;
    const std::uint64_t offset = static_cast<std::uint64_t>(rank) * kOffsetPerLevel + index;
    const std::string& source = finding.rule_id();
    extractor.AddText(finding.evidence(), source, offset);
    for (const auto& [field, value] : finding.key_fields()) {
      // Sysmon's CallTrace is module+offset frames ("C:\x\procdump.exe+11356"), not files.
      if (field == "CallTrace") continue;
      extractor.AddText(value, source, offset);
    }
    // The matched file is itself the indicator.
    if (finding.source() == "yara" || finding.rule_id() == "ioc_known_bad_file") {
      extractor.AddText(finding.source_file(), source, offset);
    }
    for (const auto& token : Sha256Tokens(finding.evidence())) {
      auto [it, added] = hashes.emplace(token, std::make_pair(offset, source));
      if (!added && offset < it->second.first) it->second = {offset, source};
    }
  }
  report->clear_indicators();
  for (auto& indicator : extractor.Indicators()) {
    if (IsStandardBinary(indicator)) continue;
    if (report->indicators_size() >= static_cast<int>(kMaxIndicators)) break;
    *report->add_indicators() = std::move(indicator);
  }
  for (const auto& [sha256, where] : hashes) {
    if (report->indicators_size() >= static_cast<int>(kMaxIndicators)) break;
    auto* indicator = report->add_indicators();
    indicator->set_type(analysis::v1::INDICATOR_TYPE_SHA256);
    indicator->set_value(sha256);
    indicator->set_source(where.second);
    indicator->set_offset(where.first);
    indicator->set_occurrences(1);
  }
}

}  // namespace kensa::hunt
