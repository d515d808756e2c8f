#pragma once
// The IOCs of a hunt: the indicators its findings name, for the analyst to block and to sweep
// other hosts for — addresses, domains and URLs a host contacted or fetched from, hashes of
// payloads, file paths, registry keys, mutexes and command lines. Read from the findings of
// medium level and above (their evidence and key fields; the file itself for a YARA or
// known-bad match), with libs/indicators' extractor, so they are normalised as in triage
// reports. Low and informational findings (an accepted login) name no IOC.
//
//   SetReportIndicators(psl, &report);   // after the findings are final
//   for (const auto& ioc : report.indicators()) ...   // source: the rule id that named it first

#include "kensa/forensics/v1/hunt.pb.h"
#include "kensa/indicators/public_suffix_list.h"

namespace kensa::hunt {

// Replaces report->indicators with those of its findings, each once, its source the most
// severe rule that named it. Bounded (500); standard binaries (C:\Windows\System32\*.exe,
// SysWOW64, /bin, /usr/bin, ...) are left out: every process tree and account names them.
void SetReportIndicators(const indicators::PublicSuffixList& psl, forensics::v1::HuntReport* report);

}  // namespace kensa::hunt
