// False positives: the Windows DLLs and programs that Debian's wine package installs are benign
// software. None of them may be rated suspicious or worse.
#include <iostream>

#include "corpus_support.h"
#include "kensa/core/file.h"

namespace kensa::corpus_test {
namespace {

constexpr const char* kWineWindowsDirs[] = {"/usr/lib/x86_64-linux-gnu/wine/x86_64-windows",
                                            "/usr/lib/x86_64-linux-gnu/wine/i386-windows"};

TEST_CASE("No PE file installed by wine is rated suspicious or worse") {
  std::vector<std::string> files;
  for (const char* dir : kWineWindowsDirs) {
    auto found = ListFiles(dir, [](const std::filesystem::path&) { return true; });
    files.insert(files.end(), found.begin(), found.end());
  }
  // scripts/install-deps installs wine64; without it this check would prove nothing.
  REQUIRE(files.size() >= 500);
  std::map<std::string, int> levels;
  std::vector<std::string> flagged;
  for (const auto& file : files) {
    auto data = ReadFileBounded(file, 256 * 1024 * 1024);
    if (!data || data->empty()) continue;
    auto report = Engine().Triage(*data, {file, "test", "en", {}});
    REQUIRE(report.has_value());
    const auto& verdict = report->verdict();
    ++levels[scoring::LevelCode(verdict.level())];
    if (verdict.level() >= report::v1::LEVEL_SUSPICIOUS) {
      std::string reasons;
      for (const auto& contribution : verdict.contributions()) reasons += " " + contribution.signature();
      flagged.push_back(file + " (" + std::to_string(verdict.score()) + ":" + reasons + ")");
    }
  }
  std::cout << "wine: " << files.size() << " files, levels: " << LevelDistribution(levels) << "\n";
  for (const auto& line : flagged) std::cout << "  flagged: " << line << "\n";
  CHECK(flagged.empty());
}

}  // namespace
}  // namespace kensa::corpus_test
