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

}  // namespace kensa::test_support
