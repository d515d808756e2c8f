/* Shared by the benign Windows test programs (tests/winbins/README.md).
 *
 * Every program reports what it did as marker lines on stdout, `SBX|<test>|<step>|<value>`,
 * and ends with `SBX|<test>|done|0` when every step succeeded. A failed step prints
 * `SBX|<test>|fail|<step>:<error>` and the program exits 1 without the done marker: wine exits 0
 * even when a program cannot load, so the done marker is the only proof of a complete run. */
#ifndef KENSA_WINBINS_SBX_COMMON_H_
#define KENSA_WINBINS_SBX_COMMON_H_

#include <stdio.h>

/* Flushed at once: the harness reads stdout from a file that child processes share, and a
 * program that crashes later must still have reported the steps it finished. */
static inline void SbxMarkText(const char* test, const char* step, const char* value) {
  printf("SBX|%s|%s|%s\n", test, step, value);
  fflush(stdout);
}

static inline void SbxMarkNumber(const char* test, const char* step, unsigned long value) {
  printf("SBX|%s|%s|%lu\n", test, step, value);
  fflush(stdout);
}

static inline void SbxMarkHex(const char* test, const char* step, unsigned long value) {
  printf("SBX|%s|%s|%08lx\n", test, step, value);
  fflush(stdout);
}

static inline int SbxFail(const char* test, const char* step, unsigned long error) {
  printf("SBX|%s|fail|%s:%lu\n", test, step, error);
  fflush(stdout);
  return 1;
}

static inline void SbxDone(const char* test) { SbxMarkNumber(test, "done", 0); }

#endif /* KENSA_WINBINS_SBX_COMMON_H_ */
