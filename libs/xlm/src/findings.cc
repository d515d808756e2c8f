#include "findings.h"

#include <array>
#include <set>
#include <vector>

#include "text.h"

namespace kensa::xlm {
namespace {

using analysis::v1::Anomaly;

// Evidence is for people: a formula of 8 KiB says no more in a finding than its first 300 bytes.
constexpr std::size_t kMaxEvidence = 300;
// Bytes of a name, sheet name or cell text kept.
constexpr std::size_t kMaxName = 256;
constexpr std::size_t kMaxText = 4096;
// CHAR() calls across a workbook's macro formulas that mark string building as obfuscation:
// a clean macro spells its strings; droppers assemble every URL and path from CHAR(n) pieces.
constexpr std::size_t kCharObfuscationMinCalls = 10;

// DLL functions a REGISTER / CALL reaches for to download, run or inject, as written in
// droppers (the A/W suffix is matched by the prefix).
constexpr std::array<std::string_view, 16> kDangerousApis = {
    "URLDOWNLOADTOFILE",  "SHELLEXECUTE",       "WINEXEC",
    "CREATEPROCESS",      "VIRTUALALLOC",       "VIRTUALPROTECT",
    "CREATETHREAD",       "WRITEPROCESSMEMORY", "RTLMOVEMEMORY",
    "RTLCOPYMEMORY",      "LOADLIBRARY",        "GETPROCADDRESS",
    "QUEUEUSERAPC",       "DLLREGISTERSERVER",  "ENUMSYSTEMCODEPAGES",
    "CREATEREMOTETHREAD",
};
constexpr std::array<std::string_view, 4> kDownloadMarks = {"URLDOWNLOADTOFILE", "URLMON",
                                                            "WINHTTP", "XMLHTTP"};
constexpr std::array<std::string_view, 4> kRunMarks = {"SHELLEXECUTE", "WINEXEC", "CREATEPROCESS",
                                                       "SHELL32"};

bool IsNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_';
}

// Calls of `function` in upper-case formula text: the name on a token boundary, then '('.
std::size_t CountCalls(std::string_view upper, std::string_view function) {
  std::size_t count = 0;
  for (std::size_t at = upper.find(function); at != std::string_view::npos;
       at = upper.find(function, at + 1)) {
    const std::size_t end = at + function.size();
    if (at > 0 && IsNameChar(upper[at - 1])) continue;
    if (end < upper.size() && upper[end] == '(') ++count;
  }
  return count;
}

bool ContainsAny(std::string_view upper, auto& needles) {
  for (std::string_view needle : needles) {
    if (upper.find(needle) != std::string_view::npos) return true;
  }
  return false;
}

// The first dangerous API a formula names, spelled as the formula spells it, with its A/W
// suffix ("URLDownloadToFileA"); "" when there is none.
std::string DangerousApi(std::string_view formula, std::string_view upper) {
  for (std::string_view api : kDangerousApis) {
    const std::size_t at = upper.find(api);
    if (at == std::string_view::npos) continue;
    std::size_t end = at + api.size();
    while (end < formula.size() && end < at + api.size() + 2 && IsNameChar(formula[end])) ++end;
    return std::string(formula.substr(at, end - at));
  }
  return {};
}

std::string Evidence(const analysis::v1::XlmFormula& formula) {
  return CleanText(formula.sheet() + "!" + formula.cell() + ": " + formula.formula(), kMaxEvidence);
}

}  // namespace

bool IsAutoRunName(std::string_view name) {
  std::string upper = AsciiUpper(name);
  if (upper.starts_with("_XLNM.")) upper.erase(0, 6);
  // Excel runs any name that starts with Auto_Open ("Auto_Open2", "auto_openXyz"); droppers
  // rely on that to look unremarkable.
  return upper.starts_with("AUTO_OPEN") || upper.starts_with("AUTO_CLOSE") ||
         upper.starts_with("AUTO_ACTIVATE") || upper.starts_with("AUTO_DEACTIVATE");
}

