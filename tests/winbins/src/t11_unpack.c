/* t11_unpack: the smallest self-unpacking program. An XOR-encoded code stub is decoded into
 * memory from VirtualAlloc (read-write), made executable with VirtualProtect (read-write-
 * execute, as packers do) and called. The decoded stub is the 11 bytes
 *   B8 11 11 11 11    mov eax, 0x11111111
 *   05 20 47 31 42    add eax, 0x42314720
 *   C3                ret
 * the same in x86 and x64, and returns 0x53425831 ("SBX1" read as a little-endian number).
 * An emulator sees code run from a region written at run time and dumps exactly these bytes. */
#include <windows.h>
#include <string.h>

#include "sbx_common.h"

static const char kTest[] = "t11_unpack";

enum { kXorKey = 0x5A };
static const unsigned char kPackedStub[] = {
    0xB8 ^ kXorKey, 0x11 ^ kXorKey, 0x11 ^ kXorKey, 0x11 ^ kXorKey, 0x11 ^ kXorKey,
    0x05 ^ kXorKey, 0x20 ^ kXorKey, 0x47 ^ kXorKey, 0x31 ^ kXorKey, 0x42 ^ kXorKey,
    0xC3 ^ kXorKey,
};
static const DWORD kExpectedResult = 0x53425831;

typedef DWORD (*StubEntry)(void);

/* Read through a volatile pointer, so the compiler cannot decode the stub at build time: the
 * program must carry only the encoded bytes. */
static const unsigned char* volatile g_packed = kPackedStub;

int main(void) {
  unsigned char* memory =
      VirtualAlloc(NULL, sizeof(kPackedStub), MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
  if (memory == NULL) return SbxFail(kTest, "virtual_alloc", GetLastError());
  for (size_t i = 0; i < sizeof(kPackedStub); ++i) {
    memory[i] = (unsigned char)(g_packed[i] ^ kXorKey);
  }
  DWORD old_protect = 0;
  if (!VirtualProtect(memory, sizeof(kPackedStub), PAGE_EXECUTE_READWRITE, &old_protect)) {
    return SbxFail(kTest, "virtual_protect", GetLastError());
  }
  SbxMarkNumber(kTest, "decoded_bytes", (unsigned long)sizeof(kPackedStub));

  StubEntry stub;
  /* ISO C has no conversion from an object pointer to a function pointer; copy the bits. */
  memcpy(&stub, &memory, sizeof(stub));
  DWORD result = stub();
  SbxMarkHex(kTest, "stub_result", result);
  VirtualFree(memory, 0, MEM_RELEASE);
  if (result != kExpectedResult) return SbxFail(kTest, "stub_result", result);
  SbxDone(kTest);
  return 0;
}
