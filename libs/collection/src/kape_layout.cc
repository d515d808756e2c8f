// KAPE target output (Kroll KAPE with the KapeFiles targets, EricZimmerman/KapeFiles), as a
// folder or zipped. Layout of the target destination (--tdest):
//
//   <run>_CopyLog.csv     one row per copied file (UTF-8 with BOM, CRLF): CopiedTimestamp,
//                         SourceFile, DestinationFile, FileSize, SourceFileSha1 (upper-case hex),
//                         DeferredCopy, CreatedOnUtc, ModifiedOnUtc, LastAccessedOnUtc, CopyDuration
//   <run>_SkipLog.csv     files not copied (deduplicated, locked)
//   <run>_ConsoleLog.txt  the console, incl. "System info: Machine name: <HOST>, ..."
//   C/Windows/...         the copies under their drive letter ("C%3A/..." when a Velociraptor
//                         KapeFiles collection was unpacked with its escaping)
//
// A copy the copy log lists is checked against its SHA-1; one it does not list is unverified.
#include <openssl/evp.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "foreign_layout.h"

namespace kensa::collection::foreign {
namespace {

// Rows read from one copy log: KAPE's largest compound targets copy tens of thousands of files.
constexpr std::size_t kMaxCopyLogRows = 1'000'000;

// One CSV record (RFC 4180: fields in double quotes may hold commas and doubled quotes).
std::vector<std::string> CsvFields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

// "2025-08-25 20:21:09.9776063" → "2025-08-25T20:21:09Z".
std::string CopyLogTime(const std::string& text) {
  static const std::regex kTime(R"(^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}))");
  std::smatch match;
  if (!std::regex_search(text, match, kTime)) return {};
  return match[1].str() + "T" + match[2].str() + "Z";
}

struct CopyRow {
  std::string source;
  std::string sha1;
  std::string mtime;
};

// Copy log rows by the stored path they name (lower-case): DestinationFile is
// "<tdest>\C\Windows\...", and tdest is not written anywhere else, so the row belongs to the
// stored path that is the longest suffix of it.
void ReadCopyLog(const std::string& stored, const ReadStored& read, const std::map<std::string, std::string>& by_lower,
                 std::map<std::string, CopyRow>* rows, std::vector<std::string>* problems) {
  auto bytes = read(stored);
  if (!bytes) return;
  std::string text(bytes->begin(), bytes->end());
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  std::map<std::string, std::size_t> column;
  std::size_t start = 0;
  std::size_t count = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto fields = CsvFields(line);
    if (column.empty()) {
      for (std::size_t i = 0; i < fields.size(); ++i) column[fields[i]] = i;
      if (!column.count("SourceFile") || !column.count("DestinationFile")) {
        problems->push_back(stored + ": not a KAPE copy log (no SourceFile / DestinationFile columns)");
        return;
      }
      continue;
    }
    if (++count > kMaxCopyLogRows) {
      problems->push_back(stored + ": more than " + std::to_string(kMaxCopyLogRows) + " rows; the rest not read");
      return;
    }
    auto field = [&](const char* name) -> std::string {
      const auto it = column.find(name);
      return it != column.end() && it->second < fields.size() ? fields[it->second] : std::string();
    };
    std::string destination = field("DestinationFile");
    std::replace(destination.begin(), destination.end(), '\\', '/');
    destination = Lower(destination);
    for (std::size_t slash = destination.find('/'); slash != std::string::npos; slash = destination.find('/', slash + 1)) {
      if (by_lower.count(destination.substr(slash + 1))) {
        (*rows)[destination.substr(slash + 1)] = {field("SourceFile"), Lower(field("SourceFileSha1")),
                                                  CopyLogTime(field("ModifiedOnUtc"))};
        break;
      }
    }
  }
}

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string Sha1Hex(ByteSpan data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha1(), nullptr) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

ForeignLayout MapKape(const std::vector<std::string>& paths, const ReadStored& read) {
  ForeignLayout layout;
  auto& manifest = layout.manifest;
  manifest.set_format("kape-target-output");
  manifest.mutable_collector()->set_name("kape");

  std::map<std::string, std::string> by_lower;
  for (const auto& path : paths) by_lower[Lower(path)] = path;
  std::map<std::string, CopyRow> rows;
  for (const auto& path : paths) {
    if (path.find('/') != std::string::npos) continue;
    if (EndsWith(path, "_CopyLog.csv")) ReadCopyLog(path, read, by_lower, &rows, &layout.problems);
    if (EndsWith(path, "_ConsoleLog.txt")) {
      auto bytes = read(path);
      if (!bytes) continue;
      const std::string text(bytes->begin(), bytes->begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(bytes->size(), 1u << 20)));
      static const std::regex kMachine(R"(Machine name: ([^,\s]+))");
      static const std::regex kOs(R"(OS: \"([^\"]+)\" \(([^)]+)\))");
      std::smatch match;
      if (std::regex_search(text, match, kMachine)) manifest.mutable_host()->set_hostname(match[1].str());
      if (std::regex_search(text, match, kOs)) manifest.mutable_host()->set_os(match[1].str() + " " + match[2].str());
    }
  }
  if (rows.empty()) {
    layout.problems.push_back("no KAPE copy log (*_CopyLog.csv) in the collection: no copy can be checked against its SHA-1");
  }

  static const std::regex kDriveFolder(R"(^([A-Za-z])(%3[Aa])?$)");
  for (const auto& stored : paths) {
    MappedItem item;
    item.stored = stored;
    item.path = stored;
    item.artifact = "other";
    const auto parts = Split(stored, '/');
    std::smatch drive;
    if (parts.size() == 1) {
      if (EndsWith(stored, "_CopyLog.csv") || EndsWith(stored, "_SkipLog.csv") || EndsWith(stored, "_ConsoleLog.txt") ||
          EndsWith(stored, "_SkipLog.csv.csv")) {
        item.artifact = "collector_log";
      }
      layout.items.push_back(std::move(item));
      continue;
    }
    if (!std::regex_match(parts[0], drive, kDriveFolder)) {
      layout.items.push_back(std::move(item));
      continue;
    }
    // Folders named "C%3A" come with Velociraptor's escaping in every component.
    const bool escaped = drive[2].matched;
    std::string rest;
    bool safe = true;
    for (std::size_t i = 1; i < parts.size(); ++i) {
      const std::string component = escaped ? UnescapeComponent(parts[i]) : parts[i];
      if (!SafeComponent(component)) safe = false;
      rest += (rest.empty() ? "" : "/") + component;
    }
    if (!safe) {
      layout.problems.push_back(stored + ": the name is unsafe once unescaped; kept under its stored name");
      layout.items.push_back(std::move(item));
      continue;
    }
    const Bytes head = read.head(stored);
    PlaceWindowsFile(drive[1].str()[0], rest, head, &item);
    if (auto it = rows.find(Lower(stored)); it != rows.end()) {
      if (!it->second.source.empty()) item.source = it->second.source;
      item.expected_sha1 = it->second.sha1;
      item.mtime = it->second.mtime;
    }
    layout.items.push_back(std::move(item));
  }
  return layout;
}

}  // namespace kensa::collection::foreign
