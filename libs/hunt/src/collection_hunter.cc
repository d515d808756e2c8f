#include "kensa/hunt/collection_hunter.h"

#include <filesystem>

#include "kensa/hunt/registry_tables.h"
#include "kensa/hunt/report_indicators.h"

namespace kensa::hunt {

Result<std::unique_ptr<CollectionHunter>> CollectionHunter::Create(
    const CollectionHunterConfig& config, std::vector<std::string>* warnings) {
  std::unique_ptr<CollectionHunter> hunter(new CollectionHunter());
  hunter->config_ = config;
  hunter->hunt_config_.logsource_map = config.rules_dir + "/sigma/logsources.yaml";
  hunter->hunt_config_.generator = config.generator;
  hunter->hunt_config_.sigma_rule_dirs.push_back(config.rules_dir + "/sigma");
  for (const auto& dir : config.extra_sigma_dirs)
    hunter->hunt_config_.sigma_rule_dirs.push_back(dir);

  KENSA_ASSIGN_OR_RETURN(HuntRules sigma, LoadHuntRules(hunter->hunt_config_));
  for (const auto& skipped : sigma.skipped) {
    if (warnings) warnings->push_back("sigma: " + skipped.file + ": " + skipped.message);
  }
  if (sigma.rules.size() > 0) hunter->sigma_ = std::move(sigma);

  KENSA_ASSIGN_OR_RETURN(hunter->checks_, LoadHostChecks({config.rules_dir + "/hunt"}));
  KENSA_ASSIGN_OR_RETURN(hunter->public_suffixes_, indicators::PublicSuffixList::Load(config.public_suffix_list));
  hunter->hunt_config_.public_suffixes = &*hunter->public_suffixes_;

  std::vector<std::string> yara_dirs = {config.rules_dir + "/yara"};
  yara_dirs.insert(yara_dirs.end(), config.extra_yara_dirs.begin(), config.extra_yara_dirs.end());
  std::vector<yara_scan::CompileMessage> messages;
  KENSA_ASSIGN_OR_RETURN(hunter->yara_,
                         yara_scan::RuleSet::CompileDirectories(yara_dirs, &messages));
  for (const auto& message : messages) {
    if (warnings && message.is_error)
      warnings->push_back("yara: " + message.file + ": " + message.message);
  }
  return hunter;
}

Result<collection::Collection> CollectionHunter::Open(ByteSpan archive, const std::string& name,
                                                     const std::vector<std::string>& passwords) const {
  collection::CollectionSecrets secrets;
  secrets.passwords = passwords;
  secrets.private_keys_pem = config_.private_keys_pem;
  return collection::Collection::OpenArchive(archive, name, config_.limits, secrets);
}

Result<forensics::v1::HuntReport> CollectionHunter::Hunt(ByteSpan archive, const std::string& name,
                                                         const std::vector<std::string>& passwords) const {
  KENSA_ASSIGN_OR_RETURN(auto collection, Open(archive, name, passwords));
  CollectionSweeps sweeps;
  sweeps.yara = yara_.get();
  return HuntCollection(collection, sigma_ ? &*sigma_ : nullptr, checks_, hunt_config_, sweeps);
}

Result<forensics::v1::HuntReport> CollectionHunter::Sweep(ByteSpan archive, const std::string& name,
                                                          const std::vector<std::string>& passwords,
                                                          forensics::v1::HuntReport base, const IocList& iocs) const {
  KENSA_ASSIGN_OR_RETURN(auto collection, Open(archive, name, passwords));
  // Of the tables the hunt derives, only the registry's hold hashes to sweep (Amcache's SHA-1);
  // Prefetch and shortcuts are not parsed again. The hunt named what could not be read.
  AddRegistryTables(&collection);
  SweepKnownBad(collection, iocs, checks_, &base);
  SetReportIndicators(*public_suffixes_, &base);
  return base;
}

}  // namespace kensa::hunt
