#include "catalog.h"

#include <array>
#include <cstddef>

// Japanese follows the vocabulary JPCERT/CC and Japanese CSIRTs use in incident reports
// (リスクレベル, 侵害指標 (IOC), 検知シグネチャ, 推奨対応, 無害化 for defanging).

namespace kensa::report::internal {
namespace {

struct Message {
  Msg id;
  std::string_view en;
  std::string_view ja;
};

// Ordered like the enum so that lookup is an index; the static_assert below checks it.
constexpr Message kMessages[] = {
    {Msg::kReportTitle, "Kensa triage report", "Kensa トリアージレポート"},
    {Msg::kSummary, "Summary", "概要"},
    {Msg::kGeneratedAt, "Generated", "生成日時"},
    {Msg::kGenerator, "Generator", "生成元"},
    {Msg::kSubmissionId, "Submission", "受付 ID"},
    {Msg::kSectionFile, "File", "ファイル情報"},
    {Msg::kFileName, "File name", "ファイル名"},
    {Msg::kSize, "Size", "サイズ"},
    {Msg::kBytes, "{0} bytes", "{0} バイト"},
    {Msg::kFileType, "File type", "ファイル形式"},
    {Msg::kSectionVerdict, "Verdict", "判定結果"},
    {Msg::kRiskLevel, "Risk level", "リスクレベル"},
    {Msg::kScore, "Score", "スコア"},
    {Msg::kMalwareType, "Malware type", "マルウェア種別"},
    {Msg::kFamily, "Family", "ファミリー"},
    {Msg::kOtherCandidates, "Other candidate types", "その他の種別候補"},
    {Msg::kScoreExplanation, "Score explanation", "スコアの内訳"},
    {Msg::kPoints, "Points", "加点"},
    {Msg::kSignature, "Signature", "シグネチャ"},
    {Msg::kReason, "Reason", "理由"},
    {Msg::kScoringModel, "Scoring model {0}", "スコアリングモデル {0}"},
    {Msg::kNoContributions, "No signature added to the score.",
     "スコアに加算されたシグネチャはありません。"},
    {Msg::kSignatures, "Signatures", "検知シグネチャ"},
    {Msg::kSeverity, "Severity", "深刻度"},
    {Msg::kDescription, "Description", "説明"},
    {Msg::kAttack, "ATT&CK", "ATT&CK"},
    {Msg::kEvidence, "Evidence", "根拠"},
    {Msg::kNoSignatures, "No signature matched.", "該当するシグネチャはありません。"},
    {Msg::kIndicators, "Indicators (IOC)", "侵害指標 (IOC)"},
    {Msg::kIndicatorType, "Type", "種類"},
    {Msg::kValue, "Value", "値"},
    {Msg::kSource, "Found in", "検出箇所"},
    {Msg::kOccurrences, "Count", "出現数"},
    {Msg::kNoIndicators, "No indicators were extracted.", "抽出された侵害指標はありません。"},
    {Msg::kDefangNote,
     "Indicators are defanged (hxxp, [.]) so that they cannot be opened by accident.",
     "誤アクセス防止のため、侵害指標は無害化表記 (hxxp, [.]) で記載しています。"},
    {Msg::kMore, "(+{0} more)", "(ほか {0} 件)"},
    {Msg::kShownOf, "{0} of {1} shown", "{1} 件中 {0} 件を表示"},
    {Msg::kPeSummary, "PE summary", "PE ファイル情報"},
    {Msg::kMachine, "Machine", "アーキテクチャ"},
    {Msg::kKind, "Kind", "種類"},
    {Msg::kPeKind, "{0} {1}", "{0}{1}"},
    {Msg::kListSeparator, ", ", "、"},
    {Msg::kBits32, "32-bit", "32 ビット"},
    {Msg::kBits64, "64-bit", "64 ビット"},
    {Msg::kExecutable, "executable", "実行ファイル"},
    {Msg::kDll, "DLL", "DLL"},
    {Msg::kDriver, "driver", "ドライバ"},
    {Msg::kDotNet, ".NET", ".NET"},
    {Msg::kSubsystem, "Subsystem", "サブシステム"},
    {Msg::kCompileTime, "Compile time", "コンパイル日時"},
    {Msg::kEntryPoint, "Entry point", "エントリポイント"},
    {Msg::kImports, "Imports", "インポート"},
    {Msg::kImportsSummary, "{0} DLLs, {1} functions", "DLL {0} 個、関数 {1} 個"},
    {Msg::kSuspiciousImports, "Suspicious imports", "不審なインポート"},
    {Msg::kSuspiciousImportsNote, "{0} (named by signatures)", "{0} 件 (シグネチャが指摘した API)"},
    {Msg::kResourceLanguages, "Resource languages", "リソースの言語"},
    {Msg::kVersionInfo, "Version info", "バージョン情報"},
    {Msg::kCompanyName, "Company name", "会社名"},
    {Msg::kProductName, "Product name", "製品名"},
    {Msg::kFileDescription, "File description", "ファイルの説明"},
    {Msg::kOriginalFilename, "Original file name", "元のファイル名"},
    {Msg::kAuthenticode, "Authenticode", "デジタル署名"},
    {Msg::kPresent, "present", "あり"},
    {Msg::kAbsent, "absent", "なし"},
    {Msg::kOverlay, "Overlay", "オーバーレイ"},
    {Msg::kOverlayValue, "{0} at offset {1}, entropy {2}",
     "オフセット {1} から {0}、エントロピー {2}"},
    {Msg::kPdbPath, "PDB path", "PDB パス"},
    {Msg::kTlsCallbacks, "TLS callbacks", "TLS コールバック"},
    {Msg::kSections, "Sections", "セクション"},
    {Msg::kName, "Name", "名前"},
    {Msg::kVirtualAddress, "Virt. addr", "仮想アドレス"},
    {Msg::kVirtualSize, "Virt. size", "仮想サイズ"},
    {Msg::kRawSize, "Raw size", "実サイズ"},
    {Msg::kEntropy, "Entropy", "エントロピー"},
    {Msg::kPermissions, "Perm.", "権限"},
    {Msg::kYaraMatches, "YARA matches", "YARA 検知"},
    {Msg::kRule, "Rule", "ルール"},
    {Msg::kNamespace, "Namespace", "名前空間"},
    {Msg::kTags, "Tags", "タグ"},
    {Msg::kMatchedStrings, "Matched strings", "一致した文字列"},
    {Msg::kNoYara, "No YARA rule matched.", "一致した YARA ルールはありません。"},
    {Msg::kAnomalies, "Anomalies", "構造上の異常"},
    {Msg::kFilesInside, "Files inside the sample", "内包ファイル"},
    {Msg::kNoFilesInside, "No file was extracted from the sample.", "検体から取り出したファイルはありません。"},
    {Msg::kFoundIn, "found in", "検出元"},
    {Msg::kAnalysisFailed, "analysis failed", "解析失敗"},
    {Msg::kCode, "Code", "コード"},
    {Msg::kDetail, "Detail", "詳細"},
    {Msg::kErrors, "Analysis errors", "解析エラー"},
    {Msg::kRecommendedActions, "Recommended actions", "推奨対応"},
    {Msg::kNone, "none", "なし"},
    {Msg::kDisclaimer,
     "Produced automatically by static analysis, without running the file. The verdict is an "
     "assessment of the evidence listed; confirm it with detailed analysis before drawing "
     "conclusions about an incident.",
     "本レポートはファイルを実行せずに行った静的解析の結果から自動生成したものです。判定は記載の"
     "根拠に基づく評価であり、インシデントとして結論づける前に詳細解析で確認してください。"},
    // Document, shortcut and script facts (document_view.h).
    {Msg::kDocument, "Document", "文書ファイル"},
    {Msg::kShortcut, "Shortcut", "ショートカット (LNK)"},
    {Msg::kScript, "Script", "スクリプト"},
    {Msg::kLnkTarget, "Target", "リンク先"},
    {Msg::kArguments, "Arguments", "引数"},
    {Msg::kWorkingDir, "Working directory", "作業フォルダー"},
    {Msg::kIconLocation, "Icon", "アイコン"},
    {Msg::kMachineId, "Machine ID", "マシン ID"},
    {Msg::kMacAddress, "MAC address", "MAC アドレス"},
    {Msg::kVolumeSerial, "Volume serial", "ボリュームシリアル番号"},
    {Msg::kCommandLine, "Command line", "コマンドライン"},
    {Msg::kLanguage, "Language", "言語"},
    {Msg::kLayers, "De-obfuscation", "難読化の解除"},
    {Msg::kLayerValue, "{0} x{1} ({2}): {3}", "{0} ×{1} ({2}): {3}"},
    {Msg::kFinalCommand, "Final command", "最終的なコマンド"},
    {Msg::kBehaviour, "Behaviour", "挙動"},
    {Msg::kPdfKind, "PDF {0}, pages: {1}", "PDF {0}、{1} ページ"},
    {Msg::kJavaScript, "JavaScript", "JavaScript"},
    {Msg::kObjectSize, "{0} (object {1}, {2} bytes)", "{0} (オブジェクト {1}、{2} バイト)"},
    {Msg::kRunsOnOpen, "runs on open", "開くと自動実行"},
    {Msg::kJavaScriptFindings, "In the JavaScript", "JavaScript の内容"},
    {Msg::kActions, "Actions", "アクション"},
    {Msg::kEmbeddedFiles, "Embedded files", "埋め込みファイル"},
    {Msg::kEncryption, "Encryption", "暗号化"},
    {Msg::kOpensWithoutPassword, "opens without a password", "パスワードなしで開ける"},
    {Msg::kEncrypted, "encrypted", "暗号化あり"},
    {Msg::kRtfKind, "RTF, {0} objects", "RTF、オブジェクト {0} 個"},
    {Msg::kEmbeddedObjects, "Embedded objects", "埋め込みオブジェクト"},
    {Msg::kRtfObjectValue, "{0} at offset {1}, {2} bytes", "{0}、オフセット {1}、{2} バイト"},
    {Msg::kExploitShape, "exploit shape {0}", "エクスプロイトの特徴 {0}"},
    {Msg::kTemplate, "Template", "テンプレート"},
    {Msg::kFieldCodes, "Field codes", "フィールドコード"},
    {Msg::kExternalLinks, "External links", "外部参照"},
    {Msg::kDde, "DDE", "DDE"},
    {Msg::kActiveX, "ActiveX", "ActiveX"},
    {Msg::kOoxmlKind, "Office Open XML ({0}), {1} parts", "Office Open XML ({0})、パーツ {1} 個"},
    {Msg::kMacroEnabled, "macro-enabled", "マクロ有効"},
    {Msg::kVbaModules, "VBA modules", "VBA モジュール"},
    {Msg::kVbaModuleValue, "{0} ({1} bytes of source)", "{0} (ソース {1} バイト)"},
    {Msg::kAutoExec, "Auto-exec", "自動実行"},
    {Msg::kLineOf, "{0} line {1}", "{0} {1} 行目"},
    {Msg::kCodePage, "Code page", "コードページ"},
    {Msg::kDecryptedWith, "decrypted (password: {0})", "復号済み (パスワード: {0})"},
    {Msg::kSectionBehaviour, "Behaviour", "動的解析（エミュレーション）"},
    {Msg::kNotRun, "Not run: {0}", "実行せず: {0}"},
    {Msg::kBackend, "Backend", "実行環境"},
    {Msg::kEndReason, "Ended by", "終了理由"},
    {Msg::kInstructions, "Instructions", "実行命令数"},
    {Msg::kApiCallCount, "API calls", "API 呼び出し数"},
    {Msg::kDuration, "Duration", "所要時間"},
    {Msg::kSeconds, "{0} s", "{0} 秒"},
    {Msg::kNetworkActivity, "Network", "ネットワーク通信"},
    {Msg::kProcessActivity, "Processes started / injected", "プロセスの起動・注入"},
    {Msg::kFileActivity, "Files written / deleted", "ファイルの作成・書き込み・削除"},
    {Msg::kDroppedFiles, "Dropped files", "作成されたファイル"},
    {Msg::kRegistryWrites, "Registry writes", "レジストリの変更"},
    {Msg::kServiceActivity, "Services", "サービス"},
    {Msg::kMutexes, "Mutexes", "ミューテックス"},
    {Msg::kExecutedMemory, "Executed memory regions", "実行されたメモリ領域"},
    {Msg::kArtifactYara, "YARA matches on dropped files and memory",
     "作成ファイル・メモリの YARA 検知"},
    {Msg::kFirstApiCalls, "First API calls", "API 呼び出し (先頭)"},
    {Msg::kUnmodelledApis, "Unmodelled APIs (most called)", "未対応の API (呼び出しの多い順)"},
    {Msg::kConsoleOutput, "Console output", "コンソール出力"},
    {Msg::kOperation, "Operation", "操作"},
    {Msg::kTarget, "Target", "対象"},
    {Msg::kAddress, "Address", "アドレス"},
    {Msg::kFoundBy, "Found by", "検出方法"},
    {Msg::kArtifact, "Artifact", "検出対象"},
    {Msg::kApiCall, "Call", "呼び出し"},
    {Msg::kReturnValue, "Returns", "戻り値"},
    {Msg::kUnmodelled, "unmodelled", "未対応"},
    {Msg::kNoBehaviour,
     "No network, process, file, registry, service or mutex activity was recorded.",
     "ネットワーク・プロセス・ファイル・レジストリ・サービス・ミューテックスの操作は記録されません"
     "でした。"},
    {Msg::kSha256, "SHA-256", "SHA-256"},
    {Msg::kSequence, "#", "#"},
};

constexpr bool MessagesInEnumOrder() {
  if (std::size(kMessages) != static_cast<std::size_t>(Msg::kCount)) return false;
  for (std::size_t i = 0; i < std::size(kMessages); ++i) {
    if (static_cast<std::size_t>(kMessages[i].id) != i) return false;
  }
  return true;
}
static_assert(MessagesInEnumOrder(), "kMessages must list every Msg once, in enum order");

struct ActionMessage {
  Action id;
  std::string_view en;
  std::string_view ja;
};

constexpr ActionMessage kActions[] = {
    {Action::kNoActionNeeded,
     "No action needed. If the file still seems suspicious, request detailed analysis.",
     "対応は不要です。疑わしい点が残る場合は詳細解析を依頼してください。"},
    {Action::kConfirmOrigin,
     "Confirm where the file came from and whether it is software the business expects.",
     "ファイルの入手経路と、業務上想定されるソフトウェアかどうかを確認してください。"},
    {Action::kDoNotOpenQuarantine,
     "Do not open or run the file; keep it quarantined until the analysis is complete.",
     "ファイルを開いたり実行したりせず、解析が完了するまで隔離してください。"},
    {Action::kRequestDetailedAnalysis,
     "Request detailed analysis (sandbox and code analysis) to confirm the verdict.",
     "判定を確定するため、詳細解析 (サンドボックス解析・コード解析) を依頼してください。"},
    {Action::kEscalateIncident,
     "Escalate to incident response now and handle this as an active incident.",
     "重大なインシデントとして直ちにインシデント対応チームへエスカレーションしてください。"},
    {Action::kIsolateIfExecuted,
     "If the file was run on any host, isolate that host from the network.",
     "ファイルが実行された可能性のある端末は、ネットワークから隔離してください。"},
    {Action::kBlockHashEverywhere,
     "Block the SHA-256 in EDR and antivirus, and search every endpoint and mailbox for it.",
     "SHA-256 を EDR・ウイルス対策製品でブロックし、全端末・メールボックスで同一ファイルを検索して"
     "ください。"},
    {Action::kPreserveEvidence,
     "Preserve the sample, memory and logs of affected hosts before cleaning them.",
     "駆除や初期化の前に、検体・メモリ・ログを保全してください。"},
    {Action::kBlockNetworkIndicators,
     "Block the listed domains, URLs and IP addresses at the proxy, DNS and firewall.",
     "記載のドメイン・URL・IP アドレスを、プロキシ・DNS・ファイアウォールで遮断してください。"},
    {Action::kRansomwareIsolateShares,
     "Isolate affected hosts and disconnect them from file shares at once.",
     "感染端末を直ちに隔離し、ファイル共有への接続を切断してください。"},
    {Action::kRansomwareShadowCopies,
     "Check that volume shadow copies and backups are intact, and keep backups offline.",
     "ボリュームシャドウコピーとバックアップが無事か確認し、バックアップはオフラインで保管してくだ"
     "さい。"},
    {Action::kRansomwareFindNotes,
     "Look for ransom notes and encrypted file extensions on file servers to scope the damage.",
     "ファイルサーバ上の脅迫文や暗号化された拡張子のファイルを調べ、被害範囲を特定してください。"},
    {Action::kSearchProxyLogs,
     "Search proxy and DNS logs for the listed domains and URLs to find other infected hosts.",
     "プロキシ・DNS ログで記載のドメイン・URL への通信を検索し、他の感染端末を特定してください。"},
    {Action::kCollectNextStage,
     "Find the payload it downloads or drops and submit that file for analysis too.",
     "ダウンロード・展開される後続の検体を特定し、あわせて解析に提出してください。"},
    {Action::kBlockC2HuntPersistence,
     "Block the C2 addresses, and hunt for the same mutex and Run keys on other hosts.",
     "C2 サーバへの通信を遮断し、同じミューテックスや Run キーが他の端末にないか調査して"
     "ください。"},
    {Action::kReviewLateralMovement,
     "Assume remote control: review logons from the host and signs of lateral movement.",
     "遠隔操作されていた前提で、当該端末からのログオンや横展開の痕跡を確認してください。"},
    {Action::kResetCredentials,
     "Reset passwords used on the host (browser, mail, VPN) and revoke active sessions.",
     "当該端末で使用したパスワード (ブラウザ・メール・VPN など) を変更し、セッションを無効化"
     "してください。"},
    {Action::kCheckExfiltration,
     "Check proxy logs for data sent to the listed destinations.",
     "プロキシログで、記載の通信先への情報送信がないか確認してください。"},
    {Action::kWormCheckNeighbours,
     "Check neighbouring hosts and shares for the same file, and patch the service it spreads by.",
     "近隣の端末やファイル共有に同一ファイルがないか確認し、感染拡大に悪用される脆弱性を修正して"
     "ください。"},
    {Action::kExploitPatch,
     "Update the vulnerable application, and find who else received the same file.",
     "脆弱なアプリケーションを更新し、同じファイルを受け取った他の利用者を確認してください。"},
    {Action::kHacktoolWhoRanIt,
     "Find out who ran the tool and why; unexplained use suggests an attacker at the keyboard.",
     "ツールの実行者と目的を確認してください。説明のつかない使用は攻撃者による手動操作の可能性があ"
     "ります。"},
    {Action::kMinerRemove,
     "Remove the miner, check CPU load across hosts, and find how it was installed.",
     "マイニングマルウェアを削除し、他端末の CPU 使用率と侵入経路を確認してください。"},
    {Action::kPackerUnpack,
     "The executable is packed: request unpacking in detailed analysis to see its real code.",
     "実行ファイルがパックされているため、詳細解析でアンパックして本来のコードを確認して"
     "ください。"},
};

constexpr bool ActionsInEnumOrder() {
  if (std::size(kActions) != static_cast<std::size_t>(Action::kCount)) return false;
  for (std::size_t i = 0; i < std::size(kActions); ++i) {
    if (static_cast<std::size_t>(kActions[i].id) != i) return false;
  }
  return true;
}
static_assert(ActionsInEnumOrder(), "kActions must list every Action once, in enum order");

struct CodeName {
  std::string_view code;
  std::string_view en;
  std::string_view ja;
};

// Malware type codes as the scoring model writes them (MalwareTypeVote.type).
constexpr CodeName kMalwareTypes[] = {
    {"dropper", "Dropper", "ドロッパー"},
    {"downloader", "Downloader", "ダウンローダー"},
    {"loader", "Loader", "ローダー"},
    {"ransomware", "Ransomware", "ランサムウェア"},
    {"infostealer", "Infostealer", "情報窃取型マルウェア"},
    {"rat", "RAT (remote access trojan)", "RAT (遠隔操作型)"},
    {"backdoor", "Backdoor", "バックドア"},
    {"keylogger", "Keylogger", "キーロガー"},
    {"worm", "Worm", "ワーム"},
    {"exploit", "Exploit", "エクスプロイト"},
    {"hacktool", "Hack tool", "ハッキングツール"},
    {"miner", "Coin miner", "マイニングマルウェア"},
    {"packer", "Packer", "パッカー"},
};

std::string_view Pick(Language lang, std::string_view en, std::string_view ja) {
  return lang == Language::kJapanese ? ja : en;
}

}  // namespace

std::string_view Tr(Msg id, Language lang) {
  const auto index = static_cast<std::size_t>(id);
  if (index >= std::size(kMessages)) return {};
  return Pick(lang, kMessages[index].en, kMessages[index].ja);
}

std::string TrFormat(Msg id, Language lang, std::initializer_list<std::string_view> args) {
  const std::string_view pattern = Tr(id, lang);
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    // Placeholders are "{0}".."{9}", written only in this file.
    if (pattern[i] == '{' && i + 2 < pattern.size() && pattern[i + 2] == '}' &&
        pattern[i + 1] >= '0' && pattern[i + 1] <= '9') {
      const auto arg = static_cast<std::size_t>(pattern[i + 1] - '0');
      if (arg < args.size()) out += *(args.begin() + arg);
      i += 2;
      continue;
    }
    out.push_back(pattern[i]);
  }
  return out;
}

