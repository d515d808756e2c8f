#include "kensa/indicators/ioc_list.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <array>

#include "kensa/core/bytes.h"
#include "kensa/core/file.h"

namespace kensa::indicators {

namespace {

// An indicator file larger than this is not a list someone curated.
constexpr std::uint64_t kMaxIocFileBytes = 64ull << 20;
// A longer "value" is not a hash, an address or a domain (domains stop at 253 characters).
constexpr std::size_t kMaxValueBytes = 253;

bool IsLowerHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool IsDottedQuad(std::string_view text) {
  int parts = 0;
  std::size_t start = 0;
  while (true) {
    const auto dot = text.find('.', start);
    const std::string_view part = text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part.empty() || part.size() > 3 || !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    if (std::stoi(std::string(part)) > 255) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts == 4;
}

bool IsDomain(std::string_view text) {
  if (text.find('.') == std::string_view::npos || text.front() == '.' || text.front() == '-') return false;
  // A top-level domain starts with a letter ("jp", "xn--wgv71a"): "1.2.3.300" is no name.
  const char tld = text[text.rfind('.') + 1];
  if (!(tld >= 'a' && tld <= 'z')) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;  // internationalized names as UTF-8
  });
}

// "https://user:pw@cdn.example:8443/p" -> "cdn.example".
std::string UrlHost(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  const auto end = url.find_first_of("/?#", start);
  std::string host = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (const auto at = host.rfind('@'); at != std::string::npos) host.erase(0, at + 1);
  if (const auto colon = host.find(':'); colon != std::string::npos) host.resize(colon);
  return host;
}

const char* LevelWord(report::v1::Level level) {
  switch (level) {
    case report::v1::LEVEL_CRITICAL: return "critical";
    case report::v1::LEVEL_MALICIOUS: return "malicious";
    case report::v1::LEVEL_SUSPICIOUS: return "suspicious";
    case report::v1::LEVEL_LOW: return "low";
    case report::v1::LEVEL_CLEAN: return "clean";
    default: return "unscored";
  }
}

// Names every Windows host and browser talks to, which malware also names (certificate
// revocation and timestamp servers of a signed sample, XML namespaces, update checks), and the
// hosting and cloud platforms malware is often fetched from but every host uses too (the
// malicious URL is in the triage report; its host name alone would flag everyone): never
// indicators of compromise on their own.
bool IsCommonInfrastructure(std::string_view domain) {
  static constexpr std::array<std::string_view, 31> kDomains = {
      "microsoft.com",   "windows.com",     "windowsupdate.com",  "msftncsi.com",     "live.com",
      "office.com",      "digicert.com",    "verisign.com",       "symantec.com",     "globalsign.com",
      "globalsign.net",  "sectigo.com",     "comodoca.com",       "usertrust.com",    "thawte.com",
      "entrust.net",     "letsencrypt.org", "google.com",         "gstatic.com",      "apple.com",
      "mozilla.org",     "w3.org",          "openxmlformats.org", "adobe.com",        "github.com",
      "githubusercontent.com", "amazonaws.com", "cloudfront.net", "akamaized.net",   "azureedge.net",
      "windows.net"};
  return std::any_of(kDomains.begin(), kDomains.end(), [&](std::string_view known) {
    return domain == known || (domain.size() > known.size() && domain.ends_with(known) &&
                               domain[domain.size() - known.size() - 1] == '.');
  });
}

// A file extracted from a malicious sample is known bad itself only when its own analysis says
// so: a DLL side-loading package also carries the signed program that loads the DLL, and a
// document its pictures; those must not make every host that has them look compromised.
bool ChildIsBad(const report::v1::ChildResult& child) {
  const auto high = [](const auto& signatures) {
    return std::any_of(signatures.begin(), signatures.end(),
                       [](const analysis::v1::Signature& s) { return s.severity() >= analysis::v1::SEVERITY_HIGH; });
  };
  return high(child.static_result().signatures()) || high(child.sandbox_result().signatures());
}

}  // namespace

