#include "command_line.h"

#include <algorithm>
#include <array>
#include <optional>
#include <unordered_map>

#include "kensa/script/script_encoder.h"
#include "text_util.h"

namespace kensa::script::internal {
namespace {

constexpr std::size_t kMaxVariables = 1024;          // distinct names a batch file sets
constexpr std::size_t kMaxVariableBytes = 64 * 1024;  // bytes of one value
constexpr std::size_t kMinBase64Command = 16;        // shorter "-e xxx" arguments are not commands
constexpr std::size_t kMinEmbeddedCommand = 4;

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsBase64Char(char c) {
  return IsAsciiLetter(c) || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

// Length of a parameter dash at `i`: '-', '/', or the en dash, em dash and horizontal bar that
// PowerShell also accepts (U+2013..U+2015); 0 when there is none.
std::size_t DashAt(std::string_view text, std::size_t i) {
  if (i >= text.size()) return 0;
  if (text[i] == '-' || text[i] == '/') return 1;
  if (text.substr(i, 2) == "\xE2\x80" && i + 2 < text.size() && static_cast<std::uint8_t>(text[i + 2]) >= 0x93 &&
      static_cast<std::uint8_t>(text[i + 2]) <= 0x95) {
    return 3;
  }
  return 0;
}

bool IsBoundary(std::string_view text, std::size_t i) {
  if (i == 0) return true;
  const char c = text[i - 1];
  return c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '\n' || c == '\r' || c == '(' || c == ',';
}

bool IsEncodedCommandOption(std::string_view name) {
  constexpr std::string_view kFull = "encodedcommand";
  return name == "ec" || (!name.empty() && name[0] == 'e' && kFull.starts_with(name));
}

// Standard Windows 10 values, used only for substring and replace expansions: obfuscated batch
// files cut letters out of them (%ComSpec:~-16,1% is "w"), while %WINDIR% in a path is left as
// written.
const std::unordered_map<std::string, std::string>& DefaultEnvironment() {
  static const std::unordered_map<std::string, std::string> kDefaults = {
      {"comspec", "C:\\Windows\\system32\\cmd.exe"},
      {"public", "C:\\Users\\Public"},
      {"programdata", "C:\\ProgramData"},
      {"allusersprofile", "C:\\ProgramData"},
      {"windir", "C:\\Windows"},
      {"systemroot", "C:\\Windows"},
      {"systemdrive", "C:"},
      {"programfiles", "C:\\Program Files"},
      {"programfiles(x86)", "C:\\Program Files (x86)"},
      {"commonprogramfiles", "C:\\Program Files\\Common Files"},
      {"os", "Windows_NT"},
      {"pathext", ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC"},
      {"processor_architecture", "AMD64"},
  };
  return kDefaults;
}

// %name:~start,length% on `value`.
std::string Substring(const std::string& value, std::string_view spec) {
  const auto size = static_cast<std::int64_t>(value.size());
  auto parse = [](std::string_view s, std::int64_t* out) {
    if (s.empty() || s.size() > 12) return false;
    std::size_t i = 0;
    bool negative = false;
    if (s[0] == '-') {
      negative = true;
      i = 1;
    }
    if (i >= s.size()) return false;
    std::int64_t v = 0;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    *out = negative ? -v : v;
    return true;
  };
  const std::size_t comma = spec.find(',');
  std::int64_t start = 0;
  if (!parse(spec.substr(0, comma), &start)) return {};
  if (start < 0) start += size;
  start = std::clamp<std::int64_t>(start, 0, size);
  std::int64_t end = size;
  if (comma != std::string_view::npos) {
    std::int64_t length = 0;
    if (!parse(spec.substr(comma + 1), &length)) return {};
    end = length < 0 ? size + length : start + length;
  }
  end = std::clamp<std::int64_t>(end, start, size);
  return value.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start));
}

class BatchExpander {
 public:
  explicit BatchExpander(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  std::size_t Run(std::string_view text, std::string* out) {
    std::string result;
    result.reserve(text.size());
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t end = text.find('\n', start);
      const bool last = end == std::string_view::npos;
      if (last) end = text.size();
      std::string_view line = text.substr(start, end - start);
      // CRLF files: the CR is not part of the last variable's value.
      const bool carriage_return = !line.empty() && line.back() == '\r';
      if (carriage_return) line.remove_suffix(1);
      ExpandLine(line, &result);
      if (carriage_return) result.push_back('\r');
      if (result.size() > max_bytes_) return 0;
      if (last) break;
      result.push_back('\n');
      start = end + 1;
    }
    if (expansions_ > 0) *out = std::move(result);
    return expansions_;
  }

