// Velociraptor offline collector zips (Velocidex/velociraptor: vql/tools/collector,
// reporting/container.go). Layout:
//
//   collection_context.json   the flow: session id, create_time (ns), artifacts, totals
//   client_info.json          the host: Hostname, Fqdn, OS, Platform, KernelVersion, Architecture
//   log.json                  the collector's log, one JSON object a line
//   results/<Artifact>.json   result rows, one JSON object a line ("/" in the name escaped %2F)
//   uploads.json              every upload: vfs_path, _Components, file_size
//   uploads/<accessor>/<component>/...   the uploaded files; each component escaped by
//                             utils.SanitizeStringForZip: ?"*:|<>%/\ and control bytes as %XX
//                             ("C:" → "C%3A"; the ntfs device "\\.\C:" → "%5C%5C.%5CC%3A").
//
// Hashes: an upload's sha256 is in the result row that uploaded it (an "Upload" column with
// StoredName and sha256) or, for Windows.KapeFiles.Targets / Generic.Collectors.File, in a row
// with SourceFile and SourceFileSha256. Uploads no row names are unverified.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <map>
#include <optional>
#include <regex>

#include "foreign_layout.h"
#include "kensa/core/time.h"

namespace kensa::collection::foreign {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

// Result rows read per results file: a triage collection has tens of thousands at most.
constexpr std::size_t kMaxRowsPerResultFile = 1'000'000;
// A result row longer than this is not read (a row with a huge embedded blob).
constexpr std::size_t kMaxRowBytes = 1u << 20;

std::optional<Struct> ParseObject(const std::string& text) {
  Struct object;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(text, &object, options).ok()) return std::nullopt;
  return object;
}

std::string StringField(const Struct& object, const std::string& name) {
  const auto it = object.fields().find(name);
  if (it == object.fields().end() || it->second.kind_case() != Value::kStringValue) return {};
  return it->second.string_value();
}

// "C:" or the raw device "\\.\C:" / "\\?\C:" → 'C'; 0 otherwise.
char DriveOf(const std::string& component) {
  static const std::regex kDrive(R"(^(?:\\\\[.?]\\)?([A-Za-z]):$)");
  std::smatch match;
  if (!std::regex_match(component, match, kDrive)) return 0;
  return match[1].str()[0];
}

// A Windows source path as Velociraptor names it, normalised for lookups: "\\.\C:\Windows\x"
// and "C:\Windows\x" both → "c:\windows\x".
std::string SourceKey(std::string source) {
  std::replace(source.begin(), source.end(), '/', '\\');
  if (source.rfind("\\\\.\\", 0) == 0 || source.rfind("\\\\?\\", 0) == 0) source = source.substr(4);
  return Lower(source);
}

std::string NanosecondsToRfc3339(const Value& value) {
  if (value.kind_case() != Value::kNumberValue || value.number_value() <= 0) return {};
  return FormatRfc3339(static_cast<std::int64_t>(value.number_value() / 1e9));
}

struct Hashes {
  std::map<std::string, std::string> by_stored;  // "uploads/auto/C%3A/..." → sha256
  std::map<std::string, std::string> by_source;  // SourceKey → sha256
  std::map<std::string, std::string> mtime_by_source;
};

void ReadResultRows(const std::string& stored, const ReadStored& read, Hashes* hashes,
                    std::vector<std::string>* problems) {
  auto bytes = read(stored);
  if (!bytes) return;
  const std::string text(bytes->begin(), bytes->end());
  std::size_t start = 0;
  std::size_t rows = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::size_t length = end - start;
    const std::size_t line_start = start;
    start = end + 1;
    if (length == 0 || length > kMaxRowBytes) continue;
    if (++rows > kMaxRowsPerResultFile) {
      problems->push_back(stored + ": more than " + std::to_string(kMaxRowsPerResultFile) + " rows; the rest not read");
      return;
    }
    auto row = ParseObject(text.substr(line_start, length));
    if (!row) continue;
    for (const auto& [name, value] : row->fields()) {
      // Any column holding an upload response (Upload, SparseUpload, ...).
      if (value.kind_case() != Value::kStructValue) continue;
      const std::string stored_name = StringField(value.struct_value(), "StoredName");
      const std::string sha256 = StringField(value.struct_value(), "sha256");
      if (!stored_name.empty() && sha256.size() == 64) {
        hashes->by_stored[stored_name.front() == '/' ? stored_name.substr(1) : stored_name] = Lower(sha256);
      }
    }
    const std::string source = StringField(*row, "SourceFile");
    const std::string sha256 = StringField(*row, "SourceFileSha256");
    if (!source.empty() && sha256.size() == 64) hashes->by_source[SourceKey(source)] = Lower(sha256);
    const std::string modified = StringField(*row, "Modified");
    if (!source.empty() && !modified.empty()) hashes->mtime_by_source[SourceKey(source)] = modified;
  }
}

