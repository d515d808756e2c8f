// URL, DOMAIN, IPV4, IPV6 and EMAIL scanners. See indicator_extractor.h for the rules and why.

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "scanners.h"

namespace kensa::indicators::internal {
namespace {

using analysis::v1::IndicatorType;

// DNS: a name is at most 253 characters (RFC 1035 section 2.3.4 with the dots); a token
// longer than this is not worth normalizing.
constexpr std::size_t kMaxHostLength = 253;
constexpr std::size_t kMaxLabelLength = 63;
// RFC 5321 section 4.5.3.1.1: a local part is at most 64 octets.
constexpr std::size_t kMaxLocalPartLength = 64;
// The longest IPv6 text form ("ffff:...:255.255.255.255") is 45 characters.
constexpr std::size_t kMaxIpv6Length = 45;

// Top-level domains that are also common file extensions: "readme.md", "setup.zip".
constexpr std::array<std::string_view, 23> kFileExtensionTlds = {
    "ai",  "app", "cab", "cat", "cc",  "do", "dot", "java", "md", "mm", "mov", "one",
    "pid", "pl",  "ps",  "pub", "py",  "rs", "run", "sh",   "so", "zip", "ax"};

// Top-level domains that are also common property names in scripts and shaders: "this.name",
// "e.data", "x.red", "windows.media".
constexpr std::array<std::string_view, 55> kCodeWordTlds = {
    "art",     "black",  "blog",    "blue",   "book",    "bot",      "call",   "center",
    "click",   "cloud",  "data",    "date",   "design",  "dev",      "digital", "download",
    "email",   "fit",    "free",    "fun",    "green",   "guide",    "host",   "id",
    "life",    "link",   "live",    "map",    "media",   "moe",      "name",   "network",
    "new",     "next",   "now",     "open",   "page",    "pink",     "play",   "read",
    "red",     "review", "save",    "search", "show",    "site",     "space",  "store",
    "shell",   "stream", "style",   "tab",    "top",     "win",      "windows"};

// Labels in front of a file-extension or code-word TLD that mark a file name:
// "jquery.min.map", "s.dll.so".
constexpr std::array<std::string_view, 14> kFileNameInfixes = {
    "min", "tar", "bundle", "chunk", "bak", "old", "orig", "backup", "debug",
    "dll", "exe", "lib", "sys", "so"};

template <std::size_t N>
bool Contains(const std::array<std::string_view, N>& set, std::string_view value) {
  return std::find(set.begin(), set.end(), value) != set.end();
}

bool IsLabelChar(char c) { return IsAlnum(c) || c == '-' || c == '_'; }

// Length of a dot at `pos`, plain or defanged ("[.]", "(.)", "{.}", "[dot]", "(dot)"); 0 if
// there is none.
std::size_t DotLength(std::string_view text, std::size_t pos) {
  const char c = CharAt(text, pos);
  if (c == '.') return 1;
  if (c != '[' && c != '(' && c != '{') return 0;
  const char close = c == '[' ? ']' : (c == '(' ? ')' : '}');
  if (CharAt(text, pos + 1) == '.' && CharAt(text, pos + 2) == close) return 3;
  if (c != '{' && HasAtNoCase(text, pos + 1, "dot") && CharAt(text, pos + 4) == close) return 5;
  return 0;
}

// A host-name-like token: label characters and (possibly defanged) dots.
struct HostToken {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string host;  // dots restored, original case
  bool has_dot = false;
};

HostToken ReadHost(std::string_view text, std::size_t pos) {
  HostToken token;
  token.begin = pos;
  std::size_t i = pos;
  while (i < text.size()) {
    const char c = text[i];
    if (IsLabelChar(c)) {
      token.host.push_back(c);
      ++i;
      continue;
    }
    const std::size_t dot = DotLength(text, i);
    if (dot == 0) break;
    // A defanged dot only counts between labels; "foo(.)" at the end is punctuation.
    if (dot > 1 && !IsLabelChar(CharAt(text, i + dot))) break;
    token.host.push_back('.');
    token.has_dot = true;
    i += dot;
  }
  token.end = i;
  // A sentence's full stop, or leading/trailing hyphens, are not part of the name.
  while (!token.host.empty() && (token.host.back() == '.' || token.host.back() == '-')) {
    token.host.pop_back();
    --token.end;  // plain '.' or '-': one byte each (a defanged dot never ends a token)
  }
  return token;
}

// Syntax of a host name (already lower case): labels of [a-z0-9-], 1-63 long, not starting
// or ending with '-', at least two labels, an alphabetic or Punycode ("xn--") TLD.
bool IsHostName(std::string_view host) {
  if (host.size() < 3 || host.size() > kMaxHostLength) return false;
  std::size_t label_start = 0;
  std::size_t labels = 0;
  for (std::size_t i = 0; i <= host.size(); ++i) {
    if (i < host.size() && host[i] != '.') {
      const char c = host[i];
      if (!IsLower(c) && !IsDigit(c) && c != '-') return false;
      continue;
    }
    const std::size_t length = i - label_start;
    if (length == 0 || length > kMaxLabelLength) return false;
    if (host[label_start] == '-' || host[i - 1] == '-') return false;
    ++labels;
    if (i == host.size()) {
      const std::string_view tld = host.substr(label_start);
      if (!tld.starts_with("xn--") &&
          !std::all_of(tld.begin(), tld.end(), [](char ch) { return IsLower(ch); })) {
        return false;
      }
    }
    label_start = i + 1;
  }
  return labels >= 2;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ToLower(c);
  return out;
}

std::optional<std::array<std::uint8_t, 4>> ParseIpv4(std::string_view s) {
  std::array<std::uint8_t, 4> octets{};
  std::size_t part = 0;
  std::size_t i = 0;
  while (true) {
    const std::size_t start = i;
    unsigned value = 0;
    while (i < s.size() && IsDigit(s[i]) && i - start < 4) {
      value = value * 10 + static_cast<unsigned>(s[i] - '0');
      ++i;
    }
    const std::size_t digits = i - start;
    if (digits == 0 || digits > 3 || value > 255) return std::nullopt;
    if (digits > 1 && s[start] == '0') return std::nullopt;  // leading zero: octal or noise
    octets[part++] = static_cast<std::uint8_t>(value);
    if (part == 4) break;
    if (i >= s.size() || s[i] != '.') return std::nullopt;
    ++i;
  }
  if (i != s.size()) return std::nullopt;
  return octets;
}

bool IsNetmask(const std::array<std::uint8_t, 4>& ip) {
  const std::uint32_t v = (static_cast<std::uint32_t>(ip[0]) << 24) |
                          (static_cast<std::uint32_t>(ip[1]) << 16) |
                          (static_cast<std::uint32_t>(ip[2]) << 8) | ip[3];
  const std::uint32_t inverted = ~v;
  return ip[0] == 255 && (inverted & (inverted + 1)) == 0;  // ones then zeros
}

// An address that can be a network destination (see indicator_extractor.h).
bool IsReportableIpv4(const std::array<std::uint8_t, 4>& ip) {
  if (ip[0] == 0 || ip[0] == 127 || ip[0] >= 224) return false;
  // A network address ("10.0.0.0"), or a version ("6.0.0.0"): not a host to block.
  if (ip[3] == 0) return false;
  // X.500 / X.509 object identifiers with four arcs (2.5.4.3 commonName, 2.5.29.19
  // basicConstraints) sit in every binary that touches certificates.
  if (ip[0] == 2 && ip[1] == 5 && (ip[2] == 4 || ip[2] == 29)) return false;
  return !IsNetmask(ip);
}

std::string FormatIpv4(const std::array<std::uint8_t, 4>& ip) {
  return std::to_string(ip[0]) + "." + std::to_string(ip[1]) + "." + std::to_string(ip[2]) +
         "." + std::to_string(ip[3]);
}

struct Ipv6 {
  std::array<std::uint16_t, 8> groups{};
};

// RFC 4291 section 2.2 text forms. Also rejects forms that are more likely something else
// (see indicator_extractor.h): no group of three or more hex digits and no IPv4 tail.
std::optional<Ipv6> ParseIpv6(std::string_view s) {
  if (s.size() < 2 || s.size() > kMaxIpv6Length) return std::nullopt;
  const std::size_t compress = s.find("::");
  if (compress != std::string_view::npos && s.find("::", compress + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  std::array<std::uint16_t, 8> head{};
  std::array<std::uint16_t, 8> tail{};
  std::size_t head_count = 0;
  std::size_t tail_count = 0;
  std::size_t longest_group = 0;
  bool ipv4_tail = false;
  // Parses "a:b:c" (no "::") into `out`; the last part may be dotted IPv4 if allowed.
  auto parse_groups = [&](std::string_view part, std::array<std::uint16_t, 8>& out,
                          std::size_t& count, bool allow_ipv4) -> bool {
    if (part.empty()) return true;
    std::size_t start = 0;
    while (start <= part.size()) {
      std::size_t colon = part.find(':', start);
      if (colon == std::string_view::npos) colon = part.size();
      const std::string_view group = part.substr(start, colon - start);
      const bool last = colon == part.size();
      if (last && allow_ipv4 && group.find('.') != std::string_view::npos) {
        const auto v4 = ParseIpv4(group);
        if (!v4 || count + 2 > 8) return false;
        out[count++] = static_cast<std::uint16_t>(((*v4)[0] << 8) | (*v4)[1]);
        out[count++] = static_cast<std::uint16_t>(((*v4)[2] << 8) | (*v4)[3]);
        ipv4_tail = true;
        return true;
      }
      if (group.empty() || group.size() > 4 || count == 8) return false;
      unsigned value = 0;
      for (char c : group) {
        if (!IsHex(c)) return false;
        value = value * 16 + static_cast<unsigned>(IsDigit(c) ? c - '0' : ToLower(c) - 'a' + 10);
      }
      longest_group = std::max(longest_group, group.size());
      out[count++] = static_cast<std::uint16_t>(value);
      if (last) return true;
      start = colon + 1;
    }
    return true;
  };
  Ipv6 ip;
  if (compress == std::string_view::npos) {
    if (!parse_groups(s, head, head_count, true) || head_count != 8) return std::nullopt;
    ip.groups = head;
  } else {
    if (!parse_groups(s.substr(0, compress), head, head_count, false)) return std::nullopt;
    if (!parse_groups(s.substr(compress + 2), tail, tail_count, true)) return std::nullopt;
    if (head_count + tail_count > 7) return std::nullopt;
    for (std::size_t i = 0; i < head_count; ++i) ip.groups[i] = head[i];
    for (std::size_t i = 0; i < tail_count; ++i) ip.groups[8 - tail_count + i] = tail[i];
  }
  if (longest_group < 3 && !ipv4_tail) return std::nullopt;
  if (head_count + tail_count < 2) return std::nullopt;  // "::cbc": one group is no address
  return ip;
}

bool IsReportableIpv6(const Ipv6& ip) {
  const auto& g = ip.groups;
  const bool zero_head = std::all_of(g.begin(), g.begin() + 7, [](std::uint16_t v) { return v == 0; });
  if (zero_head && (g[7] == 0 || g[7] == 1)) return false;  // "::" and "::1"
  return (g[0] >> 8) != 0xFF;                              // multicast ff00::/8
}

// RFC 5952 section 4: lower case, no leading zeros, the longest run (first if tied) of two or
// more zero groups as "::"; section 5: IPv4-mapped addresses with a dotted tail.
std::string FormatIpv6(const Ipv6& ip) {
  const auto& g = ip.groups;
  static constexpr char kHex[] = "0123456789abcdef";
  auto hex = [](std::uint16_t v) {
    std::string out;
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned nibble = static_cast<unsigned>(v >> shift) & 0xFu;
      if (nibble != 0 || started || shift == 0) {
        out.push_back(kHex[nibble]);
        started = true;
      }
    }
    return out;
  };
  if (std::all_of(g.begin(), g.begin() + 5, [](std::uint16_t v) { return v == 0; }) &&
      g[5] == 0xFFFF) {
    return "::ffff:" + std::to_string(g[6] >> 8) + "." + std::to_string(g[6] & 0xFF) + "." +
           std::to_string(g[7] >> 8) + "." + std::to_string(g[7] & 0xFF);
  }
  std::size_t best_start = 8;
  std::size_t best_length = 1;
  for (std::size_t i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_length) {
      best_start = i;
      best_length = j - i;
    }
    i = j;
  }
  std::string out;
  for (std::size_t i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_length - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out.push_back(':');
    out += hex(g[i]);
  }
  return out;
}

// Whether the standalone token `original` (dots restored, original case) is a domain; the
// lower-case form is `host`.
bool AcceptStandaloneDomain(std::string_view original, std::string_view host) {
  const std::size_t last_dot = host.rfind('.');
  const std::string_view tld = host.substr(last_dot + 1);
  const std::string_view original_tld = original.substr(last_dot + 1);
  // Mixed-case identifiers: "System.Net", "WScript.Shell". Real names are written in one case.
  const bool any_lower = std::any_of(original.begin(), original.end(), IsLower);
  const bool any_upper = std::any_of(original.begin(), original.end(), IsUpper);
  if (any_lower && any_upper && std::any_of(original_tld.begin(), original_tld.end(), IsUpper)) {
    return false;
  }
  const std::size_t labels = static_cast<std::size_t>(std::count(host.begin(), host.end(), '.')) + 1;
  const bool file_extension = Contains(kFileExtensionTlds, tld);
  const bool code_word = Contains(kCodeWordTlds, tld);
  if ((file_extension || code_word) && labels >= 3) {
    const std::size_t second_dot = host.rfind('.', last_dot - 1);
    const std::string_view second = host.substr(second_dot + 1, last_dot - second_dot - 1);
    if (Contains(kFileNameInfixes, second)) return false;
  }
  if (file_extension) return labels >= 3;
  const std::string_view first = host.substr(0, host.find('.'));
  // "x.red", "tt.tt", "f.pr": one- and two-letter names are struct fields and swizzles far
  // more often than domains.
  if (labels == 2 && first.size() <= 2) return false;
  if (code_word) {
    if (labels >= 3) return true;
    return std::any_of(first.begin(), first.end(), [](char c) { return IsDigit(c) || c == '-'; });
  }
  return true;
}

// Records the host of a URL as IPV4 or DOMAIN (a public suffix alone names no one).
void RecordHost(std::string_view host, std::size_t pos, const PublicSuffixList& psl,
                std::vector<Match>& out) {
  if (const auto v4 = ParseIpv4(host)) {
    if (IsReportableIpv4(*v4)) out.push_back({IndicatorType::INDICATOR_TYPE_IPV4, FormatIpv4(*v4), pos});
    return;
  }
  if (!psl.RegistrableDomain(host)) return;
  out.push_back({IndicatorType::INDICATOR_TYPE_DOMAIN, std::string(host), pos});
}

// Characters that end a URL: controls, space, quotes, angle brackets and the other
// characters RFC 3986 never allows unescaped; non-ASCII ends it too (lures often glue
// Japanese text to a link).
bool IsUrlStop(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7F) return true;
  switch (c) {
    case '"':
    case '\'':
    case '<':
    case '>':
    case '`':
    case '\\':
    case '^':
    case '{':
    case '}':
    case '|':
      return true;
    default:
      return false;
  }
}

// "http", "hXXps", "fxp" -> the real scheme; empty when not a scheme we report.
std::string_view NormalizeScheme(std::string_view scheme) {
  const std::string lower = Lower(scheme);
  if (lower == "http" || lower == "hxxp") return "http";
  if (lower == "https" || lower == "hxxps") return "https";
  if (lower == "ftp" || lower == "fxp") return "ftp";
  if (lower == "ftps" || lower == "fxps") return "ftps";
  return {};
}

// Whether a reported scheme and its separator start at `pos` ("http://", "hxxps[:]//").
bool StartsScheme(std::string_view text, std::size_t pos) {
  const char c = ToLower(text[pos]);
  if (c != 'h' && c != 'f') return false;
  std::size_t letters = 0;
  while (letters < 5 && IsAlpha(CharAt(text, pos + letters))) ++letters;
  const std::size_t sep = pos + letters;
  if (!HasAt(text, sep, "://") && !HasAt(text, sep, "[://]") && !HasAt(text, sep, "[:]//")) {
    return false;
  }
  return !NormalizeScheme(text.substr(pos, letters)).empty();
}

void ScanUrls(std::string_view text, const PublicSuffixList& psl, Covered& covered,
              std::vector<Match>& out) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t colon = text.find(':', pos);
    if (colon == std::string_view::npos) return;
    pos = colon + 1;
    std::size_t scheme_end = colon;
    std::size_t rest = colon + 3;
    if (colon >= 1 && (HasAt(text, colon - 1, "[://]") || HasAt(text, colon - 1, "[:]//"))) {
      scheme_end = colon - 1;  // defanged separator
      rest = colon + 4;
    } else if (!HasAt(text, colon, "://")) {
      continue;
    }
    // The scheme may be glued to what precedes it (a printable length byte, "URL=" without
    // the '='), so the longest recognised scheme ending at the colon wins.
    std::size_t letters = 0;
    while (letters < scheme_end && letters < 5 && IsAlpha(text[scheme_end - letters - 1])) {
      ++letters;
    }
    std::string_view scheme;
    std::size_t scheme_begin = scheme_end;
    for (std::size_t length = letters; length >= 3 && scheme.empty(); --length) {
      scheme = NormalizeScheme(text.substr(scheme_end - length, length));
      scheme_begin = scheme_end - length;
    }
    if (scheme.empty()) continue;