std::optional<DdeReference> FindDdeReference(std::string_view formula) {
  // The loop moves past every '|' once: bounded by the formula's length.
  for (std::size_t bar = formula.find('|'); bar != std::string_view::npos;
       bar = formula.find('|', bar + 1)) {
    // The server is the name right before '|' (outside a string literal: count quotes).
    std::size_t quotes = 0;
    for (std::size_t i = 0; i < bar; ++i) {
      if (formula[i] == '"') ++quotes;
    }
    if (quotes % 2 != 0) continue;
    std::size_t start = bar;
    while (start > 0 && (IsNameChar(formula[start - 1]) || formula[start - 1] == '-')) --start;
    if (start == bar) continue;
    DdeReference reference;
    reference.server = std::string(formula.substr(start, bar - start));
    std::size_t at = bar + 1;
    if (at < formula.size() && formula[at] == '\'') {
      ++at;
      while (at < formula.size()) {
        if (formula[at] == '\'') {
          if (at + 1 < formula.size() && formula[at + 1] == '\'') {
            reference.topic.push_back('\'');
            at += 2;
            continue;
          }
          ++at;
          break;
        }
        reference.topic.push_back(formula[at++]);
      }
    } else {
      while (at < formula.size() && formula[at] != '!') reference.topic.push_back(formula[at++]);
    }
    if (at >= formula.size() || formula[at] != '!') continue;
    ++at;
    std::size_t end = at;
    while (end < formula.size() && formula[end] != ',' && formula[end] != ')' &&
           formula[end] != '&' && formula[end] != ' ' && formula[end] != '+') {
      ++end;
    }
    reference.item = std::string(formula.substr(at, end - at));
    return reference;
  }
  return std::nullopt;
}

XlmBuilder::XlmBuilder(std::string container, const XlmLimits& limits) : limits_(limits) {
  out_.info.set_container(std::move(container));
}

void XlmBuilder::AddAnomaly(const std::string& code, std::string_view detail) {
  std::size_t& count = anomaly_counts_[code];
  if (count >= limits_.max_findings_per_code) return;
  ++count;
  Anomaly anomaly;
  anomaly.set_code(code);
  anomaly.set_detail(CleanText(detail, kMaxEvidence));
  out_.anomalies.push_back(std::move(anomaly));
}

void XlmBuilder::AddNote(std::string_view note) {
  constexpr int kMaxNotes = 32;  // notes explain; a flood of them explains nothing more
  if (out_.info.notes_size() < kMaxNotes) out_.info.add_notes(CleanText(note, kMaxEvidence));
}

void XlmBuilder::AddSheet(std::string_view name, std::string_view type,
                          std::string_view visibility) {
  if (static_cast<std::size_t>(out_.info.sheets_size()) >= limits_.max_sheets) return;
  auto* sheet = out_.info.add_sheets();
  sheet->set_name(CleanText(name, kMaxName));
  sheet->set_type(std::string(type));
  sheet->set_visibility(std::string(visibility));
}

analysis::v1::XlmFormula* XlmBuilder::AddFormula(std::string_view sheet, std::string_view cell,
                                                 std::string_view formula,
                                                 std::string_view cached_value) {
  out_.info.set_formula_count(out_.info.formula_count() + 1);
  if (static_cast<std::size_t>(out_.info.formulas_size()) >= limits_.max_formulas) {
    if (!formulas_clipped_) {
      AddAnomaly("xlm_limit", "more than " + std::to_string(limits_.max_formulas) +
                                  " macro formulas; the rest are counted, not kept");
      formulas_clipped_ = true;
    }
    return nullptr;
  }
  auto* kept = out_.info.add_formulas();
  kept->set_sheet(CleanText(sheet, kMaxName));
  kept->set_cell(std::string(cell));
  kept->set_formula(CleanText(formula, limits_.max_formula_text));
  kept->set_cached_value(CleanText(cached_value, kMaxText));
  out_.decoded_text += kept->formula();
  out_.decoded_text += '\n';
  return kept;
}

void XlmBuilder::AddText(std::string_view sheet, std::string_view cell, std::string_view text) {
  if (static_cast<std::size_t>(out_.info.macro_sheet_texts_size()) >= limits_.max_texts) {
    if (!texts_clipped_)
      AddNote("macro-sheet texts past " + std::to_string(limits_.max_texts) + " not kept");
    texts_clipped_ = true;
    return;
  }
  auto* kept = out_.info.add_macro_sheet_texts();
  kept->set_sheet(CleanText(sheet, kMaxName));
  kept->set_cell(std::string(cell));
  kept->set_text(CleanText(text, kMaxText));
  out_.decoded_text += kept->text();
  out_.decoded_text += '\n';
}

void XlmBuilder::AddDefinedName(std::string_view name, std::string_view target) {
  if (!IsAutoRunName(name)) return;
  if (static_cast<std::size_t>(out_.info.auto_run_names_size()) >= limits_.max_names) return;
  auto* kept = out_.info.add_auto_run_names();
  kept->set_name(CleanText(name, kMaxName));
  kept->set_target(CleanText(target, kMaxText));
}

