#pragma once
// What the readers share once a workbook's facts are in XlmInfo: findings from sheets, names,
// formulas and DDE links, the decoded text for indicators, and bounded adding of facts.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "kensa/xlm/xlm_analysis.h"

namespace kensa::xlm {

// Adds facts within XlmLimits and anomalies within max_findings_per_code.
class XlmBuilder {
 public:
  XlmBuilder(std::string container, const XlmLimits& limits);

  void AddAnomaly(const std::string& code, std::string_view detail);
  void AddNote(std::string_view note);
  void AddSheet(std::string_view name, std::string_view type, std::string_view visibility);
  // Counts every formula; keeps it while under max_formulas. Returns the kept one or nullptr.
  analysis::v1::XlmFormula* AddFormula(std::string_view sheet, std::string_view cell,
                                       std::string_view formula, std::string_view cached_value);
  void AddText(std::string_view sheet, std::string_view cell, std::string_view text);
  // Keeps names that Excel runs by itself (Auto_Open*, Auto_Close*); ignores the others.
  void AddDefinedName(std::string_view name, std::string_view target);
  void AddDdeLink(std::string_view server, std::string_view topic, std::string_view item,
                  std::string_view location);

  const XlmLimits& limits() const { return limits_; }
  analysis::v1::XlmInfo& info() { return out_.info; }

  // Findings over everything added, then the result.
  XlmAnalysis Finish();

 private:
  XlmLimits limits_;
  XlmAnalysis out_;
  std::map<std::string, std::size_t> anomaly_counts_;
  std::set<std::string> dde_links_seen_;  // server, topic, item and location, NUL-separated
  bool formulas_clipped_ = false;
  bool texts_clipped_ = false;
};

// server|topic!item in formula text ("=cmd|'/c calc.exe'!A0"), as Excel writes DDE references.
struct DdeReference {
  std::string server;
  std::string topic;
  std::string item;
};
std::optional<DdeReference> FindDdeReference(std::string_view formula);

// Whether `name` (Auto_Open, auto_open2, _xlnm.Auto_Close...) is one Excel runs by itself.
bool IsAutoRunName(std::string_view name);

}  // namespace kensa::xlm