 private:
  // Segments split at unquoted & and |: each is expanded with the variables set before it.
  void ExpandLine(std::string_view line, std::string* result) {
    bool quoted = false;
    std::size_t segment_start = 0;
    for (std::size_t i = 0; i <= line.size(); ++i) {
      const bool end = i == line.size();
      if (!end && line[i] == '"') quoted = !quoted;
      if (end || (!quoted && (line[i] == '&' || line[i] == '|'))) {
        std::string segment = Expand(line.substr(segment_start, i - segment_start));
        RecordSet(segment);
        *result += segment;
        if (!end) result->push_back(line[i]);
        segment_start = i + 1;
      }
    }
  }

  std::optional<std::string> Lookup(const std::string& name, bool with_modifier) const {
    auto it = variables_.find(name);
    if (it != variables_.end()) return it->second;
    if (with_modifier) {
      auto d = DefaultEnvironment().find(name);
      if (d != DefaultEnvironment().end()) return d->second;
    }
    return std::nullopt;
  }

  std::string Expand(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if ((c != '%' && c != '!') || i + 1 >= text.size()) {
        out.push_back(c);
        continue;
      }
      const char next = text[i + 1];
      if (c == '%' && (next == '%' || next == '~' || next == '*' || (next >= '0' && next <= '9'))) {
        // %% (a for variable in a batch file), %1, %*, %~dp0: arguments, not variables.
        out.push_back(c);
        out.push_back(next);
        ++i;
        continue;
      }
      const std::size_t close = text.find(c, i + 1);
      if (close == std::string_view::npos) {
        out.push_back(c);
        continue;
      }
      const std::string_view inside = text.substr(i + 1, close - i - 1);
      const std::size_t colon = inside.find(':');
      const std::string name = AsciiLower(inside.substr(0, colon));
      auto value = Lookup(name, colon != std::string_view::npos);
      if (!value || name.empty()) {
        out.push_back(c);
        continue;
      }
      std::string expanded = *value;
      if (colon != std::string_view::npos) {
        const std::string_view modifier = inside.substr(colon + 1);
        if (!modifier.empty() && modifier[0] == '~') {
          expanded = Substring(*value, modifier.substr(1));
        } else if (const std::size_t eq = modifier.find('='); eq != std::string_view::npos && eq > 0) {
          std::string_view from = modifier.substr(0, eq);
          const std::string_view to = modifier.substr(eq + 1);
          if (from[0] == '*') {
            // %var:*text=new%: everything up to and including the first "text" is replaced.
            from.remove_prefix(1);
            const std::size_t hit = FindIgnoreCase(*value, from);
            expanded = hit == std::string::npos || from.empty()
                           ? *value
                           : std::string(to) + value->substr(hit + from.size());
          } else {
            expanded = ReplaceAll(*value, from, to, true);
          }
        } else {
          out.push_back(c);
          continue;
        }
      }
      out += expanded;
      ++expansions_;
      i = close;
      if (out.size() > max_bytes_) break;
    }
    return out;
  }

  // Records `set name=value` and `set "name=value"` (not set /a or set /p) in a segment.
  void RecordSet(std::string_view segment) {
    std::size_t i = 0;
    while (i < segment.size() && (segment[i] == ' ' || segment[i] == '\t' || segment[i] == '@' || segment[i] == '(')) ++i;
    if (!StartsWithIgnoreCase(segment.substr(i), "set") || i + 3 >= segment.size() ||
        !(segment[i + 3] == ' ' || segment[i + 3] == '\t')) {
      return;
    }
    i += 4;
    while (i < segment.size() && (segment[i] == ' ' || segment[i] == '\t')) ++i;
    if (i >= segment.size() || segment[i] == '/') return;
    std::string_view assignment = segment.substr(i);
    if (assignment[0] == '"') {
      const std::size_t close = assignment.rfind('"');
      assignment = close == 0 ? assignment.substr(1) : assignment.substr(1, close - 1);
    }
    const std::size_t eq = assignment.find('=');
    if (eq == std::string_view::npos || eq == 0) return;
    const std::string name = AsciiLower(assignment.substr(0, eq));
    std::string value(assignment.substr(eq + 1));
    if (value.size() > kMaxVariableBytes) return;
    if (variables_.size() >= kMaxVariables && variables_.count(name) == 0) return;
    variables_[name] = std::move(value);
  }

