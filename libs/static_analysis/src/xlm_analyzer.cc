#include "xlm_analyzer.h"

#include <algorithm>
#include <array>
#include <optional>

#include "kensa/ole/compound_file.h"
#include "kensa/xlm/xlm_analysis.h"

namespace kensa::static_analysis {
namespace {

// Codes whose facts the OOXML analyzer reports for packages under its own codes.
constexpr std::array<std::string_view, 5> kReportedByOoxml = {
    "xlm_macro_sheet", "xlm_hidden_macro_sheet", "xlm_very_hidden_macro_sheet", "xlm_auto_open",
    "cell_dde_command"};

std::optional<xlm::XlmAnalysis> AnalyzeCompoundFile(ByteSpan data,
                                                    analysis::v1::StaticResult* result) {
  auto compound = ole::CompoundFile::Open(data);
  if (!compound) return std::nullopt;
  // Excel 97-2003 names the stream Workbook, Excel 5.0/95 Book ([MS-XLS] 2.1.2).
  for (const char* name : {"Workbook", "Book"}) {
    if (compound->Find(name) == nullptr) continue;
    auto stream = compound->ReadStream(name);
    if (!stream) {
      result->add_errors("xlm: " + stream.error().message());
      return std::nullopt;
    }
    return xlm::AnalyzeBiffWorkbook(*stream);
  }
  return std::nullopt;
}

std::optional<xlm::XlmAnalysis> AnalyzePackage(const archive::ArchiveListing& package) {
  // A package without parts under "xl/" holds no workbook (a Word or PowerPoint document).
  const bool workbook = std::any_of(package.members.begin(), package.members.end(),
                                    [](const archive::ArchiveMember& member) { return member.name.find("xl/") != std::string::npos; });
  if (!workbook) return std::nullopt;
  std::vector<xlm::PackagePart> parts;
  for (const auto& member : package.members) {
    if (member.extracted) parts.push_back({member.name, member.data});
  }
  auto analysis = xlm::AnalyzeSpreadsheetPackage(parts);
  std::erase_if(analysis.anomalies, [](const analysis::v1::Anomaly& anomaly) {
    return std::find(kReportedByOoxml.begin(), kReportedByOoxml.end(), anomaly.code()) !=
           kReportedByOoxml.end();
  });
  return analysis;
}

}  // namespace

void AnalyzeExcel4Macros(ByteSpan data, std::string_view format, const archive::ArchiveListing* package,
                         analysis::v1::StaticResult* result,
                         std::vector<std::pair<std::string, std::string>>* decoded_texts) {
  std::optional<xlm::XlmAnalysis> analysis;
  if (format == "ole2") {
    analysis = AnalyzeCompoundFile(data, result);
  } else if (format == "ooxml") {
    if (package != nullptr) analysis = AnalyzePackage(*package);
  } else if (xlm::LooksLikeSylk(data)) {
    analysis = xlm::AnalyzeSylk(data);
  }
  if (!analysis) return;
  const auto& info = analysis->info;
  if (info.sheets_size() == 0 && info.formulas_size() == 0 && info.dde_links_size() == 0 &&
      !info.encrypted()) {
    return;  // not a workbook (a .doc, a .ppt, a Word package)
  }
  for (auto& anomaly : analysis->anomalies) *result->add_anomalies() = std::move(anomaly);
  if (!analysis->decoded_text.empty()) {
    decoded_texts->emplace_back("xlm.formulas", std::move(analysis->decoded_text));
  }
  *result->mutable_xlm() = std::move(analysis->info);
}

}  // namespace kensa::static_analysis