    // Authority: [userinfo@]host[:port].
    std::size_t host_begin = rest;
    for (std::size_t k = rest; k < text.size() && !IsUrlStop(text[k]); ++k) {
      const char c = text[k];
      if (c == '/' || c == '?' || c == '#') break;
      if (c == '@') host_begin = k + 1;
    }
    const std::string_view userinfo =
        host_begin > rest ? text.substr(rest, host_begin - 1 - rest) : std::string_view();

    std::string host;
    std::size_t host_end = 0;
    IndicatorType host_type = IndicatorType::INDICATOR_TYPE_DOMAIN;
    std::optional<Ipv6> v6;
    if (CharAt(text, host_begin) == '[' && DotLength(text, host_begin) == 0) {
      const std::size_t close = text.find(']', host_begin);
      if (close == std::string_view::npos || close - host_begin > kMaxIpv6Length + 1) continue;
      v6 = ParseIpv6(text.substr(host_begin + 1, close - host_begin - 1));
      if (!v6) continue;
      host = "[" + FormatIpv6(*v6) + "]";
      host_end = close + 1;
      host_type = IndicatorType::INDICATOR_TYPE_IPV6;
    } else {
      HostToken token = ReadHost(text, host_begin);
      host = Lower(token.host);
      host_end = token.end;
      if (ParseIpv4(host)) {
        host_type = IndicatorType::INDICATOR_TYPE_IPV4;
      } else if (!IsHostName(host) || !psl.IsKnownTld(host)) {
        continue;
      }
    }

