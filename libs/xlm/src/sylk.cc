// SYLK (Symbolic Link) text, as Excel reads and writes it: one record a line, fields separated
// by ';' (";;" is a literal ';'). C records hold cells (Y row, X column, K value, E formula), NN
// records names (N name, E target), and an E field in the ID or O record marks a macro sheet.
#include "findings.h"
#include "kensa/xlm/xlm_analysis.h"
#include "text.h"

namespace kensa::xlm {
namespace {

// Excel's own rows and columns end here; bigger numbers in Y/X fields are not cells.
constexpr std::uint32_t kMaxRow = 1u << 20;
constexpr std::uint32_t kMaxColumn = 1u << 14;
constexpr std::string_view kSheetName = "SYLK";

std::vector<std::string> SplitFields(std::string_view line) {
  std::vector<std::string> fields(1);
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] != ';') {
      fields.back().push_back(line[i]);
    } else if (i + 1 < line.size() && line[i + 1] == ';') {
      fields.back().push_back(';');
      ++i;
    } else {
      fields.emplace_back();
    }
  }
  return fields;
}

std::optional<std::uint32_t> Number(std::string_view text, std::uint32_t max) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  std::uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (value == 0 || value > max) return std::nullopt;
  return value;
}

}  // namespace

bool LooksLikeSylk(ByteSpan data) { return HasBytesAt(data, 0, "ID;P"); }

XlmAnalysis AnalyzeSylk(ByteSpan data, const XlmLimits& limits) {
  XlmBuilder builder("sylk", limits);
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  bool macro = false;
  std::uint32_t row = 1;
  std::uint32_t column = 1;
  std::size_t start = 0;
  std::size_t lines = 0;
  // One pass over the lines: bounded by the input and by max_records.
  while (start < text.size()) {
    std::size_t end = text.find_first_of("\r\n", start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    if (++lines > limits.max_records) {
      builder.AddAnomaly("xlm_limit", "more than " + std::to_string(limits.max_records) +
                                          " SYLK records; the rest are not read");
      break;
    }
    const std::vector<std::string> fields = SplitFields(line);
    const std::string& kind = fields[0];
    if (kind == "ID" || kind == "O") {
      for (std::size_t i = 1; i < fields.size(); ++i) macro = macro || fields[i] == "E";
    } else if (kind == "NN") {
      std::string name;
      std::string target;
      for (std::size_t i = 1; i < fields.size(); ++i) {
        if (fields[i].starts_with('N')) name = fields[i].substr(1);
        if (fields[i].starts_with('E')) target = fields[i].substr(1);
      }
      builder.AddDefinedName(name, target);
    } else if (kind == "C") {
      std::string value;
      std::string formula;
      for (std::size_t i = 1; i < fields.size(); ++i) {
        const std::string& field = fields[i];
        if (field.empty()) continue;
        const std::string_view rest = std::string_view(field).substr(1);
        switch (field[0]) {
          case 'Y':
            row = Number(rest, kMaxRow).value_or(row);
            break;
          case 'X':
            column = Number(rest, kMaxColumn).value_or(column);
            break;
          case 'K':
            value = std::string(rest);
            break;
          case 'E':
            formula = std::string(rest);
            break;
          default:
            break;
        }
      }
      const std::string cell = CellName(row - 1, column - 1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      // Excel writes the ID and O records first: whether this is a macro sheet is known here.
      if (formula.empty()) {
        if (macro && !value.empty()) builder.AddText(kSheetName, cell, value);
        continue;
      }
      const auto dde = FindDdeReference(formula);
      if (!macro && !dde) continue;
      builder.AddFormula(kSheetName, cell, "=" + formula, value);
      if (dde)
        builder.AddDdeLink(dde->server, dde->topic, dde->item,
                           std::string(kSheetName) + "!" + cell);
    }
  }
  builder.AddSheet(kSheetName, macro ? "macrosheet" : "worksheet", "visible");
  return builder.Finish();
}

}  // namespace kensa::xlm