std::string_view LevelName(report::v1::Level level, Language lang) {
  switch (level) {
    case report::v1::LEVEL_CLEAN:
      return Pick(lang, "CLEAN", "問題なし");
    case report::v1::LEVEL_LOW:
      return Pick(lang, "LOW", "低");
    case report::v1::LEVEL_SUSPICIOUS:
      return Pick(lang, "SUSPICIOUS", "要注意");
    case report::v1::LEVEL_MALICIOUS:
      return Pick(lang, "MALICIOUS", "悪性");
    case report::v1::LEVEL_CRITICAL:
      return Pick(lang, "CRITICAL", "重大");
    default:
      return Pick(lang, "NOT RATED", "未判定");
  }
}

std::string_view SeverityName(analysis::v1::Severity severity, Language lang) {
  switch (severity) {
    case analysis::v1::SEVERITY_INFO:
      return Pick(lang, "INFO", "情報");
    case analysis::v1::SEVERITY_LOW:
      return Pick(lang, "LOW", "低");
    case analysis::v1::SEVERITY_MEDIUM:
      return Pick(lang, "MEDIUM", "中");
    case analysis::v1::SEVERITY_HIGH:
      return Pick(lang, "HIGH", "高");
    case analysis::v1::SEVERITY_CRITICAL:
      return Pick(lang, "CRITICAL", "重大");
    default:
      return Pick(lang, "UNRATED", "不明");
  }
}

