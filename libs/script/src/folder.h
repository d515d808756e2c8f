#pragma once
// Literal folding (private to libs/script): a one-pass shift-reduce over the tokens that replaces
// each expression whose operands are literals with the literal it evaluates to ('a'+'b',
// [char]72, Chr(72), "{1}{0}" -f 'a','b', 'x' -replace 'y','z', StrReverse("cba"),
// String.fromCharCode(72), unescape("%41")...), and unwraps Invoke-Expression / Execute / eval
// of a literal into code. Operator precedence decides when a reduction is safe: `'a' + 'b' * 2`
// is left alone. Each reduction shrinks the stack, so the pass is linear in the tokens.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/script/deobfuscator.h"
#include "tokenizer.h"

namespace kensa::script::internal {

struct FoldLimits {
  // Largest literal a reduction may produce.
  std::size_t max_literal_bytes = 8u << 20;
  // Largest array a range, split or char array may produce.
  std::size_t max_array_elements = 1u << 20;
};

struct FoldStat {
  std::size_t count = 0;
  // The longest value produced by reductions of this kind, at most 512 bytes.
  std::string excerpt;
};

struct FoldResult {
  std::string text;
  // By layer kind ("concatenation", "char_codes"...): how many reductions and an excerpt.
  std::map<std::string, FoldStat> kinds;
  // Bytes FromBase64String (PowerShell) and atob (JScript) decoded, for payload extraction.
  std::vector<Bytes> decoded_bytes;
  // Literal values of at least 12 bytes that may hold a command line or a payload.
  std::vector<std::string> literals;
};

// Folds `text` (PowerShell, VBScript or JScript) once.
FoldResult Fold(std::string_view text, Language language, const FoldLimits& limits);
// The same over `tokens`, which must be Tokenize(text, language) of the text to fold: the
// de-obfuscator hands over the tokens PropagateConstants made, so a large text is lexed once per
// round instead of twice.
FoldResult Fold(std::vector<Token> tokens, Language language, const FoldLimits& limits);

// Replaces variables assigned exactly once to a literal by that literal (PowerShell $name = 'x',
// VBScript name = "x" / Const, JScript var name = "x"). Returns the number of replacements and
// writes the new text. When nothing was replaced and `unchanged_tokens` is given, it receives
// Tokenize(text, language), for Fold.
std::size_t PropagateConstants(std::string_view text, Language language, std::size_t max_bytes,
                               std::string* out, std::vector<Token>* unchanged_tokens = nullptr);

// PowerShell backtick escapes that mean nothing (ne`w-obj`ect, "Do`wnl`oad"). Returns the number
// removed and writes the new text.
std::size_t RemovePowerShellTicks(std::string_view text, std::string* out);

}  // namespace kensa::script::internal
