/* t04_proc: starting child processes, the two classic ways. CreateProcessA runs a command line
 * and waits for it; WinExec starts another and does not wait. Both children are wine's (or
 * Windows') own cmd.exe echoing a word. */
#include <windows.h>

#include "sbx_common.h"

static const char kTest[] = "t04_proc";
static const char kWinExecCommand[] = "cmd.exe /c echo sbx-winexec";

/* The child is the system's cmd.exe; a few seconds is plenty, and a bound keeps a broken
 * environment from holding the test. */
enum { kChildWaitMs = 20000 };

int main(void) {
  /* CreateProcessA may write into the command line buffer, so it must not be a literal. */
  char command[] = "cmd.exe /c echo sbx-createprocess";
  STARTUPINFOA startup;
  PROCESS_INFORMATION process;
  ZeroMemory(&startup, sizeof(startup));
  startup.cb = sizeof(startup);
  ZeroMemory(&process, sizeof(process));
  if (!CreateProcessA(NULL, command, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &process)) {
    return SbxFail(kTest, "create_process", GetLastError());
  }
  DWORD wait = WaitForSingleObject(process.hProcess, kChildWaitMs);
  DWORD exit_code = 1;
  GetExitCodeProcess(process.hProcess, &exit_code);
  CloseHandle(process.hThread);
  CloseHandle(process.hProcess);
  if (wait != WAIT_OBJECT_0) return SbxFail(kTest, "wait_child", wait);
  SbxMarkNumber(kTest, "create_process_exit", exit_code);

  /* WinExec returns a value above 31 on success. */
  UINT result = WinExec(kWinExecCommand, SW_HIDE);
  if (result <= 31) return SbxFail(kTest, "winexec", result);
  SbxMarkText(kTest, "winexec", "ok");
  SbxDone(kTest);
  return 0;
}
