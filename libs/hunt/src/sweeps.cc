#include "kensa/hunt/sweeps.h"

#include <algorithm>
#include <map>
#include <regex>

#include "kensa/core/bytes.h"
#include "kensa/strings/string_extractor.h"

namespace kensa::hunt {

namespace {

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

std::vector<forensics::v1::Finding> SweepIocs(const collection::Collection& collection, const IocList& iocs) {
  std::vector<forensics::v1::Finding> findings;
  std::map<std::string, std::size_t> per_ioc;
  auto report = [&](const std::string& ioc, forensics::v1::Finding finding) {
    if (++per_ioc[ioc] <= kMaxFindingsPerIoc) findings.push_back(std::move(finding));
  };
  // What was seen, then where the indicator is known from; the origin is kept whole and the
  // seen text cut to leave room for it.
  auto evidence = [](const std::string& seen, const std::string& origin) {
    const std::string known = " [known bad: " + origin + "]";
    const std::size_t room = known.size() < kMaxEvidenceBytes ? kMaxEvidenceBytes - known.size() : 0;
    return strings::HostTextToUtf8(seen, room) + known;
  };
  for (const auto& item : collection.manifest().items()) {
    if (auto known = iocs.hashes.find(item.sha256()); known != iocs.hashes.end()) {
      report(item.sha256(), MakeFinding("ioc_known_bad_file", "A collected file is a known-bad file (hash)",
                                        "収集したファイルが既知の不正ファイル（ハッシュ一致）です", "critical", collection,
                                        item, item.path(), evidence(item.source() + " sha256 " + item.sha256(), known->second)));
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
          if (auto known = iocs.hashes.find(it->str()); known != iocs.hashes.end()) {
            report(it->str(), MakeFinding("ioc_known_bad_hash_in_listing",
                                          "A known-bad executable was running or present (hash in " + item.artifact() + ")",
                                          "既知の不正な実行ファイルが動作・存在していました（" + item.artifact() + " のハッシュ一致）",
                                          "critical", collection, item, location, evidence(line, known->second)));
          }
        }
      }
      if (!text_artifact || (iocs.ips.empty() && iocs.domains.empty())) continue;
      const std::string lower = AsciiLower(line);
      for (const auto& [ip, origin] : iocs.ips) {
        if (ContainsToken(lower, ip)) {
          report(ip, MakeFinding("ioc_known_bad_address", "A known-bad IP address appears in " + item.artifact(),
                                 "既知の不正な IP アドレスが " + item.artifact() + " に現れます", "high", collection, item,
                                 location, evidence(line, origin)));
        }
      }
      for (const auto& [domain, origin] : iocs.domains) {
        if (ContainsToken(lower, domain)) {
          report(domain, MakeFinding("ioc_known_bad_domain", "A known-bad domain appears in " + item.artifact(),
                                     "既知の不正なドメインが " + item.artifact() + " に現れます", "high", collection, item,
                                     location, evidence(line, origin)));
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
