/* t06_urlmon: the one-call downloader. URLDownloadToFileA fetches argv[1] into
 * %TEMP%\sbx-urlmon.bin; the file is never executed. */
#include <windows.h>
#include <urlmon.h>

#include "sbx_common.h"

static const char kTest[] = "t06_urlmon";
static const char kFileName[] = "sbx-urlmon.bin";

int main(int argc, char** argv) {
  if (argc != 2) return SbxFail(kTest, "usage_url_argument", (unsigned long)argc);
  char path[MAX_PATH];
  DWORD length = GetTempPathA(MAX_PATH, path);
  if (length == 0 || length + sizeof(kFileName) > MAX_PATH) {
    return SbxFail(kTest, "temp_path", GetLastError());
  }
  lstrcatA(path, kFileName);

  HRESULT result = URLDownloadToFileA(NULL, argv[1], path, 0, NULL);
  if (FAILED(result)) return SbxFail(kTest, "download", (unsigned long)result);
  SbxMarkHex(kTest, "download_hresult", (unsigned long)result);

  HANDLE file = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                            FILE_ATTRIBUTE_NORMAL, NULL);
  if (file == INVALID_HANDLE_VALUE) return SbxFail(kTest, "open_download", GetLastError());
  DWORD size = GetFileSize(file, NULL);
  CloseHandle(file);
  SbxMarkNumber(kTest, "file_bytes", size);
  SbxDone(kTest);
  return 0;
}
