#include "kensa/hunt/sweeps.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <regex>

#include "kensa/core/bytes.h"
#include "kensa/core/file.h"
#include "kensa/report/v1/report.pb.h"
#include "kensa/strings/string_extractor.h"

namespace kensa::hunt {

namespace {

// An indicator file larger than this is not a list someone curated.
constexpr std::uint64_t kMaxIocFileBytes = 64ull << 20;
constexpr std::size_t kMaxLineBytes = 4096;
constexpr std::size_t kMaxFindingsPerIoc = 20;
constexpr std::size_t kMaxEvidenceBytes = 500;
// A collection's paths are the host's; longer ones are cut in the report.
constexpr std::size_t kMaxLocationBytes = 4096;

// Artifacts whose text is searched for IPs and domains.
const std::set<std::string>& TextArtifacts() {
  static const std::set<std::string> artifacts = {"auth_log", "syslog", "shell_history", "cron", "services",
                                                  "autoruns", "network", "ssh", "processes"};
  return artifacts;
}

bool IsHex(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

void AddValue(std::string value, IocList* iocs) {
  value = AsciiLower(value);
  while (!value.empty() && (value.back() == '.' || value.back() == ' ' || value.back() == '\r')) value.pop_back();
  if (value.empty()) return;
  static const std::regex kIpv4(R"(^(\d{1,3}\.){3}\d{1,3}$)");
  if ((value.size() == 64 || value.size() == 40 || value.size() == 32) && IsHex(value)) {
    iocs->hashes.insert(value);
  } else if (std::regex_match(value, kIpv4)) {
    iocs->ips.insert(value);
  } else if (value.find('.') != std::string::npos && value.find(' ') == std::string::npos) {
    iocs->domains.insert(value);
  }
}

std::string UrlHost(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  const auto end = url.find_first_of(":/?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

void AddReport(const report::v1::Report& report, IocList* iocs) {
  // SHA-1 too: Amcache names the programs a host ran by it.
  const auto add_hashes = [&](const sample::v1::Hashes& hashes) {
    AddValue(hashes.sha256(), iocs);
    AddValue(hashes.sha1(), iocs);
  };
  add_hashes(report.submission().sample().hashes());
  for (const auto& child : report.children()) add_hashes(child.submission().sample().hashes());
  for (const auto& indicator : report.indicators()) {
    switch (indicator.type()) {
      case analysis::v1::INDICATOR_TYPE_DOMAIN:
      case analysis::v1::INDICATOR_TYPE_IPV4:
      case analysis::v1::INDICATOR_TYPE_SHA256: AddValue(indicator.value(), iocs); break;
      case analysis::v1::INDICATOR_TYPE_URL: AddValue(UrlHost(indicator.value()), iocs); break;
      default: break;
    }
  }
}

// True when `needle` occurs in `line` not as part of a longer name or number.
bool ContainsToken(const std::string& line, const std::string& needle) {
  const auto is_name_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
  };
  for (auto at = line.find(needle); at != std::string::npos; at = line.find(needle, at + 1)) {
    const bool left = at == 0 || !is_name_char(line[at - 1]);
    const std::size_t after = at + needle.size();
    const bool right = after >= line.size() || !is_name_char(line[after]) ||
                       (line[after] == '.' && (after + 1 >= line.size() || !is_name_char(line[after + 1])));
    if (left && right) return true;
  }
  return false;
}

forensics::v1::Finding MakeFinding(const std::string& id, const std::string& title, const std::string& title_ja,
                                   const std::string& level, const collection::Collection& collection,
                                   const forensics::v1::CollectionManifest::Item& item, const std::string& location,
                                   const std::string& evidence) {
  forensics::v1::Finding finding;
  finding.set_rule_id(id);
  finding.set_title(title);
  finding.set_title_ja(title_ja);
  finding.set_level(level);
  finding.set_source(id.rfind("yara:", 0) == 0 ? "yara" : "ioc");
  finding.set_source_file(item.source());
  finding.set_location(strings::HostTextToUtf8(location, kMaxLocationBytes));
  finding.set_evidence(strings::HostTextToUtf8(evidence, kMaxEvidenceBytes));
  finding.set_timestamp(item.mtime());
  finding.set_computer(collection.manifest().host().hostname());
  return finding;
}

}  // namespace

Result<IocList> LoadIocs(const std::vector<std::string>& paths) {
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
      AddReport(report, &iocs);
      continue;
    }
    std::size_t start = 0;
    while (start < text.size()) {
      const auto end = std::min(text.find('\n', start), text.size());
      std::string line = text.substr(start, end - start);
      start = end + 1;
      if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
      line.erase(0, line.find_first_not_of(" \t"));
      AddValue(line, &iocs);
    }
  }
  return iocs;
}

std::vector<forensics::v1::Finding> SweepIocs(const collection::Collection& collection, const IocList& iocs) {
  std::vector<forensics::v1::Finding> findings;
  std::map<std::string, std::size_t> per_ioc;
  auto report = [&](const std::string& ioc, forensics::v1::Finding finding) {
    if (++per_ioc[ioc] <= kMaxFindingsPerIoc) findings.push_back(std::move(finding));
  };
  for (const auto& item : collection.manifest().items()) {
    if (iocs.hashes.count(item.sha256())) {
      report(item.sha256(), MakeFinding("ioc_known_bad_file", "A collected file is a known-bad file (hash)",
                                        "収集したファイルが既知の不正ファイル（ハッシュ一致）です", "critical", collection,
                                        item, item.path(), item.source() + " sha256 " + item.sha256()));
    }
    // The collector's listings, and the tables derived from the collection (Amcache's SHA-1).
    const bool listing = item.kind() == "command" || item.kind() == "derived";
    const bool text_artifact = TextArtifacts().count(item.artifact()) > 0;
    if (!listing && !text_artifact) continue;
    auto bytes = collection.Read(item.path());
    if (!bytes) continue;
    const std::string text(bytes->begin(), bytes->end());
    std::size_t start = 0;
    std::size_t line_number = 0;
    while (start < text.size()) {
      const auto end = std::min(text.find('\n', start), text.size());
      const std::string line = text.substr(start, std::min(end - start, kMaxLineBytes));
      start = end + 1;
      ++line_number;
      const std::string location = item.path() + ":" + std::to_string(line_number);
      if (listing && !iocs.hashes.empty()) {
        // The collector's listings carry sha256 of running and dropped executables; Amcache
        // (derived/amcache.tsv) carries SHA-1.
        static const std::regex kHash(R"(\b(?:[0-9a-f]{64}|[0-9a-f]{40})\b)");
        for (std::sregex_iterator it(line.begin(), line.end(), kHash), done; it != done; ++it) {
          if (iocs.hashes.count(it->str())) {
            report(it->str(), MakeFinding("ioc_known_bad_hash_in_listing",
                                          "A known-bad executable was running or present (hash in " + item.artifact() + ")",
                                          "既知の不正な実行ファイルが動作・存在していました（" + item.artifact() + " のハッシュ一致）",
                                          "critical", collection, item, location, line));
          }
        }
      }
      if (!text_artifact || (iocs.ips.empty() && iocs.domains.empty())) continue;
      const std::string lower = AsciiLower(line);
      for (const auto& ip : iocs.ips) {
        if (ContainsToken(lower, ip)) {
          report(ip, MakeFinding("ioc_known_bad_address", "A known-bad IP address appears in " + item.artifact(),
                                 "既知の不正な IP アドレスが " + item.artifact() + " に現れます", "high", collection, item,
                                 location, line));
        }
      }
      for (const auto& domain : iocs.domains) {
        if (ContainsToken(lower, domain)) {
          report(domain, MakeFinding("ioc_known_bad_domain", "A known-bad domain appears in " + item.artifact(),
                                     "既知の不正なドメインが " + item.artifact() + " に現れます", "high", collection, item,
                                     location, line));
        }
      }
    }
  }
  return findings;
}

std::vector<forensics::v1::Finding> SweepYara(const collection::Collection& collection,
                                              const yara_scan::RuleSet& rules) {
  std::vector<forensics::v1::Finding> findings;
  for (const auto& item : collection.manifest().items()) {
    if (item.kind() != "file" || (item.artifact() != "recent_executables" && item.artifact() != "deleted_executable")) {
      continue;
    }
    auto bytes = collection.Read(item.path());
    if (!bytes) continue;
    yara_scan::ScanOptions options;
    auto matches = yara_scan::Scan(rules, *bytes, options);
    if (!matches) continue;
    for (const auto& match : *matches) {
      const auto meta = [&](const char* key) {
        auto it = match.meta().find(key);
        return it == match.meta().end() ? std::string() : it->second;
      };
      std::string level = meta("severity");
      if (level != "critical" && level != "high" && level != "medium" && level != "low") level = "medium";
      const std::string description = meta("description");
      findings.push_back(MakeFinding("yara:" + match.rule(), "YARA " + match.rule() + (description.empty() ? "" : ": " + description),
                                     meta("description_ja"), level, collection, item, item.path(),
                                     item.source() + " sha256 " + item.sha256()));
    }
  }
  return findings;
}

}  // namespace kensa::hunt
