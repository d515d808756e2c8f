/* t12_inject: classic remote-thread injection, into a copy of itself. The program starts its
 * own executable suspended (command line "sbx-inject-child"), reserves read-write-execute
 * memory in it (VirtualAllocEx), writes a payload there (WriteProcessMemory) and runs it with
 * CreateRemoteThread. The payload only returns 0, so the remote thread ends at once
 * (RtlUserThreadStart then calls ExitThread(0)):
 *   x64: 31 C0 C3         xor eax, eax ; ret
 *   x86: 31 C0 C2 04 00   xor eax, eax ; ret 4   (a stdcall ThreadProc pops its parameter)
 * The child's own main thread is never resumed; the child is terminated at the end. */
#include <windows.h>
#include <string.h>

#include "sbx_common.h"

static const char kTest[] = "t12_inject";
static const char kChildCommandLine[] = "sbx-inject-child";

#ifdef _WIN64
static const unsigned char kPayload[] = {0x31, 0xC0, 0xC3};
#else
static const unsigned char kPayload[] = {0x31, 0xC0, 0xC2, 0x04, 0x00};
#endif

/* The payload returns at once; the bound only protects the test from a broken environment. */
enum { kThreadWaitMs = 20000 };

static int Inject(HANDLE process) {
  void* remote = VirtualAllocEx(process, NULL, sizeof(kPayload), MEM_COMMIT | MEM_RESERVE,
                                PAGE_EXECUTE_READWRITE);
  if (remote == NULL) return SbxFail(kTest, "virtual_alloc_ex", GetLastError());
  SIZE_T written = 0;
  if (!WriteProcessMemory(process, remote, kPayload, sizeof(kPayload), &written) ||
      written != sizeof(kPayload)) {
    return SbxFail(kTest, "write_process_memory", GetLastError());
  }
  SbxMarkNumber(kTest, "payload_bytes", (unsigned long)written);

  LPTHREAD_START_ROUTINE start;
  /* ISO C has no conversion from an object pointer to a function pointer; copy the bits. */
  memcpy(&start, &remote, sizeof(start));
  DWORD thread_id = 0;
  HANDLE thread = CreateRemoteThread(process, NULL, 0, start, NULL, 0, &thread_id);
  if (thread == NULL) return SbxFail(kTest, "create_remote_thread", GetLastError());
  DWORD wait = WaitForSingleObject(thread, kThreadWaitMs);
  DWORD exit_code = 1;
  GetExitCodeThread(thread, &exit_code);
  CloseHandle(thread);
  if (wait != WAIT_OBJECT_0) return SbxFail(kTest, "wait_remote_thread", wait);
  SbxMarkNumber(kTest, "remote_thread_exit", exit_code);
  return exit_code == 0 ? 0 : SbxFail(kTest, "remote_thread_exit", exit_code);
}

int main(int argc, char** argv) {
  /* The child is never resumed; should it ever run, it does nothing. */
  if (argc >= 1 && strcmp(argv[0], kChildCommandLine) == 0) return 0;

  char self[MAX_PATH];
  DWORD length = GetModuleFileNameA(NULL, self, MAX_PATH);
  if (length == 0 || length >= MAX_PATH) return SbxFail(kTest, "module_file_name", GetLastError());
  char command_line[sizeof(kChildCommandLine)];
  memcpy(command_line, kChildCommandLine, sizeof(kChildCommandLine));
  STARTUPINFOA startup;
  PROCESS_INFORMATION child;
  ZeroMemory(&startup, sizeof(startup));
  startup.cb = sizeof(startup);
  ZeroMemory(&child, sizeof(child));
  if (!CreateProcessA(self, command_line, NULL, NULL, FALSE, CREATE_SUSPENDED, NULL, NULL,
                      &startup, &child)) {
    return SbxFail(kTest, "create_process_suspended", GetLastError());
  }
  SbxMarkText(kTest, "child_suspended", kChildCommandLine);
  int result = Inject(child.hProcess);
  TerminateProcess(child.hProcess, 0);
  WaitForSingleObject(child.hProcess, kThreadWaitMs);
  CloseHandle(child.hThread);
  CloseHandle(child.hProcess);
  if (result != 0) return result;
  SbxDone(kTest);
  return 0;
}
