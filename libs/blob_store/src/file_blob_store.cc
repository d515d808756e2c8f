#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "kensa/blob_store/blob_store.h"
#include "kensa/core/file.h"
#include "kensa/hashing/hashes.h"

namespace kensa::blob_store {

namespace {

// Blobs are samples: readable by the service user and group only, never executable.
constexpr mode_t kBlobMode = 0440;
constexpr mode_t kFolderMode = 0750;

Status MakeFolder(const std::string& path) {
  if (::mkdir(path.c_str(), kFolderMode) == 0 || errno == EEXIST) return Status::Ok();
  return UnavailableError("cannot create folder " + path + ": " + std::strerror(errno));
}

Status WriteAll(int fd, ByteSpan data) {
  std::size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return UnavailableError(std::string("cannot write blob: ") + std::strerror(errno));
    written += static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

bool IsSha256Hex(const std::string& text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<std::unique_ptr<FileBlobStore>> FileBlobStore::Open(const std::string& root) {
  if (root.empty()) return InvalidArgumentError("blob store folder is not set");
  // Create each level of the root path (mkdir -p), tolerating folders that exist.
  for (std::size_t slash = root.find('/', 1); ; slash = root.find('/', slash + 1)) {
    KENSA_RETURN_IF_ERROR(MakeFolder(root.substr(0, slash)));
    if (slash == std::string::npos) break;
  }
  struct ::stat info {};
  if (::stat(root.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return UnavailableError("blob store folder is not a folder: " + root);
  }
  return std::unique_ptr<FileBlobStore>(new FileBlobStore(root));
}

std::string FileBlobStore::PathOf(const std::string& sha256) const {
  return root_ + "/" + sha256.substr(0, 2) + "/" + sha256.substr(2, 2) + "/" + sha256;
}

Result<std::string> FileBlobStore::Put(ByteSpan data) {
  const std::string sha256 = hashing::Sha256Hex(data);
  const std::string path = PathOf(sha256);
  if (::access(path.c_str(), F_OK) == 0) return sha256;  // content-addressed: same name, same bytes
  KENSA_RETURN_IF_ERROR(MakeFolder(root_ + "/" + sha256.substr(0, 2)));
  KENSA_RETURN_IF_ERROR(MakeFolder(root_ + "/" + sha256.substr(0, 2) + "/" + sha256.substr(2, 2)));

  // Write to a unique temporary name and rename, so that a reader (another replica on the same
  // shared volume) never sees a partial blob, and a crash leaves only a stray temporary.
  static std::atomic<std::uint64_t> counter{0};
  const std::string temporary = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kBlobMode);
  if (fd < 0) return UnavailableError("cannot create " + temporary + ": " + std::strerror(errno));
  Status status = WriteAll(fd, data);
  if (status.ok() && ::fsync(fd) != 0) status = UnavailableError("cannot sync blob " + sha256);
  ::close(fd);
  if (status.ok() && ::rename(temporary.c_str(), path.c_str()) != 0) {
    status = UnavailableError("cannot store blob " + sha256 + ": " + std::strerror(errno));
  }
  if (!status.ok()) {
    ::unlink(temporary.c_str());
    return status;
  }
  return sha256;
}

Result<Bytes> FileBlobStore::Get(const std::string& sha256, std::uint64_t max_size) {
  if (!IsSha256Hex(sha256)) return InvalidArgumentError("not a sha256: " + sha256);
  auto bytes = ReadFileBounded(PathOf(sha256), max_size);
  if (!bytes.has_value() && bytes.error().code() == StatusCode::kNotFound) {
    return NotFoundError("no blob " + sha256);
  }
  return bytes;
}

Result<bool> FileBlobStore::Contains(const std::string& sha256) {
  if (!IsSha256Hex(sha256)) return InvalidArgumentError("not a sha256: " + sha256);
  return ::access(PathOf(sha256).c_str(), F_OK) == 0;
}

}  // namespace kensa::blob_store