  std::size_t max_bytes_;
  std::size_t expansions_ = 0;
  std::unordered_map<std::string, std::string> variables_;
};

// The end of a PowerShell command handed over on a command line: a quoted argument ends at its
// closing quote; otherwise the rest of the line (less a quote that closes an outer cmd quote).
std::string CommandText(std::string_view rest) {
  const std::size_t eol = rest.find('\n');
  if (eol != std::string_view::npos) rest = rest.substr(0, eol);
  while (!rest.empty() && (rest.back() == '\r' || rest.back() == ' ')) rest.remove_suffix(1);
  std::string code;
  if (!rest.empty() && rest[0] == '"') {
    for (std::size_t i = 1; i < rest.size(); ++i) {
      if (rest[i] == '\\' && i + 1 < rest.size() && rest[i + 1] == '"') {
        code.push_back('"');
        ++i;
      } else if (rest[i] == '"') {
        break;
      } else {
        code.push_back(rest[i]);
      }
    }
    return code;
  }
  if (std::count(rest.begin(), rest.end(), '"') % 2 == 1 && rest.back() == '"') rest.remove_suffix(1);
  return ReplaceAll(rest, "\\\"", "\"", false);
}

// The PowerShell code after the options that follow "powershell" at `at` (just past the name).
std::optional<std::string> PowerShellCommandAfter(std::string_view text, std::size_t at) {
  std::size_t i = at;
  constexpr std::size_t kMaxOptions = 32;
  for (std::size_t options = 0; options < kMaxOptions; ++options) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i >= text.size() || text[i] == '\n' || text[i] == '\r') return std::nullopt;
    const std::size_t dash = DashAt(text, i);
    if (dash == 0) return CommandText(text.substr(i));  // arguments without an option are -Command
    std::size_t j = i + dash;
    while (j < text.size() && (IsAsciiLetter(text[j]) || text[j] == '_')) ++j;
    const std::string name = AsciiLower(text.substr(i + dash, j - i - dash));
    if (j < text.size() && text[j] == ':') ++j;
    i = j;
    if (name.empty()) return std::nullopt;
    if (name[0] == 'c' && std::string_view("command").starts_with(name)) {
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
      return CommandText(text.substr(i));
    }
    if (IsEncodedCommandOption(name) || std::string_view("file").starts_with(name)) return std::nullopt;
    const bool takes_value = (name.size() >= 2 && std::string_view("executionpolicy").starts_with(name)) ||
                             name == "ep" || std::string_view("windowstyle").starts_with(name) ||
                             std::string_view("version").starts_with(name) ||
                             (name.size() >= 2 && std::string_view("inputformat").starts_with(name)) ||
                             std::string_view("outputformat").starts_with(name) ||
                             (name.size() >= 2 && std::string_view("psconsolefile").starts_with(name)) ||
                             (name.size() >= 4 && std::string_view("configurationname").starts_with(name)) ||
                             name == "wd" || (name.size() >= 2 && std::string_view("workingdirectory").starts_with(name));
    if (takes_value) {
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
      if (i < text.size() && text[i] == '"') {
        const std::size_t close = text.find('"', i + 1);
        i = close == std::string_view::npos ? text.size() : close + 1;
      } else {
        while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\n') ++i;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::size_t RemoveCarets(std::string_view text, std::string* out) {
  std::string result;
  result.reserve(text.size());
  std::size_t removed = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') quoted = false;
    if (c == '"') quoted = !quoted;
    if (c == '^' && !quoted && i + 1 < text.size()) {
      ++removed;
      const char next = text[i + 1];
      if (next == '\r' && i + 2 < text.size() && text[i + 2] == '\n') {
        i += 2;  // ^ at the end of a line continues it
      } else if (next == '\n') {
        i += 1;
      } else {
        result.push_back(next);
        ++i;
      }
      continue;
    }
    result.push_back(c);
  }
  if (removed > 0) *out = std::move(result);
  return removed;
}

std::size_t ExpandBatchVariables(std::string_view text, std::size_t max_bytes, std::string* out) {
  if (text.find('%') == std::string_view::npos && text.find('!') == std::string_view::npos) return 0;
  return BatchExpander(max_bytes).Run(text, out);
}

void FindEncodedCommands(std::string_view text, std::size_t max_found, std::vector<Extracted>* found) {
  std::size_t added = 0;
  for (std::size_t i = 0; i < text.size() && added < max_found; ++i) {
    const std::size_t dash = DashAt(text, i);
    if (dash == 0 || !IsBoundary(text, i)) continue;
    std::size_t j = i + dash;
    while (j < text.size() && IsAsciiLetter(text[j])) ++j;
    const std::string name = AsciiLower(text.substr(i + dash, j - i - dash));
    if (!IsEncodedCommandOption(name)) continue;
    if (j >= text.size() || !(text[j] == ' ' || text[j] == '\t' || text[j] == ':')) continue;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t' || text[j] == ':')) ++j;
    if (j < text.size() && (text[j] == '"' || text[j] == '\'')) ++j;
    std::size_t k = j;
    while (k < text.size() && IsBase64Char(text[k])) ++k;
    if (k - j < kMinBase64Command) continue;
    auto bytes = DecodeBase64(text.substr(j, k - j), kMinBase64Command);
    if (!bytes) continue;
    auto decoded = Utf16LeAsText(*bytes);
    if (!decoded) continue;
    found->push_back({Language::kPowerShell, std::move(*decoded), "encoded_command"});
    ++added;
    i = k;
  }
}

void FindEmbeddedCommands(std::string_view text, std::size_t max_found, std::vector<Extracted>* found) {
  std::size_t added = 0;
  for (std::string_view program : {"powershell", "pwsh"}) {
    for (std::size_t at = FindIgnoreCase(text, program); at != std::string_view::npos && added < max_found;
         at = FindIgnoreCase(text, program, at + program.size())) {
      std::size_t end = at + program.size();
      // "WindowsPowerShell" is a folder, not the program.
      if (at > 0 && IsAsciiLetter(text[at - 1])) continue;
      if (StartsWithIgnoreCase(text.substr(end), ".exe")) end += 4;
      if (end < text.size() && text[end] == '"') ++end;
      if (end < text.size() && !(text[end] == ' ' || text[end] == '\t')) continue;
      auto code = PowerShellCommandAfter(text, end);
      if (!code || code->size() < kMinEmbeddedCommand) continue;
      found->push_back({Language::kPowerShell, std::move(*code), "embedded_command"});
      ++added;
    }
  }
  for (std::size_t at = FindIgnoreCase(text, "mshta"); at != std::string_view::npos && added < max_found;
       at = FindIgnoreCase(text, "mshta", at + 5)) {
    std::size_t i = at + 5;
    if (StartsWithIgnoreCase(text.substr(i), ".exe")) i += 4;
    if (i < text.size() && text[i] == '"') ++i;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '"')) ++i;
    for (auto [scheme, language] : {std::pair{std::string_view("vbscript:"), Language::kVbScript},
                                    std::pair{std::string_view("javascript:"), Language::kJScript}}) {
      if (!StartsWithIgnoreCase(text.substr(i), scheme)) continue;
      std::string_view rest = text.substr(i + scheme.size());
      const std::size_t eol = rest.find('\n');
      if (eol != std::string_view::npos) rest = rest.substr(0, eol);
      while (!rest.empty() && (rest.back() == '\r' || rest.back() == ' ')) rest.remove_suffix(1);
      if (std::count(rest.begin(), rest.end(), '"') % 2 == 1 && !rest.empty() && rest.back() == '"') {
        rest.remove_suffix(1);
      }
      if (rest.size() >= kMinEmbeddedCommand) {
        found->push_back({language, std::string(rest), "embedded_command"});
        ++added;
      }
    }
  }
}

