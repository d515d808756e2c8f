#pragma once
// Content-addressed storage of sample bytes: a blob is named by its sha256 and never changes.
// FileBlobStore keeps blobs in sharded folders (ab/cd/<sha256>) on a local or shared volume,
// written atomically and without execute permission; MemoryBlobStore keeps them in memory for
// in-process runs. Samples leave the system only through the report and API layers.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa::blob_store {

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // Stores `data` and returns its sha256 (lower-case hex). Storing the same bytes twice is a
  // no-op.
  virtual Result<std::string> Put(ByteSpan data) = 0;
  // The bytes of a blob; NotFound when absent, ResourceExhausted when larger than max_size.
  virtual Result<Bytes> Get(const std::string& sha256, std::uint64_t max_size) = 0;
  virtual Result<bool> Contains(const std::string& sha256) = 0;
};

class FileBlobStore final : public BlobStore {
 public:
  // Creates `root` when missing.
  static Result<std::unique_ptr<FileBlobStore>> Open(const std::string& root);
  Result<std::string> Put(ByteSpan data) override;
  Result<Bytes> Get(const std::string& sha256, std::uint64_t max_size) override;
  Result<bool> Contains(const std::string& sha256) override;
  // Where the blob lives (whether or not it exists).
  std::string PathOf(const std::string& sha256) const;

 private:
  explicit FileBlobStore(std::string root) : root_(std::move(root)) {}
  std::string root_;
};

class MemoryBlobStore final : public BlobStore {
 public:
  Result<std::string> Put(ByteSpan data) override;
  Result<Bytes> Get(const std::string& sha256, std::uint64_t max_size) override;
  Result<bool> Contains(const std::string& sha256) override;

 private:
  std::mutex mutex_;
  std::map<std::string, Bytes> blobs_;
};

// True for 64 lower-case hex digits; every sha256 taken from outside is checked with it
// before it names a file.
bool IsSha256Hex(const std::string& text);

}  // namespace kensa::blob_store
