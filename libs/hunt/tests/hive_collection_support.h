#pragma once
// Test support for Windows collections made of hive files: hives written by hivex from .reg
// text (tests/support/make_hive.py) and the manifest a KAPE-style copy would come with.

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "kensa/test_support/command.h"

namespace kensa::hunt::testing {

inline void MakeHive(const std::filesystem::path& hive, const std::string& prefix, const std::string& reg_text) {
  std::filesystem::create_directories(hive.parent_path());
  const std::filesystem::path reg = hive.string() + ".reg";
  std::ofstream(reg, std::ios::binary) << "Windows Registry Editor Version 5.00\r\n\r\n" << reg_text;
  test_support::RunCommand("python3 tests/support/make_hive.py '" + hive.string() + "' '" + reg.string() +
                           "' --prefix '" + prefix + "'");
  std::filesystem::remove(reg);
}

// manifest.json of host PC-TARO (Windows 10) listing `items` as (path, artifact) files.
inline void WriteManifest(const std::filesystem::path& dir, const std::vector<std::pair<std::string, std::string>>& items) {
  std::string listed;
  for (const auto& [path, artifact] : items) {
    listed += std::string(listed.empty() ? "" : ",\n") + R"({"path": ")" + path + R"(", "kind": "file", "artifact": ")" +
              artifact + R"("})";
  }
  std::ofstream(dir / "manifest.json") << R"({"format": "kensa-collection", "format_version": 1,
      "collector": {"name": "kape-like copy", "version": "1"},
      "host": {"hostname": "PC-TARO", "os": "Windows 10"},
      "started_at": "2026-11-26T01:00:00Z", "finished_at": "2026-11-26T01:05:00Z",
      "items": [)" << listed << "]}";
}

}  // namespace kensa::hunt::testing
