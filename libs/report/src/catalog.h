#pragma once
// The translation catalogue: every label and fixed phrase of the text and HTML renderings, in
// English and Japanese, keyed by message id. The texts themselves live only in catalog.cc so
// that a translator reviews one table.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "kensa/analysis/v1/behavior.pb.h"
#include "kensa/analysis/v1/indicator.pb.h"
#include "kensa/analysis/v1/signature.pb.h"
#include "kensa/report/language.h"
#include "kensa/report/v1/verdict.pb.h"

namespace kensa::report::internal {

enum class Msg : std::uint16_t {
  kReportTitle,
  kSummary,
  kGeneratedAt,
  kGenerator,
  kSubmissionId,
  kSectionFile,
  kFileName,
  kSize,
  kBytes,
  kFileType,
  kSectionVerdict,
  kRiskLevel,
  kScore,
  kMalwareType,
  kFamily,
  kOtherCandidates,
  kScoreExplanation,
  kPoints,
  kSignature,
  kReason,
  kScoringModel,
  kNoContributions,
  kSignatures,
  kSeverity,
  kDescription,
  kAttack,
  kEvidence,
  kNoSignatures,
  kIndicators,
  kIndicatorType,
  kValue,
  kSource,
  kOccurrences,
  kNoIndicators,
  kDefangNote,
  kMore,
  kShownOf,
  kPeSummary,
  kMachine,
  kKind,
  kPeKind,
  kListSeparator,
  kBits32,
  kBits64,
  kExecutable,
  kDll,
  kDriver,
  kDotNet,
  kSubsystem,
  kCompileTime,
  kEntryPoint,
  kImports,
  kImportsSummary,
  kSuspiciousImports,
  kSuspiciousImportsNote,
  kResourceLanguages,
  kVersionInfo,
  kCompanyName,
  kProductName,
  kFileDescription,
  kOriginalFilename,
  kAuthenticode,
  kPresent,
  kAbsent,
  kOverlay,
  kOverlayValue,
  kPdbPath,
  kTlsCallbacks,
  kSections,
  kName,
  kVirtualAddress,
  kVirtualSize,
  kRawSize,
  kEntropy,
  kPermissions,
  kYaraMatches,
  kRule,
  kNamespace,
  kTags,
  kMatchedStrings,
  kNoYara,
  kAnomalies,
  kFilesInside,
  kNoFilesInside,
  kFoundIn,
  kAnalysisFailed,
  kCode,
  kDetail,
  kErrors,
  kRecommendedActions,
  kNone,
  kDisclaimer,
  kDocument,
  kShortcut,
  kScript,
  kLnkTarget,
  kArguments,
  kWorkingDir,
  kIconLocation,
  kMachineId,
  kMacAddress,
  kVolumeSerial,
  kCommandLine,
  kLanguage,
  kLayers,
  kLayerValue,
  kFinalCommand,
  kBehaviour,
  kPdfKind,
  kJavaScript,
  kObjectSize,
  kRunsOnOpen,
  kJavaScriptFindings,
  kActions,
  kEmbeddedFiles,
  kEncryption,
  kOpensWithoutPassword,
  kEncrypted,
  kRtfKind,
  kEmbeddedObjects,
  kRtfObjectValue,
  kExploitShape,
  kTemplate,
  kFieldCodes,
  kExternalLinks,
  kDde,
  kActiveX,
  kOoxmlKind,
  kMacroEnabled,
  kVbaModules,
  kVbaModuleValue,
  kAutoExec,
  kLineOf,
  kCodePage,
  kDecryptedWith,
  kSectionBehaviour,
  kNotRun,
  kBackend,
  kEndReason,
  kInstructions,
  kApiCallCount,
  kDuration,
  kSeconds,
  kNetworkActivity,
  kProcessActivity,
  kFileActivity,
  kDroppedFiles,
  kRegistryWrites,
  kServiceActivity,
  kMutexes,
  kExecutedMemory,
  kArtifactYara,
  kFirstApiCalls,
  kUnmodelledApis,
  kConsoleOutput,
  kOperation,
  kTarget,
  kAddress,
  kFoundBy,
  kArtifact,
  kApiCall,
  kReturnValue,
  kUnmodelled,
  kNoBehaviour,
  kSha256,
  kSequence,
  kCount,  // not a message: the number of ids
};

std::string_view Tr(Msg id, Language lang);

// Tr(id) with "{0}", "{1}"... replaced by `args` (word order differs between the languages).
std::string TrFormat(Msg id, Language lang, std::initializer_list<std::string_view> args);

// "MALICIOUS" / "悪性".
std::string_view LevelName(report::v1::Level level, Language lang);
// "HIGH" / "高".
std::string_view SeverityName(analysis::v1::Severity severity, Language lang);
// "URL", "Registry key" / "レジストリキー".
std::string_view IndicatorTypeName(analysis::v1::IndicatorType type, Language lang);
// "exited" / "プロセス終了": why an emulation ended.
std::string_view EndReasonName(analysis::v1::EmulationEndReason reason, Language lang);
// "ransomware" -> "Ransomware" / "ランサムウェア"; a code the catalogue does not know is
// returned as given (the caller neutralises it).
std::string MalwareTypeName(std::string_view code, Language lang);

// Recommended actions (see recommendations.h for when each one is chosen).
enum class Action : std::uint8_t {
  kNoActionNeeded,
  kConfirmOrigin,
  kDoNotOpenQuarantine,
  kRequestDetailedAnalysis,
  kEscalateIncident,
  kIsolateIfExecuted,
  kBlockHashEverywhere,
  kPreserveEvidence,
  kBlockNetworkIndicators,
  kRansomwareIsolateShares,
  kRansomwareShadowCopies,
  kRansomwareFindNotes,
  kSearchProxyLogs,
  kCollectNextStage,
  kBlockC2HuntPersistence,
  kReviewLateralMovement,
  kResetCredentials,
  kCheckExfiltration,
  kWormCheckNeighbours,
  kExploitPatch,
  kHacktoolWhoRanIt,
  kMinerRemove,
  kPackerUnpack,
  kCount,  // not an action: the number of ids
};

std::string_view ActionText(Action action, Language lang);

}  // namespace kensa::report::internal
