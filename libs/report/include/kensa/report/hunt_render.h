#pragma once
// Renderings of a kensa.forensics.v1.HuntReport (docs/hunt.md) for people: the terminal summary
// `kensa hunt` prints and the self-contained HTML report a CSIRT mails or opens on an isolated
// machine. The JSON form is RenderJson (render.h), which takes any message.
//
//   forensics::v1::HuntReport r = ...;            // kensa hunt, or forensic-ingest
//   std::cout << RenderHuntText(r, Language::kJapanese);
//   WriteFileAtomically("hunt.html", RenderHuntHtml(r, Language::kEnglish));
//
// Evidence comes from a host an attacker may control: every string is neutralised (control and
// bidi characters shown as escapes) and, in HTML, escaped; lists are bounded with the rest
// counted.

#include <string>

#include "kensa/forensics/v1/hunt.pb.h"
#include "kensa/report/language.h"

namespace kensa::report {

// The terminal summary: verdict and why, what was hunted, matches by level, top rules, the
// collection, recommended actions, the head of the timeline and the first findings.
std::string RenderHuntText(const forensics::v1::HuntReport& report, Language lang);

// One HTML document (inline CSS, no script, no external resource), in the look of the sample
// report: the verdict up top (compromised / suspicious / no evidence) with why, recommended
// actions, findings grouped by severity with their evidence and location, the timeline, the
// rules that fired and the collection's integrity. Printable on A4.
std::string RenderHuntHtml(const forensics::v1::HuntReport& report, Language lang);

}  // namespace kensa::report
