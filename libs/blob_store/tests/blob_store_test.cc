#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "kensa/blob_store/blob_store.h"

namespace {

kensa::Bytes AsBytes(const std::string& text) { return kensa::Bytes(text.begin(), text.end()); }

// sha256("hello") from coreutils' sha256sum.
constexpr const char* kHelloSha256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

}  // namespace

TEST_CASE("the file blob store names blobs by sha256 in sharded, non-executable files") {
  char pattern[] = "/tmp/kensa-blobs-XXXXXX";
  REQUIRE(::mkdtemp(pattern) != nullptr);
  const std::string root = std::string(pattern) + "/nested/blobs";
  auto store = kensa::blob_store::FileBlobStore::Open(root);
  REQUIRE(store.has_value());
  const auto hello = AsBytes("hello");
  auto sha256 = (*store)->Put(hello);
  REQUIRE(sha256.has_value());
  CHECK(*sha256 == kHelloSha256);
  const std::string path = (*store)->PathOf(*sha256);
  CHECK(path == root + "/2c/f2/" + kHelloSha256);
  struct ::stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0440);
  CHECK(*(*store)->Put(hello) == kHelloSha256);  // storing again is a no-op
  CHECK(*(*store)->Get(kHelloSha256, 100) == hello);
  CHECK(*(*store)->Contains(kHelloSha256));
  CHECK((*store)->Get(kHelloSha256, 4).error().code() == kensa::StatusCode::kResourceExhausted);
  const std::string absent(64, 'a');
  CHECK((*store)->Get(absent, 100).error().code() == kensa::StatusCode::kNotFound);
  CHECK_FALSE(*(*store)->Contains(absent));
  CHECK((*store)->Get("../../etc/passwd", 100).error().code() == kensa::StatusCode::kInvalidArgument);
  std::filesystem::remove_all(pattern);
}

TEST_CASE("sha256 names from outside are checked before they name a file") {
  CHECK(kensa::blob_store::IsSha256Hex(kHelloSha256));
  CHECK_FALSE(kensa::blob_store::IsSha256Hex(std::string(kHelloSha256).substr(1)));
  CHECK_FALSE(kensa::blob_store::IsSha256Hex(std::string(63, 'a') + "G"));
  CHECK_FALSE(kensa::blob_store::IsSha256Hex(std::string(64, 'A')));
}

TEST_CASE("the memory blob store keeps bytes by sha256") {
  kensa::blob_store::MemoryBlobStore store;
  auto sha256 = store.Put(AsBytes("hello"));
  CHECK(*sha256 == kHelloSha256);
  CHECK(*store.Get(kHelloSha256, 5) == AsBytes("hello"));
  CHECK(store.Get(kHelloSha256, 4).error().code() == kensa::StatusCode::kResourceExhausted);
}
