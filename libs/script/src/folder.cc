#include "folder.h"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <optional>
#include <unordered_map>

#include "text_util.h"
#include "tokenizer.h"

namespace kensa::script::internal {
namespace {

constexpr std::size_t kExcerptBytes = 512;
constexpr std::size_t kMinScannedLiteral = 12;    // shorter literals hold no command line
constexpr std::size_t kMaxScannedLiterals = 4096;  // literals handed to payload extraction
constexpr std::size_t kMaxScannedLiteralBytes = 16u << 20;
constexpr std::size_t kMaxBraceLookback = 512;     // tokens searched back for a foreach's '{'
constexpr std::size_t kMaxPatternBytes = 256;      // -replace patterns longer than this are left

bool IsOperator(const Token* t, std::string_view value) {
  return t != nullptr && t->type == TokenType::kOperator && t->value == value;
}
bool IsWord(const Token* t, std::initializer_list<std::string_view> values) {
  if (t == nullptr || t->type != TokenType::kWord) return false;
  return std::find(values.begin(), values.end(), t->value) != values.end();
}
bool IsType(const Token* t, std::initializer_list<std::string_view> values) {
  if (t == nullptr || t->type != TokenType::kType) return false;
  return std::find(values.begin(), values.end(), t->value) != values.end();
}
bool IsLit(const Token* t) { return t != nullptr && t->type == TokenType::kString && t->literal; }
bool IsNum(const Token* t) { return t != nullptr && t->type == TokenType::kNumber; }
bool IsScalar(const Token* t) { return IsLit(t) || IsNum(t); }
bool IsArray(const Token* t) { return t != nullptr && t->type == TokenType::kArray; }
bool IsArgs(const Token* t) { return t != nullptr && t->type == TokenType::kArgs; }

const std::vector<Token>& Elements(const Token& t) {
  static const std::vector<Token> kEmpty;
  return t.extra ? t.extra->elements : kEmpty;
}

std::string ScalarText(const Token& t) {
  return t.type == TokenType::kNumber ? std::to_string(t.number) : t.value;
}

// A statement boundary (or nothing) before a token: where a command name may stand.
bool IsStatementStart(const Token* t) {
  if (t == nullptr) return true;
  if (t->type == TokenType::kNewline) return true;
  if (t->type != TokenType::kOperator) return false;
  const std::string_view v = t->value;  // compares lengths first, with no strlen per literal
  return v == ";" || v == "{" || v == "(" || v == "|" || v == "}" || v == "=" || v == "$(" ||
         v == "&&" || v == "||";
}

bool IsSeparator(const Token* t) {
  if (t == nullptr) return true;
  if (t->type == TokenType::kNewline) return true;
  if (t->type != TokenType::kOperator) return false;
  const std::string_view v = t->value;
  return v == ";" || v == ")" || v == "}" || v == "|" || v == "]";
}

// A -replace pattern with no regular-expression meaning left after unescaping; nullopt when the
// pattern uses real regex syntax.
std::optional<std::string> PlainPattern(std::string_view pattern) {
  static constexpr std::string_view kMeta = "\\^$.|?*+()[]{}";
  std::string plain;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size() && kMeta.find(pattern[i + 1]) != std::string_view::npos) {
      plain.push_back(pattern[++i]);
    } else if (kMeta.find(c) != std::string_view::npos) {
      return std::nullopt;
    } else {
      plain.push_back(c);
    }
  }
  return plain;
}

// PowerShell -f: {0}, {1,-5} (alignment ignored) and {{ }}; nullopt for format specifiers or
// missing arguments.
std::optional<std::string> FormatOperator(std::string_view format, const std::vector<std::string>& args,
                                          std::size_t max_bytes) {
  std::string out;
  for (std::size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if (c == '{' && i + 1 < format.size() && format[i + 1] == '{') {
      out.push_back('{');
      ++i;
    } else if (c == '}' && i + 1 < format.size() && format[i + 1] == '}') {
      out.push_back('}');
      ++i;
    } else if (c == '{') {
      std::size_t j = i + 1;
      std::size_t index = 0;
      bool digits = false;
      while (j < format.size() && format[j] >= '0' && format[j] <= '9' && index < 100000) {
        index = index * 10 + static_cast<std::size_t>(format[j] - '0');
        digits = true;
        ++j;
      }
      while (j < format.size() && format[j] == ' ') ++j;
      if (j < format.size() && format[j] == ',') {
        ++j;
        while (j < format.size() && (format[j] == '-' || format[j] == ' ' || (format[j] >= '0' && format[j] <= '9'))) ++j;
      }
      if (!digits || j >= format.size() || format[j] != '}' || index >= args.size()) return std::nullopt;
      out += args[index];
      i = j;
    } else {
      out.push_back(c);
    }
    if (out.size() > max_bytes) return std::nullopt;
  }
  return out;
}

// unescape(): %XX and %uXXXX.
std::string UrlUnescape(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  std::vector<std::uint8_t> pending;  // %XX bytes, decoded together as UTF-8 when they form it
  auto flush = [&] {
    if (pending.empty()) return;
    const std::string_view bytes(reinterpret_cast<const char*>(pending.data()), pending.size());
    const std::string sanitized = SanitizeUtf8(bytes);
    if (sanitized.find("\xEF\xBF\xBD") == std::string::npos) {
      out += sanitized;
    } else {
      for (std::uint8_t b : pending) AppendUtf8(out, b);  // Latin-1, as unescape() does
    }
    pending.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 5 < text.size() + 0 && (text[i + 1] == 'u' || text[i + 1] == 'U') &&
        hex(text[i + 2]) >= 0 && hex(text[i + 3]) >= 0 && hex(text[i + 4]) >= 0 && hex(text[i + 5]) >= 0) {
      flush();
      std::uint32_t cp = static_cast<std::uint32_t>((hex(text[i + 2]) << 12) | (hex(text[i + 3]) << 8) |
                                                    (hex(text[i + 4]) << 4) | hex(text[i + 5]));
      if (cp >= 0xD800 && cp <= 0xDBFF && i + 11 < text.size() && text[i + 6] == '%' &&
          (text[i + 7] == 'u' || text[i + 7] == 'U')) {
        const int a = hex(text[i + 8]), b = hex(text[i + 9]), c = hex(text[i + 10]), d = hex(text[i + 11]);
        if (a >= 0 && b >= 0 && c >= 0 && d >= 0) {
          const auto low = static_cast<std::uint32_t>((a << 12) | (b << 8) | (c << 4) | d);
          if (low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          }
        }
      }
      AppendUtf8(out, (cp >= 0xD800 && cp <= 0xDFFF) ? 0xFFFDu : cp);
      i += 5;
    } else if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      pending.push_back(static_cast<std::uint8_t>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      flush();
      out.push_back(text[i]);
    }
  }
  flush();
  return out;
}

// A cmdlet-like name an invocation operator may run: & ('New-Object') -> New-Object.
bool LooksLikeCommandName(std::string_view value) {
  if (value.empty() || value.size() > 64) return false;
  if (!((value[0] >= 'A' && value[0] <= 'Z') || (value[0] >= 'a' && value[0] <= 'z'))) return false;
  return std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

// Which character a PowerShell ForEach-Object body makes of each number ($_ -bxor K,
// [Convert]::ToInt16($_, 2) -as [char], [char]$_); nullopt for any other body.
struct ForEachShape {
  enum class Kind { kChar, kXorChar, kBaseChar, kIdentity } kind;
  std::int64_t operand = 0;
};

std::optional<ForEachShape> ClassifyForEachBody(std::string_view body) {
  std::string normalized;
  for (char c : AsciiLower(body)) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '(' || c == ')' || c == '\'' || c == '"' || c == '`') continue;
    normalized.push_back(c);
  }
  if (normalized == "$_.value" || normalized == "$_") return ForEachShape{ForEachShape::Kind::kIdentity, 0};
  const bool to_char = normalized.find("[char]") != std::string::npos;
  if (!to_char) return std::nullopt;
  auto number_after = [&](std::string_view marker) -> std::optional<std::int64_t> {
    const std::size_t at = normalized.find(marker);
    if (at == std::string::npos) return std::nullopt;
    std::size_t i = at + marker.size();
    int base = 10;
    if (normalized.compare(i, 2, "0x") == 0) {
      base = 16;
      i += 2;
    }
    std::int64_t value = 0;
    bool digits = false;
    while (i < normalized.size()) {
      const char c = normalized[i];
      int d = -1;
      if (c >= '0' && c <= '9') d = c - '0';
      if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
      if (d < 0 || value > 0xFFFFFF) break;
      value = value * base + d;
      digits = true;
      ++i;
    }
    if (!digits) return std::nullopt;
    return value;
  };
  if (auto key = number_after("$_-bxor")) return ForEachShape{ForEachShape::Kind::kXorChar, *key};
  for (std::string_view convert : {"[convert]::toint16$_.tostring,", "[convert]::toint16$_,",
                                   "[convert]::toint32$_.tostring,", "[convert]::toint32$_,"}) {
    if (auto base = number_after(convert); base && (*base == 2 || *base == 8 || *base == 10 || *base == 16)) {
      return ForEachShape{ForEachShape::Kind::kBaseChar, *base};
    }
  }
  if (normalized == "[char]$_" || normalized == "[char][int]$_" || normalized == "$_-as[char]") {
    return ForEachShape{ForEachShape::Kind::kChar, 0};
  }
  return std::nullopt;
}