void FindScriptBlocks(std::string_view html, std::size_t max_found, std::size_t max_bytes,
                      std::vector<Extracted>* found) {
  std::size_t added = 0;
  for (std::size_t at = FindIgnoreCase(html, "<script"); at != std::string_view::npos && added < max_found;) {
    const std::size_t tag_end = html.find('>', at);
    if (tag_end == std::string_view::npos) break;
    const std::string attributes = AsciiLower(html.substr(at, tag_end - at));
    std::size_t close = FindIgnoreCase(html, "</script", tag_end);
    if (close == std::string_view::npos) close = html.size();
    std::string_view body = html.substr(tag_end + 1, close - tag_end - 1);
    // CDATA wrappers of Windows Script Files.
    const std::size_t cdata = body.find("<![CDATA[");
    if (cdata != std::string_view::npos) {
      body = body.substr(cdata + 9);
      const std::size_t cdata_end = body.rfind("]]>");
      if (cdata_end != std::string_view::npos) body = body.substr(0, cdata_end);
    }
    const bool vbscript = attributes.find("vbscript") != std::string::npos || attributes.find("vbs") != std::string::npos;
    const Language language = vbscript ? Language::kVbScript : Language::kJScript;
    const bool encoded = attributes.find(".encode") != std::string::npos;
    std::string code;
    std::string kind = "script_block";
    if (encoded) {
      auto block = DecodeScriptEncoderBlock(body, 0, max_bytes);
      if (block) {
        code = std::move(block->decoded);
        kind = "script_encoder";
      }
    }
    if (code.empty()) code = std::string(body);
    const bool blank = std::all_of(code.begin(), code.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
    if (!blank) {
      found->push_back({language, std::move(code), kind});
      ++added;
    }
    at = close >= html.size() ? std::string_view::npos : FindIgnoreCase(html, "<script", close);
  }
}

}  // namespace kensa::script::internal
