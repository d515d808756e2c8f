// A real collection: the Linux collector run on a planted host (tests/collectors/planted_host.py),
// opened as the archive it wrote and as the folder it unpacks to, intact and tampered with.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "kensa/collection/collection.h"
#include "kensa/test_support/command.h"

namespace fs = std::filesystem;
using kensa::collection::Collection;

namespace {

struct PlantedCollection {
  std::string dir;
  std::string archive;
  PlantedCollection() {
    dir = (fs::temp_directory_path() / ("kensa-collection-test-" + std::to_string(::getpid()))).string();
    fs::remove_all(dir);
    fs::create_directories(dir);
    archive = kensa::test_support::RunCommand("python3 tests/collectors/planted_host.py " + dir);
  }
  ~PlantedCollection() { fs::remove_all(dir); }
};

}  // namespace

TEST_CASE("a collector's archive opens with its manifest and every item intact") {
  PlantedCollection planted;
  auto collection = Collection::Open(planted.archive);
  REQUIRE(collection.has_value());
  const auto& manifest = collection->manifest();
  CHECK(manifest.format() == "kensa-collection");
  CHECK(manifest.case_id() == "CASE-2026-0142");
  CHECK(manifest.host().hostname() == "victim01");
  CHECK(manifest.collector().name() == "kensa-collect-linux");
  CHECK(manifest.items_size() > 10);
  CHECK(collection->info().hash_mismatches().empty());
  INFO(collection->info().DebugString());
  CHECK(collection->info().problems().empty());
  auto preload = collection->Read("files/etc/ld.so.preload");
  REQUIRE(preload.has_value());
  CHECK(std::string(preload->begin(), preload->end()) == "/usr/lib/x86_64-linux-gnu/libsneaky.so\n");
  CHECK(collection->Read("files/etc/shadow").error().code() == kensa::StatusCode::kNotFound);
  CHECK(collection->Read("../etc/passwd").error().code() == kensa::StatusCode::kInvalidArgument);
  CHECK(Collection::LooksLikeCollection(planted.archive));
}

TEST_CASE("a tampered or incomplete collection folder is reported, not trusted") {
  PlantedCollection planted;
  const std::string unpacked = planted.dir + "/unpacked";
  fs::create_directories(unpacked);
  kensa::test_support::RunCommand("tar -xzf '" + planted.archive + "' -C '" + unpacked + "'");
  std::string top;
  for (const auto& entry : fs::directory_iterator(unpacked)) top = entry.path().string();
  std::ofstream(top + "/files/etc/crontab", std::ios::app) << "# edited after collection\n";
  fs::remove(top + "/files/home/alice/.ssh/authorized_keys");

  auto collection = Collection::Open(unpacked);  // the folder holding the single top folder
  REQUIRE(collection.has_value());
  CHECK(collection->manifest().host().hostname() == "victim01");
  REQUIRE(collection->info().hash_mismatches_size() == 1);
  CHECK(collection->info().hash_mismatches(0) == "files/etc/crontab");
  REQUIRE(collection->info().problems_size() == 1);
  CHECK(collection->info().problems(0) ==
        "listed in the manifest, missing from the collection: files/home/alice/.ssh/authorized_keys");
}

TEST_CASE("an archive or folder without a Kensa manifest is not a collection") {
  PlantedCollection planted;
  const std::string folder = planted.dir + "/plain";
  fs::create_directories(folder);
  std::ofstream(folder + "/notes.txt") << "hello\n";
  CHECK_FALSE(Collection::LooksLikeCollection(folder));
  CHECK(Collection::Open(folder).error().code() == kensa::StatusCode::kFailedPrecondition);
  kensa::test_support::RunCommand("cd '" + folder + "' && tar -czf ../plain.tar.gz notes.txt");
  auto plain = Collection::Open(planted.dir + "/plain.tar.gz");
  REQUIRE_FALSE(plain.has_value());
  CHECK(plain.error().message().find("no manifest.json") != std::string::npos);
  std::ofstream(folder + "/manifest.json") << "{\"format\": \"something-else\"}";
  CHECK(Collection::Open(folder).error().message().find("not a Kensa collection manifest") != std::string::npos);
  std::ofstream(folder + "/manifest.json") << "{not json";
  CHECK(Collection::Open(folder).error().message().find("manifest.json does not parse") != std::string::npos);
}
