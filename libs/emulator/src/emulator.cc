#include "kensa/emulator/emulator.h"

#include "kensa/pe/pe_analyzer.h"
#include "machine.h"

namespace kensa::emulator {
namespace {

using analysis::v1::EMULATION_END_REASON_ERROR;
using analysis::v1::EMULATION_END_REASON_UNSUPPORTED_FILE;

EmulationOutput Unsupported(std::string kind, std::string detail) {
  EmulationOutput out;
  out.behavior.set_input_kind(std::move(kind));
  out.behavior.set_end_reason(EMULATION_END_REASON_UNSUPPORTED_FILE);
  out.behavior.set_end_detail(std::move(detail));
  return out;
}

}  // namespace

Result<EmulationOutput> Emulate(ByteSpan file, const EmulationOptions& options) {
  using internal::Arch;
  if (file.empty()) return InvalidArgumentError("nothing to emulate: the input is empty");
  const bool looks_pe = file.size() >= 2 && file[0] == 'M' && file[1] == 'Z';
  std::optional<pe::PeAnalysis> pe;
  Arch arch = options.shellcode_arch == "x64" ? Arch::kX64 : Arch::kX86;
  std::string kind = "shellcode";
  if (looks_pe) {
    Result<pe::PeAnalysis> parsed = pe::AnalyzePe(file);
    if (!parsed) return Unsupported("unknown", "MZ header without a PE image: " + parsed.error().message());
    pe = std::move(*parsed);
    const std::string& machine = pe->info.machine();
    if (machine == "i386") {
      arch = Arch::kX86;
    } else if (machine == "amd64") {
      arch = Arch::kX64;
    } else {
      return Unsupported("pe", "PE for machine " + machine + " is not emulated (x86 and x64 are)");
    }
    if (pe->info.is_driver()) return Unsupported("pe_driver", "kernel-mode drivers are not emulated");
    kind = pe->info.is_dll() ? "pe_dll" : "pe_exe";
  }
  if (file.size() > options.limits.max_memory_bytes) {
    return Unsupported(kind, "input larger than the emulated memory limit");
  }

  KENSA_ASSIGN_OR_RETURN(std::unique_ptr<internal::CpuEngine> cpu, internal::CpuEngine::Create(arch));
  internal::Machine machine(options, arch, std::move(cpu));
  EmulationOutput out;
  // The sample exists on the virtual disk where it runs from (samples copy themselves).
  machine.vfs().Plant(options.environment.sample_path, file);
  Status status = machine.Initialize();
  if (status.ok()) {
    status = pe ? internal::LoadPe(machine, file, pe->info) : internal::LoadShellcode(machine, file);
    if (!status.ok()) {
      out = Unsupported(kind, "image not loaded: " + status.message());
      out.behavior.set_architecture(arch == Arch::kX64 ? "x64" : "x86");
      return out;
    }
  }
  if (status.ok()) status = machine.FinishLoaderData();
  if (!status.ok()) {
    machine.result().set_end_reason(EMULATION_END_REASON_ERROR);
    machine.result().set_end_detail("emulator set-up failed: " + status.message());
  } else {
    machine.RunAll();
  }
  machine.CollectArtifacts(out);
  out.behavior.set_architecture(arch == Arch::kX64 ? "x64" : "x86");
  out.behavior.set_input_kind(kind);
  return out;
}

}  // namespace kensa::emulator
