#include "tokenizer.h"

#include <cstdio>
#include <optional>

#include "text_util.h"

namespace kensa::script::internal {
namespace {

bool IsIdentStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

std::string Lower(std::string_view text) { return AsciiLower(text); }

class Lexer {
 public:
  Lexer(std::string_view text, Language language) : text_(text), language_(language) {}

  std::vector<Token> Run() {
    // Scripts average well over four bytes per token; growing the vector by copying is the cost.
    tokens_.reserve(text_.size() / 2 + 16);
    while (pos_ < text_.size()) {
      if (SkipSpaceAndComments()) continue;
      if (pos_ >= text_.size()) break;
      LexToken();
    }
    if (!prefix_.empty()) {
      // Trailing whitespace rides on an empty token so that nothing is lost.
      Token tail;
      tail.type = TokenType::kOther;
      tail.prefix = std::move(prefix_);
      tokens_.push_back(std::move(tail));
    }
    return std::move(tokens_);
  }

 private:
  char Peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }

  void Emit(TokenType type, std::size_t start, std::string value = {}) {
    Token token;
    token.type = type;
    token.prefix = std::move(prefix_);
    prefix_.clear();
    token.raw = std::string(text_.substr(start, pos_ - start));
    token.value = std::move(value);
    tokens_.push_back(std::move(token));
  }

  // The last token that is not a newline, or nullptr.
  const Token* LastSignificant() const {
    return tokens_.empty() ? nullptr : &tokens_.back();
  }

  bool PreviousIsOperand() const {
    const Token* last = LastSignificant();
    if (last == nullptr) return false;
    switch (last->type) {
      case TokenType::kString:
      case TokenType::kNumber:
      case TokenType::kVariable:
      case TokenType::kRegex:
        return true;
      case TokenType::kWord:
        return !(last->value == "return" || last->value == "typeof" || last->value == "in" ||
                 last->value == "of" || last->value == "new" || last->value == "delete" ||
                 last->value == "void" || last->value == "case");
      case TokenType::kOperator:
        return last->value == ")" || last->value == "]" || last->value == "}";
      default:
        return false;
    }
  }

