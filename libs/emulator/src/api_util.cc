#include "api_util.h"

#include <cstdio>
#include <cstring>

namespace kensa::emulator::internal {

std::uint32_t ProtFromPage(std::uint32_t page) {
  switch (page & 0xFF) {
    case 0x01: return 0;                                    // PAGE_NOACCESS
    case 0x02: return kProtRead;                            // PAGE_READONLY
    case 0x04: case 0x08: return kProtRead | kProtWrite;    // READWRITE, WRITECOPY
    case 0x10: return kProtExec;                            // PAGE_EXECUTE
    case 0x20: return kProtRead | kProtExec;                // EXECUTE_READ
    case 0x40: case 0x80: return kProtAll;                  // EXECUTE_READWRITE/WRITECOPY
    default: return kProtRead | kProtWrite;
  }
}

std::uint32_t PageFromProt(std::uint32_t prot) {
  switch (prot & kProtAll) {
    case 0: return 0x01;
    case kProtRead: return 0x02;
    case kProtRead | kProtWrite: return 0x04;
    case kProtExec: return 0x10;
    case kProtRead | kProtExec: return 0x20;
    default: return 0x40;
  }
}

bool PageIsExecutable(std::uint32_t page) { return (page & 0xF0) != 0; }

std::string EnvironmentVariable(Machine& m, std::string_view name) {
  const std::string key = AsciiLower(name);
  std::uint64_t at = m.environment_block(false);
  for (int i = 0; i < 256; ++i) {
    const std::string entry = m.ReadAnsi(at, 1024);
    if (entry.empty()) break;
    const std::size_t eq = entry.find('=');
    if (eq != std::string::npos && AsciiLower(entry.substr(0, eq)) == key) {
      return entry.substr(eq + 1);
    }
    at += entry.size() + 1;
  }
  return {};
}

std::string ExpandEnvironment(Machine& m, std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t open = text.find('%', i);
    if (open == std::string_view::npos) break;
    const std::size_t close = text.find('%', open + 1);
    if (close == std::string_view::npos) break;
    out.append(text.substr(i, open - i));
    const std::string value = EnvironmentVariable(m, text.substr(open + 1, close - open - 1));
    if (value.empty()) {
      out.append(text.substr(open, close - open + 1));
    } else {
      out += value;
    }
    i = close + 1;
  }
  out.append(text.substr(std::min(i, text.size())));
  return out;
}

std::string TempDirectory(Machine& m) {
  return "C:\\Users\\" + m.options().environment.user_name + "\\AppData\\Local\\Temp\\";
}

std::string FullPath(Machine& m, std::string_view path) {
  std::string p = ExpandEnvironment(m, path);
  for (char& c : p) {
    if (c == '/') c = '\\';
  }
  if (p.rfind("\\??\\", 0) == 0 || p.rfind("\\\\?\\", 0) == 0) p = p.substr(4);
  if (p.size() >= 2 && p[1] == ':') return p;
  if (p.rfind("\\\\", 0) == 0) return p;  // UNC
  if (!p.empty() && p[0] == '\\') return "C:" + p;
  return "C:\\Users\\" + m.options().environment.user_name + "\\Desktop\\" + p;
}

std::uint64_t WriteStringResult(ApiInvocation& inv, std::uint64_t buffer, std::uint64_t capacity,
                                std::string_view value) {
  const std::size_t units = inv.wide ? inv.m.EncodeAnsi(value).size() : inv.m.EncodeAnsi(value).size();
  if (buffer == 0 || capacity <= units) return units + 1;
  if (inv.wide) return inv.m.WriteWide(buffer, value, capacity);
  return inv.m.WriteAnsi(buffer, value, capacity);
}

std::size_t WriteStringUnbounded(ApiInvocation& inv, std::uint64_t buffer, std::string_view value) {
  if (inv.wide) return 2 * (inv.m.WriteWide(buffer, value, value.size() * 2 + 1) + 1);
  return inv.m.WriteAnsi(buffer, value, value.size() * 4 + 1) + 1;
}

bool WildcardMatch(std::string_view pattern, std::string_view name) {
  // Iterative matcher with one backtrack point: linear in practice, bounded by both lengths.
  std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  auto lower = [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); };
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || lower(pattern[p]) == lower(name[n]))) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && (pattern[p] == '*' || pattern[p] == '.')) ++p;
  return p == pattern.size();
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string ToUtf16Le(std::string_view utf8) {
  std::string out;
  for (std::size_t i = 0; i < utf8.size();) {
    const unsigned char c = static_cast<unsigned char>(utf8[i]);
    std::uint32_t cp = c;
    std::size_t n = 1;
    if (c >= 0xF0 && i + 3 < utf8.size() + 0) { cp = c & 0x07u; n = 4; }
    else if (c >= 0xE0) { cp = c & 0x0Fu; n = 3; }
    else if (c >= 0xC0) { cp = c & 0x1Fu; n = 2; }
    for (std::size_t k = 1; k < n && i + k < utf8.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3Fu);
    }
    i += n;
    auto put = [&out](std::uint32_t unit) {
      out.push_back(static_cast<char>(unit & 0xFF));
      out.push_back(static_cast<char>((unit >> 8) & 0xFF));
    };
    if (cp >= 0x10000) {
      cp -= 0x10000;
      put(0xD800 + (cp >> 10));
      put(0xDC00 + (cp & 0x3FF));
    } else {
      put(cp);
    }
  }
  return out;
}