void ReadHost(const std::vector<std::string>& paths, const ReadStored& read, forensics::v1::CollectionManifest* manifest) {
  auto* host = manifest->mutable_host();
  if (auto bytes = read("client_info.json")) {
    if (auto info = ParseObject(std::string(bytes->begin(), bytes->end()))) {
      host->set_hostname(StringField(*info, "Hostname"));
      std::string os = StringField(*info, "Platform");
      const std::string version = StringField(*info, "PlatformVersion");
      if (os.empty()) os = StringField(*info, "OS");
      host->set_os(version.empty() ? os : os + " " + version);
      host->set_kernel(StringField(*info, "KernelVersion"));
      host->set_arch(StringField(*info, "Architecture"));
      manifest->mutable_collector()->set_version(StringField(*info, "Version"));
    }
  }
  if (!host->hostname().empty()) return;
  // Older collectors keep the host only in Generic.Client.Info's results.
  for (const auto& path : paths) {
    if (path.rfind("results/Generic.Client.Info", 0) != 0 || path.find("BasicInformation") == std::string::npos) continue;
    auto bytes = read(path);
    if (!bytes) continue;
    const std::string text(bytes->begin(), bytes->end());
    if (auto info = ParseObject(text.substr(0, std::min(text.find('\n'), text.size())))) {
      host->set_hostname(StringField(*info, "Hostname"));
      if (host->os().empty()) host->set_os(StringField(*info, "OS"));
      if (host->arch().empty()) host->set_arch(StringField(*info, "Architecture"));
    }
  }
}

}  // namespace

ForeignLayout MapVelociraptor(const std::vector<std::string>& paths, const ReadStored& read) {
  ForeignLayout layout;
  auto& manifest = layout.manifest;
  manifest.set_format("velociraptor-offline-collection");
  manifest.mutable_collector()->set_name("velociraptor");
  ReadHost(paths, read, &manifest);
  if (auto bytes = read("collection_context.json")) {
    if (auto context = ParseObject(std::string(bytes->begin(), bytes->end()))) {
      const auto& fields = context->fields();
      if (auto it = fields.find("create_time"); it != fields.end()) manifest.set_started_at(NanosecondsToRfc3339(it->second));
      manifest.set_case_id(StringField(*context, "session_id"));
    }
  }

  Hashes hashes;
  for (const auto& path : paths) {
    if (path.rfind("results/", 0) == 0 && path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0) {
      ReadResultRows(path, read, &hashes, &layout.problems);
    }
  }

  for (const auto& stored : paths) {
    MappedItem item;
    item.stored = stored;
    item.path = stored;
    item.artifact = "other";
    if (stored.rfind("uploads/", 0) != 0) {
      if (stored == "log.json") item.artifact = "collector_log";
      if (stored.rfind("results/", 0) == 0) item.artifact = "collector_results";
      layout.items.push_back(std::move(item));
      continue;
    }
    const auto parts = Split(stored, '/');
    if (parts.size() < 4) {  // uploads/<accessor>/<name>: a data upload with no path
      layout.items.push_back(std::move(item));
      continue;
    }
    const std::string& accessor = parts[1];
    std::vector<std::string> components;
    for (std::size_t i = 2; i < parts.size(); ++i) components.push_back(UnescapeComponent(parts[i]));
    const char drive = DriveOf(components.front());
    const bool unix_accessor = accessor == "file" || accessor == "auto" || accessor == "raw_file";
    bool safe = drive != 0 || unix_accessor;
    std::string rest;
    for (std::size_t i = drive != 0 ? 1 : 0; i < components.size(); ++i) {
      if (!SafeComponent(components[i])) safe = false;
      rest += (rest.empty() ? "" : "/") + components[i];
    }
    if (!safe || rest.empty()) {
      if (drive != 0 || unix_accessor) {
        layout.problems.push_back(stored + ": the name is unsafe once unescaped; kept under its stored name");
      }
      layout.items.push_back(std::move(item));
      continue;
    }
    const Bytes head = read.head(stored);
    if (drive != 0) {
      PlaceWindowsFile(drive, rest, head, &item);
    } else {
      PlaceUnixFile("/" + rest, head, &item);
    }
    if (auto it = hashes.by_stored.find(stored); it != hashes.by_stored.end()) item.expected_sha256 = it->second;
    const std::string key = SourceKey(item.source);
    if (auto it = hashes.by_source.find(key); item.expected_sha256.empty() && it != hashes.by_source.end()) {
      item.expected_sha256 = it->second;
    }
    if (auto it = hashes.mtime_by_source.find(key); it != hashes.mtime_by_source.end()) item.mtime = it->second;
    layout.items.push_back(std::move(item));
  }
  return layout;
}

}  // namespace kensa::collection::foreign
