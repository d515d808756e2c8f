#include "upload.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <winhttp.h>

#include "collector.h"
#include "win_util.h"

#ifndef KENSA_COLLECTOR_VERSION
#define KENSA_COLLECTOR_VERSION "0.0.0"
#endif

enum {
  // WINHTTP_OPTION_SECURE_PROTOCOLS and its TLS 1.0 / 1.1 / 1.2 flags: Windows 7 needs
  // KB3140245 before WinHTTP offers TLS 1.2, and XP's WinHTTP knows only TLS 1.0.
  kOptionSecureProtocols = 84,
  kProtocolsTls10To12 = 0x80 | 0x200 | 0x800,
  kUploadChunkBytes = 256 << 10,
};

static void AppendLastError(StrBuf* error, const char* what) {
  DWORD code = GetLastError();
  char* text = DescribeWin32Error(code);
  SbFormat(error, "%s failed: %s", what, text);
  if (code >= 12000 && code < 13000) SbFormat(error, " (WinHTTP error %lu)", (unsigned long)code);
  free(text);
}

int UploadArchive(const wchar_t* url, const wchar_t* token, const wchar_t* case_id,
                  const wchar_t* archive_path, const wchar_t* archive_name, StrBuf* error) {
  if (g_api.WinHttpOpen == NULL || g_api.WinHttpCrackUrl == NULL ||
      g_api.WinHttpCloseHandle == NULL) {
    SbAppendStr(error, "winhttp.dll is not available on this host");
    return 0;
  }
  URL_COMPONENTS parts;
  memset(&parts, 0, sizeof parts);
  parts.dwStructSize = sizeof parts;
  parts.dwHostNameLength = (DWORD)-1;
  parts.dwUrlPathLength = (DWORD)-1;
  parts.dwExtraInfoLength = (DWORD)-1;
  if (!g_api.WinHttpCrackUrl(url, 0, 0, &parts)) {
    AppendLastError(error, "parsing the upload URL");
    return 0;
  }
  if (parts.nScheme != INTERNET_SCHEME_HTTPS) {
    SbAppendStr(error, "the upload URL must be https://");
    return 0;
  }
  wchar_t* host = (wchar_t*)XMalloc((parts.dwHostNameLength + 1) * sizeof(wchar_t));
  memcpy(host, parts.lpszHostName, parts.dwHostNameLength * sizeof(wchar_t));
  host[parts.dwHostNameLength] = L'\0';
  wchar_t* object =
      (wchar_t*)XMalloc((parts.dwUrlPathLength + parts.dwExtraInfoLength + 2) * sizeof(wchar_t));
  memcpy(object, parts.lpszUrlPath, parts.dwUrlPathLength * sizeof(wchar_t));
  memcpy(object + parts.dwUrlPathLength, parts.lpszExtraInfo,
         parts.dwExtraInfoLength * sizeof(wchar_t));
  object[parts.dwUrlPathLength + parts.dwExtraInfoLength] = L'\0';
  if (object[0] == L'\0') {
    free(object);
    object = WStrDup(L"/");
  }

  HANDLE file = CreateFileW(archive_path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                            FILE_FLAG_SEQUENTIAL_SCAN, NULL);
  LARGE_INTEGER file_size;
  if (file == INVALID_HANDLE_VALUE || !GetFileSizeEx(file, &file_size)) {
    AppendLastError(error, "opening the archive");
    if (file != INVALID_HANDLE_VALUE) CloseHandle(file);
    free(host);
    free(object);
    return 0;
  }

  // A boundary that cannot occur by chance in the archive's bytes as a line of its own.
  StrBuf boundary, head, tail, headers;
  SbInit(&boundary);
  SbInit(&head);
  SbInit(&tail);
  SbInit(&headers);
  SbFormat(&boundary, "kensa-%x-%x-%x", (unsigned)GetTickCount(), (unsigned)GetCurrentProcessId(),
           (unsigned)(NowFileTime() & 0xFFFFFFFFu));
  if (case_id != NULL) {
    SbFormat(&head, "--%s\r\nContent-Disposition: form-data; name=\"case_id\"\r\n\r\n%ls\r\n",
             boundary.data, case_id);
  }
  SbFormat(&head,
           "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%ls\"\r\n"
           "Content-Type: application/zip\r\n\r\n",
           boundary.data, archive_name);
  SbFormat(&tail, "\r\n--%s--\r\n", boundary.data);
  SbFormat(&headers,
           "Authorization: Bearer %ls\r\nContent-Type: multipart/form-data; boundary=%s\r\n", token,
           boundary.data);
  wchar_t* header_text = Utf8ToW(headers.data);
  uint64_t total = head.len + (uint64_t)file_size.QuadPart + tail.len;

  int ok = 0;
  void* session = NULL;
  void* connection = NULL;
  void* request = NULL;
  if (total > 0xFFFFFFFFull) {
    SbAppendStr(error, "the archive is too large for one request");
    goto done;
  }
  session = g_api.WinHttpOpen(L"" KENSA_COLLECTOR_NAME "/" KENSA_COLLECTOR_VERSION,
                              WINHTTP_ACCESS_TYPE_DEFAULT_PROXY, NULL, NULL, 0);
  if (session == NULL) {
    AppendLastError(error, "WinHttpOpen");
    goto done;
  }
  g_api.WinHttpSetTimeouts(session, 30000, 30000, 600000, 600000);
  DWORD protocols = kProtocolsTls10To12;
  g_api.WinHttpSetOption(session, kOptionSecureProtocols, &protocols, sizeof protocols);
  connection = g_api.WinHttpConnect(session, host, parts.nPort, 0);
  if (connection == NULL) {
    AppendLastError(error, "WinHttpConnect");
    goto done;
  }
  request =
      g_api.WinHttpOpenRequest(connection, L"POST", object, NULL, NULL, NULL, WINHTTP_FLAG_SECURE);
  if (request == NULL) {
    AppendLastError(error, "WinHttpOpenRequest");
    goto done;
  }
  if (!g_api.WinHttpSendRequest(request, header_text, (DWORD)-1, NULL, 0, (DWORD)total, 0)) {
    AppendLastError(error, "sending the request");
    goto done;
  }
  DWORD written = 0;
  if (!g_api.WinHttpWriteData(request, head.data, (DWORD)head.len, &written)) {
    AppendLastError(error, "sending the form");
    goto done;
  }
  BYTE* chunk = (BYTE*)XMalloc(kUploadChunkBytes);
  for (;;) {
    DWORD got = 0;
    if (!ReadFile(file, chunk, kUploadChunkBytes, &got, NULL)) {
      AppendLastError(error, "reading the archive");
      break;
    }
    if (got == 0) break;
    if (!g_api.WinHttpWriteData(request, chunk, got, &written)) {
      AppendLastError(error, "sending the archive");
      break;
    }
  }
  free(chunk);
  if (error->len > 0) goto done;
  if (!g_api.WinHttpWriteData(request, tail.data, (DWORD)tail.len, &written)) {
    AppendLastError(error, "sending the form");
    goto done;
  }
  if (!g_api.WinHttpReceiveResponse(request, NULL)) {
    AppendLastError(error, "receiving the response");
    goto done;
  }
  DWORD status = 0, status_size = sizeof status;
  if (!g_api.WinHttpQueryHeaders(request, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                                 NULL, &status, &status_size, NULL)) {
    AppendLastError(error, "reading the response status");
    goto done;
  }
  if (status >= 200 && status < 300) {
    ok = 1;
  } else {
    SbFormat(error, "the server answered HTTP %lu", (unsigned long)status);
  }

done:
  if (request != NULL) g_api.WinHttpCloseHandle(request);
  if (connection != NULL) g_api.WinHttpCloseHandle(connection);
  if (session != NULL) g_api.WinHttpCloseHandle(session);
  CloseHandle(file);
  free(header_text);
  free(host);
  free(object);
  SbFree(&boundary);
  SbFree(&head);
  SbFree(&tail);
  SbFree(&headers);
  return ok;
}
