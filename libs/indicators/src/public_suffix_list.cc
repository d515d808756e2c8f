#include "kensa/indicators/public_suffix_list.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/core/file.h"

namespace kensa::indicators {
namespace {

// The list is ~250 KB today; anything far larger is not the list.
constexpr std::uint64_t kMaxListBytes = 16u << 20;
// DNS limits a name to 127 labels; more cannot be a host name (bounds the label walk).
constexpr std::size_t kMaxLabels = 127;

constexpr std::uint8_t kIcannBit = 1;
constexpr std::uint8_t kPrivateBit = 2;

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Decodes UTF-8 into code points; false on malformed input.
bool DecodeUtf8(std::string_view s, std::vector<std::uint32_t>& out) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<std::uint8_t>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      len = 1;
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<std::uint8_t>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    out.push_back(cp);
    i += len;
  }
  return true;
}

// RFC 3492 section 6.1.
std::uint32_t Adapt(std::uint32_t delta, std::uint32_t num_points, bool first_time) {
  constexpr std::uint32_t kBase = 36, kTmin = 1, kTmax = 26, kSkew = 38, kDamp = 700;
  delta = first_time ? delta / kDamp : delta / 2;
  delta += delta / num_points;
  std::uint32_t k = 0;
  while (delta > ((kBase - kTmin) * kTmax) / 2) {
    delta /= kBase - kTmin;
    k += kBase;
  }
  return k + (kBase - kTmin + 1) * delta / (delta + kSkew);
}

// Start offset of each label of a host name, leftmost first.
struct LabelStarts {
  std::size_t at[kMaxLabels] = {};
  std::size_t count = 0;
};

// False when `host` is not a host name: empty, a leading or trailing dot, an empty label, or
// more labels than DNS allows.
bool SplitLabels(std::string_view host, LabelStarts& starts) {
  starts.count = 0;
  if (host.empty() || host.front() == '.' || host.back() == '.') return false;
  starts.at[starts.count++] = 0;
  for (std::size_t i = 0; i < host.size(); ++i) {
    if (host[i] != '.') continue;
    // i + 1 < size because the host does not end in '.'.
    if (host[i + 1] == '.' || starts.count == kMaxLabels) return false;
    starts.at[starts.count++] = i + 1;
  }
  return true;
}

char PunycodeDigit(std::uint32_t d) {
  return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26));
}

}  // namespace

std::optional<std::string> ToPunycodeLabel(std::string_view utf8_label) {
  if (IsAscii(utf8_label)) return std::string(utf8_label);
  std::vector<std::uint32_t> input;
  if (!DecodeUtf8(utf8_label, input)) return std::nullopt;
  // RFC 3492 section 6.3 (encoding procedure).
  constexpr std::uint32_t kBase = 36, kTmin = 1, kTmax = 26;
  constexpr std::uint32_t kMax = std::numeric_limits<std::uint32_t>::max();
  std::string out;
  for (std::uint32_t c : input) {
    if (c < 0x80) out.push_back(static_cast<char>(c));
  }
  const auto basic = static_cast<std::uint32_t>(out.size());
  std::uint32_t handled = basic;
  if (basic > 0) out.push_back('-');
  std::uint32_t n = 0x80;
  std::uint32_t delta = 0;
  std::uint32_t bias = 72;
  const auto total = static_cast<std::uint32_t>(input.size());
  while (handled < total) {
    std::uint32_t m = kMax;
    for (std::uint32_t c : input) {
      if (c >= n && c < m) m = c;
    }
    if ((m - n) > (kMax - delta) / (handled + 1)) return std::nullopt;
    delta += (m - n) * (handled + 1);
    n = m;
    for (std::uint32_t c : input) {
      if (c < n && ++delta == 0) return std::nullopt;
      if (c != n) continue;
      std::uint32_t q = delta;
      for (std::uint32_t k = kBase;; k += kBase) {
        const std::uint32_t t = k <= bias ? kTmin : (k >= bias + kTmax ? kTmax : k - bias);
        if (q < t) break;
        out.push_back(PunycodeDigit(t + (q - t) % (kBase - t)));
        q = (q - t) / (kBase - t);
      }
      out.push_back(PunycodeDigit(q));
      bias = Adapt(delta, handled + 1, handled == basic);
      delta = 0;
      ++handled;
    }
    ++delta;
    ++n;
  }
  return "xn--" + out;
}

