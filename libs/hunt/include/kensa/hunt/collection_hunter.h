#pragma once
// CollectionHunter: every rule of a compromise hunt loaded once (Sigma, host checks, YARA), then
// any number of host collections hunted from their archive bytes. forensic-ingest holds one per
// worker; `kensa hunt` on a path uses HuntCollection directly.
//
//   CollectionHunterConfig config;            // rules/sigma, rules/hunt, rules/yara
//   auto hunter = CollectionHunter::Create(config, &warnings);
//   auto report = (*hunter)->Hunt(archive_bytes, "kensa-web01-20261126T100000Z.tar.gz");

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kensa/collection/collection.h"
#include "kensa/core/bytes.h"
#include "kensa/core/status.h"
#include "kensa/forensics/v1/hunt.pb.h"
#include "kensa/hunt/host_checks.h"
#include "kensa/hunt/hunt_path.h"
#include "kensa/hunt/sweeps.h"
#include "kensa/yara_scan/yara_scanner.h"

namespace kensa::hunt {

struct CollectionHunterConfig {
  // Kensa's rules: <rules_dir>/sigma (the team's Sigma rules and logsources.yaml),
  // <rules_dir>/hunt (host checks) and <rules_dir>/yara.
  std::string rules_dir = "rules";
  // More Sigma and YARA folders (a SigmaHQ checkout, a team's YARA set).
  std::vector<std::string> extra_sigma_dirs;
  std::vector<std::string> extra_yara_dirs;
  std::string generator = "kensa 0.1.0";
  collection::CollectionLimits limits;
  // The Public Suffix List for the reports' IOCs (Debian's publicsuffix package).
  std::string public_suffix_list = indicators::kDefaultPublicSuffixListPath;
  // PEM private keys that open X509-scheme Velociraptor containers (collection::LoadPrivateKeys
  // of the service's collection_key_file): the Velociraptor server's Frontend key.
  std::vector<std::string> private_keys_pem;
};

class CollectionHunter {
 public:
  // Loads every rule. Rule files that cannot be used are skipped and named in `warnings`;
  // a folder that cannot be read or a malformed host check is an error.
  static Result<std::unique_ptr<CollectionHunter>> Create(const CollectionHunterConfig& config,
                                                          std::vector<std::string>* warnings);

  // Hunts one collection archive (tar.gz or zip, docs/collection-format.md). `name` is how the
  // report names it; `passwords` (the uploader's) open a Password-scheme Velociraptor container,
  // the configured private keys an X509-scheme one. Fails with invalid_argument /
  // failed_precondition when the bytes are not a collection or cannot be decrypted.
  Result<forensics::v1::HuntReport> Hunt(ByteSpan archive, const std::string& name,
                                         const std::vector<std::string>& passwords = {}) const;

  // Sweeps the same archive for known-bad indicators on top of its hunt report `base`
  // (SweepKnownBad): forensic-ingest keeps the hunt by content and sweeps each tenant's own
  // indicators, which change with every malicious triage report, on every upload.
  Result<forensics::v1::HuntReport> Sweep(ByteSpan archive, const std::string& name,
                                          const std::vector<std::string>& passwords, forensics::v1::HuntReport base,
                                          const IocList& iocs) const;

  std::size_t sigma_rule_count() const { return sigma_ ? sigma_->rules.size() : 0; }
  std::size_t host_check_count() const { return checks_.checks.size(); }

 private:
  CollectionHunter() = default;
  Result<collection::Collection> Open(ByteSpan archive, const std::string& name,
                                     const std::vector<std::string>& passwords) const;

  CollectionHunterConfig config_;
  HuntConfig hunt_config_;
  std::optional<HuntRules> sigma_;  // absent when no Sigma rule is loaded
  HostCheckRules checks_;
  std::shared_ptr<const yara_scan::RuleSet> yara_;
  std::optional<indicators::PublicSuffixList> public_suffixes_;
};

}  // namespace kensa::hunt