bool NamesCommonInfrastructure(const analysis::v1::Indicator& indicator) {
  switch (indicator.type()) {
    case analysis::v1::INDICATOR_TYPE_DOMAIN: return IsCommonInfrastructure(AsciiLower(indicator.value()));
    case analysis::v1::INDICATOR_TYPE_URL: return IsCommonInfrastructure(AsciiLower(UrlHost(indicator.value())));
    default: return false;
  }
}

std::map<std::string, std::string> IocList::AllValues() const {
  std::map<std::string, std::string> all = hashes;
  all.insert(ips.begin(), ips.end());
  all.insert(domains.begin(), domains.end());
  return all;
}

bool AddIoc(std::string_view value, const std::string& origin, IocList* iocs) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '.' || value.back() == ' ' || value.back() == '\t' || value.back() == '\r'))
    value.remove_suffix(1);
  if (value.empty() || value.size() > kMaxValueBytes) return false;
  const std::string lower = AsciiLower(value);
  if ((lower.size() == 64 || lower.size() == 40 || lower.size() == 32) && IsLowerHex(lower)) {
    iocs->hashes.emplace(lower, origin);
  } else if (IsDottedQuad(lower)) {
    iocs->ips.emplace(lower, origin);
  } else if (IsDomain(lower)) {
    iocs->domains.emplace(lower, origin);
  } else {
    return false;
  }
  return true;
}

void AddReportIocs(const report::v1::Report& report, const std::string& origin, IocList* iocs) {
  const auto add_hashes = [&](const sample::v1::Hashes& hashes) {
    if (!hashes.sha256().empty()) AddIoc(hashes.sha256(), origin, iocs);
    if (!hashes.sha1().empty()) AddIoc(hashes.sha1(), origin, iocs);
  };
  add_hashes(report.submission().sample().hashes());
  for (const auto& child : report.children()) {
    if (ChildIsBad(child)) add_hashes(child.submission().sample().hashes());
  }
  for (const auto& indicator : report.indicators()) {
    switch (indicator.type()) {
      case analysis::v1::INDICATOR_TYPE_DOMAIN:
        if (!IsCommonInfrastructure(AsciiLower(indicator.value()))) AddIoc(indicator.value(), origin, iocs);
        break;
      case analysis::v1::INDICATOR_TYPE_IPV4:
      case analysis::v1::INDICATOR_TYPE_SHA256: AddIoc(indicator.value(), origin, iocs); break;
      case analysis::v1::INDICATOR_TYPE_URL: {
        const std::string host = AsciiLower(UrlHost(indicator.value()));
        if (!IsCommonInfrastructure(host)) AddIoc(host, origin, iocs);
        break;
      }
      default: break;
    }
  }
}

bool ReportMakesIocsKnownBad(const report::v1::Report& report) {
  return report.verdict().level() == report::v1::LEVEL_MALICIOUS ||
         report.verdict().level() == report::v1::LEVEL_CRITICAL;
}

std::string ReportOrigin(const report::v1::Report& report) {
  std::string origin = "triage report " + report.submission().id();
  const std::string& name = report.submission().sample().file_name();
  origin += " (" + (name.empty() ? std::string() : name + ", ") + LevelWord(report.verdict().level()) + ")";
  return origin;
}

Result<IocList> LoadIocFiles(const std::vector<std::string>& paths) {
  IocList iocs;
  for (const auto& path : paths) {
    KENSA_ASSIGN_OR_RETURN(const Bytes bytes, ReadFileBounded(path, kMaxIocFileBytes));
    const std::string text(bytes.begin(), bytes.end());
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && text[first] == '{') {
      report::v1::Report report;
      google::protobuf::util::JsonParseOptions options;
      options.ignore_unknown_fields = true;
      const auto parsed = google::protobuf::util::JsonStringToMessage(text, &report, options);
      if (!parsed.ok()) return InvalidArgumentError(path + ": not a Kensa report: " + std::string(parsed.message()));
      AddReportIocs(report, path, &iocs);
      continue;
    }
    std::size_t start = 0;
    std::size_t line_number = 0;
    while (start < text.size()) {
      const auto end = std::min(text.find('\n', start), text.size());
      std::string_view line(text.data() + start, end - start);
      start = end + 1;
      ++line_number;
      if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
      AddIoc(line, path + ":" + std::to_string(line_number), &iocs);
    }
  }
  return iocs;
}

}  // namespace kensa::indicators