  // Whitespace, comments and line continuations go into the next token's prefix. Returns true
  // when something was consumed.
  bool SkipSpaceAndComments() {
    const std::size_t start = pos_;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (IsSpace(c)) {
        ++pos_;
      } else if (c == '\n' && (language_ == Language::kJScript ||
                               (language_ == Language::kPowerShell && paren_depth_ > 0))) {
        ++pos_;
      } else if (language_ == Language::kPowerShell && c == '`' &&
                 (Peek(1) == '\n' || (Peek(1) == '\r' && Peek(2) == '\n'))) {
        pos_ += Peek(1) == '\n' ? 2u : 3u;
      } else if (language_ == Language::kVbScript && c == '_' && LineContinuation()) {
        // consumed by LineContinuation
      } else if (language_ == Language::kPowerShell && c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (language_ == Language::kPowerShell && c == '<' && Peek(1) == '#') {
        const std::size_t end = text_.find("#>", pos_ + 2);
        pos_ = end == std::string_view::npos ? text_.size() : end + 2;
      } else if (language_ == Language::kVbScript && (c == '\'' || IsRem())) {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (language_ == Language::kJScript && c == '/' && Peek(1) == '/') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (language_ == Language::kJScript && c == '/' && Peek(1) == '*') {
        const std::size_t end = text_.find("*/", pos_ + 2);
        pos_ = end == std::string_view::npos ? text_.size() : end + 2;
      } else {
        break;
      }
    }
    if (pos_ == start) return false;
    prefix_.append(text_.substr(start, pos_ - start));
    return true;
  }

  // VBScript " _" at the end of a line joins it with the next.
  bool LineContinuation() {
    if (pos_ > 0 && !IsSpace(text_[pos_ - 1])) return false;
    std::size_t i = pos_ + 1;
    while (i < text_.size() && (text_[i] == ' ' || text_[i] == '\t' || text_[i] == '\r')) ++i;
    if (i >= text_.size() || text_[i] != '\n') return false;
    pos_ = i + 1;
    return true;
  }

  // VBScript "Rem" comments at the start of a statement.
  bool IsRem() const {
    if (!StartsWithIgnoreCase(text_.substr(pos_), "rem")) return false;
    const char after = Peek(3);
    if (!(after == ' ' || after == '\t' || after == '\n' || after == '\r' || after == '\0')) return false;
    const Token* last = LastSignificant();
    return last == nullptr || last->type == TokenType::kNewline || last->value == ":";
  }

  void LexToken() {
    const char c = text_[pos_];
    const std::size_t start = pos_;
    if (c == '\n') {
      ++pos_;
      Emit(TokenType::kNewline, start, "\n");
      return;
    }
    switch (language_) {
      case Language::kPowerShell:
        if (LexPowerShell()) return;
        break;
      case Language::kVbScript:
        if (LexVbScript()) return;
        break;
      case Language::kJScript:
        if (LexJScript()) return;
        break;
      default:
        break;
    }
    if (IsDigit(c)) {
      LexNumber();
      return;
    }
    if (IsIdentStart(c) || static_cast<std::uint8_t>(c) >= 0x80) {
      while (pos_ < text_.size() &&
             (IsIdentChar(text_[pos_]) || static_cast<std::uint8_t>(text_[pos_]) >= 0x80 ||
              (language_ == Language::kPowerShell && text_[pos_] == '-' && pos_ + 1 < text_.size() &&
               IsIdentChar(text_[pos_ + 1])) ||
              (language_ == Language::kJScript && text_[pos_] == '$'))) {
        ++pos_;
      }
      Emit(TokenType::kWord, start, Lower(text_.substr(start, pos_ - start)));
      return;
    }
    LexOperator();
  }

  void LexNumber() {
    const std::size_t start = pos_;
    std::int64_t value = 0;
    bool overflow = false;
    constexpr std::int64_t kMaxNumber = std::int64_t{1} << 53;  // beyond any char code or index
    if (Peek() == '0' && (Peek(1) == 'x' || Peek(1) == 'X') && IsHexDigit(Peek(2))) {
      pos_ += 2;
      while (pos_ < text_.size() && IsHexDigit(text_[pos_])) {
        value = value * 16 + HexValue(text_[pos_]);
        overflow = overflow || value > kMaxNumber;
        if (overflow) value = kMaxNumber;
        ++pos_;
      }
    } else {
      while (pos_ < text_.size() && IsDigit(text_[pos_])) {
        value = value * 10 + (text_[pos_] - '0');
        overflow = overflow || value > kMaxNumber;
        if (overflow) value = kMaxNumber;
        ++pos_;
      }
    }
    // "10kb", "1st", "5d": not a plain integer literal.
    if (pos_ < text_.size() && (IsIdentChar(text_[pos_]) || text_[pos_] == '.')) {
      if (text_[pos_] == '.' && (pos_ + 1 >= text_.size() || !IsDigit(text_[pos_ + 1]))) {
        // "5." or "1..10" (a range): the number ends here.
      } else {
        while (pos_ < text_.size() && (IsIdentChar(text_[pos_]) || text_[pos_] == '.')) {
          if (text_[pos_] == '.' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '.') break;
          ++pos_;
        }
        Emit(TokenType::kWord, start, Lower(text_.substr(start, pos_ - start)));
        return;
      }
    }
    Emit(TokenType::kNumber, start);
    tokens_.back().number = value;
    if (overflow) tokens_.back().type = TokenType::kOther;
  }

  void LexOperator() {
    static constexpr std::string_view kMulti[] = {"===", "!==", ">>>", "::", "..", "+=", "-=", "*=",
                                                  "/=", "==", "!=", "<=", ">=", "&&", "||", "++",
                                                  "--", "=>", "<>", "**", "<<", ">>"};
    const std::size_t start = pos_;
    static constexpr std::string_view kMultiStart = "=!><:.+-*/&|";
    const bool may_be_multi = kMultiStart.find(text_[pos_]) != std::string_view::npos;
    for (std::string_view op : kMulti) {
      if (!may_be_multi) break;
      if (text_.substr(pos_, op.size()) == op) {
        if (op == "::" && language_ != Language::kPowerShell) continue;
        pos_ += op.size();
        Emit(TokenType::kOperator, start, std::string(op));
        return;
      }
    }
    const char c = text_[pos_++];
    if (c == '(' || c == '[' || c == '{') ++paren_depth_;
    if ((c == ')' || c == ']' || c == '}') && paren_depth_ > 0) --paren_depth_;
    Emit(TokenType::kOperator, start, std::string(1, c));
  }

  // --- PowerShell ---------------------------------------------------------------------------

  bool LexPowerShell() {
    const char c = text_[pos_];
    const std::size_t start = pos_;
    if (c == '\'') return LexPsSingleQuoted(start, pos_ + 1, "'");
    if (c == '"') return LexPsDoubleQuoted(start, pos_ + 1, "\"");
    if (c == '@' && (Peek(1) == '\'' || Peek(1) == '"')) {
      std::size_t body = pos_ + 2;
      while (body < text_.size() && (text_[body] == ' ' || text_[body] == '\t' || text_[body] == '\r')) ++body;
      if (body < text_.size() && text_[body] == '\n') {
        return Peek(1) == '\'' ? LexPsSingleQuoted(start, body + 1, "\n'@")
                               : LexPsDoubleQuoted(start, body + 1, "\n\"@");
      }
    }
    if (c == '$') return LexPsVariable();
    if ((c == '@' || c == '$') && Peek(1) == '(') {
      pos_ += 2;
      ++paren_depth_;
      Emit(TokenType::kOperator, start, std::string(1, c) + "(");
      return true;
    }
    if (c == '@' && Peek(1) == '{') {
      pos_ += 2;
      ++paren_depth_;
      Emit(TokenType::kOperator, start, "{");
      return true;
    }
    if (c == '[' && IsIdentStart(Peek(1)) && LexPsType()) return true;
    if (c == '-' && IsIdentStart(Peek(1))) {
      ++pos_;
      while (pos_ < text_.size() && (IsIdentChar(text_[pos_]) || text_[pos_] == '`')) ++pos_;
      std::string name = Lower(text_.substr(start, pos_ - start));
      std::erase(name, '`');
      Emit(TokenType::kOperator, start, std::move(name));
      return true;
    }
    if (c == '-' && IsDigit(Peek(1)) && !PreviousIsOperand()) {
      ++pos_;
      LexNumber();
      Token& number = tokens_.back();
      number.raw.insert(0, "-");
      number.value.insert(0, "-");
      number.number = -number.number;
      return true;
    }
    return false;
  }

  // '...' with '' for a quote; `terminator` is "'" or "\n'@" (here-string).
  bool LexPsSingleQuoted(std::size_t start, std::size_t body, std::string_view terminator) {
    std::string value;
    std::size_t i = body;
    const bool here = terminator.size() > 1;
    while (i < text_.size()) {
      if (here) {
        if (text_.substr(i, terminator.size()) == terminator ||
            (text_[i] == '\r' && text_.substr(i + 1, terminator.size()) == terminator)) {
          pos_ = i + (text_[i] == '\r' ? 1 : 0) + terminator.size();
          Emit(TokenType::kString, start, std::move(value));
          tokens_.back().literal = true;
          return true;
        }
      } else if (text_[i] == '\'') {
        if (i + 1 < text_.size() && text_[i + 1] == '\'') {
          value.push_back('\'');
          i += 2;
          continue;
        }
        pos_ = i + 1;
        Emit(TokenType::kString, start, std::move(value));
        tokens_.back().literal = true;
        return true;
      }
      value.push_back(text_[i++]);
    }
    pos_ = text_.size();
    Emit(TokenType::kOther, start);
    return true;
  }

  // "..." with `x escapes and "" for a quote; `$name` or `$(` inside makes it interpolated.
  bool LexPsDoubleQuoted(std::size_t start, std::size_t body, std::string_view terminator) {
    std::string value;
    bool interpolated = false;
    std::size_t i = body;
    const bool here = terminator.size() > 1;
    while (i < text_.size()) {
      const char c = text_[i];
      if (here ? (text_.substr(i, terminator.size()) == terminator ||
                  (c == '\r' && text_.substr(i + 1, terminator.size()) == terminator))
               : c == '"') {
        if (!here && i + 1 < text_.size() && text_[i + 1] == '"') {
          value.push_back('"');
          i += 2;
          continue;
        }
        pos_ = here ? i + (c == '\r' ? 1 : 0) + terminator.size() : i + 1;
        Emit(TokenType::kString, start, std::move(value));
        tokens_.back().literal = !interpolated;
        return true;
      }
      if (c == '`' && i + 1 < text_.size()) {
        const char e = text_[i + 1];
        i += 2;
        switch (e) {
          case '0': value.push_back('\0'); break;
          case 'a': value.push_back('\a'); break;
          case 'b': value.push_back('\b'); break;
          case 'e': value.push_back('\x1b'); break;
          case 'f': value.push_back('\f'); break;
          case 'n': value.push_back('\n'); break;
          case 'r': value.push_back('\r'); break;
          case 't': value.push_back('\t'); break;
          case 'v': value.push_back('\v'); break;
          default: value.push_back(e); break;
        }
        continue;
      }
      if (c == '$' && i + 1 < text_.size() &&
          (IsIdentStart(text_[i + 1]) || text_[i + 1] == '{' || text_[i + 1] == '(' || text_[i + 1] == '_')) {
        interpolated = true;
      }
      value.push_back(c);
      ++i;
    }
    pos_ = text_.size();
    Emit(TokenType::kOther, start);
    return true;
  }

  bool LexPsVariable() {
    const std::size_t start = pos_;
    ++pos_;
    if (Peek() == '(') {
      ++pos_;
      ++paren_depth_;
      Emit(TokenType::kOperator, start, "$(");
      return true;
    }
    std::string name;
    if (Peek() == '{') {
      const std::size_t end = text_.find('}', pos_ + 1);
      if (end == std::string_view::npos) {
        pos_ = start;
        return false;
      }
      name = Lower(text_.substr(pos_ + 1, end - pos_ - 1));
      std::erase(name, '`');
      pos_ = end + 1;
    } else if (Peek() == '_' || Peek() == '$' || Peek() == '?' || Peek() == '^') {
      name.push_back(Peek());
      ++pos_;
      while (pos_ < text_.size() && IsIdentChar(text_[pos_])) name.push_back(text_[pos_++]);
      name = Lower(name);
    } else {
      while (pos_ < text_.size() &&
             (IsIdentChar(text_[pos_]) || (text_[pos_] == ':' && pos_ + 1 < text_.size() && IsIdentStart(text_[pos_ + 1]) &&
                                           name.find(':') == std::string::npos))) {
        name.push_back(text_[pos_]);
        ++pos_;
      }
      name = Lower(name);
    }
    if (name.empty()) {
      Emit(TokenType::kOperator, start, "$");
      return true;
    }
    Emit(TokenType::kVariable, start, std::move(name));
    return true;
  }

  // [Type.Name] or [Type[]]: a type literal (cast or static member target).
  bool LexPsType() {
    const std::size_t start = pos_;
    std::size_t i = pos_ + 1;
    while (i < text_.size() && (IsIdentChar(text_[i]) || text_[i] == '.' || text_[i] == '`')) ++i;
    std::size_t name_end = i;
    if (text_.substr(i, 2) == "[]") i += 2;
    if (i >= text_.size() || text_[i] != ']') return false;
    std::string name = Lower(text_.substr(pos_ + 1, name_end - pos_ - 1));
    std::erase(name, '`');
    if (name.starts_with("system.")) name.erase(0, 7);
    if (text_.substr(name_end, 2) == "[]") name += "[]";
    pos_ = i + 1;
    Emit(TokenType::kType, start, std::move(name));
    return true;
  }

  // --- VBScript -----------------------------------------------------------------------------

  bool LexVbScript() {
    const char c = text_[pos_];
    const std::size_t start = pos_;
    if (c == '"') {
      std::string value;
      std::size_t i = pos_ + 1;
      while (i < text_.size()) {
        if (text_[i] == '"') {
          if (i + 1 < text_.size() && text_[i + 1] == '"') {
            value.push_back('"');
            i += 2;
            continue;
          }
          pos_ = i + 1;
          Emit(TokenType::kString, start, std::move(value));
          tokens_.back().literal = true;
          return true;
        }
        value.push_back(text_[i++]);
      }
      pos_ = text_.size();
      Emit(TokenType::kOther, start);
      return true;
    }
    if (c == '&' && (Peek(1) == 'h' || Peek(1) == 'H' || Peek(1) == 'o' || Peek(1) == 'O')) {
      const bool hex = Peek(1) == 'h' || Peek(1) == 'H';
      std::size_t i = pos_ + 2;
      std::int64_t value = 0;
      const std::size_t digits_start = i;
      while (i < text_.size() && (hex ? IsHexDigit(text_[i]) : (text_[i] >= '0' && text_[i] <= '7')) &&
             i - digits_start < 8) {
        value = value * (hex ? 16 : 8) + HexValue(text_[i]);
        ++i;
      }
      if (i == digits_start) return false;
      if (i < text_.size() && text_[i] == '&') ++i;  // &HFFFF& (Long)
      // VBScript reads 4-digit hex as a signed Integer: &HFFFF is -1.
      if (hex && i - digits_start <= 4 && value > 0x7FFF) value -= 0x10000;
      pos_ = i;
      Emit(TokenType::kNumber, start, std::string(text_.substr(start, pos_ - start)));
      tokens_.back().number = value;
      return true;
    }
    if (c == ':') {
      ++pos_;
      Emit(TokenType::kNewline, start, ":");
      return true;
    }
    return false;
  }

  // --- JScript ------------------------------------------------------------------------------

  bool LexJScript() {
    const char c = text_[pos_];
    const std::size_t start = pos_;
    if (c == '\'' || c == '"') return LexJsString(c);
    if (c == '`') {
      const std::size_t end = text_.find('`', pos_ + 1);
      if (end == std::string_view::npos) return false;
      const std::string_view body = text_.substr(pos_ + 1, end - pos_ - 1);
      pos_ = end + 1;
      Emit(TokenType::kString, start, std::string(body));
      tokens_.back().literal = body.find("${") == std::string_view::npos && body.find('\\') == std::string_view::npos;
      return true;
    }
    if (c == '/' && !PreviousIsOperand()) return LexJsRegex();
    if (c == '$' || IsIdentStart(c)) {
      while (pos_ < text_.size() && (IsIdentChar(text_[pos_]) || text_[pos_] == '$')) ++pos_;
      Emit(TokenType::kWord, start, Lower(text_.substr(start, pos_ - start)));
      return true;
    }
    return false;
  }

  bool LexJsString(char quote) {
    const std::size_t start = pos_;
    std::string value;
    std::size_t i = pos_ + 1;
    while (i < text_.size()) {
      const char c = text_[i];
      if (c == quote) {
        pos_ = i + 1;
        Emit(TokenType::kString, start, std::move(value));
        tokens_.back().literal = true;
        return true;
      }
      if (c == '\n') break;  // an unterminated string
      if (c == '\\' && i + 1 < text_.size()) {
        const char e = text_[i + 1];
        i += 2;
        switch (e) {
          case 'n': value.push_back('\n'); break;
          case 'r': value.push_back('\r'); break;
          case 't': value.push_back('\t'); break;
          case 'b': value.push_back('\b'); break;
          case 'f': value.push_back('\f'); break;
          case 'v': value.push_back('\v'); break;
          case '0': value.push_back('\0'); break;
          case '\r':
            if (i < text_.size() && text_[i] == '\n') ++i;
            break;
          case '\n': break;
          case 'x':
            if (i + 1 < text_.size() && IsHexDigit(text_[i]) && IsHexDigit(text_[i + 1])) {
              AppendUtf8(value, static_cast<std::uint32_t>(HexValue(text_[i]) * 16 + HexValue(text_[i + 1])));
              i += 2;
            } else {
              value.push_back('x');
            }
            break;
          case 'u': {
            std::uint32_t cp = 0;
            if (i < text_.size() && text_[i] == '{') {
              std::size_t j = i + 1;
              while (j < text_.size() && IsHexDigit(text_[j]) && j - i <= 6) cp = cp * 16 + static_cast<std::uint32_t>(HexValue(text_[j++]));
              if (j < text_.size() && text_[j] == '}') {
                i = j + 1;
                AppendUtf8(value, cp <= 0x10FFFF ? cp : 0xFFFD);
                break;
              }
            } else if (i + 3 < text_.size() && IsHexDigit(text_[i]) && IsHexDigit(text_[i + 1]) &&
                       IsHexDigit(text_[i + 2]) && IsHexDigit(text_[i + 3])) {
              for (int k = 0; k < 4; ++k) cp = cp * 16 + static_cast<std::uint32_t>(HexValue(text_[i + static_cast<std::size_t>(k)]));
              i += 4;
              // A surrogate pair spelled as two escapes.
              if (cp >= 0xD800 && cp <= 0xDBFF && text_.substr(i, 2) == "\\u" && i + 5 < text_.size()) {
                std::uint32_t low = 0;
                bool ok = true;
                for (std::size_t k = 2; k < 6; ++k) {
                  if (!IsHexDigit(text_[i + k])) ok = false;
                  else low = low * 16 + static_cast<std::uint32_t>(HexValue(text_[i + k]));
                }
                if (ok && low >= 0xDC00 && low <= 0xDFFF) {
                  cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                  i += 6;
                }
              }
              AppendUtf8(value, (cp >= 0xD800 && cp <= 0xDFFF) ? 0xFFFDu : cp);
              break;
            }
            value.push_back('u');
            break;
          }
          default:
            value.push_back(e);
            break;
        }
        continue;
      }
      value.push_back(c);
      ++i;
    }
    pos_ = i;
    Emit(TokenType::kOther, start);
    return true;
  }

  bool LexJsRegex() {
    const std::size_t start = pos_;
    std::size_t i = pos_ + 1;
    bool in_class = false;
    while (i < text_.size() && text_[i] != '\n') {
      const char c = text_[i];
      if (c == '\\') {
        i += 2;
        continue;
      }
      if (c == '[') in_class = true;
      if (c == ']') in_class = false;
      if (c == '/' && !in_class) break;
      ++i;
    }
    if (i >= text_.size() || text_[i] != '/' || i == pos_ + 1) return false;
    const std::string body(text_.substr(pos_ + 1, i - pos_ - 1));
    ++i;
    while (i < text_.size() && IsIdentChar(text_[i])) ++i;
    pos_ = i;
    Emit(TokenType::kRegex, start, body);
    return true;
  }

  std::string_view text_;
  Language language_;
  std::size_t pos_ = 0;
  int paren_depth_ = 0;
  std::string prefix_;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> Tokenize(std::string_view text, Language language) { return Lexer(text, language).Run(); }

std::string QuoteLiteral(std::string_view value, Language language) {
  std::string out;
  out.reserve(value.size() + 2);
  switch (language) {
    case Language::kPowerShell:
      out.push_back('\'');
      for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        out.push_back(c);
        if (c == '\'') out.push_back('\'');
      }
      out.push_back('\'');
      break;
    case Language::kVbScript:
      out.push_back('"');
      for (char c : value) {
        out.push_back(c);
        if (c == '"') out.push_back('"');
      }
      out.push_back('"');
      break;
    default:
      out.push_back('"');
      for (char c : value) {
        switch (c) {
          case '"': out += "\\\""; break;
          case '\\': out += "\\\\"; break;
          case '\n': out += "\\n"; break;
          case '\r': out += "\\r"; break;
          case '\t': out += "\\t"; break;
          default:
            if (static_cast<std::uint8_t>(c) < 0x20) {
              char buffer[5];
              std::snprintf(buffer, sizeof buffer, "\\x%02x", static_cast<unsigned>(static_cast<std::uint8_t>(c)));
              out += buffer;
            } else {
              out.push_back(c);
            }
        }
      }
      out.push_back('"');
      break;
  }
  return out;
}

}  // namespace kensa::script::internal
