#pragma once
// Windows shortcuts in the static stage: kensa::lnk's LnkInfo in StaticResult.lnk, findings
// about what the shortcut runs, its command line handed to the script layer (PowerShell
// -EncodedCommand and the like are decoded there, StaticResult.script with source
// "lnk command line") and to indicator extraction, and data appended after the shortcut as a
// child sample (origin "lnk appended data").
//
// Anomaly codes, matched by rules/signatures/lnk.yaml, besides kensa::lnk's own
// (lnk_truncated, lnk_malformed_*, lnk_item_limit, lnk_appended_data):
//   lnk_runs_shell          the target is a command interpreter: cmd, powershell, pwsh,
//                           wscript, cscript
//   lnk_runs_lolbin         the target is a system program that runs other code or fetches
//                           files: mshta, rundll32, regsvr32, msiexec, certutil, bitsadmin...
//   lnk_long_arguments      arguments padded with blanks or line breaks past what the
//                           Properties dialog shows, or longer than 1024 characters
//   lnk_icon_mismatch       a document's or browser's icon on a program or script target
//   lnk_encoded_powershell  PowerShell with an -EncodedCommand or FromBase64String argument
//   lnk_remote_target       the target or an argument is on a UNC or WebDAV share or a URL

#include <string>
#include <utility>
#include <vector>

#include "kensa/analysis/v1/static_result.pb.h"
#include "kensa/core/bytes.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::static_analysis {

// Fills result->lnk, result->script (for a shortcut with a command line), anomalies and
// extracted_files; appends children (when not nullptr) and (source label, text) pairs to
// decoded_texts. A file that is not a shortcut adds an entry to result->errors.
void AnalyzeLnkFile(ByteSpan data, const std::string& file_name, analysis::v1::StaticResult* result,
                    std::vector<ExtractedChild>* children,
                    std::vector<std::pair<std::string, std::string>>* decoded_texts);

}  // namespace kensa::static_analysis
