/* t16_cxx: C++ exceptions as an MSVC-built program uses them (RATs and loaders written in C++
 * throw and catch internally; a run that stopped at the first throw would miss what follows).
 * An int thrown past a local object's destructor and caught by value; a derived class caught
 * as a reference to its base; a rethrow from an inner catch to an outer catch (...). The C++
 * is t16_cxx_probe.cc, compiled by clang++ for the MSVC target and linked against msvcrt's C++
 * runtime (__CxxFrameHandler3, _CxxThrowException); each destructor leaves a mutex behind. x64
 * only: the emulator models the x64 tables. */
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

#include "sbx_common.h"
#include "t16_cxx.h"

static const char kTest[] = "t16_cxx";

void SbxCxxDestroyed(int which) {
  char name[64];
  snprintf(name, sizeof(name), "sbx-cxx-destroyed-%d", which);
  SbxMarkNumber(kTest, "destroyed", (unsigned long)which);
  HANDLE mutex = CreateMutexA(NULL, FALSE, name);
  if (mutex != NULL) CloseHandle(mutex);
}

void SbxCxxMark(const char* step, int value) { SbxMarkNumber(kTest, step, (unsigned long)value); }

void __std_terminate(void) {
  SbxMarkText(kTest, "fail", "terminate");
  abort();
}

int main(void) {
  const int caught = SbxCxxCatch(7);
  SbxMarkNumber(kTest, "caught", (unsigned long)caught);
  const int base = SbxCxxBase(42);
  SbxMarkNumber(kTest, "base", (unsigned long)base);
  const int rethrown = SbxCxxRethrow(9);
  SbxMarkNumber(kTest, "rethrown", (unsigned long)rethrown);
  if (caught != 107 || base != 42 || rethrown != 55) return SbxFail(kTest, "cxx", 0);
  SbxDone(kTest);
  return 0;
}