// The text of `value` (a number or string) read in `base`, as .NET's Convert.ToInt16 does.
std::optional<std::int64_t> ParseInBase(std::string_view text, std::int64_t base) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0 || d >= base || value > 0x7FFFFFFF) return std::nullopt;
    value = value * base + d;
  }
  return value;
}

class Folder {
 public:
  Folder(Language language, const FoldLimits& limits) : language_(language), limits_(limits) {}

  FoldResult Run(std::vector<Token> tokens) {
    stack_.reserve(tokens.size());
    for (auto& token : tokens) Push(std::move(token));
    ReduceWith(nullptr);
    Flush();
    result_.text = std::move(out_);
    return std::move(result_);
  }

 private:
  // --- the stack ----------------------------------------------------------------------------

  Token* At(std::size_t k) { return k < stack_.size() ? &stack_[stack_.size() - 1 - k] : nullptr; }

  void Push(Token&& token) {
    // The tokenizer's trailing whitespace token ends the text like nothing at all.
    const bool end_of_text = token.type == TokenType::kOther && token.raw.empty();
    ReduceWith(end_of_text ? nullptr : &token);
    const bool closer = token.type == TokenType::kOperator &&
                        (token.value == ")" || token.value == "]" || token.value == "}");
    const bool separator = token.type == TokenType::kNewline || IsOperator(&token, ";");
    if (token.type == TokenType::kOperator &&
        (token.value == "(" || token.value == "$(" || token.value == "@(" || token.value == "[" || token.value == "{")) {
      ++depth_;
    }
    if (closer && depth_ > 0) --depth_;
    stack_.push_back(std::move(token));
    if (closer) ReduceClosers();
    // Nothing reduces across a statement separator outside brackets: write out what is done.
    if (separator && depth_ == 0) Flush();
  }

  void Materialize(Token& token) const {
    if (!token.raw_pending) return;
    token.raw = QuoteLiteral(token.value, language_);
    token.raw_pending = false;
  }

  void Flush() {
    for (auto& token : stack_) {
      Materialize(token);
      if (IsLit(&token) && token.value.size() >= kMinScannedLiteral) NoteLiteral(token.value);
      // Arguments and list elements: document.write("<script>..."), Run("powershell -e ...").
      for (const auto& element : Elements(token)) {
        if (IsLit(&element) && element.value.size() >= kMinScannedLiteral) NoteLiteral(element.value);
      }
      out_ += token.prefix;
      out_ += token.raw;
    }
    stack_.clear();
  }

  // Replaces the last `n` tokens by `result`, which keeps the first one's prefix.
  void ReplaceTail(std::size_t n, Token result) {
    result.prefix = std::move(stack_[stack_.size() - n].prefix);
    stack_.resize(stack_.size() - n);
    stack_.push_back(std::move(result));
  }

  // The original text of the last `n` tokens (prefix of the first excluded).
  std::string TailRaw(std::size_t n) {
    std::string raw;
    for (std::size_t i = stack_.size() - n; i < stack_.size(); ++i) {
      Materialize(stack_[i]);
      if (i != stack_.size() - n) raw += stack_[i].prefix;
      raw += stack_[i].raw;
    }
    return raw;
  }

  void Note(const std::string& kind, std::string_view produced) {
    if (kind.empty()) return;
    auto& stat = result_.kinds[kind];
    ++stat.count;
    if (produced.size() > stat.excerpt.size() && stat.excerpt.size() < kExcerptBytes) {
      stat.excerpt = Utf8Prefix(produced, kExcerptBytes);
    }
  }

  void NoteLiteral(const std::string& value) {
    if (result_.literals.size() >= kMaxScannedLiterals || literal_bytes_ + value.size() > kMaxScannedLiteralBytes) return;
    literal_bytes_ += value.size();
    result_.literals.push_back(value);
  }

  std::optional<Token> MakeString(std::string value, const std::string& kind) {
    if (value.size() > limits_.max_literal_bytes) return std::nullopt;
    Token token;
    token.type = TokenType::kString;
    token.literal = true;
    token.raw_pending = true;
    Note(kind, value);
    token.value = std::move(value);
    return token;
  }

  static Token MakeNumber(std::int64_t number) {
    Token token;
    token.type = TokenType::kNumber;
    token.number = number;
    token.raw = std::to_string(number);
    token.value = token.raw;
    return token;
  }

  Token MakeList(TokenType type, std::vector<Token> elements, std::string raw) const {
    Token token;
    token.type = type;
    token.raw = std::move(raw);
    token.extra = std::make_shared<TokenExtra>();
    token.extra->elements = std::move(elements);
    return token;
  }

  // An array written as a parenthesized list, for arrays that did not come from source text.
  Token MakeArray(std::vector<Token> elements) const {
    std::string raw = "(";
    for (std::size_t i = 0; i < elements.size(); ++i) {
      if (i != 0) raw += ",";
      Materialize(elements[i]);
      raw += elements[i].raw;
    }
    raw += ")";
    return MakeList(TokenType::kArray, std::move(elements), std::move(raw));
  }

  Token MakeCode(std::string code, const std::string& kind) {
    Note(kind, code);
    Token token;
    token.type = TokenType::kCode;
    token.raw = code;
    token.value = std::move(code);
    return token;
  }

  std::optional<Token> CharToken(std::int64_t code_point, const std::string& kind) {
    auto text = CodePointText(code_point);
    if (!text) return std::nullopt;
    return MakeString(std::move(*text), kind);
  }

  // --- precedence -----------------------------------------------------------------------------

  // Binding strength of an operator token in binary position; 0 for anything that is not one.
  int Precedence(const Token* t) const {
    if (t == nullptr) return 0;
    if (t->type == TokenType::kWord && language_ == Language::kVbScript) {
      const std::string_view v = t->value;
      if (v == "mod") return 66;
      if (v == "is") return 50;
      if (v == "not") return 45;
      if (v == "and") return 40;
      if (v == "or") return 35;
      if (v == "xor" || v == "eqv" || v == "imp") return 34;
      return 0;
    }
    if (t->type == TokenType::kArgs) return 100;  // a call binds tightest
    if (t->type != TokenType::kOperator) return 0;
    const std::string_view v = t->value;  // length first: this runs for every token
    if (v == "." || v == "::" || v == "[" || v == "(" || v == "?.") return 100;
    switch (language_) {
      case Language::kPowerShell:
        if (v == ",") return 90;
        if (v == "..") return 85;
        if (v == "-f") return 80;
        if (v == "*" || v == "/" || v == "%") return 70;
        if (v == "+" || v == "-") return 60;
        if (v == "-band" || v == "-bor" || v == "-bxor" || v == "-shl" || v == "-shr") return 55;
        if (v == "-and" || v == "-or" || v == "-xor") return 40;
        if (v == "|") return 30;
        if (v == "=" || v == "+=" || v == "-=" || v == "*=" || v == "/=") return 10;
        if (v.size() > 1 && v[0] == '-') return 50;  // comparison-level: -replace, -join, -eq...
        return 0;
      case Language::kVbScript:
        if (v == "^") return 80;
        if (v == "*" || v == "/") return 70;
        if (v == "\\") return 68;
        if (v == "+" || v == "-") return 60;
        if (v == "&") return 55;
        if (v == "=" || v == "<>" || v == "<" || v == ">" || v == "<=" || v == ">=") return 50;
        if (v == ",") return 5;
        return 0;
      default:
        if (v == "**") return 75;
        if (v == "*" || v == "/" || v == "%") return 70;
        if (v == "+" || v == "-") return 60;
        if (v == "<<" || v == ">>" || v == ">>>") return 58;
        if (v == "<" || v == ">" || v == "<=" || v == ">=") return 55;
        if (v == "==" || v == "!=" || v == "===" || v == "!==") return 50;
        if (v == "&") return 48;
        if (v == "^") return 47;
        if (v == "|") return 46;
        if (v == "&&") return 45;
        if (v == "||") return 44;
        if (v == "?" || v == ":") return 40;
        if (v == "=" || v == "+=" || v == "-=") return 10;
        if (v == ",") return 5;
        return 0;
    }
  }

  // The token before an operand, seen as an operator: unary PowerShell operators (-join, -not,
  // -split in operand position) bind tighter than any binary one.
  int PrecedenceBefore(std::size_t k) const {
    const Token* t = k < stack_.size() ? &stack_[stack_.size() - 1 - k] : nullptr;
    if (t == nullptr) return 0;
    // An opening bracket before an operand starts a new expression.
    if (t->type == TokenType::kOperator &&
        (t->value == "(" || t->value == "[" || t->value == "{" || t->value == "$(" || t->value == "@(")) {
      return 0;
    }
    if (language_ == Language::kPowerShell && t->type == TokenType::kOperator && t->value.size() > 1 &&
        t->value[0] == '-' && !OperandAt(k + 1)) {
      return 95;
    }
    if (t->type == TokenType::kType) return 95;  // a cast applies to the operand after it
    if (language_ != Language::kPowerShell && IsOperator(t, "-") && !OperandAt(k + 1)) return 95;
    return Precedence(t);
  }

