// libFuzzer target: kensa::xlm's readers of Excel 4.0 macros over arbitrary input, chosen by
// the input's first bytes:
//   D0 CF 11 E0 ...   a compound file: its Workbook / Book stream (seeds: oletools' .xls/.xlt)
//   09 08 ...         a BIFF workbook stream as is (BOF record first; seeds from xlm_fuzz_seeds.py)
//   "ID;P"            SYLK text
//   "===="            package parts, each introduced by a line "====<part name>" (the parts of
//                     oletools' .xlsm/.xltm/.xlsb/DDE workbooks, from xlm_fuzz_seeds.py)
//   anything else     a formula token stream: first byte picks the dialect, the rest is rgce.
// Every string must stay valid UTF-8 and every count within the limits.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/ole/compound_file.h"
#include "kensa/xlm/xlm_analysis.h"

namespace {

void Check(const kensa::xlm::XlmAnalysis& xlm, const kensa::xlm::XlmLimits& limits) {
  if (static_cast<std::size_t>(xlm.info.formulas_size()) > limits.max_formulas) __builtin_trap();
  if (static_cast<std::size_t>(xlm.info.sheets_size()) > limits.max_sheets) __builtin_trap();
  if (static_cast<std::size_t>(xlm.info.macro_sheet_texts_size()) > limits.max_texts)
    __builtin_trap();
  std::string wire;
  kensa::analysis::v1::XlmInfo back;
  if (!xlm.info.SerializeToString(&wire) || !back.ParseFromString(wire)) __builtin_trap();
  for (const auto& anomaly : xlm.anomalies) {
    kensa::analysis::v1::Anomaly probe;
    if (!anomaly.SerializeToString(&wire) || !probe.ParseFromString(wire)) __builtin_trap();
  }
}

std::vector<kensa::xlm::PackagePart> SplitParts(std::string_view text) {
  std::vector<kensa::xlm::PackagePart> parts;
  constexpr std::string_view kMarker = "====";
  std::size_t at = 0;
  while (at < text.size() && text.substr(at).starts_with(kMarker)) {
    const std::size_t name_end = text.find('\n', at);
    if (name_end == std::string_view::npos) break;
    const std::string name(text.substr(at + kMarker.size(), name_end - at - kMarker.size()));
    std::size_t next = text.find("\n====", name_end + 1);
    const std::size_t end = next == std::string_view::npos ? text.size() : next;
    const auto* begin = reinterpret_cast<const std::uint8_t*>(text.data()) + name_end + 1;
    parts.push_back({name, kensa::ByteSpan(begin, end - name_end - 1)});
    at = next == std::string_view::npos ? text.size() : next + 1;
  }
  return parts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const kensa::ByteSpan input(data, size);
  kensa::xlm::XlmLimits limits;
  limits.max_formulas = 64;
  limits.max_texts = 64;
  limits.max_sheets = 16;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (size >= 4 && data[0] == 0xD0 && data[1] == 0xCF && data[2] == 0x11 && data[3] == 0xE0) {
    auto compound = kensa::ole::CompoundFile::Open(input);
    if (!compound) return 0;
    for (const char* name : {"Workbook", "Book"}) {
      if (compound->Find(name) == nullptr) continue;
      auto stream = compound->ReadStream(name);
      if (stream) Check(kensa::xlm::AnalyzeBiffWorkbook(*stream, limits), limits);
    }
  } else if (size >= 2 && data[0] == 0x09 && data[1] == 0x08) {
    Check(kensa::xlm::AnalyzeBiffWorkbook(input, limits), limits);
  } else if (kensa::xlm::LooksLikeSylk(input)) {
    Check(kensa::xlm::AnalyzeSylk(input, limits), limits);
  } else if (text.starts_with("====")) {
    Check(kensa::xlm::AnalyzeSpreadsheetPackage(SplitParts(text), limits), limits);
  } else if (size >= 1) {
    kensa::xlm::FormulaContext context;
    context.names = {"Auto_Open", "Download"};
    context.sheet_prefixes = {"Macro1", "Sheet 2"};
    context.external_names.push_back({1, 1, "cmd|'/c calc'!A0", true, "cmd", "/c calc", "A0"});
    const auto dialect = static_cast<kensa::xlm::FormulaDialect>(data[0] % 3);
    const auto decoded = kensa::xlm::DecodeFormula(input.subspan(1), dialect, context, 512);
    if (decoded.text.size() > 512) __builtin_trap();
    kensa::analysis::v1::XlmFormula formula;
    formula.set_formula(decoded.text);
    std::string wire;
    kensa::analysis::v1::XlmFormula back;
    if (!formula.SerializeToString(&wire) || !back.ParseFromString(wire)) __builtin_trap();
  }
  return 0;
}
