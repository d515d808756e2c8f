#pragma once
// Kensa's Windows user-mode emulator (issue #4): runs a PE32 / PE32+ EXE or DLL, or raw x86 /
// x64 shellcode, on unicorn with decoy system DLLs, a PEB/TEB/LDR, a heap, cooperative threads
// and a virtual Windows environment, and reports what the sample did as a BehaviorResult.
// Nothing the sample does reaches the host: files, registry, processes and network are models.
//
//   kensa::emulator::EmulationOptions options;          // defaults: see the structs below
//   options.limits.max_instructions = 10'000'000;
//   kensa::Result<kensa::emulator::EmulationOutput> out = kensa::emulator::Emulate(bytes, options);
//   if (!out) return out.error();                       // only for misuse (empty input...)
//   out->behavior.end_reason();                         // exited, instruction_limit, ...
//   for (const auto& f : out->dropped_files) Submit(f.path, f.content);
//
// An input that is neither a PE nor shellcode, a 16-bit or .NET-only image, or a PE for another
// machine ends with end_reason unsupported_file, not an error. docs/emulator.md describes what
// is modelled.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kensa/analysis/v1/behavior.pb.h"
#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa::emulator {

// Bounds on one emulation; each one reached ends the run with its own end reason.
struct EmulationLimits {
  // Instructions over all threads. 50 M is a few seconds of emulation and far more than a
  // dropper needs to reach its payload; API-hammering loops hit it instead of the clock.
  std::uint64_t max_instructions = 50'000'000;
  // API calls over all threads; speakeasy's default, enough for CRT start-up plus real work.
  std::uint64_t max_api_calls = 10'000;
  // Wall clock for the whole emulation, checked by unicorn's timer.
  std::uint32_t timeout_ms = 30'000;
  // Emulated memory mapped at once (images, stacks, heaps, VirtualAlloc). 256 MiB holds any
  // real unpacker; a memory bomb ends with memory_limit.
  std::uint64_t max_memory_bytes = 256ull << 20;
  // Recorded API calls and events kept in the result (counting continues past it).
  std::uint32_t max_recorded_calls = 20'000;
  // Bytes kept per dropped file and per dumped region, and text kept from console output.
  std::uint64_t max_artifact_bytes = 32ull << 20;
  std::uint32_t max_console_bytes = 64 * 1024;
  // Dumps of code the sample wrote and then ran: its image (self-unpacking, UPX-style; the whole
  // image) and, separately counted, a shellcode or allocated region that rewrites itself (a
  // decoder stub decoding the payload after it; the whole region). At most max_artifact_bytes
  // each. A packer has one or two layers; the bound stops a sample that rewrites and re-enters
  // its code in a loop.
  std::uint32_t max_image_dumps = 4;
  // Threads the sample may create (CreateThread / CreateRemoteThread).
  std::uint32_t max_threads = 64;
  // DLL exports run when no export is named (speakeasy runs them all as well).
  std::uint32_t max_dll_exports = 32;
};

// The emulated machine's identity. Defaults describe an ordinary en-US Windows 10 desktop.
struct EnvironmentProfile {
  std::string user_name = "jsmith";
  std::string computer_name = "DESKTOP-4F7Q2KD";
  // "en-US" (code page 1252) or "ja-JP" (code page 932): ANSI strings are decoded and
  // produced in this code page.
  std::string locale = "en-US";
  // Where the sample runs from and its command line ("" = the quoted path).
  std::string sample_path = "C:\\Users\\jsmith\\Desktop\\sample.exe";
  std::string command_line;
  // Extra command-line arguments after the path (argv[1...]).
  std::vector<std::string> arguments;
  // Network simulation: every name resolves to dns_default_ip unless listed in dns_answers;
  // every HTTP request is answered 200 with http_response_body.
  std::string dns_default_ip = "192.0.2.10";
  std::map<std::string, std::string> dns_answers;
  std::string http_response_body = "MZ-kensa-canned-http-response";
  // Data returned by recv() on any socket (a C2 server's first answer).
  std::string socket_response = "OK\r\n";
  // Files present in the virtual file system before the sample runs (Windows path ->
  // content), e.g. a configuration file a sample expects beside it.
  std::map<std::string, std::string> files;
};

struct EmulationOptions {
  EmulationLimits limits;
  EnvironmentProfile environment;
  // Raw input that is not a PE is treated as shellcode of this architecture ("x86" or "x64").
  std::string shellcode_arch = "x86";
  // DLLs: the exports to call after DllMain, in order; empty = every named export (bounded).
  std::vector<std::string> dll_exports;
};

struct Artifact {
  // Dropped files: the Windows path. Memory regions: "memory_0x<address>"; unpacked images
  // "memory_0x<image base>_entry_0x<address executed>".
  std::string name;
  std::string sha256;
  Bytes content;
};

struct EmulationOutput {
  analysis::v1::BehaviorResult behavior;
  // Contents of behavior.dropped_files and behavior.executed_memory_regions, in the same order.
  std::vector<Artifact> dropped_files;
  std::vector<Artifact> memory_regions;
};

// Emulates `file`. Errors only for an empty input or an emulator that cannot start; whatever
// the sample does ends with an end_reason.
Result<EmulationOutput> Emulate(ByteSpan file, const EmulationOptions& options);

}  // namespace kensa::emulator
