#pragma once
// Test fixtures made at test time by the real tools (zip, 7z, tar, gzip, genisoimage, gcab from
// scripts/install-deps) in a temporary folder, so no archive is committed.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "kensa/archive/archive_reader.h"
#include "kensa/core/file.h"
#include "kensa/hashing/hashes.h"

namespace kensa::archive::testing {

// A temporary folder, removed with everything in it when the object goes.
class Workspace {
 public:
  Workspace() {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("kensa_archive_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
  }
  ~Workspace() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  void Write(const std::string& name, std::string_view content) const {
    const auto path = dir_ / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    REQUIRE(out.good());
  }

  // Runs a shell command inside the folder; the test fails when it does not exit with 0.
  void Run(const std::string& command) const {
    INFO(command);
    const std::string line = "cd '" + dir_.string() + "' && ( " + command + " ) >/dev/null";
    REQUIRE(std::system(line.c_str()) == 0);
  }

  Bytes Read(const std::string& name) const {
    auto data = ReadFileBounded(Path(name), 1ull << 32);
    REQUIRE(data.has_value());
    return std::move(*data);
  }

 private:
  std::filesystem::path dir_;
};

inline ByteSpan AsBytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

inline std::string Sha256(std::string_view text) { return hashing::Sha256Hex(AsBytes(text)); }

inline std::string Text(const Bytes& data) { return {data.begin(), data.end()}; }

// The codes of a listing's findings, in order.
inline std::vector<std::string> Codes(const ArchiveListing& listing) {
  std::vector<std::string> codes;
  for (const auto& finding : listing.findings) codes.push_back(finding.code);
  return codes;
}

inline bool HasFinding(const ArchiveListing& listing, const std::string& code,
                       const std::string& detail) {
  return std::any_of(listing.findings.begin(), listing.findings.end(),
                     [&](const ArchiveFinding& finding) {
                       return finding.code == code && finding.detail == detail;
                     });
}

inline const ArchiveFinding* FindingOf(const ArchiveListing& listing, const std::string& code) {
  for (const auto& finding : listing.findings) {
    if (finding.code == code) return &finding;
  }
  return nullptr;
}

// The detail of the first finding with `code`, or "(no <code>)".
inline std::string DetailOf(const ArchiveListing& listing, const std::string& code) {
  const ArchiveFinding* finding = FindingOf(listing, code);
  return finding != nullptr ? finding->detail : "(no " + code + ")";
}

inline const ArchiveMember* MemberNamed(const ArchiveListing& listing, const std::string& name) {
  for (const auto& member : listing.members) {
    if (member.name == name) return &member;
  }
  return nullptr;
}

// The content of the member named `name` as text, or "(no member <name>)".
inline std::string ContentOf(const ArchiveListing& listing, const std::string& name) {
  const ArchiveMember* member = MemberNamed(listing, name);
  return member != nullptr ? Text(member->data) : "(no member " + name + ")";
}

// The project's default password list (rules/archive/passwords.txt; tests run from the root).
inline std::vector<std::string> DefaultPasswords() {
  auto passwords = LoadPasswordList("rules/archive/passwords.txt");
  REQUIRE(passwords.has_value());
  return *passwords;
}

}  // namespace kensa::archive::testing