  bool OperandAt(std::size_t k) const {
    const Token* t = k < stack_.size() ? &stack_[stack_.size() - 1 - k] : nullptr;
    if (t == nullptr) return false;
    switch (t->type) {
      case TokenType::kString:
      case TokenType::kNumber:
      case TokenType::kVariable:
      case TokenType::kArray:
      case TokenType::kBytes:
      case TokenType::kCode:
        return true;
      case TokenType::kWord:
        return language_ != Language::kPowerShell;
      case TokenType::kOperator:
        return t->value == ")" || t->value == "]" || t->value == "}";
      default:
        return false;
    }
  }

  // --- reductions with a lookahead ------------------------------------------------------------

  void ReduceWith(const Token* lookahead) {
    const int ahead = Precedence(lookahead);
    while (ReduceOnce(lookahead, ahead)) {
    }
  }

  bool ReduceOnce(const Token* lookahead, int ahead) {
    if (stack_.size() >= 2 && ReduceCast(ahead)) return true;
    if (stack_.size() >= 2 && ReduceUnary(ahead)) return true;
    if (stack_.size() >= 2 && ReduceStatement(lookahead)) return true;
    if (stack_.size() >= 3 && ReduceMemberName(lookahead)) return true;
    if (stack_.size() >= 3 && ReduceBinary(ahead)) return true;
    return false;
  }

  // PowerShell casts: [char]72, [string]'x', [char[]](72,101), [int]'5'.
  bool ReduceCast(int ahead) {
    if (language_ != Language::kPowerShell || ahead >= 100) return false;
    Token* type = At(1);
    Token* operand = At(0);
    if (type == nullptr || type->type != TokenType::kType) return false;
    const std::string& name = type->value;
    std::optional<Token> result;
    if (name == "char" && IsNum(operand)) {
      result = CharToken(operand->number, "char_codes");
    } else if (name == "char" && IsLit(operand) && ToCodePoints(operand->value).size() == 1) {
      result = MakeString(operand->value, "");
    } else if (name == "string" && IsScalar(operand)) {
      result = MakeString(ScalarText(*operand), "");
    } else if ((name == "int" || name == "byte" || name == "int16" || name == "int32" || name == "int64" ||
                name == "long" || name == "uint16" || name == "uint32") && IsNum(operand)) {
      result = MakeNumber(operand->number);
    } else if ((name == "int" || name == "int32" || name == "byte") && IsLit(operand)) {
      if (auto parsed = ParseInBase(operand->value, 10)) result = MakeNumber(*parsed);
    } else if (name == "char[]" && IsArray(operand)) {
      std::vector<Token> chars;
      for (const auto& element : Elements(*operand)) {
        if (!IsNum(&element)) return false;
        auto c = CharToken(element.number, "");
        if (!c) return false;
        chars.push_back(std::move(*c));
      }
      Note("char_codes", "");
      result = MakeArray(std::move(chars));
    } else if (name == "char[]" && IsLit(operand)) {
      std::vector<Token> chars;
      for (std::uint32_t cp : ToCodePoints(operand->value)) {
        if (chars.size() >= limits_.max_array_elements) return false;
        auto c = CharToken(cp, "");
        if (!c) return false;
        chars.push_back(std::move(*c));
      }
      result = MakeArray(std::move(chars));
    } else if (name == "scriptblock" && IsLit(operand)) {
      result = MakeCode(operand->value, "invoke_expression");
    }
    if (!result) return false;
    ReplaceTail(2, std::move(*result));
    return true;
  }

  // PowerShell unary -join: -join ('a','b') / -join [char[]](...).
  bool ReduceUnary(int ahead) {
    if (language_ != Language::kPowerShell || ahead >= 90) return false;
    Token* op = At(1);
    Token* operand = At(0);
    if (!IsOperator(op, "-join") || OperandAt(2)) return false;
    if (IsArray(operand)) {
      std::string joined;
      for (const auto& element : Elements(*operand)) {
        if (!IsScalar(&element)) return false;
        joined += ScalarText(element);
        if (joined.size() > limits_.max_literal_bytes) return false;
      }
      auto result = MakeString(std::move(joined), "join");
      if (!result) return false;
      ReplaceTail(2, std::move(*result));
      return true;
    }
    if (IsLit(operand)) {
      auto result = MakeString(operand->value, "");
      if (!result) return false;
      ReplaceTail(2, std::move(*result));
      return true;
    }
    return false;
  }

  // Statements whose argument is a literal, decided once the statement ends: IEX 'code',
  // 'code' | IEX, & 'iex' 'code', Execute "code" (VBScript), & ('New-Object') -> New-Object.
  bool ReduceStatement(const Token* lookahead) {
    const bool ends = IsSeparator(lookahead) ||
                      (language_ == Language::kVbScript && lookahead != nullptr && lookahead->value == ":");
    if (language_ == Language::kPowerShell) {
      Token* last = At(0);
      if (ends && IsLit(last) && IsWord(At(1), {"iex", "invoke-expression"}) && IsStatementStart(At(2))) {
        ReplaceTail(2, MakeCode(last->value, "invoke_expression"));
        return true;
      }
      if (ends && IsLit(At(2)) && IsOperator(At(1), "|") && IsWord(last, {"iex", "invoke-expression"})) {
        ReplaceTail(3, MakeCode(At(2)->value, "invoke_expression"));
        return true;
      }
      if (ends && stack_.size() >= 4 && IsLit(At(3)) && IsOperator(At(2), "|") &&
          (IsOperator(At(1), "&") || IsOperator(At(1), ".")) && IsLit(last) && IsIexName(last->value)) {
        ReplaceTail(4, MakeCode(At(3)->value, "invoke_expression"));
        return true;
      }
      // & 'iex' 'code' / . ('iex') ('code') / & 'iex' ('code')
      if (ends && stack_.size() >= 3 && (IsOperator(At(2), "&") || IsOperator(At(2), ".")) &&
          IsStatementStart(At(3)) && IsLit(At(1)) && IsIexName(At(1)->value)) {
        const Token* code = last;
        if (IsArgs(last) && Elements(*last).size() == 1) code = &Elements(*last)[0];
        if (IsLit(code)) {
          ReplaceTail(3, MakeCode(code->value, "invoke_expression"));
          return true;
        }
      }
      // & ('New-Object') Net.WebClient: the operator runs a command named by a literal.
      if (lookahead != nullptr && !IsOperator(lookahead, "(") && !IsOperator(lookahead, ".") &&
          (IsOperator(At(1), "&") || IsOperator(At(1), ".")) && IsStatementStart(At(2)) && IsLit(last) &&
          LooksLikeCommandName(last->value) && !IsIexName(last->value)) {
        Token word;
        word.type = TokenType::kWord;
        word.raw = last->value;
        word.value = AsciiLower(last->value);
        ReplaceTail(2, std::move(word));
        return true;
      }
    }
    if (language_ == Language::kVbScript && ends && IsLit(At(0)) &&
        IsWord(At(1), {"execute", "executeglobal"}) && IsStatementStart(At(2))) {
      ReplaceTail(2, MakeCode(At(0)->value, "eval"));
      return true;
    }
    return false;
  }

  static bool IsIexName(std::string_view value) {
    return EqualsIgnoreCase(value, "iex") || EqualsIgnoreCase(value, "invoke-expression");
  }