std::string FromUtf16Le(std::string_view utf16) {
  std::string out;
  for (std::size_t i = 0; i + 1 < utf16.size(); i += 2) {
    std::uint32_t u = static_cast<unsigned char>(utf16[i]) | (static_cast<std::uint32_t>(static_cast<unsigned char>(utf16[i + 1])) << 8);
    if (u == 0) break;
    if (u >= 0xD800 && u < 0xDC00 && i + 3 < utf16.size()) {
      const std::uint32_t lo = static_cast<unsigned char>(utf16[i + 2]) |
                               (static_cast<std::uint32_t>(static_cast<unsigned char>(utf16[i + 3])) << 8);
      if (lo >= 0xDC00 && lo < 0xE000) {
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        i += 2;
      }
    }
    AppendUtf8(out, u);
  }
  return out;
}

std::string FormatGuest(Machine& m, std::string_view format, bool wide,
                        const std::function<std::uint64_t()>& next_arg) {
  // Bounded output: a format string cannot make the host allocate without limit.
  constexpr std::size_t kMaxOutput = 64 * 1024;
  std::string out;
  for (std::size_t i = 0; i < format.size() && out.size() < kMaxOutput; ++i) {
    if (format[i] != '%') {
      out.push_back(format[i]);
      continue;
    }
    std::string spec = "%";
    ++i;
    while (i < format.size() && std::strchr("-+ #0", format[i]) != nullptr) spec.push_back(format[i++]);
    auto number = [&]() {
      if (i < format.size() && format[i] == '*') {
        spec += std::to_string(static_cast<std::int32_t>(next_arg()));
        ++i;
        return;
      }
      while (i < format.size() && format[i] >= '0' && format[i] <= '9' && spec.size() < 12) spec.push_back(format[i++]);
    };
    number();
    if (i < format.size() && format[i] == '.') {
      spec.push_back(format[i++]);
      number();
    }
    int longs = 0;
    bool half = false;
    bool wide_arg = wide;
    bool size_t_arg = false;
    while (i < format.size()) {
      const char c = format[i];
      if (c == 'l') { ++longs; wide_arg = true; ++i; }
      else if (c == 'h') { half = true; wide_arg = false; ++i; }
      else if (c == 'w') { wide_arg = true; ++i; }  // MSVC's %ws / %wc: a wide argument
      else if (c == 'z' || c == 'j' || c == 't') { size_t_arg = true; ++i; }
      else if (c == 'I' && format.substr(i, 3) == "I64") { longs = 2; i += 3; }
      else if (c == 'I' && format.substr(i, 3) == "I32") { i += 3; }
      else if (c == 'I') { size_t_arg = true; ++i; }
      else break;
    }
    if (i >= format.size()) break;
    const char conv = format[i];
    char buffer[128];
    auto integer = [&]() -> std::uint64_t {
      std::uint64_t v = next_arg();
      if (longs >= 2 && !m.x64()) v = (v & 0xFFFFFFFFu) | (next_arg() << 32);
      else if (longs < 2 && !(size_t_arg && m.x64())) v &= 0xFFFFFFFFu;
      return v;
    };
    switch (conv) {
      case '%': out.push_back('%'); break;
      case 'd': case 'i': {
        std::uint64_t v = integer();
        std::int64_t s = (longs >= 2 || (size_t_arg && m.x64())) ? static_cast<std::int64_t>(v)
                                                                 : static_cast<std::int32_t>(v);
        std::snprintf(buffer, sizeof(buffer), (spec + "lld").c_str(), static_cast<long long>(s));
        out += buffer;
        break;
      }
      case 'u': case 'x': case 'X': case 'o': {
        std::uint64_t v = integer();
        if (half) v &= 0xFFFF;
        std::snprintf(buffer, sizeof(buffer), (spec + "ll" + conv).c_str(), static_cast<unsigned long long>(v));
        out += buffer;
        break;
      }
      case 'p': {
        std::snprintf(buffer, sizeof(buffer), m.x64() ? "%016llX" : "%08llX",
                      static_cast<unsigned long long>(next_arg()));
        out += buffer;
        break;
      }
      case 'c': case 'C': {
        const std::uint64_t v = next_arg() & 0xFFFF;
        AppendUtf8(out, static_cast<std::uint32_t>(v == 0 ? '?' : v));
        break;
      }
      case 's': case 'S': {
        const std::uint64_t p = next_arg();
        const bool w = conv == 'S' ? !wide_arg : wide_arg;
        std::string s = p == 0 ? "(null)" : (w ? m.ReadWide(p) : m.ReadAnsi(p));
        std::snprintf(buffer, sizeof(buffer), (spec + "s").c_str(), "");
        // Width and precision apply to the text: recompute with the real string.
        std::string formatted(s.size() + 64, '\0');
        const int n = std::snprintf(formatted.data(), formatted.size(), (spec + "s").c_str(), s.c_str());
        if (n > 0) formatted.resize(std::min<std::size_t>(static_cast<std::size_t>(n), formatted.size() - 1));
        out += formatted;
        break;
      }
      case 'f': case 'e': case 'g': case 'E': case 'G': case 'a': {
        std::uint64_t bits = next_arg();
        if (!m.x64()) bits = (bits & 0xFFFFFFFFu) | (next_arg() << 32);
        double d = 0;
        std::memcpy(&d, &bits, sizeof(d));
        std::snprintf(buffer, sizeof(buffer), (spec + conv).c_str(), d);
        out += buffer;
        break;
      }
      case 'n': next_arg(); break;  // never written: %n is an exploit primitive, not output
      default: out.push_back(conv); break;
    }
  }
  if (out.size() > kMaxOutput) out.resize(kMaxOutput);
  return out;
}

}  // namespace kensa::emulator::internal
