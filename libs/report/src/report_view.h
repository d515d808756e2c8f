#pragma once
// What the text and HTML renderings both take from a Report: which sample it is about, the
// signatures in severity order, indicators grouped by type with a bounded, fairly shared
// number shown, and small summaries of the PE. Selection lives here so the two renderings
// cannot disagree about it.

#include <cstddef>
#include <string>
#include <vector>

#include "display.h"
#include "kensa/report/language.h"
#include "kensa/report/v1/report.pb.h"

namespace kensa::report::internal {

// The sample the report is about: the submission's when it has hashes, else the static
// result's.
const sample::v1::Sample& ReportSample(const report::v1::Report& report);

// Report.indicators (the deduplicated set of the submission tree) when present, else the
// static result's own.
std::vector<const analysis::v1::Indicator*> ReportIndicators(const report::v1::Report& report);

bool IsNetworkIndicator(analysis::v1::IndicatorType type);

// Signatures of the whole submission tree (static and sandbox results), most severe first; equal severities keep the order
// the analyzers gave. A signature found in several files is listed once, at its most severe
// instance, as the verdict counts it.
std::vector<const analysis::v1::Signature*> SignaturesBySeverity(
    const report::v1::Report& report);

// The name of the extracted file `signature` (an element of the report) was found in, or
// empty when it belongs to the sample itself.
std::string SignatureFile(const report::v1::Report& report, const analysis::v1::Signature* signature);

// One line of "Files inside the sample": the child, its depth below the sample (1 = a direct
// member) and its most severe signatures.
struct ChildView {
  const report::v1::ChildResult* child = nullptr;
  std::uint32_t depth = 1;
  std::vector<const analysis::v1::Signature*> signatures;  // most severe first
};
// Children in tree order (each file followed by the files found in it).
std::vector<ChildView> ChildrenInTreeOrder(const report::v1::Report& report);

// Description_ja in Japanese when the signature has one, else the English description.
const std::string& SignatureDescription(const analysis::v1::Signature& signature, Language lang);

// Why a contribution earned its points, in the report's language: "Severity: HIGH" /
// "深刻度: 高" when the severity is known, else the model's English reason.
std::string ContributionReason(const report::v1::ScoreContribution& contribution, Language lang);

struct IndicatorGroup {
  analysis::v1::IndicatorType type;
  std::vector<const analysis::v1::Indicator*> items;
  // How many of `items` to show; the rest are reported as "(+N more)".
  std::size_t shown = 0;
};

// Indicators grouped by type, network types first (what a responder blocks first). At most
// `max_shown` are shown in total, shared round-robin so that a flood of one type (file paths
// from strings) cannot hide the few URLs.
std::vector<IndicatorGroup> GroupIndicators(const report::v1::Report& report,
                                            std::size_t max_shown);

// Imported functions ("kernel32.dll!VirtualAllocEx") that some signature names as evidence of
// kind "import"; the judgement of what is suspicious stays with the signatures.
std::vector<std::string> SuspiciousImports(const report::v1::Report& report);

struct LanguageCount {
  std::string language;  // "ja-JP", or "0x0411" when the name is unknown
  std::size_t count = 0;
};

// The languages of the PE's resources with how many resources carry each, most common first.
std::vector<LanguageCount> ResourceLanguages(const analysis::v1::PeInfo& pe);

// "PE32 executable (GUI) [pe: pe32, exe]", from the description and stable codes.
std::string FileTypeText(const sample::v1::FileType& type);

// Registers the report's network indicators (with those of its sandbox results) so that
// evidence text mentioning them is defanged as well.
void AddReportIndicators(const report::v1::Report& report, FreeTextDefanger& defanger);

}  // namespace kensa::report::internal