    std::size_t end = host_end;
    std::string port;
    if (CharAt(text, end) == ':' && IsDigit(CharAt(text, end + 1))) {
      std::size_t k = end + 1;
      unsigned number = 0;
      while (k < text.size() && IsDigit(text[k]) && k - end <= 6) {
        number = number * 10 + static_cast<unsigned>(text[k] - '0');
        ++k;
      }
      if (k - end - 1 <= 5 && number <= 65535 && !IsDigit(CharAt(text, k))) {
        port = std::string(text.substr(end + 1, k - end - 1));
        end = k;
      }
    }
    std::string path;
    const char after = CharAt(text, end);
    if (after == '/' || after == '?' || after == '#') {
      std::size_t k = end;
      // Lists of URLs glued by '@' or ',' (Emotet droppers): the next scheme starts a new URL.
      while (k < text.size() && !IsUrlStop(text[k]) && !(k > end && StartsScheme(text, k))) ++k;
      std::string_view tail = text.substr(end, k - end);
      // Trailing punctuation belongs to the sentence, a closing bracket to an opening one.
      while (!tail.empty()) {
        const char last = tail.back();
        if (last == '.' || last == ',' || last == ';' || last == ':' || last == '!' ||
            last == '?' || last == '@' || last == '|') {
          tail.remove_suffix(1);
          continue;
        }
        if ((last == ')' && std::count(tail.begin(), tail.end(), '(') <
                                std::count(tail.begin(), tail.end(), ')')) ||
            (last == ']' && std::count(tail.begin(), tail.end(), '[') <
                                std::count(tail.begin(), tail.end(), ']'))) {
          tail.remove_suffix(1);
          continue;
        }
        break;
      }
      path = std::string(tail);
      end += tail.size();
    }

