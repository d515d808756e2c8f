/* t03_filedrop: a dropper's two moves. It writes a fixed 4 KiB file into %TEMP% and copies its
 * own executable to %APPDATA%\sbx\, where droppers install themselves. Byte i of the dropped
 * file is (i mod 256) XOR 0x5A, so its SHA-256 is known without running anything. */
#include <windows.h>

#include "sbx_common.h"

static const char kTest[] = "t03_filedrop";
static const char kDropName[] = "sbx-drop.bin";
static const char kCopyFolder[] = "%APPDATA%\\sbx";
static const char kCopyName[] = "\\sbx-copy.exe";

enum { kDropSize = 4096 };

static int WriteDrop(char* path, DWORD path_capacity) {
  DWORD length = GetTempPathA(path_capacity, path);
  if (length == 0 || length + sizeof(kDropName) > path_capacity) {
    return SbxFail(kTest, "temp_path", GetLastError());
  }
  lstrcatA(path, kDropName);

  static unsigned char content[kDropSize];
  for (unsigned i = 0; i < kDropSize; ++i) content[i] = (unsigned char)((i & 0xFFu) ^ 0x5Au);

  HANDLE file = CreateFileA(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL,
                            NULL);
  if (file == INVALID_HANDLE_VALUE) return SbxFail(kTest, "create_file", GetLastError());
  DWORD written = 0;
  BOOL ok = WriteFile(file, content, kDropSize, &written, NULL);
  DWORD error = GetLastError();
  CloseHandle(file);
  if (!ok || written != kDropSize) return SbxFail(kTest, "write_file", error);
  SbxMarkNumber(kTest, "dropped_bytes", written);
  return 0;
}

static int CopySelf(void) {
  char self[MAX_PATH];
  DWORD length = GetModuleFileNameA(NULL, self, MAX_PATH);
  if (length == 0 || length >= MAX_PATH) return SbxFail(kTest, "module_file_name", GetLastError());

  char target[MAX_PATH];
  length = ExpandEnvironmentStringsA(kCopyFolder, target, MAX_PATH);
  if (length == 0 || length + sizeof(kCopyName) > MAX_PATH) {
    return SbxFail(kTest, "expand_appdata", GetLastError());
  }
  if (!CreateDirectoryA(target, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
    return SbxFail(kTest, "create_directory", GetLastError());
  }
  lstrcatA(target, kCopyName);
  if (!CopyFileA(self, target, FALSE)) return SbxFail(kTest, "copy_self", GetLastError());
  SbxMarkText(kTest, "copied_self", kCopyName + 1);
  return 0;
}

int main(void) {
  char drop_path[MAX_PATH];
  if (WriteDrop(drop_path, MAX_PATH) != 0) return 1;
  if (CopySelf() != 0) return 1;
  SbxDone(kTest);
  return 0;
}
