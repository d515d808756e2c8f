#pragma once
// What the text and HTML renderings both show of the facts the format analyzers collect about
// documents, shortcuts and scripts (proto/kensa/analysis/v1/{office,ooxml,rtf,pdf,lnk,script}
// .proto): a few label/value rows per file, for the sample and for the files found inside it.
// Selection and wording live here so the two renderings cannot disagree.

#include <string>
#include <vector>

#include "catalog.h"
#include "kensa/report/language.h"
#include "kensa/report/v1/report.pb.h"

namespace kensa::report::internal {

// One line of a facts block. `value` mixes fixed words with strings from the sample: the
// renderer defangs and neutralizes (or escapes) it before writing it.
struct FactRow {
  Msg label;
  std::string value;
};

// The "Document", "Shortcut" or "Script" block of one file.
struct FactBlock {
  Msg title;
  // The extracted file's name for a file inside the sample; empty for the sample itself.
  std::string file;
  std::vector<FactRow> rows;
};

// Blocks for the sample, then for the files inside it in tree order (a shortcut in a zip is
// the usual case), bounded in number; files that are no document, shortcut or script add none.
std::vector<FactBlock> DocumentFacts(const report::v1::Report& report, Language lang);

}  // namespace kensa::report::internal