    std::string value = std::string(scheme) + "://";
    if (!userinfo.empty()) value += std::string(userinfo) + "@";
    value += host;
    if (!port.empty()) value += ":" + port;
    value += path;
    out.push_back({IndicatorType::INDICATOR_TYPE_URL, std::move(value), scheme_begin});
    if (host_type == IndicatorType::INDICATOR_TYPE_IPV6) {
      if (IsReportableIpv6(*v6)) {
        out.push_back({IndicatorType::INDICATOR_TYPE_IPV6, FormatIpv6(*v6), host_begin + 1});
      }
    } else {
      RecordHost(host, host_begin, psl, out);
    }
    covered.Add(scheme_begin, end);
    pos = std::max(pos, end);
  }
}

bool IsLocalPartChar(char c) {
  return IsAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

// Length of an e-mail separator at `pos`: "@", "[@]", "(@)", "[at]", "(at)"; 0 if none.
std::size_t AtLength(std::string_view text, std::size_t pos) {
  const char c = CharAt(text, pos);
  if (c == '@') return 1;
  if (c != '[' && c != '(') return 0;
  const char close = c == '[' ? ']' : ')';
  if (CharAt(text, pos + 1) == '@' && CharAt(text, pos + 2) == close) return 3;
  if (HasAtNoCase(text, pos + 1, "at") && CharAt(text, pos + 3) == close) return 4;
  return 0;
}

void ScanEmails(std::string_view text, const PublicSuffixList& psl, Covered& covered,
                std::vector<Match>& out) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t candidate = text.find_first_of("@[(", pos);
    if (candidate == std::string_view::npos) return;
    pos = candidate + 1;
    const std::size_t at_length = AtLength(text, candidate);
    if (at_length == 0 || covered.Contains(candidate)) continue;
    std::size_t local_begin = candidate;
    while (local_begin > 0 && IsLocalPartChar(text[local_begin - 1]) &&
           candidate - local_begin <= kMaxLocalPartLength) {
      --local_begin;
    }
    while (local_begin < candidate && text[local_begin] == '.') ++local_begin;
    const std::string_view local = text.substr(local_begin, candidate - local_begin);
    if (local.empty() || local.size() > kMaxLocalPartLength || local.back() == '.' ||
        local.find("..") != std::string_view::npos || local.find('%') != std::string_view::npos) {
      continue;
    }
    const std::size_t domain_begin = candidate + at_length;
    const HostToken token = ReadHost(text, domain_begin);
    const std::string domain = Lower(token.host);
    if (!IsHostName(domain) || !psl.IsKnownTld(domain)) continue;
    out.push_back({IndicatorType::INDICATOR_TYPE_EMAIL, Lower(local) + "@" + domain, local_begin});
    out.push_back({IndicatorType::INDICATOR_TYPE_DOMAIN, domain, domain_begin});
    covered.Add(local_begin, token.end);
    pos = std::max(pos, token.end);
  }
}

