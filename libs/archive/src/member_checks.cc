#include "member_checks.h"

#include <algorithm>
#include <array>

#include "kensa/strings/string_extractor.h"

namespace kensa::archive {
namespace {

// What Windows executes or hands to a script host on a double click. Attachment filters in
// mail gateways block the same list (Outlook's Level 1 attachments).
constexpr std::array<std::string_view, 26> kExecutableExtensions = {
    "exe", "scr", "com",  "pif", "cpl", "dll", "msi",       "msp",        "bat",
    "cmd", "ps1", "psm1", "vbs", "vbe", "js",  "jse",       "wsf",        "wsh",
    "wsc", "hta", "jar",  "reg", "sct", "msc", "appref-ms", "application"};

// Extensions a lure shows before the real one: documents, pictures, media, archives.
constexpr std::array<std::string_view, 30> kLureExtensions = {
    "pdf", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx", "rtf",
    "txt", "csv", "htm",  "html", "jpg", "jpeg", "png",  "gif", "bmp",  "tif",
    "mp3", "mp4", "avi",  "mov",  "wav", "zip",  "rar",  "7z",  "one",  "odt"};

constexpr std::array<std::string_view, 18> kArchiveExtensions = {
    "zip", "7z",  "rar", "gz",   "tgz", "bz2", "xz",  "tar", "cab",
    "iso", "img", "vhd", "vhdx", "arj", "lzh", "ace", "z",   "zst"};

template <std::size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string_view LastComponent(std::string_view name) {
  const auto slash = name.find_last_of("/\\");
  return slash == std::string_view::npos ? name : name.substr(slash + 1);
}

// Length of the UTF-8 sequence starting with `lead` and whether the following bytes complete a
// valid one (RFC 3629 section 4: no overlongs, no surrogates, nothing above U+10FFFF).
std::size_t Utf8SequenceLength(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char min_second = 0x80;
  unsigned char max_second = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;
    if (lead == 0xED) max_second = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;
    if (lead == 0xF4) max_second = 0x8F;
  } else {
    return 0;
  }
  if (text.size() - i < length) return 0;
  if (byte(i + 1) < min_second || byte(i + 1) > max_second) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  return length;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = Utf8SequenceLength(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::string DecodeMemberName(std::string_view raw) {
  if (IsValidUtf8(raw)) return std::string(raw);
  return strings::Cp932ToUtf8(raw);
}

std::string TruncateUtf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

bool IsPathTraversal(std::string_view name) {
  if (name.empty()) return false;
  if (name[0] == '/' || name[0] == '\\') return true;
  const bool drive_letter =
      name.size() >= 2 && name[1] == ':' &&
      ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z'));
  if (drive_letter) return true;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t end = std::min(name.find_first_of("/\\", start), name.size());
    if (name.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

std::string LowerExtension(std::string_view name) {
  const std::string_view base = LastComponent(name);
  const auto dot = base.rfind('.');
  if (dot == std::string_view::npos) return "";
  return AsciiLower(base.substr(dot + 1));
}

std::optional<std::string> DoubleExtension(std::string_view name) {
  const std::string_view base = LastComponent(name);
  const std::string last = LowerExtension(base);
  if (!IsExecutableExtension(last) && last != "lnk") return std::nullopt;
  std::string_view rest = base.substr(0, base.size() - last.size() - 1);
  // Spaces before the real extension push it out of view in Explorer's name column.
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  const auto dot = rest.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  const std::string shown = AsciiLower(rest.substr(dot + 1));
  if (!Contains(kLureExtensions, shown)) return std::nullopt;
  return shown + "." + last;
}

bool HasRightToLeftOverride(std::string_view name) {
  return name.find("\xE2\x80\xAE") != std::string_view::npos;
}

bool IsExecutableExtension(std::string_view lower_extension) {
  return Contains(kExecutableExtensions, lower_extension);
}

bool IsArchiveExtension(std::string_view lower_extension) {
  return Contains(kArchiveExtensions, lower_extension);
}

}  // namespace kensa::archive