void XlmBuilder::AddDdeLink(std::string_view server, std::string_view topic, std::string_view item,
                            std::string_view location) {
  if (static_cast<std::size_t>(out_.info.dde_links_size()) >= limits_.max_names) return;
  std::string key = std::string(server) + '\0' + std::string(topic) + '\0' + std::string(item) +
                    '\0' + std::string(location);
  if (!dde_links_seen_.insert(std::move(key)).second) return;
  auto* link = out_.info.add_dde_links();
  link->set_server(CleanText(server, kMaxName));
  link->set_topic(CleanText(topic, kMaxText));
  link->set_item(CleanText(item, kMaxName));
  link->set_location(CleanText(location, kMaxName));
  out_.decoded_text += link->server() + " " + link->topic() + "\n";
}

XlmAnalysis XlmBuilder::Finish() {
  const auto& info = out_.info;
  std::set<std::string> macro_sheets;
  for (const auto& sheet : info.sheets()) {
    if (sheet.type() != "macrosheet") continue;
    macro_sheets.insert(sheet.name());
    AddAnomaly("xlm_macro_sheet", sheet.name() + " (" + sheet.visibility() + ")");
    if (sheet.visibility() == "hidden") AddAnomaly("xlm_hidden_macro_sheet", sheet.name());
    if (sheet.visibility() == "very_hidden") {
      AddAnomaly("xlm_very_hidden_macro_sheet", sheet.name());
    }
  }
  for (const auto& name : info.auto_run_names()) {
    AddAnomaly("xlm_auto_open",
               name.name() + (name.target().empty() ? "" : " -> " + name.target()));
  }

  std::size_t char_calls = 0;
  std::size_t densest_calls = 0;
  const analysis::v1::XlmFormula* densest = nullptr;
  const analysis::v1::XlmFormula* first_write = nullptr;
  const analysis::v1::XlmFormula* first_jump = nullptr;
  for (const auto& formula : info.formulas()) {
    const std::string upper = AsciiUpper(formula.formula());
    const std::size_t exec = CountCalls(upper, "EXEC");
    const bool call = CountCalls(upper, "CALL") + CountCalls(upper, "REGISTER") +
                          CountCalls(upper, "REGISTER.ID") >
                      0;
    if (exec > 0 || (call && ContainsAny(upper, kRunMarks))) {
      AddAnomaly("xlm_exec", Evidence(formula));
    }
    if (call) {
      const std::string api = DangerousApi(formula.formula(), upper);
      AddAnomaly("xlm_call_register", (api.empty() ? "" : api + " via ") + Evidence(formula));
    }
    if (ContainsAny(upper, kDownloadMarks) || upper.find("HTTP://") != std::string::npos ||
        upper.find("HTTPS://") != std::string::npos) {
      AddAnomaly("xlm_download", Evidence(formula));
    }
    const std::size_t chars = CountCalls(upper, "CHAR");
    char_calls += chars;
    if (chars > densest_calls) {
      densest_calls = chars;
      densest = &formula;
    }
    if (first_write == nullptr && CountCalls(upper, "FORMULA") + CountCalls(upper, "FORMULA.FILL") +
                                          CountCalls(upper, "FORMULA.ARRAY") +
                                          CountCalls(upper, "SET.VALUE") >
                                      0) {
      first_write = &formula;
    }
    if (first_jump == nullptr && CountCalls(upper, "GOTO") + CountCalls(upper, "RUN") > 0) {
      first_jump = &formula;
    }
  }
  if (char_calls >= kCharObfuscationMinCalls && densest != nullptr) {
    AddAnomaly("xlm_obfuscation",
               "CHAR() x" + std::to_string(char_calls) + "; densest " + Evidence(*densest));
  }
  if (first_write != nullptr && first_jump != nullptr) {
    AddAnomaly("xlm_obfuscation", "formulas written at run time, then jumped to: " +
                                      Evidence(*first_write) + " / " + Evidence(*first_jump));
  }
  for (const auto& link : info.dde_links()) {
    AddAnomaly("cell_dde_command", link.location() + ": " + link.server() + "|'" + link.topic() +
                                       "'" + (link.item().empty() ? "" : "!" + link.item()));
  }
  return std::move(out_);
}

}  // namespace kensa::xlm
