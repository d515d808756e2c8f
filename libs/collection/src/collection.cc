#include "kensa/collection/collection.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "foreign_layout.h"
#include "velociraptor_container.h"
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

// Manifest or a foreign layout at the top of `paths`.
bool HasLayout(const std::vector<std::string>& paths) {
  return std::find(paths.begin(), paths.end(), kManifest) != paths.end() ||
         foreign::Detect(paths) != foreign::Layout::kNone;
}

// Files and folders (with a trailing "/") of `dir` down to three levels: enough to recognise a
// layout without walking a whole collection.
std::vector<std::string> ShallowListing(const fs::path& dir) {
  constexpr std::size_t kMaxEntries = 20000;
  constexpr int kMaxDepth = 3;
  std::vector<std::string> paths;
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, error), end;
       !error && it != end && paths.size() < kMaxEntries; it.increment(error)) {
    const std::string relative = fs::relative(it->path(), dir, error).generic_string();
    if (it->is_directory(error)) {
      paths.push_back(relative + "/");
      if (it.depth() + 1 >= kMaxDepth) it.disable_recursion_pending();
    } else {
      paths.push_back(relative);
    }
  }
  return paths;
}

// The collection zip inside a Velociraptor protected container, and how it was opened.
struct Unlocked {
  Bytes data;
  std::string how;
};

Result<Unlocked> UnlockProtectedContainer(ByteSpan data, const foreign::ProtectedContainer& container,
                                          const std::string& name, const archive::ArchiveLimits& archive_limits,
                                          const CollectionSecrets& secrets) {
  const std::string scheme = container.scheme.empty() ? "Password" : container.scheme;
  const std::string what = name + " is an encrypted Velociraptor collection (" + scheme + " scheme)";
  std::vector<std::string> passwords;
  std::string unwrapped;
  if (!container.encrypted_pass.empty() && AsciiLower(scheme) == "x509") {
    auto password = foreign::DecryptContainerPassword(container, secrets.private_keys_pem);
    if (password) {
      unwrapped = *password;
      passwords.push_back(unwrapped);
    } else if (secrets.passwords.empty()) {
      return Status(password.error().code(), what + ": " + password.error().message());
    }
  }
  passwords.insert(passwords.end(), secrets.passwords.begin(), secrets.passwords.end());
  if (passwords.empty()) {
    return FailedPreconditionError(
        what + (AsciiLower(scheme) == "pgp"
                    ? ": decrypt metadata.json's EncryptedPass with the PGP private key (gpg --decrypt) and give "
                      "the password it holds"
                    : ": give its password"));
  }
  KENSA_ASSIGN_OR_RETURN(auto opened, archive::ReadArchive(data, passwords, archive_limits));
  for (auto& member : opened.members) {
    if (member.name != "data.zip" || !member.extracted) continue;
    return Unlocked{std::move(member.data),
                    "Velociraptor container, " + scheme + " scheme: " +
                        (!unwrapped.empty() && member.password_used == unwrapped ? "password decrypted with the private key"
                                                                                 : "opened with a given password")};
  }
  for (const auto& finding : opened.findings) {
    if (finding.code == "archive_member_too_large" || finding.code == "archive_total_size_limit" ||
        finding.code == "archive_bomb_ratio" || finding.code == "archive_damaged") {
      return FailedPreconditionError(what + ": its data.zip could not be read (" + finding.code + ": " + finding.detail + ")");
    }
  }
  return FailedPreconditionError(what + ": none of the " + std::to_string(passwords.size()) +
                                 " password(s) opens its data.zip");
}

}  // namespace

Result<std::vector<std::string>> LoadPrivateKeys(const std::string& path) {
  // A key is a few kilobytes; a server.config.yaml some tens.
  constexpr std::uint64_t kMaxKeyFileBytes = 1u << 20;
  KENSA_ASSIGN_OR_RETURN(const Bytes bytes, ReadFileBounded(path, kMaxKeyFileBytes));
  auto keys = foreign::PrivateKeyBlocks(std::string(bytes.begin(), bytes.end()));
  if (keys.empty()) return InvalidArgumentError(path + " holds no PEM private key");
  return keys;
}