// IPv6 literals outside URLs.
void ScanIpv6(std::string_view text, Covered& covered, std::vector<Match>& out) {
  auto is_v6_char = [](char c) { return IsHex(c) || c == ':' || c == '.'; };
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t colon = text.find(':', pos);
    if (colon == std::string_view::npos) return;
    // The colon may be the middle of a defanged "[:]".
    std::size_t begin = colon >= 1 && HasAt(text, colon - 1, "[:]") ? colon - 1 : colon;
    while (begin > 0 && colon - begin < kMaxIpv6Length) {
      if (is_v6_char(text[begin - 1])) {
        --begin;
      } else if (begin >= 3 && HasAt(text, begin - 3, "[:]")) {
        begin -= 3;
      } else {
        break;
      }
    }
    std::size_t end = begin;
    std::string candidate;
    while (end < text.size() && end - begin < 3 * kMaxIpv6Length) {
      if (is_v6_char(text[end])) {
        ++end;
      } else if (HasAt(text, end, "[:]")) {
        end += 3;
      } else {
        break;
      }
    }
    pos = end + 1;
    // Glued to an identifier: "Base::Add", "std::".
    const char before = CharBefore(text, begin);
    const char after = CharAt(text, end);
    if (IsAlnum(before) || before == '_' || IsAlnum(after) || after == '_') continue;
    if (covered.Contains(begin)) continue;
    for (std::size_t k = begin; k < end;) {
      if (HasAt(text, k, "[:]")) {
        candidate.push_back(':');
        k += 3;
      } else {
        candidate.push_back(text[k]);
        ++k;
      }
    }
    while (!candidate.empty() && candidate.back() == '.') candidate.pop_back();
    const auto ip = ParseIpv6(candidate);
    if (!ip) continue;
    covered.Add(begin, end);
    if (IsReportableIpv6(*ip)) out.push_back({IndicatorType::INDICATOR_TYPE_IPV6, FormatIpv6(*ip), begin});
  }
}

