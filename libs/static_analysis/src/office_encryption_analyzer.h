#pragma once
// Encrypted OLE2 Office documents in the static stage: the [MS-OFFCRYPTO] method reported in
// StaticResult.office, and the document decrypted with, in order, the passwords given with
// the submission, Excel's built-in "VelvetSweatshop" and the default list
// (rules/archive/passwords.txt). The plain document becomes a child sample (origin
// "office decrypted", ExtractedFile.password_used) that the pipeline analyzes like any document.
//
// Anomalies: "office_default_password" (VelvetSweatshop opened it: Excel opens such files
// without a prompt, a trick to hide macros from scanners), "office_password_unknown" (no
// candidate verified), "office_encryption_not_decrypted" (a method only recognised, or limits
// reached, or headers unreadable). "office_encrypted" itself comes from the office analyzer.

#include <string>
#include <vector>

#include "kensa/analysis/v1/static_result.pb.h"
#include "kensa/core/bytes.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::static_analysis {

// Does nothing for a document that is not encrypted (or not a compound file).
void AnalyzeOfficeEncryption(ByteSpan data, const std::string& file_name,
                             const std::vector<std::string>& submitted_passwords,
                             const std::vector<std::string>& password_list,
                             analysis::v1::StaticResult* result,
                             std::vector<ExtractedChild>* children);

}  // namespace kensa::static_analysis