Result<Collection> Collection::OpenArchive(ByteSpan data, const std::string& name, const CollectionLimits& limits,
                                           const CollectionSecrets& secrets) {
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
  if (auto container = foreign::DetectProtectedContainer(listing)) {
    KENSA_ASSIGN_OR_RETURN(Unlocked unlocked, UnlockProtectedContainer(data, *container, name, archive_limits, secrets));
    // The collection inside is a plain Velociraptor zip; a container nested in it is not opened.
    KENSA_ASSIGN_OR_RETURN(Collection collection, OpenArchive(unlocked.data, name, limits));
    collection.info_.set_encryption(unlocked.how);
    return collection;
  }

  Collection collection;
  collection.info_.set_path(name);
  collection.max_item_bytes_ = limits.max_item_bytes;
  // Members share one top folder (kensa-<host>-<time>/); strip it.
  std::set<std::string> tops;
  std::vector<std::string> full_names;
  std::vector<std::string> stripped_names;
  for (const auto& member : listing.members) {
    tops.insert(SplitTop(member.name).first);
    full_names.push_back(member.name);
    stripped_names.push_back(SplitTop(member.name).second);
  }
  // ...unless the members themselves are a layout whose top folder means something (a KAPE
  // zip holding only "C/...").
  const bool one_top = tops.size() == 1 && !tops.begin()->empty() &&
                       !(HasLayout(full_names) && !HasLayout(stripped_names));
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

Result<Collection> Collection::Open(const std::string& path, const CollectionLimits& limits,
                                    const CollectionSecrets& secrets) {
  std::error_code error;
  const auto status = fs::status(path, error);
  if (error || !fs::exists(status)) return NotFoundError("no such file or folder: " + path);
  if (!fs::is_directory(status)) {
    KENSA_ASSIGN_OR_RETURN(const Bytes data, ReadFileBounded(path, limits.max_archive_bytes));
    return OpenArchive(data, path, limits, secrets);
  }
  fs::path top = path;
  if (!fs::exists(top / kManifest, error) && !HasLayout(ShallowListing(top))) {
    // A folder holding the unpacked archive's single top folder.
    std::vector<fs::path> candidates;
    for (const auto& entry : fs::directory_iterator(path, error)) {
      if (entry.is_directory(error) && (fs::exists(entry.path() / kManifest, error) || HasLayout(ShallowListing(entry.path())))) {
        candidates.push_back(entry.path());
      }
    }
    if (candidates.size() != 1) {
      return FailedPreconditionError("no manifest.json in " + path +
                                     " (not a Kensa collection, nor a Velociraptor, KAPE or UAC one)");
    }
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
    if (fs::exists(fs::path(path) / kManifest, error) || HasLayout(ShallowListing(path))) return true;
    for (const auto& entry : fs::directory_iterator(path, error)) {
      if (entry.is_directory(error) && (fs::exists(entry.path() / kManifest, error) || HasLayout(ShallowListing(entry.path())))) {
        return true;
      }
    }
    return false;
  }
  // EVTX files are not archives; anything else is tried as one.
  auto head = ReadFileBounded(path, 8);
  if (head && head->size() >= 7 && std::equal(head->begin(), head->begin() + 7, "ElfFile")) return false;
  if (Open(path).has_value()) return true;
  // An encrypted Velociraptor container is a collection even when nothing here opens it: the
  // hunt then says which secret to give.
  auto data = ReadFileBounded(path, CollectionLimits{}.max_archive_bytes);
  if (!data) return false;
  auto listing = archive::ReadArchive(*data, {});
  return listing.has_value() && foreign::DetectProtectedContainer(*listing).has_value();
}

Status Collection::Load(const CollectionLimits& limits) {
  std::vector<std::string> stored = StoredPaths();
  if (std::find(stored.begin(), stored.end(), kManifest) != stored.end()) return LoadManifest(limits);
  const foreign::Layout kind = foreign::Detect(stored);
  if (kind == foreign::Layout::kNone) {
    return FailedPreconditionError(info_.path() +
                                   " has no manifest.json (not a Kensa collection, nor a Velociraptor, KAPE or UAC one)");
  }
  const foreign::ReadStored read{[this](const std::string& path) { return ReadStored(path); },
                                 [this](const std::string& path) { return ReadStoredHead(path); }};
  foreign::ForeignLayout layout = kind == foreign::Layout::kVelociraptor ? foreign::MapVelociraptor(stored, read)
                                  : kind == foreign::Layout::kKape       ? foreign::MapKape(stored, read)
                                                                         : foreign::MapUac(stored, read);
  foreign_ = true;
  *info_.mutable_manifest() = std::move(layout.manifest);
  for (auto& problem : layout.problems) info_.add_problems(std::move(problem));
  std::size_t unverified = 0;
  for (auto& mapped : layout.items) {
    auto bytes = ReadStored(mapped.stored);
    if (!bytes) {
      info_.add_problems(mapped.stored + ": " + bytes.error().message());
      continue;
    }
    // Two stored files for one host path (the same file through two accessors): the second
    // stays under its stored name.
    if (aliases_.count(mapped.path)) mapped.path = mapped.stored;
    if (aliases_.count(mapped.path)) continue;
    aliases_[mapped.path] = mapped.stored;
    auto* item = info_.mutable_manifest()->add_items();
    item->set_path(mapped.path);
    item->set_kind(mapped.kind);
    item->set_source(mapped.source);
    item->set_artifact(mapped.artifact);
    item->set_size(bytes->size());
    item->set_sha256(hashing::Sha256Hex(*bytes));
    item->set_mtime(mapped.mtime);
    if (mapped.stored != mapped.path) item->set_stored_as(mapped.stored);
    if (!mapped.expected_sha256.empty()) {
      if (mapped.expected_sha256 != item->sha256()) info_.add_hash_mismatches(mapped.path);
    } else if (!mapped.expected_sha1.empty()) {
      if (mapped.expected_sha1 != foreign::Sha1Hex(*bytes)) info_.add_hash_mismatches(mapped.path);
    } else {
      item->set_unverified(true);
      ++unverified;
    }
  }
  if (unverified > 0) {
    info_.add_problems(std::to_string(unverified) + " of " + std::to_string(info_.manifest().items_size()) + " items are unverified: " +
                       foreign::LayoutName(kind) + " recorded no hash of them (sha256 computed by Kensa on opening)");
  }
  for (auto& table : layout.tables) {
    AddDerivedItem(table.path, table.artifact, table.source, Bytes(table.text.begin(), table.text.end()));
  }
  return Status::Ok();
}

Status Collection::LoadManifest(const CollectionLimits& limits) {
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

std::vector<std::string> Collection::StoredPaths() const {
  std::vector<std::string> paths = folder_paths_;
  for (const auto& [path, bytes] : members_) paths.push_back(path);
  std::sort(paths.begin(), paths.end());
  return paths;
}

Result<Bytes> Collection::ReadStored(const std::string& stored) const {
  if (!SafeRelativePath(stored)) return InvalidArgumentError("unsafe path in collection: " + stored);
  if (folder_.empty()) {
    auto it = members_.find(stored);
    if (it == members_.end()) return NotFoundError("not in the collection: " + stored);
    return it->second;
  }
  return ReadFileBounded(folder_ + "/" + stored, max_item_bytes_);
}

Bytes Collection::ReadStoredHead(const std::string& stored) const {
  // Enough for the magic numbers the artifact table looks at (MZ, \x7fELF).
  constexpr std::size_t kHeadBytes = 8;
  if (!SafeRelativePath(stored)) return {};
  if (folder_.empty()) {
    auto it = members_.find(stored);
    if (it == members_.end()) return {};
    return Bytes(it->second.begin(), it->second.begin() + static_cast<std::ptrdiff_t>(std::min(it->second.size(), kHeadBytes)));
  }
  std::ifstream in(folder_ + "/" + stored, std::ios::binary);
  Bytes head(kHeadBytes);
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  head.resize(in ? kHeadBytes : static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return head;
}

std::vector<std::string> Collection::Paths() const {
  if (foreign_) {
    std::vector<std::string> paths;
    for (const auto& [path, stored] : aliases_) paths.push_back(path);
    for (const auto& [path, bytes] : derived_) paths.push_back(path);
    std::sort(paths.begin(), paths.end());
    return paths;
  }
  std::vector<std::string> paths = folder_paths_;
  for (const auto& [path, bytes] : members_) paths.push_back(path);
  for (const auto& [path, bytes] : derived_) paths.push_back(path);
  std::sort(paths.begin(), paths.end());
  return paths;
}

Result<Bytes> Collection::Read(const std::string& path) const {
  if (!SafeRelativePath(path)) return InvalidArgumentError("unsafe path in collection: " + path);
  if (auto derived = derived_.find(path); derived != derived_.end()) return derived->second;
  if (foreign_) {
    auto alias = aliases_.find(path);
    if (alias == aliases_.end()) return NotFoundError("not in the collection: " + path);
    return ReadStored(alias->second);
  }
  return ReadStored(path);
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