// "Version 1.0.0.1", "ver 6.1.2.3", "build: 10.0.1.2": a version number, not an address.
bool FollowsVersionWord(std::string_view text, std::size_t pos) {
  std::size_t k = pos;
  std::size_t skipped = 0;
  while (k > 0 && skipped < 3 &&
         (text[k - 1] == ' ' || text[k - 1] == ':' || text[k - 1] == '=' || text[k - 1] == '\t' ||
          text[k - 1] == '"' || text[k - 1] == '\'')) {
    --k;
    ++skipped;
  }
  std::size_t word_begin = k;
  while (word_begin > 0 && IsAlpha(text[word_begin - 1]) && k - word_begin < 16) --word_begin;
  const std::string word = Lower(text.substr(word_begin, k - word_begin));
  return word.ends_with("version") || word == "ver" || word == "build" || word == "v";
}

// Standalone host names and IPv4 addresses.
void ScanHostTokens(std::string_view text, const PublicSuffixList& psl, const Covered& covered,
                    std::vector<Match>& out) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (!IsLabelChar(text[i])) {
      ++i;
      continue;
    }
    // Fast path: a run of label characters not followed by a dot is not a host name.
    std::size_t j = i;
    while (j < text.size() && IsLabelChar(text[j])) ++j;
    if (DotLength(text, j) == 0) {
      i = j;
      continue;
    }
    HostToken token = ReadHost(text, i);
    i = std::max(token.end, j);
    if (!token.has_dot || covered.Contains(token.begin)) continue;
    std::size_t begin = token.begin;
    std::string original = std::move(token.host);
    // Leading hyphens ("--evil.com") are not part of a name.
    while (!original.empty() && original.front() == '-') {
      original.erase(0, 1);
      ++begin;
    }
    if (original.find('.') == std::string::npos) continue;
    const char before = CharBefore(text, token.begin);
    const char before2 = token.begin >= 2 ? text[token.begin - 2] : '\0';
    const char after = CharAt(text, token.end);
    const bool unc_host = before == '\\' && before2 == '\\';
    if (before == '@' || after == '@' || AtLength(text, token.end) != 0) continue;  // e-mail
    if (before == '\\' && !unc_host) continue;  // a file name inside a Windows path
    if (before == '/' && before2 != '/') continue;  // a file name inside a Unix path or URL
    if (after == '(' || (after == '\\' && !unc_host)) continue;  // a call, a folder
    // Cut out of a longer dotted name (".rdata$.refptr.free", "%s[0].xyz").
    if (before == '.' || before == '$') continue;
    // Code: "size.cx=%ld", "ret.zw = x", "a.b[0]".
    std::size_t next = token.end;
    while (next < text.size() && next - token.end < 2 && text[next] == ' ') ++next;
    const char next_char = CharAt(text, next);
    if (next_char == '[' || next_char == '=') continue;
    if (before == '%') {
      // "%s.evil.com": the first label is the rest of a format directive.
      const std::size_t dot = original.find('.');
      begin += dot + 1;
      original.erase(0, dot + 1);
      if (original.find('.') == std::string::npos) continue;
    }
    if (std::all_of(original.begin(), original.end(), [](char c) { return IsDigit(c) || c == '.'; })) {
      const auto v4 = ParseIpv4(original);
      if (v4 && IsReportableIpv4(*v4) && !FollowsVersionWord(text, token.begin)) {
        out.push_back({IndicatorType::INDICATOR_TYPE_IPV4, FormatIpv4(*v4), begin});
      }
      continue;
    }
    const std::string host = Lower(original);
    if (!IsHostName(host) || !psl.IsKnownTld(host)) continue;
    // A public suffix alone ("co.jp", "com.cn" cut from "食狮.com.cn") names no one.
    if (!psl.RegistrableDomain(host)) continue;
    const bool before_port = after == ':' && IsDigit(CharAt(text, token.end + 1));
    if (!before_port && !unc_host && !AcceptStandaloneDomain(original, host)) continue;
    out.push_back({IndicatorType::INDICATOR_TYPE_DOMAIN, host, begin});
  }
}

}  // namespace

