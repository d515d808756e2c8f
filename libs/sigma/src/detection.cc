// Compilation of Sigma detection items (field|modifiers: values) and conditions, and their
// evaluation. Semantics follow the Sigma specification ("Sigma Rules Specification", sections
// Detection, Value Modifiers, Condition) and, where it is silent, pySigma's behaviour.

#include "detection.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <utility>

#include "kensa/core/bytes.h"


namespace kensa::sigma::internal {
namespace {

// std::regex's executor recurses per input character and can exhaust the stack on long input;
// event values longer than this are matched on their first kMaxRegexInput bytes only.
constexpr std::size_t kMaxRegexInput = 4096;
// Conditions nest through parentheses and `not`; bounds parser recursion on hostile rules.
constexpr int kMaxConditionDepth = 64;
// windash and base64offset multiply values; bounds the variants produced from one value.
constexpr std::size_t kMaxVariants = 64;

// A value being compiled: bytes plus, per byte, whether it is literal (not a wildcard).
struct PatternText {
  std::string text;
  std::vector<bool> literal;
  void Append(char c, bool lit) {
    text.push_back(c);
    literal.push_back(lit);
  }
  void AppendLiteral(std::string_view s) {
    for (char c : s) Append(c, true);
  }
};

// Sigma wildcards: * and ?; \* \? and \\ are the literal characters; any other backslash is
// itself (specification, "Wildcards" / "Escaping").
PatternText ParseWildcards(std::string_view value) {
  PatternText out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\\' && i + 1 < value.size() &&
        (value[i + 1] == '*' || value[i + 1] == '?' || value[i + 1] == '\\')) {
      out.Append(value[i + 1], true);
      ++i;
    } else {
      out.Append(c, c != '*' && c != '?');
    }
  }
  return out;
}

bool IsWordChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || c == '_' || u >= 0x80;
}

// windash: a '-' or '/' that starts an option (preceded by start or a non-word character and
// followed by a word character) may be any of - / – — ― on Windows command lines.
std::vector<PatternText> WindashVariants(const PatternText& in) {
  static constexpr std::array<std::string_view, 5> kDashes = {"-", "/", "\xE2\x80\x93",
                                                              "\xE2\x80\x94", "\xE2\x80\x95"};
  std::vector<PatternText> out;
  for (std::string_view dash : kDashes) {
    PatternText variant;
    for (std::size_t i = 0; i < in.text.size(); ++i) {
      const char c = in.text[i];
      const bool option_start = (c == '-' || c == '/') && in.literal[i] &&
                                (i == 0 || !IsWordChar(in.text[i - 1])) &&
                                i + 1 < in.text.size() && IsWordChar(in.text[i + 1]);
      if (option_start) {
        variant.AppendLiteral(dash);
      } else {
        variant.Append(c, in.literal[i]);
      }
    }
    out.push_back(std::move(variant));
  }
  return out;
}

std::string Base64Encode(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8) |
                   static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 2]));
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back(kAlphabet[n & 63]);
  }
  const std::size_t rest = data.size() - i;
  if (rest > 0) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16;
    if (rest == 2) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// UTF-8 to UTF-16 code units (invalid bytes become U+FFFD).
std::vector<std::uint16_t> ToUtf16(std::string_view s) {
  std::vector<std::uint16_t> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = 0xFFFD;
    std::size_t len = 1;
    if (b < 0x80) {
      cp = b;
    } else if ((b & 0xE0) == 0xC0) {
      len = 2;
    } else if ((b & 0xF0) == 0xE0) {
      len = 3;
    } else if ((b & 0xF8) == 0xF0) {
      len = 4;
    }
    if (len > 1) {
      if (i + len > s.size()) {
        len = 1;
      } else {
        cp = b & (0x7Fu >> len);
        for (std::size_t k = 1; k < len; ++k) {
          cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
        }
      }
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<std::uint16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<std::uint16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<std::uint16_t>(cp));
    }
    i += len;
  }
  return out;
}

