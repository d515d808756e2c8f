// kensa: the command-line front end. `kensa triage FILE` analyzes a file in this process, with
// no server. Everything but argument hand-over lives in src/cli.cc.
#include <iostream>
#include <string>
#include <vector>

#include "cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return kensa::cli::Run(args, std::cout, std::cerr);
  } catch (const std::exception& error) {
    std::cerr << "kensa: internal error: " << error.what() << "\n";
    return kensa::cli::kExitInternal;
  }
}
