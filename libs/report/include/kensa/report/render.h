#pragma once
// Renderings of a kensa.report.v1.Report: the three forms `kensa triage` prints.
//
//   report::v1::Report r = ...;                  // from the pipeline
//   std::cout << RenderText(r, Language::kJapanese, {.color = isatty(1)});
//   Result<std::string> json = RenderJson(r);    // the public, versioned schema
//   WriteFileAtomically("report.html", RenderHtml(r, Language::kEnglish));
//
// Text and HTML are for people: indicators are defanged (hxxp[://]evil[.]jp), sample-controlled
// strings are neutralised (terminal control characters and bidi overrides are shown as escapes,
// HTML is escaped), and lists are bounded with an explicit "(+N more)". JSON is for machines:
// protobuf's canonical JSON mapping of the message, with every value as stored (never
// defanged); docs/report-json.md describes it and its compatibility promise.

#include <cstddef>
#include <string>

#include <google/protobuf/message.h>

#include "kensa/core/status.h"
#include "kensa/report/language.h"
#include "kensa/report/v1/report.pb.h"

namespace kensa::report {

struct TextOptions {
  // Colour the verdict and severity tags with ANSI escapes (for a terminal, not for a file).
  bool color = false;
  // How many indicators the summary lists in total; the rest are counted as "(+N more)".
  std::size_t max_indicators = 50;
  // How many signatures the summary lists; the rest are counted as "(+N more)".
  std::size_t max_signatures = 40;
};

// The terminal summary an analyst reads first: header and hashes, verdict, score explanation,
// signatures by severity, indicators by type, PE summary, YARA, anomalies, errors and
// recommended actions. Lines stay within 100 columns where practical (East Asian wide
// characters count as two).
std::string RenderText(const report::v1::Report& report, Language lang,
                       const TextOptions& options = {});

// Protobuf's JSON mapping of `report` (a triage Report or a forensics HuntReport): lowerCamelCase
// names, enums by name, 64-bit integers as strings, default values omitted, indented. Fails
// only if protobuf refuses the message.
Result<std::string> RenderJson(const google::protobuf::Message& report);

// One self-contained HTML document (inline CSS, no script, no external resource) with the same
// sections as RenderText, printable on A4.
std::string RenderHtml(const report::v1::Report& report, Language lang);

}  // namespace kensa::report
