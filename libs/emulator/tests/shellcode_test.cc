// Shellcode emulation: PEB walking, export walking, the decoy DLLs, and every limit.
#include <catch2/catch.hpp>

#include <chrono>

#include "kensa/emulator/emulator.h"
#include "test_support.h"

using kensa::Bytes;
using kensa::analysis::v1::BehaviorResult;
using namespace kensa::emulator;
using namespace kensa::emulator::testing;

namespace {

// Finds kernel32 as the third InMemoryOrder module, GetProcAddress by walking its export names,
// then calls GetProcAddress(kernel32, "WinExec") and WinExec("calc.exe", 0).
const char* kPebWalkX86 = R"(
  mov eax, fs:[0x30]
  mov eax, [eax+0x0c]
  mov esi, [eax+0x14]
  lodsd
  xchg eax, esi
  lodsd
  mov ebx, [eax+0x10]
  mov edx, [ebx+0x3c]
  add edx, ebx
  mov edx, [edx+0x78]
  add edx, ebx
  mov esi, [edx+0x20]
  add esi, ebx
  xor ecx, ecx
find:
  inc ecx
  lodsd
  add eax, ebx
  cmp dword ptr [eax], 0x50746547
  jne find
  cmp dword ptr [eax+4], 0x41636f72
  jne find
  cmp dword ptr [eax+8], 0x65726464
  jne find
  mov esi, [edx+0x24]
  add esi, ebx
  mov cx, [esi+ecx*2-2]
  mov esi, [edx+0x1c]
  add esi, ebx
  mov edx, [esi+ecx*4]
  add edx, ebx
  push 0x00636578
  push 0x456e6957
  push esp
  push ebx
  call edx
  push 0
  push 0x6578652e
  push 0x636c6163
  mov ecx, esp
  push 0
  push ecx
  call eax
  add esp, 20
  ret
)";

const char* kPebWalkX64 = R"(
  mov rax, gs:[0x60]
  mov rax, [rax+0x18]
  mov rsi, [rax+0x20]
  mov rsi, [rsi]
  mov rsi, [rsi]
  mov rbx, [rsi+0x20]
  mov edx, [rbx+0x3c]
  add rdx, rbx
  mov edx, [rdx+0x88]
  add rdx, rbx
  mov r8d, [rdx+0x20]
  add r8, rbx
  xor rcx, rcx
find:
  mov eax, [r8+rcx*4]
  add rax, rbx
  inc rcx
  mov r9, 0x41636f7250746547
  cmp [rax], r9
  jne find
  cmp dword ptr [rax+8], 0x65726464
  jne find
  dec rcx
  mov r8d, [rdx+0x24]
  add r8, rbx
  movzx ecx, word ptr [r8+rcx*2]
  mov r8d, [rdx+0x1c]
  add r8, rbx
  mov eax, [r8+rcx*4]
  add rax, rbx
  mov r12, rax
  sub rsp, 0x38
  mov rcx, rbx
  mov rdx, 0x00636578456e6957
  mov [rsp+0x28], rdx
  lea rdx, [rsp+0x28]
  call r12
  mov rdx, 0x6578652e636c6163
  mov [rsp+0x28], rdx
  mov qword ptr [rsp+0x30], 0
  lea rcx, [rsp+0x28]
  xor edx, edx
  call rax
  add rsp, 0x38
  ret
)";

EmulationOutput MustEmulate(const Bytes& code, const EmulationOptions& options) {
  REQUIRE_FALSE(code.empty());
  auto out = Emulate(code, options);
  REQUIRE(out);
  return std::move(*out);
}

void CheckWinExecCalc(const BehaviorResult& r) {
  INFO(r.end_detail());
  REQUIRE(r.process_events_size() == 1);
  CHECK(r.process_events(0).operation() == "create");
  CHECK(r.process_events(0).target() == "calc.exe");
  const auto gpa = CallsNamed(r, "GetProcAddress");
  REQUIRE(gpa.size() == 1);
  CHECK(gpa[0]->module() == "kernel32.dll");
  CHECK(gpa[0]->args(1) == "\"WinExec\"");
  const auto winexec = CallsNamed(r, "WinExec");
  REQUIRE(winexec.size() == 1);
  CHECK(winexec[0]->args(0) == "\"calc.exe\"");
  CHECK(winexec[0]->return_value() == 33);
  CHECK(r.process_events(0).api_seq() == winexec[0]->seq());
  CHECK(r.end_reason() == kensa::analysis::v1::EMULATION_END_REASON_EXITED);
  CHECK(r.unmodelled_apis_size() == 0);
}

}  // namespace

