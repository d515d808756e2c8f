#pragma once
// Command lines and batch files (private to libs/script): cmd's caret escapes and variables, and
// the code other interpreters are handed on a command line (powershell -EncodedCommand,
// powershell -Command "...", mshta vbscript:/javascript:), plus HTML <script> blocks.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/script/deobfuscator.h"

namespace kensa::script::internal {

// Text found inside another text, to be de-obfuscated on its own.
struct Extracted {
  Language language;
  std::string text;
  // The layer kind: "encoded_command", "embedded_command", "script_block", "script_encoder".
  std::string kind;
};

// cmd's ^ escapes outside double quotes (p^o^w^e^r^s^h^e^l^l) and ^ line continuations.
// Returns the number removed and writes the new text.
std::size_t RemoveCarets(std::string_view text, std::string* out);

// cmd variables: `set name=value` / `set "name=value"` followed in order by %name%, !name!,
// %name:~start,length% and %name:old=new%. Substrings and replacements of standard variables
// (%ComSpec:~-16,1%, %PUBLIC:~5,1%) use their default Windows 10 values. Returns the number of
// expansions and writes the new text.
std::size_t ExpandBatchVariables(std::string_view text, std::size_t max_bytes, std::string* out);

// powershell -e/-enc/-EncodedCommand <base64 of UTF-16LE>, decoded.
void FindEncodedCommands(std::string_view text, std::size_t max_found, std::vector<Extracted>* found);

// powershell [options] -Command <code> (or code after the options), and mshta vbscript:<code> /
// javascript:<code>.
void FindEmbeddedCommands(std::string_view text, std::size_t max_found, std::vector<Extracted>* found);

// <script> blocks of an HTML application or Windows Script File, by their language attribute;
// VBScript.Encode / JScript.Encode blocks decoded.
void FindScriptBlocks(std::string_view html, std::size_t max_found, std::size_t max_bytes,
                      std::vector<Extracted>* found);

}  // namespace kensa::script::internal
