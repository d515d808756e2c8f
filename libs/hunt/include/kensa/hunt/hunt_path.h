#pragma once
// HuntPath: hunts one EVTX file or a folder of them with Sigma rules and returns the hunt
// report (kensa.forensics.v1.HuntReport): findings with their evidence, the rules that fired,
// a verdict and what could not be read. This is what `kensa hunt PATH` runs.
//
//   kensa::hunt::HuntConfig config;
//   config.sigma_rule_dirs = {"/opt/sigma/rules/windows"};
//   auto report = kensa::hunt::HuntPath("/cases/42/winevt/Logs", config);
//   if (report) Print(report->verdict(), report->findings_size());
//
// To hunt several paths with one rule load, call LoadHuntRules once and the HuntPath overload
// that takes the rules.
//
// Inputs are hostile: a damaged file is hunted as far as it can be decoded and its damage is
// counted in its InputFile; a file that cannot be read at all gets InputFile.error. Neither
// fails the hunt. Folders are walked recursively and a file is EVTX when it starts with the
// "ElfFile" signature, whatever its name.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kensa/collection/collection.h"
#include "kensa/core/status.h"
#include "kensa/forensics/v1/hunt.pb.h"
#include "kensa/hunt/host_checks.h"
#include "kensa/indicators/public_suffix_list.h"
#include "kensa/hunt/sweeps.h"
#include "kensa/sigma/rule_set.h"

namespace kensa::hunt {

struct HuntConfig {
  // Folders of Sigma rules, loaded recursively. Kensa ships no Sigma rules of its own yet, so
  // an empty list is an error that tells the user to pass --sigma-rules DIR.
  std::vector<std::string> sigma_rule_dirs;
  // How Sigma logsources map onto EVTX channels and event ids.
  std::string logsource_map = "rules/sigma/logsources.yaml";
  // Findings kept per rule: a noisy rule on a large log would otherwise bury the rest. Matches
  // past it are still counted in RuleHit.count and HuntStats.findings_dropped.
  std::size_t max_findings_per_rule = 50;
  // Findings kept in all, for the same reason.
  std::size_t max_findings = 2000;
  // EVTX files visited under a folder; a collection holds a few hundred logs.
  std::size_t max_files = 10000;
  // Larger files are not hunted (InputFile.error). Windows' default log size is 20 MiB; a
  // forwarded-events log may reach a few GiB.
  std::uint64_t max_file_bytes = std::uint64_t{4} << 30;
  // Goes into HuntReport.generator.
  std::string generator = "kensa";
  // What opens an encrypted collection (a Velociraptor container) given by path.
  collection::CollectionSecrets collection_secrets;
  // The Public Suffix List for the report's IOCs (report_indicators.h); without it the report
  // lists none. Not owned.
  const indicators::PublicSuffixList* public_suffixes = nullptr;
};

// Sigma rules loaded for a hunt.
struct HuntRules {
  sigma::RuleSet rules;
  std::vector<sigma::LoadMessage> skipped;  // Rule files the engine does not support.
};

// Loads config.sigma_rule_dirs with config.logsource_map. Fails with invalid_argument when no
// folder is given, and as sigma::RuleSet::LoadDirectories / LogsourceMap::LoadFile do.
Result<HuntRules> LoadHuntRules(const HuntConfig& config);

// Hunts `path` (an EVTX file or a folder) with `rules`. Fails with not_found when `path` does
// not exist, permission_denied when it cannot be listed, and failed_precondition when there is
// no EVTX file to hunt (a folder without any, or a single file that is not EVTX).
Result<forensics::v1::HuntReport> HuntPath(const std::string& path, const HuntRules& rules,
                                           const HuntConfig& config);

// LoadHuntRules then HuntPath.
Result<forensics::v1::HuntReport> HuntPath(const std::string& path, const HuntConfig& config);

// Hunts a host collection (docs/collection-format.md; an archive or its folder): Sigma over its
// EVTX items when `sigma_rules` is given, host checks over everything else, the collection's
// integrity (manifest hashes), a timeline and recommended actions. Fails when `path` is not a
// collection (collection::Collection::Open's errors).
// Optional sweeps of a collection hunt: known-bad indicators and YARA rules.
struct CollectionSweeps {
  const IocList* iocs = nullptr;
  const yara_scan::RuleSet* yara = nullptr;
};

Result<forensics::v1::HuntReport> HuntCollection(const std::string& path, const HuntRules* sigma_rules,
                                                 const HostCheckRules& checks, const HuntConfig& config,
                                                 const CollectionSweeps& sweeps = {});

// Adds the tables Kensa derives from a collection's own files (registry_tables.h,
// prefetch_table.h, shortcut_table.h) under derived/; returns what could not be read. The hunt
// calls it first.
std::vector<std::string> AddDerivedTables(collection::Collection* collection);

// Sweeps a hunted collection for known-bad indicators (SweepIocs) and adds what it finds to
// `report`: the findings, their rule hits, the timeline, and the verdict and recommended actions
// decided again over everything. HuntCollection calls it when given IOCs; forensic-ingest calls
// it on top of the hunt stored for the archive's content, with the uploading tenant's own
// indicators, which change with every malicious triage report. Sets stats.indicators_swept.
void SweepKnownBad(const collection::Collection& collection, const IocList& iocs, const HostCheckRules& checks,
                   forensics::v1::HuntReport* report);

// The same over a collection already opened (forensic-ingest opens the archive's bytes from
// the blob store with collection::Collection::OpenArchive). The tables derived from its
// registry hives and Prefetch files (registry_tables.h, prefetch_table.h) are added to it.
Result<forensics::v1::HuntReport> HuntCollection(collection::Collection& collection,
                                                 const HuntRules* sigma_rules, const HostCheckRules& checks,
                                                 const HuntConfig& config, const CollectionSweeps& sweeps = {});

// "T1003.001" from "attack.t1003.001"; empty when the tag is not an ATT&CK technique.
std::string AttackTechniqueFromTag(const std::string& tag);

// The verdict rule of docs/hunt.md for the highest Sigma level among the findings.
forensics::v1::HuntVerdict VerdictForLevel(const std::string& level);

}  // namespace kensa::hunt
