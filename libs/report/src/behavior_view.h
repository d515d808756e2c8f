#pragma once
// What the text and HTML renderings both show of a dynamic run (Report.sandbox_result and
// ChildResult.sandbox_result, proto/kensa/analysis/v1/{sandbox,behavior}.proto): how the run
// ended, then bounded tables of what the sample did (network, processes, files, registry,
// services, mutexes, executed memory, YARA on artifacts, the first API calls, the unmodelled
// APIs) and its console output. Selection, order, bounds, wording and defanging live here so
// the two renderings cannot disagree; they only neutralize (text) or escape (HTML) the values.

#include <cstddef>
#include <string>
#include <vector>

#include "catalog.h"
#include "document_view.h"
#include "kensa/report/language.h"
#include "kensa/report/v1/report.pb.h"

namespace kensa::report::internal {

struct BehaviorColumn {
  Msg title;
  // Paths, hashes, addresses and API calls: shown in a fixed-width font in HTML.
  bool mono = true;
  // Right-aligned numbers (sizes, counts, sequence numbers).
  bool numeric = false;
};

// One table of a run. Cells are ready to show except for neutralizing / escaping: network
// destinations are defanged and free text has the report's indicators defanged.
struct BehaviorTable {
  Msg title;
  std::vector<BehaviorColumn> columns;
  std::vector<std::vector<std::string>> rows;
  // Rows there were before the bound (after merging repeats); more than rows.size() means the
  // renderer writes "(+N more)".
  std::size_t total = 0;
};

// The behaviour block of one file: the sample's, or that of a file found inside it.
struct BehaviorBlock {
  // The extracted file's name for a file inside the sample; empty for the sample itself.
  std::string file;
  bool ran = false;
  // When !ran: the one line shown ("Not run: .NET assembly"), already translated.
  std::string not_run_line;
  // How it ended and how much ran: backend, machine, end reason and detail, instructions,
  // API calls, duration.
  std::vector<FactRow> summary;
  // Only the tables that have rows, in a fixed order (network first: what a responder blocks).
  std::vector<BehaviorTable> tables;
  // True when the run recorded no network, process, file, registry, service or mutex event:
  // the renderers say so in a line rather than leave the analyst to infer it.
  bool nothing_observed = false;
  // Console output split into lines, each cut to a bounded width; console_more_lines counts
  // the lines not shown.
  std::vector<std::string> console_lines;
  std::size_t console_more_lines = 0;
};

// Blocks for the sample, then for the files inside it (tree order) that have a sandbox result,
// bounded in number. A report without any sandbox result gives none.
std::vector<BehaviorBlock> BehaviorBlocks(const report::v1::Report& report, Language lang);

}  // namespace kensa::report::internal
