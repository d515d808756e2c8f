#pragma once
// A lexer for the three script languages the folder rewrites (private to libs/script). It knows
// each language's strings, comments, numbers and operators well enough to find literals; it is
// not a parser. Whitespace and comments are kept verbatim in each token's prefix, so writing the
// tokens back reproduces the input byte for byte.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/script/deobfuscator.h"

namespace kensa::script::internal {

enum class TokenType : std::uint8_t {
  kString,    // a string literal; `literal` says whether its value is known
  kNumber,    // an integer literal
  kWord,      // identifier, keyword, cmdlet name
  kVariable,  // PowerShell $name
  kType,      // PowerShell [type]
  kOperator,  // punctuation and operators, incl. PowerShell's -replace, -f, -join...
  kNewline,   // a statement separator
  kRegex,     // JScript /regex/flags
  kOther,     // anything else (an unterminated string, stray bytes)
  // Made by the folder:
  kArray,     // a list of literal strings and numbers
  kArgs,      // the argument list of a call: (a, b)
  kBytes,     // bytes decoded from a literal (FromBase64String)
  kRange,     // a PowerShell range of integers a..b (number = a, extra->range_end = b)
  kCode,      // code unwrapped from an Invoke-Expression / Execute / eval of a literal
};

struct Token;

// What only made-up tokens carry.
struct TokenExtra {
  std::vector<Token> elements;  // kArray, kArgs
  Bytes bytes;                  // kBytes
  std::int64_t range_end = 0;   // kRange
};

struct Token {
  TokenType type = TokenType::kOther;
  // Whitespace and comments before the token, written back as they were.
  std::string prefix;
  // The token as it is written back.
  std::string raw;
  // kString: the decoded value. kWord, kOperator, kType, kVariable: the lower-case name (types
  // without "system.", variables without "$", braces and backticks). kCode: the code.
  std::string value;
  std::int64_t number = 0;
  // kString: the value is known (no interpolation).
  bool literal = false;
  // `raw` is stale: write the value back with QuoteLiteral (set by the folder, which changes
  // long literals in place and quotes them once, when they are written out).
  bool raw_pending = false;
  std::shared_ptr<TokenExtra> extra;
};

// Splits `text` into tokens; never fails (what it cannot read becomes kOther).
std::vector<Token> Tokenize(std::string_view text, Language language);

// A literal written back in `language`'s quoting ('...' for PowerShell, "..." for VBScript and
// JScript).
std::string QuoteLiteral(std::string_view value, Language language);

}  // namespace kensa::script::internal
