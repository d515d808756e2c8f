/* t01_mutex: the single-instance check malware does with a named mutex. The second
 * CreateMutexA on the same name returns a handle to the same object and sets
 * ERROR_ALREADY_EXISTS, which is how a sample learns that a copy of it already runs. */
#include <windows.h>

#include "sbx_common.h"

static const char kTest[] = "t01_mutex";
static const char kMutexName[] = "Global\\sbx-test-mutex";

int main(void) {
  HANDLE first = CreateMutexA(NULL, FALSE, kMutexName);
  DWORD first_error = GetLastError();
  if (first == NULL) return SbxFail(kTest, "first_create", first_error);
  SbxMarkNumber(kTest, "first_create_error", first_error);

  HANDLE second = CreateMutexA(NULL, FALSE, kMutexName);
  DWORD second_error = GetLastError();
  if (second == NULL) return SbxFail(kTest, "second_create", second_error);
  SbxMarkNumber(kTest, "second_create_error", second_error);
  CloseHandle(second);
  CloseHandle(first);
  if (second_error != ERROR_ALREADY_EXISTS) return SbxFail(kTest, "already_exists", second_error);
  SbxDone(kTest);
  return 0;
}
