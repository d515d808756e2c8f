#include "word_fields.h"

#include <algorithm>
#include <array>

#include "kensa/core/bytes.h"

namespace kensa::static_analysis {
namespace {

constexpr std::array<std::string_view, 3> kIncludeFields = {"includepicture", "includetext",
                                                            "import"};

}  // namespace

WordField ParseWordField(std::string_view raw_code) {
  const std::string_view code = TrimSpaces(raw_code);
  std::size_t name_end = 0;
  while (name_end < code.size() && code[name_end] != ' ' && code[name_end] != '\t' &&
         code[name_end] != '"') {
    ++name_end;
  }
  WordField field;
  field.name = AsciiLower(code.substr(0, name_end));
  const std::string_view arguments = TrimSpaces(code.substr(name_end));
  // Field arguments double the backslash: "c:\\windows\\system32\\cmd.exe".
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    field.command.push_back(arguments[i]);
    if (arguments[i] == '\\' && i + 1 < arguments.size() && arguments[i + 1] == '\\') ++i;
  }
  return field;
}

bool IsDdeField(std::string_view name) { return name == "dde" || name == "ddeauto"; }

bool IsIncludeField(std::string_view name) {
  return std::find(kIncludeFields.begin(), kIncludeFields.end(), name) != kIncludeFields.end();
}

std::string_view FieldTarget(std::string_view command) {
  std::string_view target = TrimSpaces(command);
  if (target.starts_with('"')) {
    target.remove_prefix(1);
    return target.substr(0, target.find('"'));
  }
  return target.substr(0, target.find(' '));
}

std::string TargetKind(std::string_view target) {
  const std::string lower = AsciiLower(TrimSpaces(target));
  std::string_view text = lower;
  if (text.starts_with("\\\\") || text.starts_with("//")) return "unc";
  if (text.starts_with("file:")) {
    text.remove_prefix(5);
    std::size_t slashes = 0;
    while (slashes < text.size() && (text[slashes] == '/' || text[slashes] == '\\')) ++slashes;
    const std::string_view rest = text.substr(slashes);
    const bool drive = rest.size() >= 2 && rest[0] >= 'a' && rest[0] <= 'z' && rest[1] == ':';
    if (drive) return "local_file";
    // file:///\\host\share (Office's own form), file://host/share, file:////host/share.
    if (slashes >= 2 && !rest.empty() && !rest.starts_with("localhost")) return "unc";
    return "local_file";
  }
  if (text.size() >= 2 && text[0] >= 'a' && text[0] <= 'z' && text[1] == ':' &&
      (text.size() == 2 || text[2] == '\\' || text[2] == '/')) {
    return "local_file";
  }
  if (text.starts_with("http://") || text.starts_with("https://")) return "http";
  if (text.starts_with("ftp://")) return "ftp";
  if (text.starts_with("mailto:")) return "mailto";
  // RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" (mhtml:, ms-msdt:).
  const auto colon = text.find(':');
  if (colon != std::string_view::npos && colon >= 2 && text[0] >= 'a' && text[0] <= 'z') {
    const bool scheme =
        std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
                 c == '.';
        });
    if (scheme) return "other_scheme";
  }
  return "relative";
}


bool IsRemoteKind(std::string_view kind) {
  return kind == "http" || kind == "ftp" || kind == "unc" || kind == "other_scheme";
}

std::string_view TrimSpaces(std::string_view text) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace kensa::static_analysis
