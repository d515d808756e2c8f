#include "recommendations.h"

#include <algorithm>
#include <string_view>

#include "kensa/indicators/ioc_list.h"
#include "report_view.h"

namespace kensa::report::internal {
namespace {

using report::v1::Level;

struct Rule {
  Level min_level;
  Level max_level;
  // Applies only when the verdict names this malware type; empty for any.
  std::string_view malware_type;
  // Applies only when the report lists a URL, domain or IP address.
  bool needs_network_indicators;
  Action action;
};

constexpr Level kUnrated = report::v1::LEVEL_UNSPECIFIED;
constexpr Level kClean = report::v1::LEVEL_CLEAN;
constexpr Level kLow = report::v1::LEVEL_LOW;
constexpr Level kSuspicious = report::v1::LEVEL_SUSPICIOUS;
constexpr Level kMalicious = report::v1::LEVEL_MALICIOUS;
constexpr Level kCritical = report::v1::LEVEL_CRITICAL;

// In display order: containment first, then what is specific to the malware type, then
// follow-up. Type-specific advice starts at "suspicious": below that the type is a guess.
constexpr Rule kRules[] = {
    {kUnrated, kUnrated, "", false, Action::kRequestDetailedAnalysis},
    {kClean, kClean, "", false, Action::kNoActionNeeded},
    {kLow, kLow, "", false, Action::kConfirmOrigin},
    {kCritical, kCritical, "", false, Action::kEscalateIncident},
    {kSuspicious, kCritical, "", false, Action::kDoNotOpenQuarantine},
    {kMalicious, kCritical, "", false, Action::kIsolateIfExecuted},
    {kSuspicious, kCritical, "ransomware", false, Action::kRansomwareIsolateShares},
    {kSuspicious, kCritical, "ransomware", false, Action::kRansomwareShadowCopies},
    {kSuspicious, kCritical, "ransomware", false, Action::kRansomwareFindNotes},
    {kSuspicious, kCritical, "rat", false, Action::kBlockC2HuntPersistence},
    {kSuspicious, kCritical, "rat", false, Action::kReviewLateralMovement},
    {kSuspicious, kCritical, "backdoor", false, Action::kBlockC2HuntPersistence},
    {kSuspicious, kCritical, "backdoor", false, Action::kReviewLateralMovement},
    {kSuspicious, kCritical, "", true, Action::kBlockNetworkIndicators},
    {kSuspicious, kCritical, "downloader", false, Action::kSearchProxyLogs},
    {kSuspicious, kCritical, "downloader", false, Action::kCollectNextStage},
    {kSuspicious, kCritical, "dropper", false, Action::kCollectNextStage},
    {kSuspicious, kCritical, "loader", false, Action::kCollectNextStage},
    {kSuspicious, kCritical, "infostealer", false, Action::kResetCredentials},
    {kSuspicious, kCritical, "infostealer", true, Action::kCheckExfiltration},
    {kSuspicious, kCritical, "keylogger", false, Action::kResetCredentials},
    {kSuspicious, kCritical, "keylogger", true, Action::kCheckExfiltration},
    {kSuspicious, kCritical, "worm", false, Action::kWormCheckNeighbours},
    {kSuspicious, kCritical, "exploit", false, Action::kExploitPatch},
    {kSuspicious, kCritical, "hacktool", false, Action::kHacktoolWhoRanIt},
    {kSuspicious, kCritical, "miner", false, Action::kMinerRemove},
    {kSuspicious, kCritical, "packer", false, Action::kPackerUnpack},
    {kMalicious, kCritical, "", false, Action::kBlockHashEverywhere},
    {kMalicious, kCritical, "", false, Action::kPreserveEvidence},
    {kSuspicious, kSuspicious, "", false, Action::kRequestDetailedAnalysis},
};

}  // namespace

std::vector<Action> RecommendedActions(const report::v1::Report& report) {
  const Level level = report.verdict().level();
  const std::string& type = report.verdict().malware_type();
  bool has_network = false;
  // XML namespaces, certificate servers and the like are in most documents and programs:
  // nothing to block at the proxy.
  for (const auto* indicator : ReportIndicators(report)) {
    has_network = has_network || (IsNetworkIndicator(indicator->type()) &&
                                   !indicators::NamesCommonInfrastructure(*indicator));
  }
  std::vector<Action> actions;
  for (const Rule& rule : kRules) {
    if (level < rule.min_level || level > rule.max_level) continue;
    if (!rule.malware_type.empty() && rule.malware_type != type) continue;
    if (rule.needs_network_indicators && !has_network) continue;
    if (std::find(actions.begin(), actions.end(), rule.action) != actions.end()) continue;
    actions.push_back(rule.action);
  }
  return actions;
}

}  // namespace kensa::report::internal