std::string_view EndReasonName(analysis::v1::EmulationEndReason reason, Language lang) {
  switch (reason) {
    case analysis::v1::EMULATION_END_REASON_EXITED:
      return Pick(lang, "exited", "プロセス終了");
    case analysis::v1::EMULATION_END_REASON_INSTRUCTION_LIMIT:
      return Pick(lang, "instruction limit", "命令数の上限");
    case analysis::v1::EMULATION_END_REASON_API_LIMIT:
      return Pick(lang, "API call limit", "API 呼び出し数の上限");
    case analysis::v1::EMULATION_END_REASON_TIMEOUT:
      return Pick(lang, "time limit", "制限時間");
    case analysis::v1::EMULATION_END_REASON_MEMORY_LIMIT:
      return Pick(lang, "memory limit", "メモリの上限");
    case analysis::v1::EMULATION_END_REASON_UNHANDLED_EXCEPTION:
      return Pick(lang, "unhandled exception", "未処理の例外");
    case analysis::v1::EMULATION_END_REASON_INVALID_MEMORY:
      return Pick(lang, "invalid memory access", "不正なメモリアクセス");
    case analysis::v1::EMULATION_END_REASON_UNSUPPORTED_FILE:
      return Pick(lang, "unsupported file", "未対応のファイル");
    case analysis::v1::EMULATION_END_REASON_ERROR:
      return Pick(lang, "emulator error", "エミュレータのエラー");
    default:
      return Pick(lang, "unknown", "不明");
  }
}

