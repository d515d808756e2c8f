/* t13_antiemu: the environment checks samples make before they show their behaviour. It asks
 * whether a debugger is attached, measures GetTickCount across a 10-second Sleep (a sandbox
 * that skips the sleep without advancing the clock is caught), reads the computer name and
 * walks the process list for analysis tools. Only when every check passes does it go on and
 * create the mutex sbx-antiemu-proceed; the decision is printed either way. An emulator must
 * finish this quickly (Sleep accelerated, clock advanced) and take the "proceed" branch. */
#include <windows.h>
#include <tlhelp32.h>

#include "sbx_common.h"

static const char kTest[] = "t13_antiemu";
static const char kProceedMutex[] = "sbx-antiemu-proceed";
static const char* const kAnalysisTools[] = {"procmon.exe", "wireshark.exe", "x64dbg.exe",
                                             "ollydbg.exe", "vboxservice.exe"};

enum { kSleepMs = 10000, kMinimumElapsedMs = 9000 };
/* Bound the process walk; a real system has a few hundred. */
enum { kMaxProcesses = 4096 };

/* 1 when an analysis tool runs, 0 when none does, -1 when the list cannot be read. */
static int FindAnalysisTool(void) {
  HANDLE snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  if (snapshot == INVALID_HANDLE_VALUE) {
    SbxFail(kTest, "toolhelp_snapshot", GetLastError());
    return -1;
  }
  PROCESSENTRY32 entry;
  entry.dwSize = sizeof(entry);
  unsigned long processes = 0;
  int found = 0;
  for (BOOL more = Process32First(snapshot, &entry); more && processes < kMaxProcesses;
       more = Process32Next(snapshot, &entry)) {
    ++processes;
    for (size_t i = 0; i < sizeof(kAnalysisTools) / sizeof(kAnalysisTools[0]); ++i) {
      if (lstrcmpiA(entry.szExeFile, kAnalysisTools[i]) == 0) found = 1;
    }
  }
  CloseHandle(snapshot);
  SbxMarkNumber(kTest, "processes_seen", processes);
  SbxMarkNumber(kTest, "analysis_tool", (unsigned long)found);
  return found;
}

int main(void) {
  int evasive = 0;
  BOOL debugger = IsDebuggerPresent();
  SbxMarkNumber(kTest, "debugger", (unsigned long)debugger);
  if (debugger) evasive = 1;

  DWORD before = GetTickCount();
  Sleep(kSleepMs);
  DWORD elapsed = GetTickCount() - before;
  int slept = elapsed >= kMinimumElapsedMs;
  SbxMarkText(kTest, "sleep", slept ? "elapsed" : "skipped");
  if (!slept) evasive = 1;

  char computer[MAX_COMPUTERNAME_LENGTH + 1];
  DWORD computer_size = sizeof(computer);
  if (!GetComputerNameA(computer, &computer_size)) {
    return SbxFail(kTest, "computer_name", GetLastError());
  }
  SbxMarkText(kTest, "computer_name", computer);

  int tool = FindAnalysisTool();
  if (tool < 0) return 1;
  if (tool) evasive = 1;

  SbxMarkText(kTest, "decision", evasive ? "evade" : "proceed");
  if (!evasive) {
    HANDLE mutex = CreateMutexA(NULL, FALSE, kProceedMutex);
    if (mutex == NULL) return SbxFail(kTest, "create_mutex", GetLastError());
    CloseHandle(mutex);
  }
  SbxDone(kTest);
  return 0;
}