std::string EncodeUtf16(std::string_view s, bool big_endian, bool bom) {
  std::string out;
  if (bom) out += "\xFF\xFE";
  for (std::uint16_t unit : ToUtf16(s)) {
    const char lo = static_cast<char>(unit & 0xFF);
    const char hi = static_cast<char>(unit >> 8);
    out.push_back(big_endian ? hi : lo);
    out.push_back(big_endian ? lo : hi);
  }
  return out;
}

std::optional<double> ParseNumber(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  double value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

std::optional<std::vector<unsigned char>> ParseIp(const std::string& text) {
  std::array<unsigned char, 16> buf{};
  if (inet_pton(AF_INET, text.c_str(), buf.data()) == 1) {
    return std::vector<unsigned char>(buf.begin(), buf.begin() + 4);
  }
  if (inet_pton(AF_INET6, text.c_str(), buf.data()) == 1) {
    return std::vector<unsigned char>(buf.begin(), buf.end());
  }
  return std::nullopt;
}

Result<ValueTest> CompileCidr(const std::string& value) {
  const std::size_t slash = value.find('/');
  ValueTest test;
  test.kind = ValueTest::Kind::kCidr;
  auto ip = ParseIp(value.substr(0, slash));
  if (!ip) return InvalidArgumentError("bad cidr value '" + value + "'");
  const unsigned max_bits = static_cast<unsigned>(ip->size() * 8);
  test.prefix_bits = max_bits;
  if (slash != std::string::npos) {
    auto bits = ParseNumber(std::string_view(value).substr(slash + 1));
    if (!bits || *bits < 0 || *bits > max_bits) {
      return InvalidArgumentError("bad cidr prefix '" + value + "'");
    }
    test.prefix_bits = static_cast<unsigned>(*bits);
  }
  test.network = std::move(*ip);
  return test;
}

bool CidrMatch(const ValueTest& test, const std::string& value) {
  auto ip = ParseIp(value);
  if (!ip || ip->size() != test.network.size()) return false;
  unsigned bits = test.prefix_bits;
  for (std::size_t i = 0; i < ip->size() && bits > 0; ++i) {
    const unsigned take = std::min(bits, 8u);
    const auto mask = static_cast<unsigned char>(0xFFu << (8 - take));
    if (((*ip)[i] & mask) != (test.network[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

void FinishGlob(ValueTest& test, PatternText pattern) {
  if (!test.cased) {
    for (std::size_t i = 0; i < pattern.text.size(); ++i) {
      const char c = pattern.text[i];
      if (c >= 'A' && c <= 'Z') pattern.text[i] = static_cast<char>(c - 'A' + 'a');
    }
  }
  std::size_t wildcards = 0;
  for (std::size_t i = 0; i < pattern.text.size(); ++i) {
    if (!pattern.literal[i]) ++wildcards;
  }
  test.pattern = pattern.text;
  test.literal = pattern.literal;
  test.has_wildcard = wildcards > 0;
  const std::size_t n = pattern.text.size();
  const auto is_star = [&](std::size_t i) { return !pattern.literal[i] && pattern.text[i] == '*'; };
  if (wildcards == 0) {
    test.shape = ValueTest::Shape::kExact;
    test.core = pattern.text;
  } else if (n >= 2 && wildcards == 2 && is_star(0) && is_star(n - 1)) {
    test.shape = ValueTest::Shape::kContains;
    test.core = pattern.text.substr(1, n - 2);
  } else if (wildcards == 1 && is_star(n - 1)) {
    test.shape = ValueTest::Shape::kPrefix;
    test.core = pattern.text.substr(0, n - 1);
  } else if (wildcards == 1 && is_star(0)) {
    test.shape = ValueTest::Shape::kSuffix;
    test.core = pattern.text.substr(1);
  } else {
    test.shape = ValueTest::Shape::kGeneral;
  }
}


}  // namespace

std::vector<std::string> Base64OffsetVariants(std::string_view value) {
  // The value may start at any byte offset of the encoded data; for each of the three offsets,
  // encode with padding in front and keep only the characters that depend on the value alone
  // (specification, modifier base64offset; same slicing as pySigma).
  static constexpr std::array<std::size_t, 3> kStart = {0, 2, 3};
  static constexpr std::array<std::size_t, 3> kEndTrim = {0, 3, 2};
  std::vector<std::string> out;
  for (std::size_t i = 0; i < 3; ++i) {
    std::string padded(i, ' ');
    padded.append(value);
    const std::string encoded = Base64Encode(padded);
    const std::size_t trim = kEndTrim[(value.size() + i) % 3];
    if (encoded.size() < kStart[i] + trim) continue;
    out.push_back(encoded.substr(kStart[i], encoded.size() - kStart[i] - trim));
  }
  return out;
}

bool GlobMatch(const ValueTest& test, std::string_view value) {
  const std::string& pat = test.pattern;
  switch (test.shape) {
    case ValueTest::Shape::kExact:
      return value == test.core;
    case ValueTest::Shape::kContains:
      return value.find(test.core) != std::string_view::npos;
    case ValueTest::Shape::kPrefix:
      return value.substr(0, test.core.size()) == test.core;
    case ValueTest::Shape::kSuffix:
      return value.size() >= test.core.size() &&
             value.substr(value.size() - test.core.size()) == test.core;
    case ValueTest::Shape::kGeneral:
      break;
  }
  // Greedy matching with backtracking to the last star: O(len(value) * len(pattern)).
  const auto is_wild = [&](std::size_t p, char w) { return !test.literal[p] && pat[p] == w; };
  std::size_t p = 0;
  std::size_t v = 0;
  std::size_t star = std::string::npos;
  std::size_t mark = 0;
  while (v < value.size()) {
    if (p < pat.size() && !is_wild(p, '*') && (is_wild(p, '?') || pat[p] == value[v])) {
      ++p;
      ++v;
    } else if (p < pat.size() && is_wild(p, '*')) {
      star = p++;
      mark = v;
    } else if (star != std::string::npos) {
      p = star + 1;
      v = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && is_wild(p, '*')) ++p;
  return p == pat.size();
}

Result<FieldTest> CompileFieldTest(std::string_view key,
                                   const std::vector<std::optional<std::string>>& values) {
  FieldTest out;
  std::vector<std::string> mods;
  {
    std::size_t start = 0;
    bool first = true;
    while (true) {
      const std::size_t bar = key.find('|', start);
      const std::string part(key.substr(start, bar == std::string_view::npos ? bar : bar - start));
      if (first) {
        out.field = part;
        first = false;
      } else {
        mods.push_back(part);
      }
      if (bar == std::string_view::npos) break;
      start = bar + 1;
    }
  }
  enum class Position { kNone, kContains, kStartsWith, kEndsWith } position = Position::kNone;
  bool cased = false;
  bool re = false;
  bool re_icase = false;
  bool re_multiline = false;
  bool cidr = false;
  bool exists = false;
  bool fieldref = false;
  std::optional<ValueTest::NumOp> num_op;
  // Transformations applied in the order written (windash, utf16*, base64*).
  std::vector<std::string> transforms;
  for (const std::string& mod : mods) {
    if (mod == "contains") {
      position = Position::kContains;
    } else if (mod == "startswith") {
      position = Position::kStartsWith;
    } else if (mod == "endswith") {
      position = Position::kEndsWith;
    } else if (mod == "all") {
      out.all = true;
    } else if (mod == "cased") {
      cased = true;
    } else if (mod == "re") {
      re = true;
    } else if (mod == "i" || mod == "ignorecase") {
      re_icase = true;
    } else if (mod == "m" || mod == "multiline") {
      re_multiline = true;
    } else if (mod == "cidr") {
      cidr = true;
    } else if (mod == "exists") {
      exists = true;
    } else if (mod == "fieldref") {
      fieldref = true;
    } else if (mod == "gt") {
      num_op = ValueTest::NumOp::kGt;
    } else if (mod == "gte") {
      num_op = ValueTest::NumOp::kGte;
    } else if (mod == "lt") {
      num_op = ValueTest::NumOp::kLt;
    } else if (mod == "lte") {
      num_op = ValueTest::NumOp::kLte;
    } else if (mod == "windash" || mod == "base64" || mod == "base64offset" || mod == "wide" ||
               mod == "utf16le" || mod == "utf16be" || mod == "utf16") {
      transforms.push_back(mod);
    } else {
      return UnimplementedError("unsupported modifier '" + mod + "'");
    }
  }
  if ((re_icase || re_multiline) && !re) {
    return InvalidArgumentError("regex flag modifier without 're'");
  }
  for (const auto& value : values) {
    if (!value.has_value()) {
      ValueTest test;
      test.kind = ValueTest::Kind::kNull;
      out.tests.push_back(std::move(test));
      continue;
    }
    const std::string& text = *value;
    if (exists) {
      ValueTest test;
      test.kind = ValueTest::Kind::kExists;
      const std::string lower = AsciiLower(text);
      if (lower != "true" && lower != "false") {
        return InvalidArgumentError("exists needs true or false, not '" + text + "'");
      }
      test.exists = lower == "true";
      out.tests.push_back(std::move(test));
    } else if (re) {
      ValueTest test;
      test.kind = ValueTest::Kind::kRegex;
      auto flags = std::regex::ECMAScript | std::regex::optimize;
      if (re_icase) flags |= std::regex::icase;
      if (re_multiline) flags |= std::regex::multiline;
      // Sigma rules use PCRE/Python syntax; a leading inline flag group such as (?i) or (?im)
      // has no ECMAScript spelling, so it becomes the equivalent std::regex flag.
      std::string_view body = text;
      if (body.rfind("(?", 0) == 0) {
        const std::size_t close = body.find(')');
        const std::string_view inline_flags =
            close == std::string_view::npos ? std::string_view() : body.substr(2, close - 2);
        if (!inline_flags.empty() &&
            inline_flags.find_first_not_of("im") == std::string_view::npos) {
          if (inline_flags.find('i') != std::string_view::npos) flags |= std::regex::icase;
          if (inline_flags.find('m') != std::string_view::npos) flags |= std::regex::multiline;
          body.remove_prefix(close + 1);
        }
      }
      try {
        test.regex = std::make_shared<const std::regex>(std::string(body), flags);
      } catch (const std::regex_error& e) {
        return InvalidArgumentError("regex not supported by ECMAScript: " +
                                    std::string(e.what()));
      }
      out.tests.push_back(std::move(test));
    } else if (cidr) {
      KENSA_ASSIGN_OR_RETURN(ValueTest test, CompileCidr(text));
      out.tests.push_back(std::move(test));
    } else if (num_op) {
      ValueTest test;
      test.kind = ValueTest::Kind::kNumber;
      test.num_op = *num_op;
      auto number = ParseNumber(text);
      if (!number) return InvalidArgumentError("not a number: '" + text + "'");
      test.number = *number;
      out.tests.push_back(std::move(test));
    } else if (fieldref) {
      ValueTest test;
      test.kind = ValueTest::Kind::kFieldRef;
      test.ref_field = text;
      test.cased = cased;
      switch (position) {
        case Position::kNone: test.ref_op = ValueTest::RefOp::kEquals; break;
        case Position::kContains: test.ref_op = ValueTest::RefOp::kContains; break;
        case Position::kStartsWith: test.ref_op = ValueTest::RefOp::kStartsWith; break;
        case Position::kEndsWith: test.ref_op = ValueTest::RefOp::kEndsWith; break;
      }
      out.tests.push_back(std::move(test));
    } else {
      std::vector<PatternText> variants = {ParseWildcards(text)};
      bool encoded = false;
      for (const std::string& transform : transforms) {
        std::vector<PatternText> next;
        for (const PatternText& variant : variants) {
          if (transform == "windash") {
            for (auto& v : WindashVariants(variant)) next.push_back(std::move(v));
          } else if (transform == "base64" || transform == "base64offset") {
            encoded = true;
            if (transform == "base64") {
              next.emplace_back().AppendLiteral(Base64Encode(variant.text));
            } else {
              for (const auto& v : Base64OffsetVariants(variant.text)) {
                next.emplace_back().AppendLiteral(v);
              }
            }
          } else {
            PatternText wide;
            wide.AppendLiteral(EncodeUtf16(variant.text, transform == "utf16be",
                                           transform == "utf16"));
            next.push_back(std::move(wide));
          }
        }
        if (next.size() > kMaxVariants) {
          return ResourceExhaustedError("modifiers produce too many values");
        }
        variants = std::move(next);
      }
      for (PatternText& variant : variants) {
        PatternText pattern;
        // Keywords (no field) are searched as substrings of any value.
        const bool before = position == Position::kContains || position == Position::kEndsWith ||
                            (out.field.empty() && position == Position::kNone);
        const bool after = position == Position::kContains ||
                           position == Position::kStartsWith ||
                           (out.field.empty() && position == Position::kNone);
        if (before) pattern.Append('*', false);
        pattern.text += variant.text;
        pattern.literal.insert(pattern.literal.end(), variant.literal.begin(),
                               variant.literal.end());
        if (after) pattern.Append('*', false);
        ValueTest test;
        test.kind = ValueTest::Kind::kGlob;
        // Encoded text is case-sensitive: base64 of "A" and of "a" differ.
        test.cased = cased || encoded;
        FinishGlob(test, std::move(pattern));
        out.tests.push_back(std::move(test));
      }
    }
  }
  if (out.tests.empty()) return InvalidArgumentError("field '" + out.field + "' has no values");
  return out;
}

namespace {

// Tokens: '(' ')' and words split on whitespace.
std::vector<std::string> Tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  std::string current;
  for (char c : text) {
    if (c == '(' || c == ')' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!current.empty()) tokens.push_back(std::move(current));
      current.clear();
      if (c == '(' || c == ')') tokens.emplace_back(1, c);
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  return tokens;
}

// Identifier patterns in `1 of x*` use only the * wildcard.
bool NameMatches(std::string_view pattern, std::string_view name) {
  ValueTest test;
  PatternText text;
  for (char c : pattern) text.Append(c, c != '*');
  test.cased = true;
  FinishGlob(test, std::move(text));
  return GlobMatch(test, name);
}

class ConditionParser {
 public:
  ConditionParser(std::vector<std::string> tokens, const std::vector<Search>& searches)
      : tokens_(std::move(tokens)), searches_(searches) {}

  Result<std::unique_ptr<ConditionNode>> Parse() {
    for (const std::string& token : tokens_) {
      if (token.find('|') != std::string::npos) {
        return UnimplementedError("aggregation in condition (deprecated '|' syntax)");
      }
    }
    KENSA_ASSIGN_OR_RETURN(auto node, ParseOr(0));
    if (pos_ != tokens_.size()) {
      return InvalidArgumentError("unexpected '" + tokens_[pos_] + "' in condition");
    }
    return node;
  }

 private:
  bool PeekKeyword(std::string_view word) const {
    return pos_ < tokens_.size() && AsciiLower(tokens_[pos_]) == word;
  }

  Result<std::unique_ptr<ConditionNode>> ParseOr(int depth) {
    if (depth > kMaxConditionDepth) return InvalidArgumentError("condition nests too deeply");
    KENSA_ASSIGN_OR_RETURN(auto left, ParseAnd(depth));
    while (PeekKeyword("or")) {
      ++pos_;
      KENSA_ASSIGN_OR_RETURN(auto right, ParseAnd(depth));
      left = Combine(ConditionNode::Kind::kOr, std::move(left), std::move(right));
    }
    return left;
  }

  Result<std::unique_ptr<ConditionNode>> ParseAnd(int depth) {
    KENSA_ASSIGN_OR_RETURN(auto left, ParseNot(depth));
    while (PeekKeyword("and")) {
      ++pos_;
      KENSA_ASSIGN_OR_RETURN(auto right, ParseNot(depth));
      left = Combine(ConditionNode::Kind::kAnd, std::move(left), std::move(right));
    }
    return left;
  }

  Result<std::unique_ptr<ConditionNode>> ParseNot(int depth) {
    if (depth > kMaxConditionDepth) return InvalidArgumentError("condition nests too deeply");
    if (PeekKeyword("not")) {
      ++pos_;
      KENSA_ASSIGN_OR_RETURN(auto child, ParseNot(depth + 1));
      auto node = std::make_unique<ConditionNode>();
      node->kind = ConditionNode::Kind::kNot;
      node->children.push_back(std::move(child));
      return node;
    }
    return ParsePrimary(depth);
  }

  Result<std::unique_ptr<ConditionNode>> ParsePrimary(int depth) {
    if (pos_ >= tokens_.size()) return InvalidArgumentError("condition ends unexpectedly");
    const std::string token = tokens_[pos_++];
    if (token == "(") {
      KENSA_ASSIGN_OR_RETURN(auto inner, ParseOr(depth + 1));
      if (pos_ >= tokens_.size() || tokens_[pos_] != ")") {
        return InvalidArgumentError("missing ')' in condition");
      }
      ++pos_;
      return inner;
    }
    if (token == ")") return InvalidArgumentError("unexpected ')' in condition");
    if (token.find('|') != std::string::npos) {
      return UnimplementedError("aggregation in condition (deprecated '|' syntax)");
    }
    const std::string lower = AsciiLower(token);
    if ((lower == "1" || lower == "all") && PeekKeyword("of")) {
      ++pos_;
      if (pos_ >= tokens_.size()) return InvalidArgumentError("'of' without a pattern");
      const std::string pattern = tokens_[pos_++];
      auto node = std::make_unique<ConditionNode>();
      node->kind = lower == "1" ? ConditionNode::Kind::kOneOf : ConditionNode::Kind::kAllOf;
      for (std::size_t i = 0; i < searches_.size(); ++i) {
        const std::string& name = searches_[i].name;
        const bool hit = AsciiLower(pattern) == "them" ? name.rfind('_', 0) != 0
                                                       : NameMatches(pattern, name);
        if (hit) node->searches.push_back(i);
      }
      if (node->searches.empty()) {
        return InvalidArgumentError("'" + token + " of " + pattern + "' matches no search");
      }
      return node;
    }
    if (lower == "and" || lower == "or" || lower == "of") {
      return InvalidArgumentError("unexpected '" + token + "' in condition");
    }
    for (std::size_t i = 0; i < searches_.size(); ++i) {
      if (searches_[i].name == token) {
        auto node = std::make_unique<ConditionNode>();
        node->kind = ConditionNode::Kind::kSearch;
        node->search = i;
        return node;
      }
    }
    return InvalidArgumentError("condition names unknown search '" + token + "'");
  }

  static std::unique_ptr<ConditionNode> Combine(ConditionNode::Kind kind,
                                                std::unique_ptr<ConditionNode> left,
                                                std::unique_ptr<ConditionNode> right) {
    auto node = std::make_unique<ConditionNode>();
    node->kind = kind;
    node->children.push_back(std::move(left));
    node->children.push_back(std::move(right));
    return node;
  }

  std::vector<std::string> tokens_;
  const std::vector<Search>& searches_;
  std::size_t pos_ = 0;
};

bool TestValue(const ValueTest& test, const std::string& raw, const std::string& lower,
               const EventView& event) {
  switch (test.kind) {
    case ValueTest::Kind::kGlob:
      return GlobMatch(test, test.cased ? raw : lower);
    case ValueTest::Kind::kRegex: {
      const std::string_view input = std::string_view(raw).substr(0, kMaxRegexInput);
      try {
        return std::regex_search(input.begin(), input.end(), *test.regex);
      } catch (const std::regex_error&) {
        return false;  // Complexity limits of the regex engine: treat as no match.
      }
    }
    case ValueTest::Kind::kNull:
      return raw.empty();
    case ValueTest::Kind::kExists:
      return test.exists;
    case ValueTest::Kind::kNumber: {
      auto number = ParseNumber(raw);
      if (!number) return false;
      switch (test.num_op) {
        case ValueTest::NumOp::kGt: return *number > test.number;
        case ValueTest::NumOp::kGte: return *number >= test.number;
        case ValueTest::NumOp::kLt: return *number < test.number;
        case ValueTest::NumOp::kLte: return *number <= test.number;
      }
      return false;
    }
    case ValueTest::Kind::kCidr:
      return CidrMatch(test, raw);
    case ValueTest::Kind::kFieldRef: {
      const std::string* other = event.Get(test.ref_field);
      if (other == nullptr) return false;
      const std::string ref = test.cased ? *other : AsciiLower(*other);
      const std::string& value = test.cased ? raw : lower;
      switch (test.ref_op) {
        case ValueTest::RefOp::kEquals: return value == ref;
        case ValueTest::RefOp::kContains: return value.find(ref) != std::string::npos;
        case ValueTest::RefOp::kStartsWith: return value.rfind(ref, 0) == 0;
        case ValueTest::RefOp::kEndsWith:
          return value.size() >= ref.size() &&
                 value.compare(value.size() - ref.size(), ref.size(), ref) == 0;
      }
      return false;
    }
  }
  return false;
}

// Tests of one value; `all` requires each, otherwise one suffices.
bool TestsHoldOnValue(const FieldTest& field, const std::string& raw, const EventView& event,
                      LowerCache* cache, std::vector<bool>* satisfied) {
  const std::string& lower = cache->Lower(raw);
  bool any = false;
  for (std::size_t i = 0; i < field.tests.size(); ++i) {
    if ((*satisfied)[i]) continue;
    if (TestValue(field.tests[i], raw, lower, event)) {
      (*satisfied)[i] = true;
      any = true;
      if (!field.all) return true;
    }
  }
  return any;
}

bool EvaluateField(const FieldTest& field, const EventView& event, LowerCache* cache) {
  std::vector<bool> satisfied(field.tests.size(), false);
  const auto done = [&] {
    return field.all ? std::all_of(satisfied.begin(), satisfied.end(), [](bool b) { return b; })
                     : std::any_of(satisfied.begin(), satisfied.end(), [](bool b) { return b; });
  };
  if (field.field.empty()) {
    event.ForEachValue([&](const std::string& value) {
      if (!done()) TestsHoldOnValue(field, value, event, cache, &satisfied);
    });
    return done();
  }
  const std::string* value = event.Get(field.field);
  if (value == nullptr) {
    // An absent field matches only `null` and `exists: false`.
    for (std::size_t i = 0; i < field.tests.size(); ++i) {
      const ValueTest& test = field.tests[i];
      satisfied[i] = test.kind == ValueTest::Kind::kNull ||
                     (test.kind == ValueTest::Kind::kExists && !test.exists);
    }
    return done();
  }
  TestsHoldOnValue(field, *value, event, cache, &satisfied);
  return done();
}

bool EvaluateSearch(const Search& search, const EventView& event, LowerCache* cache) {
  for (const SearchMap& map : search.alternatives) {
    bool all = true;
    for (const FieldTest& field : map.fields) {
      if (!EvaluateField(field, event, cache)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

bool EvaluateNode(const Detection& detection, const ConditionNode& node, const EventView& event,
                  LowerCache* cache) {
  switch (node.kind) {
    case ConditionNode::Kind::kSearch:
      return EvaluateSearch(detection.searches[node.search], event, cache);
    case ConditionNode::Kind::kAnd:
      return EvaluateNode(detection, *node.children[0], event, cache) &&
             EvaluateNode(detection, *node.children[1], event, cache);
    case ConditionNode::Kind::kOr:
      return EvaluateNode(detection, *node.children[0], event, cache) ||
             EvaluateNode(detection, *node.children[1], event, cache);
    case ConditionNode::Kind::kNot:
      return !EvaluateNode(detection, *node.children[0], event, cache);
    case ConditionNode::Kind::kOneOf:
      return std::any_of(node.searches.begin(), node.searches.end(), [&](std::size_t i) {
        return EvaluateSearch(detection.searches[i], event, cache);
      });
    case ConditionNode::Kind::kAllOf:
      return std::all_of(node.searches.begin(), node.searches.end(), [&](std::size_t i) {
        return EvaluateSearch(detection.searches[i], event, cache);
      });
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<ConditionNode>> ParseCondition(std::string_view text,
                                                      const std::vector<Search>& searches) {
  ConditionParser parser(Tokenize(text), searches);
  return parser.Parse();
}

const std::string& LowerCache::Lower(const std::string& value) {
  auto [it, inserted] = values_.try_emplace(&value);
  if (inserted) it->second = AsciiLower(value);
  return it->second;
}

bool Evaluate(const Detection& detection, const EventView& event, LowerCache* cache) {
  return detection.condition != nullptr &&
         EvaluateNode(detection, *detection.condition, event, cache);
}

}  // namespace kensa::sigma::internal