  // X op Y where both are literals: concatenation, arithmetic, lists, -f, -replace, -join, ranges.
  bool ReduceBinary(int ahead) {
    Token* left = At(2);
    Token* op = At(1);
    Token* right = At(0);
    if (op == nullptr || (op->type != TokenType::kOperator && op->type != TokenType::kWord)) return false;
    const int strength = Precedence(op);
    if (strength == 0) return false;
    // Left associative: an operator that binds as tightly or more comes first on either side.
    if (ahead > strength) return false;
    if (PrecedenceBefore(3) >= strength) return false;
    const std::string& v = op->value;
    std::optional<Token> result;

    const bool list_element_left = IsScalar(left) || IsArray(left) || (left != nullptr && left->type == TokenType::kRegex);
    const bool list_element_right = IsScalar(right) || IsArray(right) || (right != nullptr && right->type == TokenType::kRegex);
    if (v == "," && list_element_left && list_element_right && left->type != TokenType::kArray) {
      std::vector<Token> elements;
      elements.push_back(*left);
      if (IsArray(right)) {
        for (const auto& e : Elements(*right)) elements.push_back(e);
      } else {
        elements.push_back(*right);
      }
      Token list = MakeList(TokenType::kArray, std::move(elements), TailRaw(3));
      ReplaceTail(3, std::move(list));
      return true;
    }
    if (v == "," && IsArray(left) && list_element_right && !IsArray(right)) {
      // Extend the list in place: ('a', 'b', 'c', ...) of a hundred thousand numbers stays linear.
      if (Elements(*left).size() >= limits_.max_array_elements || left->raw.size() > limits_.max_literal_bytes) {
        return false;
      }
      if (left->extra.use_count() > 1) left->extra = std::make_shared<TokenExtra>(*left->extra);
      Materialize(*right);
      left->raw += op->prefix + op->raw + right->prefix + right->raw;
      left->extra->elements.push_back(std::move(*right));
      stack_.resize(stack_.size() - 2);
      return true;
    }
    if (language_ == Language::kPowerShell && v == "+" && IsArray(left) && (IsScalar(right) || IsArray(right))) {
      // PowerShell array + item appends: ('i','e') + 'x'.
      std::vector<Token> elements = Elements(*left);
      if (IsArray(right)) {
        for (const auto& e : Elements(*right)) elements.push_back(e);
      } else {
        elements.push_back(*right);
      }
      if (elements.size() > limits_.max_array_elements) return false;
      ReplaceTail(3, MakeArray(std::move(elements)));
      return true;
    }

    if (IsNum(left) && IsNum(right)) {
      result = Arithmetic(left->number, v, right->number);
    }
    if (!result && IsScalar(left) && IsScalar(right) && (IsLit(left) || IsLit(right)) && IsConcatenation(v)) {
      // PowerShell and JScript '+' on a string concatenates; VBScript '&' always does.
      if (language_ != Language::kPowerShell || IsLit(left)) {
        const std::string tail = ScalarText(*right);
        if (left->value.size() + tail.size() > limits_.max_literal_bytes) return false;
        if (IsLit(left)) {
          // Append in place: a chain of thousands of '+' pieces stays linear.
          left->value += tail;
          left->raw_pending = true;
          left->raw.clear();
          Note("concatenation", left->value);
          stack_.resize(stack_.size() - 2);
          return true;
        }
        result = MakeString(ScalarText(*left) + tail, "concatenation");
      }
    }
    if (!result && language_ == Language::kPowerShell) {
      if (v == "-f" && IsLit(left) && (IsScalar(right) || IsArray(right))) {
        std::vector<std::string> args;
        if (IsArray(right)) {
          for (const auto& e : Elements(*right)) {
            if (!IsScalar(&e)) return false;
            args.push_back(ScalarText(e));
          }
        } else {
          args.push_back(ScalarText(*right));
        }
        auto formatted = FormatOperator(left->value, args, limits_.max_literal_bytes);
        if (formatted) result = MakeString(std::move(*formatted), "format_operator");
      } else if ((v == "-replace" || v == "-creplace" || v == "-ireplace") && IsLit(left) &&
                 (IsScalar(right) || IsArray(right))) {
        result = PsReplace(*left, v != "-creplace", *right);
      } else if (v == "-join" && (IsArray(left) || IsLit(left)) && IsScalar(right) && OperandAt(2)) {
        std::string joined;
        if (IsLit(left)) {
          joined = left->value;
        } else {
          const auto& elements = Elements(*left);
          const std::string separator = ScalarText(*right);
          for (std::size_t i = 0; i < elements.size(); ++i) {
            if (!IsScalar(&elements[i])) return false;
            if (i != 0) joined += separator;
            joined += ScalarText(elements[i]);
            if (joined.size() > limits_.max_literal_bytes) return false;
          }
        }
        result = MakeString(std::move(joined), "join");
      } else if (v == ".." && IsNum(left) && IsNum(right)) {
        const std::int64_t span = left->number <= right->number ? right->number - left->number : left->number - right->number;
        if (span >= static_cast<std::int64_t>(limits_.max_array_elements)) return false;
        // Kept as the range it is, expanded only by what reads it ('abc'[-1..-3]): 0..216623
        // in a loader must not become 216,624 tokens every round.
        Token range;
        range.type = TokenType::kRange;
        range.number = left->number;
        range.raw = TailRaw(3);
        range.extra = std::make_shared<TokenExtra>();
        range.extra->range_end = right->number;
        result = std::move(range);
      }
    }
    if (!result) return false;
    ReplaceTail(3, std::move(*result));
    return true;
  }

  bool IsConcatenation(const std::string& v) const {
    if (language_ == Language::kVbScript) return v == "&" || v == "+";
    return v == "+";
  }

  std::optional<Token> Arithmetic(std::int64_t a, const std::string& v, std::int64_t b) {
    constexpr std::int64_t kLimit = std::int64_t{1} << 40;  // keeps every operation in range
    if (a > kLimit || a < -kLimit || b > kLimit || b < -kLimit) return std::nullopt;
    std::optional<std::int64_t> r;
    switch (language_) {
      case Language::kPowerShell:
        if (v == "+") r = a + b;
        if (v == "-") r = a - b;
        if (v == "*") r = a * b;
        if (v == "%" && b != 0) r = a % b;
        if (v == "/" && b != 0 && a % b == 0) r = a / b;
        if (v == "-bxor") r = a ^ b;
        if (v == "-band") r = a & b;
        if (v == "-bor") r = a | b;
        break;
      case Language::kVbScript:
        if (v == "+") r = a + b;
        if (v == "-") r = a - b;
        if (v == "*") r = a * b;
        if (v == "\\" && b != 0) r = a / b;
        if (v == "/" && b != 0 && a % b == 0) r = a / b;
        if (v == "mod" && b != 0) r = a % b;
        if (v == "xor") r = a ^ b;
        if (v == "and") r = a & b;
        if (v == "or") r = a | b;
        break;
      default:
        if (v == "-") r = a - b;
        if (v == "*") r = a * b;
        if (v == "%" && b != 0) r = a % b;
        if (v == "/" && b != 0 && a % b == 0) r = a / b;
        if (v == "^") r = a ^ b;
        if (v == "&") r = a & b;
        if (v == "|") r = a | b;
        if (v == "+") r = a + b;
        break;
    }
    if (!r) return std::nullopt;
    return MakeNumber(*r);
  }

  std::optional<Token> PsReplace(const Token& subject, bool ignore_case, const Token& args) {
    std::string pattern;
    std::string replacement;
    if (IsArray(&args)) {
      const auto& e = Elements(args);
      if (e.empty() || e.size() > 2 || !IsScalar(&e[0]) || (e.size() == 2 && !IsScalar(&e[1]))) return std::nullopt;
      pattern = ScalarText(e[0]);
      if (e.size() == 2) replacement = ScalarText(e[1]);
    } else {
      pattern = ScalarText(args);
    }
    if (pattern.empty() || pattern.size() > kMaxPatternBytes) return std::nullopt;
    // "$1", "$&", "${name}" in the replacement refer to groups: not a literal replacement.
    for (std::size_t i = 0; i + 1 < replacement.size(); ++i) {
      const char n = replacement[i + 1];
      if (replacement[i] == '$' && ((n >= '0' && n <= '9') || n == '&' || n == '{' || n == '_' || n == '`' || n == '\'' || n == '+')) {
        return std::nullopt;
      }
    }
    replacement = ReplaceAll(replacement, "$$", "$", false);
    auto plain = PlainPattern(pattern);
    if (!plain || plain->empty()) return std::nullopt;
    return MakeString(ReplaceAll(subject.value, *plain, replacement, ignore_case), "replace");
  }

  // --- reductions when a closing bracket arrives ----------------------------------------------

  void ReduceClosers() {
    Token* close = At(0);
    if (close == nullptr) return;
    if (close->value == ")") {
      if (ReduceParen()) ReduceCalls();
    } else if (close->value == "]") {
      ReduceBracket();
    } else if (close->value == "}") {
      ReduceForEach();
    }
  }

  bool IsCallContext(const Token* before) const {
    if (before == nullptr) return false;
    if (before->type == TokenType::kWord || before->type == TokenType::kVariable) return true;
    if (before->type == TokenType::kArgs) return true;  // f(a)(b)
    return IsOperator(before, ")") || IsOperator(before, "]");
  }

  bool ReduceParen() {
    // '(' ')' with nothing inside: an empty argument list.
    if (stack_.size() >= 2 && IsOperator(At(1), "(") && IsCallContext(At(2))) {
      Token args = MakeList(TokenType::kArgs, {}, TailRaw(2));
      ReplaceTail(2, std::move(args));
      return true;
    }
    if (stack_.size() < 3) return false;
    Token* open = At(2);
    Token* inner = At(1);
    if (open->type != TokenType::kOperator || !(open->value == "(" || open->value == "$(" || open->value == "@(")) {
      return false;
    }
    const bool value = IsScalar(inner) || IsArray(inner) || inner->type == TokenType::kBytes ||
                       inner->type == TokenType::kRegex || inner->type == TokenType::kRange;
    if (!value) return false;
    if (open->value == "(" && IsCallContext(At(3))) {
      std::vector<Token> elements;
      if (IsArray(inner) && inner->extra.use_count() == 1) {
        elements = std::move(inner->extra->elements);
      } else if (IsArray(inner)) {
        elements = Elements(*inner);
      } else {
        elements.push_back(*inner);
      }
      Token args = MakeList(TokenType::kArgs, std::move(elements), TailRaw(3));
      ReplaceTail(3, std::move(args));
      return true;
    }
    Token kept = std::move(*inner);
    if (IsArray(&kept) && kept.raw.front() != '(') kept.raw = "(" + kept.raw + ")";
    ReplaceTail(3, std::move(kept));
    // A value in parentheses may complete a pending operation: ('a'+'b').
    return false;
  }