Result<PublicSuffixList> PublicSuffixList::Load(const std::string& path) {
  KENSA_ASSIGN_OR_RETURN(Bytes data, ReadFileBounded(path, kMaxListBytes));
  return Parse(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

Result<PublicSuffixList> PublicSuffixList::Parse(std::string_view text) {
  PublicSuffixList list;
  bool icann = true;  // a list without section markers is treated as ICANN rules
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.starts_with("//")) {
      if (line.find("===BEGIN PRIVATE DOMAINS===") != std::string_view::npos) icann = false;
      if (line.find("===BEGIN ICANN DOMAINS===") != std::string_view::npos) icann = true;
      continue;
    }
    // "Each line is only read up to the first whitespace" (list format).
    const std::size_t ws = line.find_first_of(" \t\r");
    if (ws != std::string_view::npos) line = line.substr(0, ws);
    if (line.empty()) continue;
    list.AddRule(line, icann);
  }
  if (list.rule_count_ == 0) {
    return InvalidArgumentError("public suffix list holds no rules");
  }
  return list;
}

void PublicSuffixList::AddRule(std::string_view rule, bool icann) {
  Map* target = &exact_;
  if (rule.starts_with('!')) {
    target = &exception_;
    rule.remove_prefix(1);
  } else if (rule.starts_with("*.")) {
    target = &wildcard_;
    rule.remove_prefix(2);
  }
  // Wildcards only in the leftmost position; no empty labels.
  if (rule.empty() || rule.find('*') != std::string_view::npos || rule.starts_with('.') ||
      rule.ends_with('.') || rule.find("..") != std::string_view::npos ||
      rule.find('!') != std::string_view::npos) {
    ++skipped_lines_;
    return;
  }
  std::string lowered = AsciiLower(rule);
  std::vector<std::string> forms = {lowered};
  if (!IsAscii(lowered)) {
    std::string puny;
    std::size_t start = 0;
    bool ok = true;
    while (ok) {
      const std::size_t dot = lowered.find('.', start);
      const std::string_view label = std::string_view(lowered).substr(
          start, dot == std::string::npos ? std::string::npos : dot - start);
      const auto encoded = ToPunycodeLabel(label);
      if (!encoded) {
        ok = false;
        break;
      }
      if (!puny.empty()) puny.push_back('.');
      puny += *encoded;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    if (ok) forms.push_back(std::move(puny));
  }
  const std::uint8_t bit = icann ? kIcannBit : kPrivateBit;
  for (std::string& form : forms) {
    const std::size_t last_dot = form.rfind('.');
    tlds_.insert(last_dot == std::string::npos ? form : form.substr(last_dot + 1));
    (*target)[std::move(form)] |= bit;
  }
  ++rule_count_;
}

std::size_t PublicSuffixList::SuffixLabels(std::string_view host, bool icann_only) const {
  LabelStarts starts;
  if (!SplitLabels(host, starts)) return 0;
  const std::size_t labels = starts.count;
  const std::uint8_t wanted = icann_only ? kIcannBit : (kIcannBit | kPrivateBit);
  auto has = [wanted](const Map& map, std::string_view key) {
    const auto it = map.find(key);
    return it != map.end() && (it->second & wanted) != 0;
  };
  // An exception rule prevails over every other rule; the longest one if several match.
  for (std::size_t i = 0; i < labels; ++i) {
    if (has(exception_, host.substr(starts.at[i]))) return labels - i - 1;
  }
  // Walking from the longest suffix to the shortest, the first match is the longest rule.
  for (std::size_t i = 0; i < labels; ++i) {
    const std::string_view suffix = host.substr(starts.at[i]);
    // "*.suffix" matches one more label, which the host must have.
    if (i >= 1 && has(wildcard_, suffix)) return labels - i + 1;
    if (has(exact_, suffix)) return labels - i;
  }
  return 1;  // the implicit rule "*"
}

std::optional<std::string> PublicSuffixList::PublicSuffix(std::string_view host,
                                                          bool icann_only) const {
  const std::string lowered = AsciiLower(host);
  const std::size_t count = SuffixLabels(lowered, icann_only);
  if (count == 0) return std::nullopt;
  LabelStarts starts;
  SplitLabels(lowered, starts);
  return lowered.substr(starts.at[starts.count - count]);
}

std::optional<std::string> PublicSuffixList::RegistrableDomain(std::string_view host,
                                                               bool icann_only) const {
  const std::string lowered = AsciiLower(host);
  const std::size_t count = SuffixLabels(lowered, icann_only);
  if (count == 0) return std::nullopt;
  LabelStarts starts;
  SplitLabels(lowered, starts);
  if (starts.count <= count) return std::nullopt;  // the host is a public suffix
  return lowered.substr(starts.at[starts.count - count - 1]);
}

bool PublicSuffixList::IsKnownTld(std::string_view host) const {
  if (host.empty() || host.back() == '.') return false;
  const std::size_t dot = host.rfind('.');
  const std::string tld = AsciiLower(dot == std::string_view::npos ? host : host.substr(dot + 1));
  return tlds_.contains(std::string_view(tld));
}

}  // namespace kensa::indicators
