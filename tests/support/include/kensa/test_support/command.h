#pragma once
// Running the real tools tests build their fixtures with (python3 fixture scripts, hivex,
// sha256sum...), from the repository root where ctest starts every test.

#include <cstdio>
#include <stdexcept>
#include <string>

namespace kensa::test_support {

// The command's standard output without trailing newlines. Throws std::runtime_error (which
// fails the Catch2 test case with the command in the message) when it cannot start or exits
// with a non-zero status.
inline std::string RunCommand(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot start: " + command);
  std::string output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  const int status = ::pclose(pipe);
  if (status != 0) throw std::runtime_error("failed (status " + std::to_string(status) + "): " + command);
  while (!output.empty() && output.back() == '\n') output.pop_back();
  return output;
}

// The bytes of `member` in the password-protected `zip` (the corpora's zips of live or test
// samples), unzipped into a temporary folder that is removed again.
inline std::string UnzipMember(const std::string& zip, const std::string& member,
                               const std::string& password) {
  const std::string dir = RunCommand("mktemp -d");
  RunCommand("unzip -q -o -P '" + password + "' '" + zip + "' -d " + dir);
  std::string bytes;
  if (FILE* file = std::fopen((dir + "/" + member).c_str(), "rb")) {
    char buffer[65536];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof(buffer), file)) > 0) bytes.append(buffer, got);
    std::fclose(file);
  }
  RunCommand("rm -rf " + dir);
  if (bytes.empty()) throw std::runtime_error(member + " not found in " + zip);
  return bytes;
}

}  // namespace kensa::test_support
