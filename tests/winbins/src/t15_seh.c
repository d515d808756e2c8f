/* t15_seh: structured exception handling as MSVC-built malware uses it (anti-debugging probes,
 * guarded reads of memory that may not be there). An access violation in a callee is caught by
 * its caller's __except with a filter on the exception code; a second one passes a __finally on
 * its way to an outer __except(1), which runs only after the __finally. The __try code is in
 * t15_seh_probe.c, compiled by clang for the MSVC target (mingw-w64's gcc has no __try): x64
 * gets .pdata unwind tables and __C_specific_handler scope tables, x86 _except_handler3
 * registrations. Each handler leaves a mutex behind, so the effects can be compared. */
#include <windows.h>

#include "sbx_common.h"
#include "t15_seh.h"

static const char kTest[] = "t15_seh";
static int finally_count;

void SbxSehFinallyRan(int abnormal) {
  ++finally_count;
  SbxMarkNumber(kTest, "finally_abnormal", (unsigned long)abnormal);
  HANDLE mutex = CreateMutexA(NULL, FALSE, "sbx-seh-finally");
  if (mutex != NULL) CloseHandle(mutex);
}

int main(void) {
  const int caught = SbxSehCatch(NULL);
  SbxMarkNumber(kTest, "caught", (unsigned long)caught);
  const int unwound = SbxSehUnwind(NULL);
  SbxMarkNumber(kTest, "unwound", (unsigned long)unwound);
  if (caught != 42) return SbxFail(kTest, "caught", (unsigned long)caught);
  if (unwound != 7) return SbxFail(kTest, "unwound", (unsigned long)unwound);
  if (finally_count != 1) return SbxFail(kTest, "finally_count", (unsigned long)finally_count);
  HANDLE mutex = CreateMutexA(NULL, FALSE, "sbx-seh-caught");
  if (mutex == NULL) return SbxFail(kTest, "mutex", GetLastError());
  CloseHandle(mutex);
  SbxDone(kTest);
  return 0;
}