namespace {

enum FeatureBit : std::uint8_t {
  kColonBit = 1,
  kDotBit = 2,
  kAtBit = 4,
  kBackslashBit = 8,
  kSlashBit = 16,
  kPercentBit = 32,
  kSpaceBit = 64,
  kBracketBit = 128,
};

constexpr std::array<std::uint8_t, 256> MakeFeatureBits() {
  std::array<std::uint8_t, 256> bits{};
  bits[':'] = kColonBit;
  bits['.'] = kDotBit;
  bits['@'] = kAtBit;
  bits['\\'] = kBackslashBit;
  bits['/'] = kSlashBit;
  bits['%'] = kPercentBit;
  bits[' '] = kSpaceBit;
  bits['\t'] = kSpaceBit;
  bits['['] = kBracketBit;
  bits['('] = kBracketBit;
  bits['{'] = kBracketBit;
  return bits;
}
constexpr std::array<std::uint8_t, 256> kFeatureBits = MakeFeatureBits();

}  // namespace

// Branch-free: one table lookup and an OR per byte (this runs over every string).
TextFeatures ComputeFeatures(std::string_view text) {
  unsigned bits = 0;
  for (char c : text) bits |= kFeatureBits[static_cast<unsigned char>(c)];
  TextFeatures f;
  f.colon = (bits & kColonBit) != 0;
  f.dot = (bits & kDotBit) != 0;
  f.at = (bits & kAtBit) != 0;
  f.backslash = (bits & kBackslashBit) != 0;
  f.slash = (bits & kSlashBit) != 0;
  f.percent = (bits & kPercentBit) != 0;
  f.space = (bits & kSpaceBit) != 0;
  f.bracket = (bits & kBracketBit) != 0;
  return f;
}

