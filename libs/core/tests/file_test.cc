#include "kensa/core/file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

namespace kensa {
namespace {

std::string TempPath(const char* name) {
  return std::string("/tmp/kensa_core_test_") + std::to_string(::getpid()) + "_" + name;
}

TEST_CASE("ReadFileBounded returns the bytes of a file within the limit") {
  const std::string path = TempPath("ok");
  REQUIRE(WriteFileAtomically(path, "MZ\x90").ok());
  auto data = ReadFileBounded(path, 100);
  REQUIRE(data.has_value());
  CHECK(data->size() == 3);
  CHECK((*data)[0] == 'M');
  ::unlink(path.c_str());
}

TEST_CASE("ReadFileBounded names each failure with its own code") {
  CHECK(ReadFileBounded("/nonexistent/kensa.exe", 100).error().code() == StatusCode::kNotFound);
  CHECK(ReadFileBounded("/tmp", 100).error().code() == StatusCode::kInvalidArgument);

  const std::string path = TempPath("big");
  REQUIRE(WriteFileAtomically(path, std::string(101, 'x')).ok());
  auto too_big = ReadFileBounded(path, 100);
  REQUIRE_FALSE(too_big.has_value());
  CHECK(too_big.error().code() == StatusCode::kResourceExhausted);
  CHECK(too_big.error().message().find("101 bytes") != std::string::npos);
  ::unlink(path.c_str());
}

TEST_CASE("ReadFileBounded reports an unreadable file as permission denied") {
  if (::geteuid() == 0) {
    SUCCEED("root reads every file; the check needs an unprivileged user");
    return;
  }
  const std::string path = TempPath("private");
  REQUIRE(WriteFileAtomically(path, "x").ok());
  ::chmod(path.c_str(), 0);
  CHECK(ReadFileBounded(path, 100).error().code() == StatusCode::kPermissionDenied);
  ::unlink(path.c_str());
}

}  // namespace
}  // namespace kensa