  // Indexing a literal ('abc'[0], 'abc'[-1..-3]) or a JScript array literal ['a','b'].
  void ReduceBracket() {
    if (stack_.size() < 3) return;
    Token* inner = At(1);
    if (!IsOperator(At(2), "[")) return;
    Token* target = At(3);
    if (IsLit(target) && (IsNum(inner) || IsArray(inner) || inner->type == TokenType::kRange)) {
      const auto cps = ToCodePoints(target->value);
      auto pick = [&](std::int64_t index) -> std::optional<Token> {
        const auto size = static_cast<std::int64_t>(cps.size());
        if (index < 0) index += size;
        if (index < 0 || index >= size) return std::nullopt;
        return MakeString(FromCodePoints({cps[static_cast<std::size_t>(index)]}), "");
      };
      if (IsNum(inner)) {
        auto c = pick(inner->number);
        if (!c) return;
        Note("indexing", c->value);
        ReplaceTail(4, std::move(*c));
        return;
      }
      std::vector<Token> chars;
      if (inner->type == TokenType::kRange) {
        const std::int64_t end = inner->extra->range_end;
        const std::int64_t step = inner->number <= end ? 1 : -1;
        for (std::int64_t n = inner->number;; n += step) {
          auto c = pick(n);
          if (!c) return;
          chars.push_back(std::move(*c));
          if (n == end) break;
        }
      } else {
        for (const auto& e : Elements(*inner)) {
          if (!IsNum(&e)) return;
          auto c = pick(e.number);
          if (!c) return;
          chars.push_back(std::move(*c));
        }
      }
      Note("indexing", "");
      ReplaceTail(4, MakeArray(std::move(chars)));
      return;
    }
    if (language_ == Language::kJScript && !OperandAt(3) && (IsScalar(inner) || IsArray(inner))) {
      std::vector<Token> elements;
      if (IsArray(inner)) {
        elements = Elements(*inner);
      } else {
        elements.push_back(*inner);
      }
      Token list = MakeList(TokenType::kArray, std::move(elements), TailRaw(3));
      ReplaceTail(3, std::move(list));
    }
  }

  // PowerShell (72, 101 | ForEach-Object { [char]($_ -bxor 7) }): numbers through a known body.
  void ReduceForEach() {
    if (language_ != Language::kPowerShell) return;
    std::size_t open = 0;
    int nesting = 0;
    bool found = false;
    for (std::size_t k = 1; k < stack_.size() && k < kMaxBraceLookback; ++k) {
      const Token* t = At(k);
      if (IsOperator(t, "}")) ++nesting;
      if (IsOperator(t, "{")) {
        if (nesting == 0) {
          open = k;
          found = true;
          break;
        }
        --nesting;
      }
    }
    const bool foreach_name = IsWord(At(open + 1), {"foreach", "foreach-object"}) || IsOperator(At(open + 1), "%");
    if (!found || !foreach_name || !IsOperator(At(open + 2), "|")) {
      return;
    }
    Token* input = At(open + 3);
    if (!IsArray(input) && !IsScalar(input)) return;
    std::string body;
    for (std::size_t k = open - 1; k >= 1; --k) {
      Token& token = stack_[stack_.size() - 1 - k];
      Materialize(token);
      body += token.prefix;
      body += token.raw;
    }
    auto shape = ClassifyForEachBody(body);
    if (!shape) return;
    std::vector<Token> single;
    if (!IsArray(input)) single.push_back(*input);
    const std::vector<Token>& inputs = IsArray(input) ? Elements(*input) : single;
    std::vector<Token> outputs;
    outputs.reserve(inputs.size());
    for (const auto& e : inputs) {
      std::optional<Token> out;
      switch (shape->kind) {
        case ForEachShape::Kind::kIdentity:
          out = e;
          break;
        case ForEachShape::Kind::kChar:
          if (IsNum(&e)) out = CharToken(e.number, "");
          break;
        case ForEachShape::Kind::kXorChar:
          if (IsNum(&e)) out = CharToken(e.number ^ shape->operand, "");
          break;
        case ForEachShape::Kind::kBaseChar:
          if (IsScalar(&e)) {
            if (auto n = ParseInBase(ScalarText(e), shape->operand)) out = CharToken(*n, "");
          }
          break;
      }
      if (!out) return;
      outputs.push_back(std::move(*out));
    }
    if (shape->kind != ForEachShape::Kind::kIdentity) Note("char_codes", "");
    ReplaceTail(open + 4, MakeArray(std::move(outputs)));
  }

  // --- calls: f(args) and x.method(args) -------------------------------------------------------

  void ReduceCalls() {
    while (IsArgs(At(0)) && ReduceCall()) {
    }
  }

  static std::vector<std::string> ScalarArgs(const Token& args, bool* all_scalar) {
    std::vector<std::string> values;
    *all_scalar = true;
    for (const auto& e : Elements(args)) {
      if (!IsScalar(&e)) *all_scalar = false;
      values.push_back(ScalarText(e));
    }
    return values;
  }

