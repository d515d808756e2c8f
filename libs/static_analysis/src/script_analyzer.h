#pragma once
// Scripts (PowerShell, VBScript, JScript, batch, HTA/WSF, VBE/JSE) and LNK command lines in the
// static stage: kensa::script's de-obfuscation and behaviour turned into StaticResult facts
// (ScriptInfo, anomalies), decoded texts for indicator extraction, and the executables decoded
// out of literals as child samples (origin "script base64", "script hex", "script deflate",
// "script gzip").
//
// Anomaly codes, matched by rules/signatures/script.yaml (detail: the keyword and its line):
//   script_encoded_command        a PowerShell -EncodedCommand that decoded to code
//   script_download_cradle        Net.WebClient, Invoke-WebRequest, BITS, XMLHTTP+ADODB.Stream,
//                                 certutil -urlcache, bitsadmin /transfer...
//   script_execution_powershell   Invoke-Expression, Start-Process, Assembly.Load... in PowerShell
//   script_execution_vbscript     WScript.Shell Run/Exec, ShellExecute, Execute... in VBScript
//   script_execution_jscript      the same, or eval of built code, in JScript
//   script_execution_cmd          programs a batch file or command line starts
//   script_amsi_bypass            AmsiUtils / amsiInitFailed / AmsiScanBuffer tampering
//   script_persistence            Run keys, schtasks /create, scheduled task cmdlets, Startup
//   script_obfuscated             two or more obfuscation layers (detail: how many and which)
//   script_payload                an executable decoded out of a literal (detail: size, kind)

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kensa/analysis/v1/static_result.pb.h"
#include "kensa/core/bytes.h"
#include "kensa/script/deobfuscator.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::static_analysis {

// De-obfuscates `text` written in `language`, fills result->script (source "sample" or
// "lnk command line") and anomalies, appends decoded texts to decoded_texts and decoded
// executables to extracted_files and children (when not nullptr). `file_name` names children.
void AnalyzeScriptText(std::string_view text, script::Language language, const std::string& source,
                       const std::string& file_name, analysis::v1::StaticResult* result,
                       std::vector<ExtractedChild>* children,
                       std::vector<std::pair<std::string, std::string>>* decoded_texts);

// A script sample: its bytes decoded to text (UTF-16, UTF-8, CP932...) and analyzed in the
// language of its identify tag ("powershell", "vbscript", "jscript", "batch", "hta", "wsf",
// "vbe"). Tags that are not scripts Kensa de-obfuscates ("shell") do nothing.
void AnalyzeScriptFile(ByteSpan data, const std::string& tag, const std::string& file_name,
                       analysis::v1::StaticResult* result, std::vector<ExtractedChild>* children,
                       std::vector<std::pair<std::string, std::string>>* decoded_texts);

}  // namespace kensa::static_analysis
