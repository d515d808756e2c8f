// Code that decodes itself in place, as msfvenom's encoders and most shellcode loaders do: a
// decoder stub XORs the payload that follows it, then jumps into it. The run dumps the region
// again once the decoded bytes run ("executed_rewritten_code"), so the payload itself reaches
// YARA; raw shellcode is watched from the start, an allocated region once it first runs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "kensa/emulator/emulator.h"
#include "test_support.h"

namespace kensa::emulator {
namespace {

namespace v1 = analysis::v1;

// mov eax, 0x53425831 / ret, then a marker: what the decoder reveals.
const Bytes kPayload = {0xB8, 0x31, 0x58, 0x42, 0x53, 0xC3, 'S', 'B', 'X', 'L', 'A', 'Y', 'E', 'R', '-', '1'};
constexpr std::uint8_t kKey = 0x5A;

// x86: jmp/call/pop to find the payload, XOR it byte by byte from the end, jump into it.
Bytes SelfDecodingShellcode() {
  std::string source = R"(
  jmp get
decoder:
  pop esi
  mov ecx, 16
decode:
  xor byte ptr [esi+ecx-1], 0x5a
  loop decode
  jmp esi
get:
  call decoder
)";
  for (const std::uint8_t byte : kPayload) source += "  .byte " + std::to_string(byte ^ kKey) + "\n";
  return testing::AssembleShellcode(source, /*x64=*/false);
}

bool Contains(const Bytes& haystack, const std::string& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

std::vector<std::size_t> FoundBy(const v1::BehaviorResult& r, const std::string& how) {
  std::vector<std::size_t> found;
  for (int i = 0; i < r.executed_memory_regions_size(); ++i) {
    if (r.executed_memory_regions(i).found_by() == how) found.push_back(static_cast<std::size_t>(i));
  }
  return found;
}

TEST_CASE("raw shellcode that decodes its payload in place has the decoded payload dumped") {
  const Bytes shellcode = SelfDecodingShellcode();
  REQUIRE_FALSE(shellcode.empty());
  REQUIRE_FALSE(Contains(shellcode, "SBXLAYER"));
  EmulationOptions options;
  options.shellcode_arch = "x86";
  auto out = Emulate(shellcode, options);
  REQUIRE(out);
  const v1::BehaviorResult& r = out->behavior;
  INFO(r.end_detail());
  CHECK(r.end_reason() == v1::EMULATION_END_REASON_EXITED);
  const auto rewritten = FoundBy(r, "executed_rewritten_code");
  REQUIRE(rewritten.size() == 1);
  const Bytes& dump = out->memory_regions[rewritten[0]].content;
  CHECK(Contains(dump, "SBXLAYER-1"));
  CHECK(r.executed_memory_regions(static_cast<int>(rewritten[0])).size() == shellcode.size());
}

TEST_CASE("a loader's allocation that decodes itself is dumped encoded, then decoded") {
  const Bytes shellcode = SelfDecodingShellcode();
  REQUIRE_FALSE(shellcode.empty());
  std::string bytes;
  for (const std::uint8_t byte : shellcode) bytes += std::to_string(byte) + ",";
  const Bytes program = testing::CompileC(R"(
#include <windows.h>
#include <string.h>
static const unsigned char kCode[] = {)" + bytes + R"(};
int main(void) {
  void* memory = VirtualAlloc(NULL, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_EXECUTE_READWRITE);
  if (memory == NULL) return 1;
  memcpy(memory, kCode, sizeof(kCode));
  return ((int (*)(void))memory)() == 0x53425831 ? 0 : 2;
}
)",
                                          /*x64=*/false);
  REQUIRE_FALSE(program.empty());
  auto out = Emulate(program, {});
  REQUIRE(out);
  const v1::BehaviorResult& r = out->behavior;
  INFO(r.end_detail());
  CHECK(r.end_detail() == "exit(0)");
  const auto first = FoundBy(r, "executed_dynamic_allocation");
  const auto rewritten = FoundBy(r, "executed_rewritten_code");
  REQUIRE(first.size() == 1);
  REQUIRE(rewritten.size() == 1);
  CHECK_FALSE(Contains(out->memory_regions[first[0]].content, "SBXLAYER"));
  CHECK(Contains(out->memory_regions[rewritten[0]].content, "SBXLAYER-1"));
  CHECK(r.executed_memory_regions(static_cast<int>(rewritten[0])).address() ==
        r.executed_memory_regions(static_cast<int>(first[0])).address());
}

TEST_CASE("code that keeps rewriting itself is dumped at most max_image_dumps times") {
  // Each round XORs the 4-byte target and runs it again: a new layer every time.
  const Bytes shellcode = testing::AssembleShellcode(R"(
  call next
next:
  pop esi
  add esi, target - next
  mov ecx, 50
again:
  xor dword ptr [esi], 0
  call esi
  loop again
  ret
target:
  nop
  nop
  nop
  ret
)",
                                                     /*x64=*/false);
  REQUIRE_FALSE(shellcode.empty());
  EmulationOptions options;
  options.shellcode_arch = "x86";
  options.limits.max_image_dumps = 3;
  auto out = Emulate(shellcode, options);
  REQUIRE(out);
  CHECK(FoundBy(out->behavior, "executed_rewritten_code").size() == 3);
}

}  // namespace
}  // namespace kensa::emulator