void Covered::Freeze() {
  if (pending_.empty()) return;
  merged_.insert(merged_.end(), pending_.begin(), pending_.end());
  pending_.clear();
  std::sort(merged_.begin(), merged_.end());
  std::vector<std::pair<std::size_t, std::size_t>> disjoint;
  for (const auto& span : merged_) {
    if (!disjoint.empty() && span.first <= disjoint.back().second) {
      disjoint.back().second = std::max(disjoint.back().second, span.second);
    } else {
      disjoint.push_back(span);
    }
  }
  merged_ = std::move(disjoint);
}

bool Covered::Contains(std::size_t pos) const {
  // The last interval that begins at or before pos.
  auto it = std::upper_bound(merged_.begin(), merged_.end(), pos,
                             [](std::size_t p, const auto& span) { return p < span.first; });
  if (it == merged_.begin()) return false;
  --it;
  return pos < it->second;
}

void ScanNetwork(std::string_view text, const TextFeatures& features,
                 const PublicSuffixList& psl, std::vector<Match>& out) {
  Covered covered;
  if (features.colon) ScanUrls(text, psl, covered, out);
  covered.Freeze();
  if (features.at || features.bracket) ScanEmails(text, psl, covered, out);
  covered.Freeze();
  if (features.colon) ScanIpv6(text, covered, out);
  covered.Freeze();
  if (features.dot || features.bracket) ScanHostTokens(text, psl, covered, out);
}

}  // namespace kensa::indicators::internal