std::string_view IndicatorTypeName(analysis::v1::IndicatorType type, Language lang) {
  switch (type) {
    case analysis::v1::INDICATOR_TYPE_URL:
      return "URL";
    case analysis::v1::INDICATOR_TYPE_DOMAIN:
      return Pick(lang, "Domain", "ドメイン");
    case analysis::v1::INDICATOR_TYPE_IPV4:
      return Pick(lang, "IPv4 address", "IPv4 アドレス");
    case analysis::v1::INDICATOR_TYPE_IPV6:
      return Pick(lang, "IPv6 address", "IPv6 アドレス");
    case analysis::v1::INDICATOR_TYPE_EMAIL:
      return Pick(lang, "E-mail address", "メールアドレス");
    case analysis::v1::INDICATOR_TYPE_REGISTRY_KEY:
      return Pick(lang, "Registry key", "レジストリキー");
    case analysis::v1::INDICATOR_TYPE_FILE_PATH:
      return Pick(lang, "File path", "ファイルパス");
    case analysis::v1::INDICATOR_TYPE_MUTEX:
      return Pick(lang, "Mutex", "ミューテックス");
    case analysis::v1::INDICATOR_TYPE_USER_AGENT:
      return Pick(lang, "User agent", "ユーザーエージェント");
    case analysis::v1::INDICATOR_TYPE_SHA256:
      return "SHA-256";
    case analysis::v1::INDICATOR_TYPE_COMMAND_LINE:
      return Pick(lang, "Command line", "コマンドライン");
    default:
      return Pick(lang, "Other", "その他");
  }
}

std::string MalwareTypeName(std::string_view code, Language lang) {
  for (const CodeName& entry : kMalwareTypes) {
    if (entry.code == code) return std::string(Pick(lang, entry.en, entry.ja));
  }
  return std::string(code);
}

std::string_view ActionText(Action action, Language lang) {
  const auto index = static_cast<std::size_t>(action);
  if (index >= std::size(kActions)) return {};
  return Pick(lang, kActions[index].en, kActions[index].ja);
}

}  // namespace kensa::report::internal
