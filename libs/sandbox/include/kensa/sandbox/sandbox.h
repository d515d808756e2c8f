#pragma once
// The sandbox stage's library (issue #4): one sample's bytes and its static result in, a
// SandboxResult out (proto/kensa/analysis/v1/sandbox.proto). Today's one backend is the
// emulator (libs/emulator); the libvirt backend will produce the same message.
//
// It decides whether the sample can run at all (a native x86/x64 PE EXE or DLL; not .NET-only,
// not a driver), emulates it within the configured limits, evaluates the behaviour signatures
// (rules/behavior/*.yaml, with ATT&CK techniques) over what happened, scans the dropped files and
// the executed memory with YARA, lists the indicators seen (hosts, URLs, registry keys,
// mutexes, files, command lines), and hands back the dropped files and memory dumps to be
// submitted as children.
//
// Build one Sandbox per process (rule loading is the expensive part) and call Run from any
// number of threads: it is immutable after Create.
//
//   auto sandbox = kensa::sandbox::Sandbox::Create(config, &warnings);
//   auto run = (*sandbox)->Run(bytes, static_result);
//   if (!run) return run.error();           // only when the stage cannot work at all
//   run->result.ran();                      // false: skip_reason says why
//   for (auto& child : run->children) Submit(child.info, child.data);

#include <memory>
#include <string>
#include <vector>

#include "kensa/analysis/v1/sandbox.pb.h"
#include "kensa/analysis/v1/static_result.pb.h"
#include "kensa/core/bytes.h"
#include "kensa/core/status.h"
#include "kensa/emulator/emulator.h"

namespace kensa::sandbox {

struct SandboxConfig {
  // The folder that holds behavior/ and yara/ (the repository's rules/ by default).
  std::string rules_dir = "rules";
  // More YARA rule folders, as StaticConfig::extra_yara_dirs.
  std::vector<std::string> extra_yara_dirs;
  // Limits and the emulated machine; environment.locale "ja-JP" runs with code page 932.
  emulator::EmulationOptions emulation;
  // YARA gives up on one artifact after this long.
  int yara_timeout_seconds = 10;
  // Children handed back per run: dropped files first, then memory dumps.
  std::size_t max_children = 64;
};

// A dropped file or executed memory dump to submit as a child; `info` is the same entry as in
// SandboxResult.extracted_files.
struct SandboxChild {
  analysis::v1::ExtractedFile info;
  Bytes data;
};

struct SandboxRun {
  analysis::v1::SandboxResult result;
  std::vector<SandboxChild> children;
};

class Sandbox {
 public:
  // Loads rules/behavior/*.yaml and compiles the YARA rules. Invalid behaviour rule files and
  // missing rule folders are errors; a YARA file that fails to compile is a warning.
  static Result<std::unique_ptr<Sandbox>> Create(const SandboxConfig& config, std::vector<std::string>* warnings);
  ~Sandbox();

  // True when the static result says the backend can run this file (what Run would not skip).
  // The pipeline asks this to decide whether a node goes to the sandbox stage at all.
  static bool CanRun(const analysis::v1::StaticResult& static_result);

  // Runs the sample. Errors only when the stage cannot work (emulator cannot start); whatever
  // the sample does ends in the result.
  Result<SandboxRun> Run(ByteSpan data, const analysis::v1::StaticResult& static_result) const;

  std::size_t behavior_rule_count() const;
  std::size_t yara_rule_count() const;

 private:
  struct State;
  explicit Sandbox(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace kensa::sandbox