  static bool IsIdentifier(std::string_view value) {
    if (value.empty() || value.size() > 128) return false;
    return std::all_of(value.begin(), value.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
  }

  // x.'Method'.Invoke(args) and x."method"(args) name the method with a literal: written back
  // as x.Method(args), before the arguments arrive, so that the method rules see it.
  bool ReduceMemberName(const Token* lookahead) {
    if (language_ != Language::kPowerShell || !IsOperator(lookahead, "(")) return false;
    auto as_word = [](const Token& literal) {
      Token word;
      word.type = TokenType::kWord;
      word.raw = literal.value;
      word.value = AsciiLower(literal.value);
      return word;
    };
    if (IsWord(At(0), {"invoke"}) && IsOperator(At(1), ".") && IsLit(At(2)) && IsIdentifier(At(2)->value) &&
        (IsOperator(At(3), ".") || IsOperator(At(3), "::"))) {
      Token word = as_word(*At(2));
      ReplaceTail(3, std::move(word));
      return true;
    }
    const bool static_member = IsOperator(At(1), "::") && At(2) != nullptr && At(2)->type == TokenType::kType;
    if (IsLit(At(0)) && IsIdentifier(At(0)->value) && (IsOperator(At(1), ".") || IsOperator(At(1), "::")) &&
        (OperandAt(2) || static_member)) {
      Token word = as_word(*At(0));
      ReplaceTail(1, std::move(word));
      return true;
    }
    return false;
  }

  bool ReduceCall() {
    const Token& args = *At(0);
    const auto& elements = Elements(args);
    bool all_scalar = false;
    const std::vector<std::string> values = ScalarArgs(args, &all_scalar);
    const Token* callee = At(1);
    std::optional<Token> result;
    std::size_t consumed = 0;

    // x.method(args)
    if (callee != nullptr && callee->type == TokenType::kWord && IsOperator(At(2), ".") && stack_.size() >= 4) {
      const Token* subject = At(3);
      const std::string& method = callee->value;
      if (IsLit(subject)) {
        result = StringMethod(subject->value, method, elements, values, all_scalar);
      } else if (IsArray(subject)) {
        result = ArrayMethod(*subject, method, values, all_scalar);
      } else if (language_ == Language::kJScript && IsWord(subject, {"string"}) && method == "fromcharcode" && all_scalar) {
        std::string text;
        for (const auto& e : elements) {
          if (!IsNum(&e)) return false;
          auto c = CodePointText(e.number);
          if (!c) return false;
          text += *c;
        }
        result = MakeString(std::move(text), "char_codes");
      } else if (language_ == Language::kJScript && IsWord(subject, {"window", "this", "self"}) && method == "eval" &&
                 elements.size() == 1 && IsLit(&elements[0])) {
        result = MakeCode(elements[0].value, "eval");
      } else if (language_ == Language::kPowerShell && subject->type == TokenType::kWord && IsOperator(At(4), "::") &&
                 IsType(At(5), {"text.encoding"}) && method == "getstring" && elements.size() == 1 &&
                 elements[0].type == TokenType::kBytes) {
        // [Text.Encoding]::Unicode.GetString(<bytes>)
        auto text = DecodeWithEncoding(subject->value, elements[0].extra->bytes);
        if (text) {
          result = MakeString(std::move(*text), "base64");
          consumed = 6;
        }
      }
      if (result && consumed == 0) consumed = 4;
    }
    // [Type]::Method(args)
    if (!result && language_ == Language::kPowerShell && callee != nullptr && callee->type == TokenType::kWord &&
        IsOperator(At(2), "::") && At(3) != nullptr && At(3)->type == TokenType::kType) {
      result = StaticMethod(At(3)->value, callee->value, elements, values, all_scalar);
      if (result) consumed = 4;
    }
    // f(args)
    if (!result && callee != nullptr && callee->type == TokenType::kWord && !IsOperator(At(2), ".") &&
        !IsOperator(At(2), "::")) {
      result = FunctionCall(callee->value, elements, values, all_scalar);
      if (result) consumed = 2;
      // JScript Function("code")() and new Function("code")()
      if (!result && language_ == Language::kJScript && elements.empty() && IsArgs(At(1)) &&
          IsWord(At(2), {"function"}) && Elements(*At(1)).size() == 1 && IsLit(&Elements(*At(1))[0])) {
        result = MakeCode(Elements(*At(1))[0].value, "eval");
        consumed = IsWord(At(3), {"new"}) ? 4 : 3;
      }
    }
    if (!result) return false;
    ReplaceTail(consumed, std::move(*result));
    return true;
  }

  std::optional<std::string> DecodeWithEncoding(const std::string& encoding, const Bytes& bytes) {
    if (encoding == "unicode") return Utf16LeAsText(bytes);
    if (encoding == "utf8" || encoding == "ascii" || encoding == "default" || encoding == "utf7") {
      auto text = BytesAsText(bytes);
      return text;
    }
    if (encoding == "bigendianunicode" && bytes.size() % 2 == 0) {
      Bytes swapped = bytes;
      for (std::size_t i = 0; i + 1 < swapped.size(); i += 2) std::swap(swapped[i], swapped[i + 1]);
      return Utf16LeAsText(swapped);
    }
    return std::nullopt;
  }

  std::optional<Token> StringMethod(const std::string& subject, const std::string& method,
                                    const std::vector<Token>& elements, const std::vector<std::string>& values,
                                    bool all_scalar) {
    const bool js = language_ == Language::kJScript;
    if (method == "replace" && elements.size() == 2) {
      if (elements[0].type == TokenType::kRegex && IsScalar(&elements[1])) {
        // "abc".replace(/b/g, "x") with a plain pattern.
        const std::string& raw = elements[0].raw;
        const bool global = raw.substr(raw.rfind('/') + 1).find('g') != std::string::npos;
        const bool ignore_case = raw.substr(raw.rfind('/') + 1).find('i') != std::string::npos;
        auto plain = PlainPattern(elements[0].value);
        if (!plain || plain->empty() || !global) return std::nullopt;
        return MakeString(ReplaceAll(subject, *plain, values[1], ignore_case), "replace");
      }
      if (!all_scalar || values[0].empty() || values[0].size() > kMaxPatternBytes) return std::nullopt;
      if (js) {
        // String.prototype.replace with a string replaces the first occurrence only.
        const std::size_t at = subject.find(values[0]);
        if (at == std::string::npos) return MakeString(subject, "replace");
        std::string out = subject;
        out.replace(at, values[0].size(), values[1]);
        return MakeString(std::move(out), "replace");
      }
      return MakeString(ReplaceAll(subject, values[0], values[1], false), "replace");
    }
    if (!all_scalar) return std::nullopt;
    if (method == "tostring" && elements.empty()) return MakeString(subject, "");
    if ((method == "tolower" || method == "tolowerinvariant" || method == "tolowercase") && elements.empty()) {
      return MakeString(AsciiLower(subject), "");
    }
    if ((method == "toupper" || method == "toupperinvariant" || method == "touppercase") && elements.empty()) {
      std::string upper = subject;
      for (char& c : upper) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
      return MakeString(std::move(upper), "");
    }
    if ((method == "trim" || method == "trimstart" || method == "trimend") && elements.empty()) {
      std::size_t begin = 0;
      std::size_t end = subject.size();
      auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
      if (method != "trimend") {
        while (begin < end && space(subject[begin])) ++begin;
      }
      if (method != "trimstart") {
        while (end > begin && space(subject[end - 1])) --end;
      }
      return MakeString(subject.substr(begin, end - begin), "");
    }
    const auto cps = ToCodePoints(subject);
    const auto size = static_cast<std::int64_t>(cps.size());
    auto slice = [&](std::int64_t begin, std::int64_t end) -> std::optional<Token> {
      begin = std::clamp<std::int64_t>(begin, 0, size);
      end = std::clamp<std::int64_t>(end, begin, size);
      std::vector<std::uint32_t> part(cps.begin() + begin, cps.begin() + end);
      return MakeString(FromCodePoints(part), "indexing");
    };
    auto number = [&](std::size_t i) -> std::optional<std::int64_t> {
      if (i >= elements.size() || !IsNum(&elements[i])) return std::nullopt;
      return elements[i].number;
    };
    if (method == "substring" && !elements.empty() && elements.size() <= 2) {
      auto a = number(0);
      if (!a) return std::nullopt;
      if (elements.size() == 1) return slice(*a, size);
      auto b = number(1);
      if (!b) return std::nullopt;
      if (js) return slice(std::min(*a, *b), std::max(*a, *b));
      return slice(*a, *a + *b);  // .NET Substring(start, length)
    }
    if (js && method == "substr" && !elements.empty() && elements.size() <= 2) {
      auto a = number(0);
      if (!a) return std::nullopt;
      std::int64_t start = *a < 0 ? std::max<std::int64_t>(0, size + *a) : *a;
      if (elements.size() == 1) return slice(start, size);
      auto b = number(1);
      if (!b) return std::nullopt;
      return slice(start, start + *b);
    }
    if (js && method == "slice" && !elements.empty() && elements.size() <= 2) {
      auto a = number(0);
      if (!a) return std::nullopt;
      std::int64_t start = *a < 0 ? size + *a : *a;
      std::int64_t end = size;
      if (elements.size() == 2) {
        auto b = number(1);
        if (!b) return std::nullopt;
        end = *b < 0 ? size + *b : *b;
      }
      return slice(start, end);
    }
    if (js && method == "charat" && elements.size() == 1) {
      auto a = number(0);
      if (!a) return std::nullopt;
      return slice(*a, *a + 1);
    }
    if (js && method == "concat") {
      std::string out = subject;
      for (const auto& v : values) out += v;
      return MakeString(std::move(out), "concatenation");
    }
    if (method == "split" && elements.size() == 1 && IsLit(&elements[0])) {
      std::vector<Token> parts;
      const std::string& separator = values[0];
      if (separator.empty()) {
        if (!js) return std::nullopt;
        for (std::uint32_t cp : cps) parts.push_back(*MakeString(FromCodePoints({cp}), ""));
      } else if (js || separator.size() == 1) {
        std::size_t at = 0;
        while (parts.size() < limits_.max_array_elements) {
          const std::size_t hit = subject.find(separator, at);
          parts.push_back(*MakeString(subject.substr(at, hit == std::string::npos ? std::string::npos : hit - at), ""));
          if (hit == std::string::npos) break;
          at = hit + separator.size();
        }
      } else {
        return std::nullopt;  // .NET splits on each character of the string: rarely meant
      }
      if (parts.size() >= limits_.max_array_elements) return std::nullopt;
      return MakeArray(std::move(parts));
    }
    if (method == "tochararray" && elements.empty()) {
      std::vector<Token> chars;
      if (cps.size() >= limits_.max_array_elements) return std::nullopt;
      for (std::uint32_t cp : cps) chars.push_back(*MakeString(FromCodePoints({cp}), ""));
      return MakeArray(std::move(chars));
    }
    return std::nullopt;
  }

  std::optional<Token> ArrayMethod(const Token& array, const std::string& method, const std::vector<std::string>& values,
                                   bool all_scalar) {
    if (!all_scalar) return std::nullopt;
    const auto& elements = Elements(array);
    if (method == "reverse" && values.empty()) {
      std::vector<Token> reversed(elements.rbegin(), elements.rend());
      Note("reverse", "");
      return MakeArray(std::move(reversed));
    }
    if (method == "join" && values.size() <= 1) {
      const std::string separator = values.empty() ? "," : values[0];
      std::string joined;
      for (std::size_t i = 0; i < elements.size(); ++i) {
        if (!IsScalar(&elements[i])) return std::nullopt;
        if (i != 0) joined += separator;
        joined += ScalarText(elements[i]);
        if (joined.size() > limits_.max_literal_bytes) return std::nullopt;
      }
      return MakeString(std::move(joined), "join");
    }
    return std::nullopt;
  }

  std::optional<Token> StaticMethod(const std::string& type, const std::string& method, const std::vector<Token>& elements,
                                    const std::vector<std::string>& values, bool all_scalar) {
    if (type == "convert" && method == "frombase64string" && elements.size() == 1 && IsLit(&elements[0])) {
      auto bytes = DecodeBase64(elements[0].value, 4);
      if (!bytes) return std::nullopt;
      result_.decoded_bytes.push_back(*bytes);
      Token token;
      token.type = TokenType::kBytes;
      token.raw = TailRaw(4);
      token.extra = std::make_shared<TokenExtra>();
      token.extra->bytes = std::move(*bytes);
      return token;
    }
    if (!all_scalar) return std::nullopt;
    if (type == "convert" && method == "tochar" && elements.size() == 1 && IsNum(&elements[0])) {
      return CharToken(elements[0].number, "char_codes");
    }
    if (type == "convert" && (method == "toint16" || method == "toint32" || method == "toint64" || method == "tobyte") &&
        elements.size() == 2 && IsNum(&elements[1])) {
      auto n = ParseInBase(values[0], elements[1].number);
      if (!n) return std::nullopt;
      return MakeNumber(*n);
    }
    if (type == "string" && method == "join" && !elements.empty()) {
      std::string joined;
      for (std::size_t i = 1; i < values.size(); ++i) {
        if (i != 1) joined += values[0];
        joined += values[i];
      }
      return MakeString(std::move(joined), "join");
    }
    if (type == "string" && method == "concat") {
      std::string joined;
      for (const auto& v : values) joined += v;
      return MakeString(std::move(joined), "concatenation");
    }
    if (type == "regex" && method == "matches" && elements.size() == 3 && values[1] == "." &&
        EqualsIgnoreCase(values[2], "righttoleft")) {
      std::vector<Token> chars;
      auto cps = ToCodePoints(values[0]);
      std::reverse(cps.begin(), cps.end());
      for (std::uint32_t cp : cps) chars.push_back(*MakeString(FromCodePoints({cp}), ""));
      Note("reverse", ReverseUtf8(values[0]));
      return MakeArray(std::move(chars));
    }
    if (type == "scriptblock" && method == "create" && elements.size() == 1 && IsLit(&elements[0])) {
      return MakeCode(values[0], "invoke_expression");
    }
    return std::nullopt;
  }

  std::optional<Token> FunctionCall(const std::string& name, const std::vector<Token>& elements,
                                    const std::vector<std::string>& values, bool all_scalar) {
    if (!all_scalar) return std::nullopt;
    auto number = [&](std::size_t i) -> std::optional<std::int64_t> {
      if (i >= elements.size() || !IsNum(&elements[i])) return std::nullopt;
      return elements[i].number;
    };
    switch (language_) {
      case Language::kPowerShell:
        if ((name == "iex" || name == "invoke-expression") && elements.size() == 1 && IsLit(&elements[0]) &&
            IsStatementStart(At(2))) {
          return MakeCode(values[0], "invoke_expression");
        }
        return std::nullopt;
      case Language::kVbScript: {
        if ((name == "chr" || name == "chrw" || name == "chrb" || name == "chr$" || name == "chrw$") && elements.size() == 1) {
          auto n = number(0);
          if (!n) return std::nullopt;
          // VBScript's Chr takes ANSI codes; the printable ASCII range reads the same everywhere.
          return CharToken(*n < 0 ? *n + 65536 : *n, "char_codes");
        }
        if ((name == "asc" || name == "ascw") && elements.size() == 1 && IsLit(&elements[0])) {
          const auto cps = ToCodePoints(values[0]);
          if (cps.empty()) return std::nullopt;
          return MakeNumber(cps[0]);
        }
        if (name == "strreverse" && elements.size() == 1) return MakeString(ReverseUtf8(values[0]), "reverse");
        if (name == "replace" && elements.size() == 3) {
          if (values[1].empty() || values[1].size() > kMaxPatternBytes) return std::nullopt;
          return MakeString(ReplaceAll(values[0], values[1], values[2], false), "replace");
        }
        if ((name == "lcase" || name == "cstr" || name == "trim" || name == "ltrim" || name == "rtrim" || name == "ucase") &&
            elements.size() == 1) {
          if (name == "lcase") return MakeString(AsciiLower(values[0]), "");
          if (name == "cstr") return MakeString(values[0], "");
          return std::nullopt;
        }
        const auto cps = ToCodePoints(values.empty() ? std::string() : values[0]);
        const auto size = static_cast<std::int64_t>(cps.size());
        auto slice = [&](std::int64_t begin, std::int64_t end) {
          begin = std::clamp<std::int64_t>(begin, 0, size);
          end = std::clamp<std::int64_t>(end, begin, size);
          return MakeString(FromCodePoints(std::vector<std::uint32_t>(cps.begin() + begin, cps.begin() + end)), "indexing");
        };
        if (name == "mid" && (elements.size() == 2 || elements.size() == 3) && IsLit(&elements[0])) {
          auto start = number(1);
          if (!start || *start < 1) return std::nullopt;
          if (elements.size() == 2) return slice(*start - 1, size);
          auto length = number(2);
          if (!length || *length < 0) return std::nullopt;
          return slice(*start - 1, *start - 1 + *length);
        }
        if ((name == "left" || name == "right") && elements.size() == 2 && IsLit(&elements[0])) {
          auto length = number(1);
          if (!length || *length < 0) return std::nullopt;
          return name == "left" ? slice(0, *length) : slice(size - *length, size);
        }
        if ((name == "execute" || name == "executeglobal" || name == "eval") && elements.size() == 1 &&
            IsLit(&elements[0])) {
          return MakeCode(values[0], "eval");
        }
        return std::nullopt;
      }
      case Language::kJScript:
        if ((name == "unescape" || name == "decodeuricomponent" || name == "decodeuri") && elements.size() == 1 &&
            IsLit(&elements[0])) {
          return MakeString(UrlUnescape(values[0]), "url_unescape");
        }
        if (name == "atob" && elements.size() == 1 && IsLit(&elements[0])) {
          auto bytes = DecodeBase64(values[0], 4);
          if (!bytes) return std::nullopt;
          result_.decoded_bytes.push_back(*bytes);
          std::string text;
          for (std::uint8_t b : *bytes) AppendUtf8(text, b);  // atob yields a binary string
          return MakeString(SanitizeUtf8(text), "base64");
        }
        if (name == "eval" && elements.size() == 1 && IsLit(&elements[0]) && !IsOperator(At(2), ".")) {
          return MakeCode(values[0], "eval");
        }
        return std::nullopt;
      default:
        return std::nullopt;
    }
  }

  Language language_;
  const FoldLimits& limits_;
  std::vector<Token> stack_;
  std::string out_;
  std::size_t depth_ = 0;
  std::size_t literal_bytes_ = 0;
  FoldResult result_;
};

// --- constant propagation -------------------------------------------------------------------

struct Assignment {
  std::size_t count = 0;
  std::size_t token_index = 0;  // where the single assignment's literal is
  std::string value;
  bool literal = false;
};

bool IsWordToken(const Token& t, std::initializer_list<std::string_view> values) {
  return t.type == TokenType::kWord && std::find(values.begin(), values.end(), t.value) != values.end();
}

bool IsAssignmentOperator(const Token* t) {
  return t != nullptr && t->type == TokenType::kOperator &&
         (t->value == "=" || t->value == "+=" || t->value == "-=" || t->value == "*=" || t->value == "/=" ||
          t->value == "++" || t->value == "--");
}

bool EndsStatement(const std::vector<Token>& tokens, std::size_t i, Language language) {
  if (i >= tokens.size()) return true;
  const Token& t = tokens[i];
  if (t.type == TokenType::kNewline) return true;
  if (t.type == TokenType::kOther && t.raw.empty()) return true;  // trailing whitespace
  if (t.type == TokenType::kOperator && (t.value == ";" || t.value == "}" || t.value == ")")) return true;
  if (language == Language::kJScript) {
    if (t.type == TokenType::kOperator && t.value == ",") return true;
    // A new statement on a new line (JScript's automatic semicolon).
    return t.type == TokenType::kWord && t.prefix.find('\n') != std::string::npos;
  }
  return false;
}

bool IsStatementBoundaryAt(const std::vector<Token>& tokens, std::size_t i) {
  if (i == 0) return true;
  const Token& prev = tokens[i - 1];
  return prev.type == TokenType::kNewline ||
         (prev.type == TokenType::kOperator && (prev.value == ";" || prev.value == "{" || prev.value == "}"));
}

// A PowerShell "..." string whose $variables are all known, expanded; nullopt otherwise.
std::optional<std::string> ExpandPsString(const Token& token, const std::unordered_map<std::string, Assignment>& known,
                                          std::size_t position) {
  const std::string& value = token.value;
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '$') {
      out.push_back(value[i]);
      continue;
    }
    std::string name;
    std::size_t j = i + 1;
    if (j < value.size() && value[j] == '{') {
      const std::size_t end = value.find('}', j);
      if (end == std::string::npos) return std::nullopt;
      name = AsciiLower(value.substr(j + 1, end - j - 1));
      j = end + 1;
    } else {
      while (j < value.size() && ((value[j] >= 'a' && value[j] <= 'z') || (value[j] >= 'A' && value[j] <= 'Z') ||
                                  (value[j] >= '0' && value[j] <= '9') || value[j] == '_' || value[j] == ':')) {
        name.push_back(value[j]);
        ++j;
      }
      name = AsciiLower(name);
    }
    if (name.empty()) {
      if (j < value.size() && value[j] == '(') return std::nullopt;
      out.push_back('$');
      continue;
    }
    auto it = known.find(name);
    if (it == known.end() || it->second.count != 1 || !it->second.literal || it->second.token_index >= position) {
      return std::nullopt;
    }
    out += it->second.value;
    i = j - 1;
  }
  return out;
}

