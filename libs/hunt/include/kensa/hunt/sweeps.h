#pragma once
// Sweeps over a host collection besides the host checks: known-bad indicators (IOC sweep) and
// YARA over the files the collector copied because they looked like payloads.
//
//   auto iocs = LoadIocs({"triage-report.json", "intel.txt"});
//   auto findings = SweepIocs(collection, *iocs);

#include <set>
#include <string>
#include <vector>

#include "kensa/collection/collection.h"
#include "kensa/core/status.h"
#include "kensa/forensics/v1/hunt.pb.h"
#include "kensa/yara_scan/yara_scanner.h"

namespace kensa::hunt {

struct IocList {
  std::set<std::string> hashes;   // lower-case hex: sha256, sha1 or md5
  std::set<std::string> ips;
  std::set<std::string> domains;  // lower case
  bool empty() const { return hashes.empty() && ips.empty() && domains.empty(); }
};

// Reads indicator files: a Kensa triage report (JSON, kensa.report.v1.Report: the sample's and
// every child's sha256 and SHA-1, and the report's domain, URL host and IP indicators) or a
// text file with one hash, IP address or domain per line (# comments).
Result<IocList> LoadIocs(const std::vector<std::string>& paths);

// Findings for every collected file whose sha256 is known bad, every hash in the collector's
// listings (processes, SUID files, recent executables) and in the derived tables (Amcache's
// SHA-1) that is, and every line of a text
// artifact (logs, histories, cron, units, sockets) that names a known-bad IP or domain.
std::vector<forensics::v1::Finding> SweepIocs(const collection::Collection& collection, const IocList& iocs);

// YARA over the files copied as possible payloads (artifacts recent_executables and
// deleted_executable); a match's level comes from the rule's `severity` meta.
std::vector<forensics::v1::Finding> SweepYara(const collection::Collection& collection,
                                              const yara_scan::RuleSet& rules);

}  // namespace kensa::hunt
