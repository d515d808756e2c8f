#pragma once
// Sweeps over a host collection besides the host checks: known-bad indicators (IOC sweep) and
// YARA over the files the collector copied because they looked like payloads.
//
//   auto iocs = indicators::LoadIocFiles({"triage-report.json", "intel.txt"});
//   auto findings = SweepIocs(collection, *iocs);

#include <set>
#include <string>
#include <vector>

#include "kensa/collection/collection.h"
#include "kensa/core/status.h"
#include "kensa/forensics/v1/hunt.pb.h"
#include "kensa/indicators/ioc_list.h"
#include "kensa/yara_scan/yara_scanner.h"

namespace kensa::hunt {

// Known-bad indicators with where each is known from (libs/indicators).
using indicators::IocList;

// Findings for every collected file whose sha256 is known bad, every hash in the collector's
// listings (processes, SUID files, recent executables) and in the derived tables (Amcache's
// SHA-1) that is, and every line of a text artifact (logs, histories, cron, units, sockets)
// that names a known-bad IP or domain. Each finding's evidence ends with where the indicator is
// known from.
std::vector<forensics::v1::Finding> SweepIocs(const collection::Collection& collection, const IocList& iocs);

// YARA over the files copied as possible payloads (artifacts recent_executables and
// deleted_executable); a match's level comes from the rule's `severity` meta.
std::vector<forensics::v1::Finding> SweepYara(const collection::Collection& collection,
                                              const yara_scan::RuleSet& rules);

}  // namespace kensa::hunt
