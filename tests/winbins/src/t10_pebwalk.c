/* t10_pebwalk: the loader that runs the PEB-walking shellcode of t10_pebwalk_{x86,x64}.S under
 * wine. The shellcode is linked into this program's .text and called in place; it imports
 * nothing, so neither LoadLibraryA nor WinExec appears in this program's import table. The
 * emulator also runs the shellcode alone, from t10_pebwalk.bin. */
#include <windows.h>

#include "sbx_common.h"

static const char kTest[] = "t10_pebwalk";

/* In t10_pebwalk_{x86,x64}.S: returns WinExec's result, or 0 when an API was not found. */
extern unsigned int t10_pebwalk_shellcode(void);

int main(void) {
  unsigned int result = t10_pebwalk_shellcode();
  if (result == 0) return SbxFail(kTest, "resolve", 0);
  /* WinExec returns a value above 31 on success. */
  if (result <= 31) return SbxFail(kTest, "winexec", result);
  SbxMarkText(kTest, "winexec", "ok");
  SbxDone(kTest);
  return 0;
}
