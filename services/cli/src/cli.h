#pragma once
// The `kensa` command: argument parsing, configuration and the triage command, kept out of
// main.cc so that tests drive exactly what users run.

#include <iosfwd>
#include <string>
#include <vector>

namespace kensa::cli {

// Exit codes, one per kind of outcome, documented in `kensa help` and README.md.
enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,        // Kensa itself failed
  kExitUsage = 2,           // bad command line or configuration
  kExitNotFound = 3,        // the input file does not exist
  kExitUnreadable = 4,      // the input exists but cannot be read (permissions, I/O)
  kExitEmpty = 5,           // the input is empty: nothing to analyze
  kExitTooLarge = 6,        // the input is over the size limit
  kExitNotAFile = 7,        // the input is a directory or device
  kExitRules = 8,           // rules or scoring model could not be loaded
  kExitTruncated = 9,       // analyzed, but the file is truncated: the report is partial
  kExitLevelReached = 10,   // --fail-on LEVEL: the verdict reached that level
};

// Runs `kensa <args...>`; args excludes the program name. Returns the exit code.
int Run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace kensa::cli
