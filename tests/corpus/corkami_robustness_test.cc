// Every PE in corkami's corner-case collection (valid-but-weird files: 65535 sections, tiny
// headers, virtual sections, TLS tricks) goes through the whole triage without a crash or a
// hang, and yields a report.
#include <chrono>
#include <fstream>
#include <iostream>

#include "corpus_support.h"
#include "kensa/core/file.h"

namespace kensa::corpus_test {
namespace {

bool StartsWithMz(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[2] = {};
  in.read(magic, 2);
  return in.gcount() == 2 && magic[0] == 'M' && magic[1] == 'Z';
}

TEST_CASE("Every corkami PE is triaged without crash or hang") {
  const auto files = ListFiles("../shared/corpora/corkami", StartsWithMz);
  REQUIRE(files.size() >= 200);
  std::map<std::string, int> levels;
  double slowest_ms = 0;
  std::string slowest;
  for (const auto& file : files) {
    INFO(file);
    auto data = ReadFileBounded(file, 64 * 1024 * 1024);
    REQUIRE(data.has_value());
    const auto start = std::chrono::steady_clock::now();
    auto report = Engine().Triage(*data, {file, "test", "en", {}});
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    REQUIRE(report.has_value());
    CHECK(report->submission().sample().hashes().sha256().size() == 64);
    // A hang would show as seconds; every corner case is a few KB.
    CHECK(ms < 5000);
    if (ms > slowest_ms) {
      slowest_ms = ms;
      slowest = file;
    }
    ++levels[scoring::LevelCode(report->verdict().level())];
  }
  std::cout << "corkami: " << files.size() << " PE files, levels: " << LevelDistribution(levels)
            << "slowest " << slowest_ms << " ms (" << slowest << ")\n";
}

}  // namespace
}  // namespace kensa::corpus_test
