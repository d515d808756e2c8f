#pragma once
// IocList: known-bad indicators to sweep a host for (file hashes, IPv4 addresses, domains), each
// with where it is known from, so that a finding can say which triage report or intel file
// named it. Lists are built from Kensa triage reports (AddReportIocs), from indicator files
// (LoadIocFiles, `kensa hunt --iocs`) or from a tenant's index in the state store, which the
// pipeline fills from the tenant's malicious reports (docs/pipeline.md, "Known-bad indicators").
//
//   IocList iocs;
//   if (ReportMakesIocsKnownBad(report)) AddReportIocs(report, "triage report 42 (invoice.doc)", &iocs);
//   for (const auto& [domain, origin] : iocs.domains) ...

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/core/status.h"
#include "kensa/report/v1/report.pb.h"

namespace kensa::indicators {

struct IocList {
  // value -> where it is known from ("triage report <id> (invoice.doc)", "intel.txt:12").
  std::map<std::string, std::string> hashes;   // lower-case hex: sha256, sha1 or md5
  std::map<std::string, std::string> ips;      // IPv4, dotted quad
  std::map<std::string, std::string> domains;  // lower case, no trailing dot

  bool empty() const { return hashes.empty() && ips.empty() && domains.empty(); }
  std::size_t size() const { return hashes.size() + ips.size() + domains.size(); }
  // Every value with its origin, hashes, addresses and domains together (they cannot collide:
  // each kind has its own shape). AddIoc on each entry gives the list back.
  std::map<std::string, std::string> AllValues() const;
};

// Adds `value` (trimmed, lower-cased) under the kind its shape says: 32, 40 or 64 hex digits
// are a hash, a dotted quad an IPv4 address, a dotted name without spaces a domain. A value
// already listed keeps its first origin. Returns false when the value is none of these.
bool AddIoc(std::string_view value, const std::string& origin, IocList* iocs);

// The report's sample's sha256 and SHA-1 (Amcache names programs by SHA-1), those of every child
// whose own analysis found a signature of high severity or above (a side-loading package's
// signed program, a document's pictures are not known bad), and the report's domain, IPv4 and
// URL-host indicators, except names every host talks to (Microsoft, Google, Apple, Mozilla, the
// certificate authorities' revocation servers, XML namespaces, GitHub and the big clouds'
// storage and CDN names).
void AddReportIocs(const report::v1::Report& report, const std::string& origin, IocList* iocs);

// True when a domain or URL indicator names a host every Windows host or browser talks to (the
// list AddReportIocs leaves out: Microsoft, certificate authorities, XML namespaces such as
// schemas.openxmlformats.org, GitHub, the big clouds' storage and CDN names). Other kinds: false.
bool NamesCommonInfrastructure(const analysis::v1::Indicator& indicator);

// True when a triage report's verdict is malicious or critical: only then are its hashes and
// network indicators known bad. A suspicious or clean file's domains (a vendor's update server,
// an XML namespace) would make every host that talks to them look compromised.
bool ReportMakesIocsKnownBad(const report::v1::Report& report);

// How a report is named as an origin: "triage report <root id> (<file name>, <level>)".
std::string ReportOrigin(const report::v1::Report& report);

// Reads indicator files: a Kensa triage report (JSON, kensa.report.v1.Report; AddReportIocs,
// whatever its verdict: the analyst chose it) or a text file with one hash, IP address or
// domain per line (# starts a comment). Origins are the file's path, and ":<line>" for text.
Result<IocList> LoadIocFiles(const std::vector<std::string>& paths);

}  // namespace kensa::indicators