// Values of PowerShell automatic variables that obfuscators index into to spell "iex":
// $PSHome[4]+$PSHome[30]+'x', $ShellId[1]+$ShellId[13]+'x', $env:ComSpec[4,15,25]-join''.
const std::unordered_map<std::string, std::string>& PowerShellAutomaticValues() {
  static const std::unordered_map<std::string, std::string> kValues = {
      {"pshome", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0"},
      {"shellid", "Microsoft.PowerShell"},
      {"env:comspec", "C:\\Windows\\system32\\cmd.exe"},
      {"verbosepreference", "SilentlyContinue"},
      {"env:public", "C:\\Users\\Public"},
  };
  return kValues;
}

// Variables PowerShell itself sets: never $null because the script did not assign them.
bool IsPowerShellAutomatic(const std::string& name) {
  static constexpr std::array<std::string_view, 34> kAutomatic = {
      "_", "$", "?", "^", "args", "input", "this", "true", "false", "null", "psitem", "psscriptroot",
      "pscommandpath", "myinvocation", "host", "error", "matches", "lastexitcode", "pscmdlet",
      "executioncontext", "profile", "home", "pid", "pwd", "psversiontable", "shellid", "pshome",
      "psboundparameters", "foreach", "switch", "event", "sender", "eventargs", "stacktrace"};
  return std::find(kAutomatic.begin(), kAutomatic.end(), name) != kAutomatic.end() ||
         name.ends_with("preference");
}

}  // namespace