TEST_CASE("x86 shellcode finds kernel32 through the PEB and runs WinExec(calc.exe)") {
  EmulationOptions options;
  options.shellcode_arch = "x86";
  const EmulationOutput out = MustEmulate(AssembleShellcode(kPebWalkX86, false), options);
  CHECK(out.behavior.architecture() == "x86");
  CHECK(out.behavior.input_kind() == "shellcode");
  CheckWinExecCalc(out.behavior);
}

TEST_CASE("x64 shellcode finds kernel32 through the PEB and runs WinExec(calc.exe)") {
  EmulationOptions options;
  options.shellcode_arch = "x64";
  const EmulationOutput out = MustEmulate(AssembleShellcode(kPebWalkX64, true), options);
  CHECK(out.behavior.architecture() == "x64");
  CheckWinExecCalc(out.behavior);
}

TEST_CASE("an infinite loop ends with instruction_limit") {
  EmulationOptions options;
  options.limits.max_instructions = 100'000;
  const EmulationOutput out = MustEmulate(Bytes{0xEB, 0xFE}, options);  // jmp $
  CHECK(out.behavior.end_reason() == kensa::analysis::v1::EMULATION_END_REASON_INSTRUCTION_LIMIT);
  CHECK(out.behavior.instruction_count() == 100'000);
  CHECK(out.behavior.end_detail().find("instruction limit 100000") != std::string::npos);
}

TEST_CASE("an infinite loop with no instruction limit ends with timeout") {
  EmulationOptions options;
  options.limits.max_instructions = ~0ull;
  options.limits.timeout_ms = 300;
  const auto start = std::chrono::steady_clock::now();
  const EmulationOutput out = MustEmulate(Bytes{0xEB, 0xFE}, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(out.behavior.end_reason() == kensa::analysis::v1::EMULATION_END_REASON_TIMEOUT);
  CHECK(seconds < 5.0);
  CHECK(out.behavior.instruction_count() > 1000);
}

TEST_CASE("a VirtualAlloc loop ends with memory_limit") {
  // Resolve VirtualAlloc like the PEB walk above, then allocate 1 MiB forever.
  const std::string bomb = std::string(kPebWalkX86).substr(0, std::string(kPebWalkX86).find("  push 0x00636578")) + R"(
  push 0
  push 0x636f6c6c
  push 0x416c6175
  push 0x74726956
  push esp
  push ebx
  call edx
  mov esi, eax
again:
  push 0x04
  push 0x3000
  push 0x100000
  push 0
  call esi
  jmp again
)";
  EmulationOptions options;
  options.limits.max_memory_bytes = 64ull << 20;
  const EmulationOutput out = MustEmulate(AssembleShellcode(bomb, false), options);
  INFO(out.behavior.end_detail());
  CHECK(out.behavior.end_reason() == kensa::analysis::v1::EMULATION_END_REASON_MEMORY_LIMIT);
  CHECK(CallsNamed(out.behavior, "VirtualAlloc").size() > 40);
}

TEST_CASE("a GetTickCount loop ends with api_limit") {
  const std::string loop = std::string(kPebWalkX86).substr(0, std::string(kPebWalkX86).find("  push 0x00636578")) + R"(
  push 0
  push 0x746e756f
  push 0x436b6369
  push 0x54746547
  push esp
  push ebx
  call edx
  mov esi, eax
again:
  call esi
  jmp again
)";
  EmulationOptions options;
  options.limits.max_api_calls = 500;
  const EmulationOutput out = MustEmulate(AssembleShellcode(loop, false), options);
  INFO(out.behavior.end_detail());
  CHECK(out.behavior.end_reason() == kensa::analysis::v1::EMULATION_END_REASON_API_LIMIT);
  CHECK(out.behavior.api_call_count() == 500);
  CHECK(CallsNamed(out.behavior, "GetTickCount").size() == 499);
}

