/* t05_wininet: a WinINet downloader. argv[1] is the URL (a loopback server under wine, NetSim
 * under the emulator); the body is written to %TEMP%\sbx-wininet.bin and never executed. */
#include <windows.h>
#include <wininet.h>

#include "sbx_common.h"

static const char kTest[] = "t05_wininet";
static const char kUserAgent[] = "SbxAgent/1.0";
static const char kFileName[] = "sbx-wininet.bin";

/* Stop after this many reads, so a server that never ends the body cannot hold the program. */
enum { kMaxReads = 1024 };

static int Download(HINTERNET session, const char* url, const char* path) {
  HINTERNET request = InternetOpenUrlA(session, url, NULL, 0,
                                       INTERNET_FLAG_RELOAD | INTERNET_FLAG_NO_CACHE_WRITE, 0);
  if (request == NULL) return SbxFail(kTest, "open_url", GetLastError());
  DWORD status = 0;
  DWORD status_size = sizeof(status);
  if (!HttpQueryInfoA(request, HTTP_QUERY_STATUS_CODE | HTTP_QUERY_FLAG_NUMBER, &status,
                      &status_size, NULL)) {
    InternetCloseHandle(request);
    return SbxFail(kTest, "query_status", GetLastError());
  }
  SbxMarkNumber(kTest, "http_status", status);

  HANDLE file = CreateFileA(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL,
                            NULL);
  if (file == INVALID_HANDLE_VALUE) {
    InternetCloseHandle(request);
    return SbxFail(kTest, "create_file", GetLastError());
  }
  char buffer[4096];
  DWORD total = 0;
  for (int i = 0; i < kMaxReads; ++i) {
    DWORD got = 0;
    if (!InternetReadFile(request, buffer, sizeof(buffer), &got) || got == 0) break;
    DWORD written = 0;
    if (!WriteFile(file, buffer, got, &written, NULL) || written != got) break;
    total += written;
  }
  CloseHandle(file);
  InternetCloseHandle(request);
  SbxMarkNumber(kTest, "body_bytes", total);
  return total > 0 ? 0 : SbxFail(kTest, "read_body", GetLastError());
}

int main(int argc, char** argv) {
  if (argc != 2) return SbxFail(kTest, "usage_url_argument", (unsigned long)argc);
  char path[MAX_PATH];
  DWORD length = GetTempPathA(MAX_PATH, path);
  if (length == 0 || length + sizeof(kFileName) > MAX_PATH) {
    return SbxFail(kTest, "temp_path", GetLastError());
  }
  lstrcatA(path, kFileName);

  /* DIRECT: no proxy lookup, so the request goes to the host in the URL (loopback under wine). */
  HINTERNET session = InternetOpenA(kUserAgent, INTERNET_OPEN_TYPE_DIRECT, NULL, NULL, 0);
  if (session == NULL) return SbxFail(kTest, "internet_open", GetLastError());
  int result = Download(session, argv[1], path);
  InternetCloseHandle(session);
  if (result != 0) return result;
  SbxDone(kTest);
  return 0;
}
