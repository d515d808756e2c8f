/* t09_shellexec: execution through the shell. A two-line batch file is dropped into %TEMP% and
 * opened with ShellExecuteA, which picks cmd.exe from the file type. */
#include <windows.h>
#include <shellapi.h>

#include "sbx_common.h"

static const char kTest[] = "t09_shellexec";
static const char kBatchName[] = "sbx-shellexec.bat";
static const char kBatch[] = "@echo off\r\necho sbx-shellexec\r\n";

int main(void) {
  char path[MAX_PATH];
  DWORD length = GetTempPathA(MAX_PATH, path);
  if (length == 0 || length + sizeof(kBatchName) > MAX_PATH) {
    return SbxFail(kTest, "temp_path", GetLastError());
  }
  lstrcatA(path, kBatchName);

  HANDLE file = CreateFileA(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL,
                            NULL);
  if (file == INVALID_HANDLE_VALUE) return SbxFail(kTest, "create_file", GetLastError());
  DWORD size = (DWORD)(sizeof(kBatch) - 1);
  DWORD written = 0;
  BOOL ok = WriteFile(file, kBatch, size, &written, NULL);
  CloseHandle(file);
  if (!ok || written != size) return SbxFail(kTest, "write_file", GetLastError());
  SbxMarkText(kTest, "dropped", kBatchName);

  /* ShellExecuteA returns a value above 32 on success (an HINSTANCE only for 16-bit reasons). */
  INT_PTR result = (INT_PTR)ShellExecuteA(NULL, "open", path, NULL, NULL, SW_HIDE);
  if (result <= 32) return SbxFail(kTest, "shell_execute", (unsigned long)result);
  SbxMarkText(kTest, "shell_execute", "ok");
  SbxDone(kTest);
  return 0;
}
