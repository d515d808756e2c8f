/* t15_seh's structured exception handling, compiled by clang for the MSVC target (mingw-w64's
 * gcc has no __try; CMakeLists.txt, MSVC_SEH): the x64 build gets .pdata/.xdata unwind tables
 * with __C_specific_handler scope tables, the x86 build _except_handler3 registrations. Clang
 * catches only exceptions raised in calls (no -fasync-exceptions), so every fault is in a
 * function of its own. */
#include "t15_seh.h"

/* Faults in a frame of its own, so that the exception is dispatched through it to a caller. */
__declspec(noinline) static void FaultWrite(volatile int* target) { *target = 1; }

/* __finally in the faulting function's caller: run by the unwind before the outer __except. */
__declspec(noinline) static void WriteWithFinally(volatile int* target) {
  __try {
    FaultWrite(target);
  } __finally {
    SbxSehFinallyRan(_abnormal_termination());
  }
}

int SbxSehCatch(volatile int* target) {
  int result = 0;
  __try {
    FaultWrite(target);
    result = 1;
  } __except (_exception_code() == 0xC0000005 ? 1 : 0) {
    result = 42;
  }
  return result;
}

int SbxSehUnwind(volatile int* target) {
  int result = 0;
  __try {
    WriteWithFinally(target);
    result = 1;
  } __except (1) {
    result = 7;
  }
  return result;
}
