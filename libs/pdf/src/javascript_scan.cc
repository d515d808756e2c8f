#include "kensa/pdf/javascript_scan.h"

#include <array>

#include "kensa/core/bytes.h"
#include "text.h"

namespace kensa::pdf {
namespace {

constexpr std::size_t kEvidenceBefore = 40;
constexpr std::size_t kEvidenceBytes = 120;
// Width of a util.printf format beyond any real form's need; CVE-2008-2992 exploits used
// "%45000.45000f".
constexpr std::size_t kPrintfExploitWidthDigits = 4;

struct Api {
  std::string_view identifier;  // method name as called
  std::string_view kind;
  std::string_view keyword;     // as reported
  std::string_view cve;
  std::string_view also_needs;  // another identifier the script must name (the owning object)
};

constexpr std::array kApis = {
    Api{"eval", "eval", "eval", "", ""},
    Api{"unescape", "unescape", "unescape", "", ""},
    Api{"fromCharCode", "from_char_code", "String.fromCharCode", "", ""},
    Api{"setTimeOut", "timer", "app.setTimeOut", "", ""},
    Api{"setInterval", "timer", "app.setInterval", "", ""},
    Api{"exportDataObject", "export_data_object", "this.exportDataObject", "", ""},
    Api{"collectEmailInfo", "exploit_api", "Collab.collectEmailInfo", "CVE-2007-5659", ""},
    Api{"getIcon", "exploit_api", "Collab.getIcon", "CVE-2009-0927", "Collab"},
    Api{"customDictionaryOpen", "exploit_api", "spell.customDictionaryOpen", "CVE-2009-1493", ""},
    Api{"newPlayer", "exploit_api", "media.newPlayer", "CVE-2009-4324", ""},
    Api{"printSeps", "exploit_api", "doc.printSeps", "CVE-2010-4091", ""},
    Api{"removeToolButton", "exploit_api", "app.removeToolButton", "CVE-2013-3346", ""},
    Api{"getAnnots", "document_data", "getAnnots", "", ""},
    Api{"syncAnnotScan", "document_data", "syncAnnotScan", "", ""},
    Api{"getPageNthWord", "document_data", "getPageNthWord", "", ""},
};

// Lower-case NOP-sled and spray-address literals of the Acrobat exploit era.
constexpr std::array<std::string_view, 12> kSprayLiterals = {
    "%u0c0c%u0c0c", "%u0a0a%u0a0a", "%u0b0b%u0b0b", "%u0d0d%u0d0d", "%u9090%u9090", "%u4141%u4141",
    "0x0c0c0c0c",   "0x0a0a0a0a",   "0x0d0d0d0d",   "0x90909090",   "\\x0c\\x0c\\x0c\\x0c",
    "\\x90\\x90\\x90\\x90"};

bool IsIdentifierChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$';
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Offsets of `identifier` as a whole identifier (quoted names such as Collab["getIcon"] count).
std::vector<std::size_t> FindIdentifier(std::string_view script, std::string_view identifier,
                                        std::size_t max_hits) {
  std::vector<std::size_t> hits;
  for (std::size_t at = script.find(identifier); at != std::string_view::npos && hits.size() < max_hits;
       at = script.find(identifier, at + 1)) {
    const bool left = at == 0 || !IsIdentifierChar(script[at - 1]);
    const std::size_t end = at + identifier.size();
    const bool right = end >= script.size() || !IsIdentifierChar(script[end]);
    if (left && right) hits.push_back(at);
  }
  return hits;
}

std::string Excerpt(std::string_view script, std::size_t offset) {
  const std::size_t begin = offset > kEvidenceBefore ? offset - kEvidenceBefore : 0;
  return internal::OneLine(script.substr(begin, kEvidenceBytes + kEvidenceBefore), kEvidenceBytes);
}

// util.printf with a format width of kPrintfExploitWidthDigits digits or more.
bool HasHugePrintfWidth(std::string_view script) {
  for (std::size_t at = script.find('%'); at != std::string_view::npos; at = script.find('%', at + 1)) {
    std::size_t digits = 0;
    while (at + 1 + digits < script.size() && script[at + 1 + digits] >= '0' && script[at + 1 + digits] <= '9') {
      ++digits;
    }
    if (digits >= kPrintfExploitWidthDigits) return true;
  }
  return false;
}

// The first string literal longer than kLongStringBytes: (offset, length), or length 0.
std::pair<std::size_t, std::size_t> FindLongString(std::string_view script) {
  for (std::size_t i = 0; i < script.size(); ++i) {
    const char quote = script[i];
    if (quote != '"' && quote != '\'') continue;
    std::size_t j = i + 1;
    while (j < script.size() && script[j] != quote && script[j] != '\n') {
      j += script[j] == '\\' ? 2u : 1u;
    }
    const std::size_t length = (j < script.size() ? j : script.size()) - i - 1;
    if (length > kLongStringBytes) return {i, length};
    i = j;
  }
  return {0, 0};
}

}  // namespace

std::vector<JavaScriptFinding> ScanJavaScript(std::string_view script) {
  std::vector<JavaScriptFinding> findings;
  const auto add = [&](std::string_view kind, std::string keyword, std::string_view cve, std::size_t offset) {
    findings.push_back({std::string(kind), std::move(keyword), std::string(cve), offset, Excerpt(script, offset)});
  };

  std::size_t from_char_code_calls = 0;
  std::size_t first_from_char_code = 0;
  for (const auto& api : kApis) {
    // Counting stops at the threshold that matters (many_from_char_code).
    const auto hits = FindIdentifier(script, api.identifier, kManyFromCharCode);
    if (hits.empty()) continue;
    if (api.identifier == "fromCharCode") {
      from_char_code_calls = hits.size();
      first_from_char_code = hits.front();
    }
    if (!api.also_needs.empty() && FindIdentifier(script, api.also_needs, 1).empty()) continue;
    add(api.kind, std::string(api.keyword), api.cve, hits.front());
  }
  const auto printf_hits = FindIdentifier(script, "printf", 1);
  if (!printf_hits.empty() && !FindIdentifier(script, "util", 1).empty() && HasHugePrintfWidth(script)) {
    add("exploit_api", "util.printf", "CVE-2008-2992", printf_hits.front());
  }

  const std::string lower = AsciiLower(script);
  for (const auto literal : kSprayLiterals) {
    const auto at = lower.find(literal);
    if (at != std::string::npos) {
      add("heap_spray", std::string(literal), "", at);
      break;
    }
  }

  std::size_t escapes = 0;
  std::size_t first_escape = 0;
  for (std::size_t at = lower.find("%u"); at != std::string::npos; at = lower.find("%u", at + 2)) {
    if (at + 6 > lower.size()) break;
    if (IsHexDigit(lower[at + 2]) && IsHexDigit(lower[at + 3]) && IsHexDigit(lower[at + 4]) &&
        IsHexDigit(lower[at + 5])) {
      if (escapes == 0) first_escape = at;
      if (++escapes >= kShellcodeEscapes) {
        add("shellcode_escapes", std::to_string(kShellcodeEscapes) + "+ %u escapes", "", first_escape);
        break;
      }
    }
  }

  const auto [long_offset, long_length] = FindLongString(script);
  if (long_length > 0) add("long_string", std::to_string(long_length) + "-byte string literal", "", long_offset);

  if (from_char_code_calls >= kManyFromCharCode) {
    add("many_from_char_code", std::to_string(kManyFromCharCode) + "+ fromCharCode calls", "",
        first_from_char_code);
  }
  return findings;
}

}  // namespace kensa::pdf
