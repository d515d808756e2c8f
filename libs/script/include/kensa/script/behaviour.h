#pragma once
// What de-obfuscated script code does, from keywords on its lines: downloads, execution of code
// or programs, AMSI bypasses, persistence. Each finding keeps the line as evidence.
//
//   auto d = Deobfuscate(text, Language::kPowerShell);
//   for (const ScriptFinding& f : FindBehaviour(d, text)) { f.kind; f.keyword; f.line; }

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/script/deobfuscator.h"

namespace kensa::script {

struct ScriptFinding {
  // "encoded_command", "download_cradle", "execution", "amsi_bypass", "persistence", and for
  // shell scripts also "reverse_shell", "defense_evasion", "credential_access".
  std::string kind;
  // The construct as the rule names it ("Net.WebClient.DownloadString", "schtasks /create").
  std::string keyword;
  // The line, trimmed and at most 300 bytes of UTF-8.
  std::string line;
  std::size_t text_index = 0;
  Language language = Language::kPowerShell;
};

// Findings in one text; at most one per keyword, at most `max_findings`.
std::vector<ScriptFinding> FindBehaviourInText(std::string_view text, Language language,
                                               std::size_t text_index, std::size_t max_findings);

// Findings over `original` (the text before de-obfuscation, reported as text 0: unwrapping an
// Invoke-Expression removes the keyword from the rewritten text) and every decoded text, plus
// the layers that are findings themselves: an -EncodedCommand ("encoded_command"), code run from
// a literal by Invoke-Expression, Execute or eval ("execution"). One per (kind, keyword, text),
// at most `max_findings`.
std::vector<ScriptFinding> FindBehaviour(const Deobfuscation& deobfuscation, std::string_view original,
                                         std::size_t max_findings = 200);

}  // namespace kensa::script