TEST_CASE("a read of unmapped memory ends with invalid_memory and says where") {
  // mov eax, [0x10]
  const EmulationOutput out = MustEmulate(Bytes{0xA1, 0x10, 0x00, 0x00, 0x00}, EmulationOptions{});
  CHECK(out.behavior.end_reason() == kensa::analysis::v1::EMULATION_END_REASON_INVALID_MEMORY);
  CHECK(out.behavior.end_detail().find("read of unmapped memory at 0x10") != std::string::npos);
}

TEST_CASE("int3 ends with unhandled_exception and its code") {
  const EmulationOutput out = MustEmulate(Bytes{0x90, 0xCC}, EmulationOptions{});
  CHECK(out.behavior.end_reason() == kensa::analysis::v1::EMULATION_END_REASON_UNHANDLED_EXCEPTION);
  CHECK(out.behavior.end_detail().find("0x80000003") != std::string::npos);
}

TEST_CASE("an x86 SEH handler that fixes the context resumes execution after a fault") {
  const char* source = R"(
  call next
next:
  pop ebx
  lea eax, [ebx + handler - next]
  push eax
  push dword ptr fs:[0]
  mov fs:[0], esp
  xor eax, eax
  mov eax, [eax]
resume:
  pop dword ptr fs:[0]
  add esp, 4
  ret
handler:
  mov eax, [esp+12]
  call here
here:
  pop edx
  sub edx, here - resume
  mov [eax+0xB8], edx
  xor eax, eax
  ret
)";
  const EmulationOutput out = MustEmulate(AssembleShellcode(source, false), EmulationOptions{});
  INFO(out.behavior.end_detail());
  CHECK(out.behavior.end_reason() == kensa::analysis::v1::EMULATION_END_REASON_EXITED);
  CHECK(out.behavior.end_detail() == "all threads returned");
}

TEST_CASE("a trap-flag single step reaches the x86 SEH handler after the next instruction") {
  // The handler continues only for EXCEPTION_SINGLE_STEP reported after the nop (the
  // instruction following popfd). Continuing must not trap again: the CONTEXT it resumes from
  // has the trap flag cleared, as Windows clears it.
  const char* source = R"(
  call next
next:
  pop ebx
  lea eax, [ebx + handler - next]
  push eax
  push dword ptr fs:[0]
  mov fs:[0], esp
  pushfd
  or dword ptr [esp], 0x100
  popfd
  nop
after:
  pop dword ptr fs:[0]
  add esp, 4
  ret
handler:
  mov eax, [esp+4]
  cmp dword ptr [eax], 0x80000004
  jne decline
  call here
here:
  pop edx
  sub edx, here - after
  cmp [eax+12], edx
  jne decline
  xor eax, eax
  ret
decline:
  mov eax, 1
  ret
)";
  const EmulationOutput out = MustEmulate(AssembleShellcode(source, false), EmulationOptions{});
  INFO(out.behavior.end_detail());
  CHECK(out.behavior.end_reason() == kensa::analysis::v1::EMULATION_END_REASON_EXITED);
  CHECK(out.behavior.end_detail() == "all threads returned");
}

TEST_CASE("an x86 SEH chain whose handlers all decline ends with unhandled_exception") {
  // The handler returns ExceptionContinueSearch; the chain ends at 0xFFFFFFFF.
  const char* source = R"(
  call next
next:
  pop ebx
  lea eax, [ebx + handler - next]
  push eax
  push dword ptr fs:[0]
  mov fs:[0], esp
  int3
handler:
  mov eax, 1
  ret
)";
  const EmulationOutput out = MustEmulate(AssembleShellcode(source, false), EmulationOptions{});
  CHECK(out.behavior.end_reason() == kensa::analysis::v1::EMULATION_END_REASON_UNHANDLED_EXCEPTION);
  CHECK(out.behavior.end_detail().find("unhandled exception 0x80000003 (breakpoint") != std::string::npos);
}
