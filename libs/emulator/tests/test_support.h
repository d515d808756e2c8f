#pragma once
// Test helpers: build shellcode and tiny PEs at test time with mingw-w64 (installed by
// scripts/install-deps), in a temporary directory that is removed afterwards.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "kensa/core/bytes.h"
#include "kensa/emulator/emulator.h"

namespace kensa::emulator::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kensa-emu-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline Bytes ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline bool Run(const std::string& command) { return std::system(command.c_str()) == 0; }

inline std::string ReadText(const std::string& path) {
  const Bytes bytes = ReadAll(path);
  return std::string(bytes.begin(), bytes.end());
}

// A program whose `probe` source is compiled by clang for the MSVC target (C, or C++ when
// `cxx`: __try and C++ exceptions, which mingw-w64's gcc lacks) and linked by mingw-w64 with
// `main_c`; `link` adds libraries. Both find the headers of tests/winbins/src. Empty on failure.
inline Bytes CompileMsvcProbe(const std::string& main_c, const std::string& probe, bool x64, bool cxx,
                              const std::string& link = "") {
  TempDir dir;
  const std::string probe_file = dir.File(cxx ? "probe.cc" : "probe.c");
  WriteText(dir.File("main.c"), main_c);
  WriteText(probe_file, probe);
  const std::string target = x64 ? "x86_64-pc-windows-msvc" : "i686-pc-windows-msvc";
  const std::string cc = x64 ? "x86_64-w64-mingw32-gcc" : "i686-w64-mingw32-gcc";
  if (!Run(std::string(cxx ? "clang++-14" : "clang-14") + " --target=" + target + " -O1 -Itests/winbins/src -c " + probe_file +
           " -o " + dir.File("probe.o")) ||
      !Run(cc + " -std=c11 -O1 -s -static -Itests/winbins/src -o " + dir.File("t.exe") + " " + dir.File("main.c") +
           " " + dir.File("probe.o") + " " + link)) {
    return {};
  }
  return ReadAll(dir.File("t.exe"));
}

// How many recorded API calls have this name.
inline std::size_t CountCalls(const analysis::v1::BehaviorResult& r, const std::string& name) {
  return static_cast<std::size_t>(std::count_if(r.api_calls().begin(), r.api_calls().end(),
                                                [&](const auto& call) { return call.name() == name; }));
}

// Assembles Intel-syntax GAS source into flat shellcode bytes (the .text section).
inline Bytes AssembleShellcode(const std::string& source, bool x64) {
  TempDir dir;
  WriteText(dir.File("sc.S"), ".intel_syntax noprefix\n.text\n" + source + "\n");
  const std::string as = x64 ? "x86_64-w64-mingw32-as" : "i686-w64-mingw32-as";
  const std::string objcopy = x64 ? "x86_64-w64-mingw32-objcopy" : "i686-w64-mingw32-objcopy";
  if (!Run(as + " " + dir.File("sc.S") + " -o " + dir.File("sc.o")) ||
      !Run(objcopy + " -O binary -j .text " + dir.File("sc.o") + " " + dir.File("sc.bin"))) {
    return {};
  }
  return ReadAll(dir.File("sc.bin"));
}

// Compiles one C file into a PE with mingw-w64 (-O1, stripped, like tests/winbins).
inline Bytes CompileC(const std::string& source, bool x64, const std::string& extra_flags = "",
                      const std::string& output = "t.exe") {
  TempDir dir;
  WriteText(dir.File("t.c"), source);
  const std::string cc = x64 ? "x86_64-w64-mingw32-gcc" : "i686-w64-mingw32-gcc";
  if (!Run(cc + " -O1 -s -o " + dir.File(output) + " " + dir.File("t.c") + " " + extra_flags +
           " 2>" + dir.File("cc.log"))) {
    return {};
  }
  return ReadAll(dir.File(output));
}

// Compiles one C file with a resource script (windres) into a PE; `files` are written beside
// the script first (name -> content), for RCDATA entries that name them.
inline Bytes CompileCWithResources(const std::string& source, const std::string& rc,
                                   const std::map<std::string, std::string>& files, bool x64) {
  TempDir dir;
  WriteText(dir.File("t.c"), source);
  WriteText(dir.File("t.rc"), rc);
  for (const auto& [name, content] : files) WriteText(dir.File(name), content);
  const std::string prefix = x64 ? "x86_64-w64-mingw32-" : "i686-w64-mingw32-";
  if (!Run("cd " + dir.File("") + " && " + prefix + "windres t.rc -O coff -o res.o && " + prefix +
           "gcc -O1 -s -o t.exe t.c res.o 2>cc.log")) {
    return {};
  }
  return ReadAll(dir.File("t.exe"));
}

// The xz-compressed test binaries of ../shared/corpora/speakeasy-tests.
inline Bytes SpeakeasyBinary(const std::string& name) {
  TempDir dir;
  const std::string src = "../shared/corpora/speakeasy-tests/tests/bins/" + name + ".xz";
  if (!Run("xz -dc '" + src + "' > " + dir.File("bin"))) return {};
  return ReadAll(dir.File("bin"));
}

inline std::vector<const analysis::v1::ApiCall*> CallsNamed(const analysis::v1::BehaviorResult& r,
                                                            const std::string& name) {
  std::vector<const analysis::v1::ApiCall*> out;
  for (const auto& c : r.api_calls()) {
    if (c.name() == name) out.push_back(&c);
  }
  return out;
}

}  // namespace kensa::emulator::testing
