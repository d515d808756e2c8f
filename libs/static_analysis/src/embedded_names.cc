#include "embedded_names.h"

#include <algorithm>

#include "kensa/core/bytes.h"
#include "kensa/strings/string_extractor.h"

namespace kensa::static_analysis {
namespace {

// Child file names: long enough for any real name, short enough for every file system.
constexpr std::size_t kMaxChildName = 200;

}  // namespace

std::string AnsiToUtf8(std::string_view text, std::uint32_t code_page) {
  // kensa::IsValidUtf8 is protobuf's rule: no overlong forms, surrogates or code points past
  // U+10FFFF (a looser check let "\xED\xA0\x80" through, and the result did not serialize).
  if (IsValidUtf8(text)) return std::string(text);
  if (code_page == 932) return strings::Cp932ToUtf8(text);
  std::string out;
  for (char c : text) AppendUtf8(out, static_cast<std::uint8_t>(c));
  return out;
}

std::string FileNameOf(const std::string& path) {
  const auto slash = path.find_last_of("/\\");
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  name.erase(std::remove_if(name.begin(), name.end(),
                            [](char c) { return static_cast<std::uint8_t>(c) < 0x20 || c == ':'; }),
             name.end());
  if (name.size() > kMaxChildName) {
    std::size_t cut = kMaxChildName;
    while (cut > 0 && (static_cast<std::uint8_t>(name[cut]) & 0xC0) == 0x80) --cut;
    name.resize(cut);
  }
  if (name == "." || name == "..") return {};
  return name;
}

}  // namespace kensa::static_analysis
