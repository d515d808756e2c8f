#include "kensa/collection/collection.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "kensa/archive/archive_reader.h"
#include "kensa/core/file.h"
#include "kensa/hashing/hashes.h"

namespace kensa::collection {

namespace fs = std::filesystem;

namespace {

constexpr const char* kManifest = "manifest.json";

// "kensa-web01-.../files/etc/passwd" -> ("kensa-web01-...", "files/etc/passwd").
std::pair<std::string, std::string> SplitTop(const std::string& name) {
  const auto slash = name.find('/');
  if (slash == std::string::npos) return {"", name};
  return {name.substr(0, slash), name.substr(slash + 1)};
}

bool SafeRelativePath(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.size() > 4096) return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto end = std::min(path.find('/', start), path.size());
    const std::string_view part(path.data() + start, end - start);
    if (part == ".." || part == ".") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

Result<Collection> Collection::OpenArchive(ByteSpan data, const std::string& name, const CollectionLimits& limits) {
  if (data.size() > limits.max_archive_bytes) {
    return ResourceExhaustedError(name + " is larger than " + std::to_string(limits.max_archive_bytes) +
                                  " bytes; unpack it and hunt the folder");
  }
  archive::ArchiveLimits archive_limits;
  archive_limits.max_members = limits.max_items + 16;
  archive_limits.max_member_size = limits.max_item_bytes;
  archive_limits.max_total_size = limits.max_total_bytes;
  // Text logs compress 20-50x; a collection is evidence, not a mail attachment, but it still
  // comes from a host an attacker may control, so the ratio stays bounded.
  archive_limits.max_ratio = 1000.0;
  archive_limits.max_duration = std::chrono::minutes(10);
  KENSA_ASSIGN_OR_RETURN(auto listing, archive::ReadArchive(data, {}, archive_limits));

  Collection collection;
  collection.info_.set_path(name);
  collection.max_item_bytes_ = limits.max_item_bytes;
  // Members share one top folder (kensa-<host>-<time>/); strip it.
  std::set<std::string> tops;
  for (const auto& member : listing.members) tops.insert(SplitTop(member.name).first);
  const bool one_top = tops.size() == 1 && !tops.begin()->empty();
  for (auto& member : listing.members) {
    std::string path = one_top ? SplitTop(member.name).second : member.name;
    if (path.empty() || path.back() == '/') continue;  // folders
    if (!SafeRelativePath(path)) {
      collection.info_.add_problems("unsafe member name skipped: " + member.name);
      continue;
    }
    if (!member.extracted) {
      collection.info_.add_problems("member not extracted: " + path);
      continue;
    }
    collection.members_[path] = std::move(member.data);
  }
  // Only what says the collection is incomplete or unsafe; content findings (an ELF member, a
  // double extension) are triage's business and are expected in evidence.
  static const std::set<std::string> kIntegrityCodes = {
      "archive_bomb_ratio", "archive_member_limit", "archive_total_size_limit", "archive_time_limit",
      "archive_member_too_large", "archive_member_damaged", "archive_damaged", "archive_name_too_long",
      "archive_path_traversal", "archive_encrypted", "archive_password_unknown"};
  for (const auto& finding : listing.findings) {
    if (kIntegrityCodes.count(finding.code)) collection.info_.add_problems(finding.code + ": " + finding.detail);
  }
  if (listing.truncated) collection.info_.add_problems("the archive was read only in part (limits)");
  KENSA_RETURN_IF_ERROR(collection.Load(limits));
  return collection;
}

Result<Collection> Collection::Open(const std::string& path, const CollectionLimits& limits) {
  std::error_code error;
  const auto status = fs::status(path, error);
  if (error || !fs::exists(status)) return NotFoundError("no such file or folder: " + path);
  if (!fs::is_directory(status)) {
    KENSA_ASSIGN_OR_RETURN(const Bytes data, ReadFileBounded(path, limits.max_archive_bytes));
    return OpenArchive(data, path, limits);
  }
  fs::path top = path;
  if (!fs::exists(top / kManifest, error)) {
    // A folder holding the unpacked archive's single top folder.
    std::vector<fs::path> candidates;
    for (const auto& entry : fs::directory_iterator(path, error)) {
      if (entry.is_directory(error) && fs::exists(entry.path() / kManifest, error)) candidates.push_back(entry.path());
    }
    if (candidates.size() != 1) return FailedPreconditionError("no manifest.json in " + path + " (not a Kensa collection)");
    top = candidates.front();
  }
  Collection collection;
  collection.info_.set_path(path);
  collection.folder_ = top.string();
  collection.max_item_bytes_ = limits.max_item_bytes;
  for (fs::recursive_directory_iterator it(top, fs::directory_options::skip_permission_denied, error), end;
       !error && it != end; it.increment(error)) {
    if (collection.folder_paths_.size() > limits.max_items) {
      collection.info_.add_problems("more than " + std::to_string(limits.max_items) + " files; the rest are not hunted");
      break;
    }
    if (it->is_regular_file(error)) collection.folder_paths_.push_back(fs::relative(it->path(), top).generic_string());
  }
  std::sort(collection.folder_paths_.begin(), collection.folder_paths_.end());
  KENSA_RETURN_IF_ERROR(collection.Load(limits));
  return collection;
}

bool Collection::LooksLikeCollection(const std::string& path) {
  std::error_code error;
  if (fs::is_directory(path, error)) {
    if (fs::exists(fs::path(path) / kManifest, error)) return true;
    for (const auto& entry : fs::directory_iterator(path, error)) {
      if (entry.is_directory(error) && fs::exists(entry.path() / kManifest, error)) return true;
    }
    return false;
  }
  // EVTX files are not archives; anything else is tried as one.
  auto head = ReadFileBounded(path, 8);
  if (head && head->size() >= 7 && std::equal(head->begin(), head->begin() + 7, "ElfFile")) return false;
  auto collection = Open(path);
  return collection.has_value();
}

Status Collection::Load(const CollectionLimits& limits) {
  auto manifest_bytes = Read(kManifest);
  if (!manifest_bytes) return FailedPreconditionError(info_.path() + " has no manifest.json (not a Kensa collection)");
  if (manifest_bytes->size() > limits.max_manifest_bytes) return ResourceExhaustedError("manifest.json is too large");
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;  // newer collectors may add fields
  const std::string text(manifest_bytes->begin(), manifest_bytes->end());
  const auto parsed = google::protobuf::util::JsonStringToMessage(text, info_.mutable_manifest(), options);
  if (!parsed.ok()) return InvalidArgumentError("manifest.json does not parse: " + std::string(parsed.message()));
  if (info_.manifest().format() != "kensa-collection") {
    return FailedPreconditionError("manifest.json is not a Kensa collection manifest (format '" +
                                   info_.manifest().format() + "')");
  }
  if (info_.manifest().items_size() > static_cast<int>(limits.max_items)) {
    return ResourceExhaustedError("manifest.json lists more than " + std::to_string(limits.max_items) + " items");
  }
  for (const auto& item : info_.manifest().items()) {
    auto bytes = Read(item.path());
    if (!bytes) {
      info_.add_problems("listed in the manifest, missing from the collection: " + item.path());
      continue;
    }
    if (!item.sha256().empty() && hashing::Sha256Hex(*bytes) != item.sha256()) info_.add_hash_mismatches(item.path());
  }
  return Status::Ok();
}

std::vector<std::string> Collection::Paths() const {
  std::vector<std::string> paths = folder_paths_;
  for (const auto& [path, bytes] : members_) paths.push_back(path);
  for (const auto& [path, bytes] : derived_) paths.push_back(path);
  std::sort(paths.begin(), paths.end());
  return paths;
}

Result<Bytes> Collection::Read(const std::string& path) const {
  if (!SafeRelativePath(path)) return InvalidArgumentError("unsafe path in collection: " + path);
  if (auto derived = derived_.find(path); derived != derived_.end()) return derived->second;
  if (folder_.empty()) {
    auto it = members_.find(path);
    if (it == members_.end()) return NotFoundError("not in the collection: " + path);
    return it->second;
  }
  return ReadFileBounded(folder_ + "/" + path, max_item_bytes_);
}

void Collection::AddDerivedItem(const std::string& path, const std::string& artifact, const std::string& source,
                                Bytes bytes) {
  auto* item = info_.mutable_manifest()->add_items();
  item->set_path(path);
  item->set_kind("derived");
  item->set_source(source);
  item->set_artifact(artifact);
  item->set_size(bytes.size());
  derived_[path] = std::move(bytes);
}

}  // namespace kensa::collection