FoldResult Fold(std::string_view text, Language language, const FoldLimits& limits) {
  return Folder(language, limits).Run(Tokenize(text, language));
}

FoldResult Fold(std::vector<Token> tokens, Language language, const FoldLimits& limits) {
  return Folder(language, limits).Run(std::move(tokens));
}

std::size_t PropagateConstants(std::string_view text, Language language, std::size_t max_bytes,
                               std::string* out, std::vector<Token>* unchanged_tokens) {
  std::vector<Token> tokens = Tokenize(text, language);
  std::unordered_map<std::string, Assignment> assignments;
  // Pass 1: count assignments per name; remember a lone literal one.
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    std::string name;
    if (language == Language::kPowerShell && t.type == TokenType::kVariable) {
      name = t.value;
    } else if (language != Language::kPowerShell && t.type == TokenType::kWord) {
      name = t.value;
    } else {
      continue;
    }
    const Token* next = i + 1 < tokens.size() ? &tokens[i + 1] : nullptr;
    bool assigned = IsAssignmentOperator(next);
    if (language == Language::kVbScript) {
      // In VBScript '=' assigns only at the start of a statement (else it compares).
      const bool start = IsStatementBoundaryAt(tokens, i) ||
                         (i > 0 && (tokens[i - 1].value == "const" || tokens[i - 1].value == "set"));
      assigned = assigned && start;
      if (i > 0 && (tokens[i - 1].value == "for" || tokens[i - 1].value == "each")) assigned = true;
    }
    if (language == Language::kPowerShell && i > 0 && tokens[i - 1].type == TokenType::kType &&
        tokens[i - 1].value == "ref") {
      assigned = true;
    }
    if (language == Language::kPowerShell && next != nullptr && next->type == TokenType::kWord && next->value == "in") {
      assigned = true;  // foreach ($x in ...)
    }
    if (language == Language::kJScript && i > 0 && tokens[i - 1].type == TokenType::kWord &&
        (tokens[i - 1].value == "function" || tokens[i - 1].value == "catch")) {
      assigned = true;
    }
    if (language != Language::kPowerShell && i > 0 && tokens[i - 1].value == ".") continue;  // a property
    if (!assigned) continue;
    auto& a = assignments[name];
    ++a.count;
    if (a.count == 1 && next->value == "=" && i + 2 < tokens.size()) {
      const Token& value = tokens[i + 2];
      if (value.type == TokenType::kString && value.literal && EndsStatement(tokens, i + 3, language)) {
        a.literal = true;
        a.value = value.value;
        a.token_index = i + 2;
      }
    }
  }
  if (language == Language::kPowerShell) {
    // A variable read exactly once and never assigned is $null, which string methods take as
    // empty: 'po000wer'.replace('000', $undefined) is how Emotet droppers spell 'power'.
    std::unordered_map<std::string, std::size_t> occurrences;
    for (const Token& t : tokens) {
      if (t.type == TokenType::kVariable) ++occurrences[t.value];
    }
    for (const auto& [name, count] : occurrences) {
      if (count != 1 || assignments.count(name) != 0 || name.find(':') != std::string::npos ||
          IsPowerShellAutomatic(name)) {
        continue;
      }
      Assignment a;
      a.count = 1;
      a.literal = true;
      a.token_index = 0;
      assignments[name] = a;
    }
    for (const auto& [name, value] : PowerShellAutomaticValues()) {
      if (assignments.count(name) != 0) continue;
      Assignment a;
      a.count = 1;
      a.literal = true;
      a.value = value;
      a.token_index = 0;
      assignments[name] = a;
    }
  }
  // Pass 2: replace reads of single-literal variables after their assignment.
  std::size_t replaced = 0;
  std::string result;
  result.reserve(text.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    Token& t = tokens[i];
    result += t.prefix;
    const Token* next = i + 1 < tokens.size() ? &tokens[i + 1] : nullptr;
    const Token* prev = i > 0 ? &tokens[i - 1] : nullptr;
    bool substitute = false;
    std::string value;
    // (Get-Variable '*mdr*').Name is "MaximumDriveCount": obfuscators index it to spell "iex".
    if (language == Language::kPowerShell && t.value == "(" && i + 5 < tokens.size() &&
        IsWordToken(tokens[i + 1], {"gv", "get-variable", "variable"}) && tokens[i + 2].type == TokenType::kString &&
        tokens[i + 2].literal && EqualsIgnoreCase(tokens[i + 2].value, "*mdr*") && tokens[i + 3].value == ")" &&
        tokens[i + 4].value == "." && IsWordToken(tokens[i + 5], {"name"})) {
      result += QuoteLiteral("MaximumDriveCount", language);
      ++replaced;
      i += 5;
      continue;
    }
    if (language == Language::kPowerShell && t.type == TokenType::kString && !t.literal && t.raw.starts_with("\"")) {
      if (auto expanded = ExpandPsString(t, assignments, i)) {
        result += QuoteLiteral(*expanded, language);
        ++replaced;
        continue;
      }
    }
    const bool name_token = (language == Language::kPowerShell && t.type == TokenType::kVariable) ||
                            (language != Language::kPowerShell && t.type == TokenType::kWord);
    if (name_token) {
      auto it = assignments.find(t.value);
      const bool automatic = language == Language::kPowerShell && it != assignments.end() && it->second.token_index == 0;
      if (it != assignments.end() && it->second.count == 1 && it->second.literal &&
          (automatic || it->second.token_index < i) && !IsAssignmentOperator(next)) {
        substitute = true;
        value = it->second.value;
        if (language != Language::kPowerShell) {
          // A member (.name), a call or array (name(...)), a declaration or an object key is not a read.
          if (prev != nullptr && (prev->value == "." || prev->value == "var" || prev->value == "let" ||
                                  prev->value == "const" || prev->value == "dim" || prev->value == "function" ||
                                  prev->value == "sub" || prev->value == "set" || prev->value == "call")) {
            substitute = false;
          }
          if (next != nullptr && next->type == TokenType::kOperator && (next->value == "(" || next->value == ":")) {
            substitute = false;
          }
        }
      }
    }
    if (substitute && result.size() + value.size() < max_bytes) {
      result += QuoteLiteral(value, language);
      ++replaced;
    } else {
      result += t.raw;
    }
  }
  if (replaced > 0) {
    *out = std::move(result);
  } else if (unchanged_tokens != nullptr) {
    *unchanged_tokens = std::move(tokens);
  }
  return replaced;
}

std::size_t RemovePowerShellTicks(std::string_view text, std::string* out) {
  std::string result;
  result.reserve(text.size());
  std::size_t removed = 0;
  enum class State { kCode, kSingle, kDouble, kComment, kBlockComment } state = State::kCode;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    switch (state) {
      case State::kCode:
        if (c == '\'') state = State::kSingle;
        else if (c == '"') state = State::kDouble;
        else if (c == '#') state = State::kComment;
        else if (c == '<' && next == '#') state = State::kBlockComment;
        else if (c == '`' && letter(next)) {
          ++removed;
          continue;
        } else if (c == '`' && next != '\0') {
          result.push_back(c);
          result.push_back(next);
          ++i;
          continue;
        }
        break;
      case State::kSingle:
        if (c == '\'') state = State::kCode;
        break;
      case State::kDouble:
        if (c == '`' && next != '\0') {
          // `0 `a `b `e `f `n `r `t `u `v mean something inside "..."; before other letters the
          // backtick only hides the word.
          static constexpr std::string_view kMeaningful = "0abefnrtuv";
          if (letter(next) && kMeaningful.find(next) == std::string_view::npos) {
            ++removed;
            continue;
          }
          result.push_back(c);
          result.push_back(next);
          ++i;
          continue;
        }
        if (c == '"') state = State::kCode;
        break;
      case State::kComment:
        if (c == '\n') state = State::kCode;
        break;
      case State::kBlockComment:
        if (c == '#' && next == '>') state = State::kCode;
        break;
    }
    result.push_back(c);
  }
  if (removed > 0) *out = std::move(result);
  return removed;
}

}  // namespace kensa::script::internal
