#include "win_util.h"

#include <sddl.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "zip_writer.h"

Apis g_api;

static HMODULE LoadSystemDll(const wchar_t* name) {
  wchar_t directory[MAX_PATH + 1];
  UINT length = GetSystemDirectoryW(directory, MAX_PATH);
  if (length == 0 || length >= MAX_PATH) return NULL;
  wchar_t* path = WPathJoin(directory, name);
  HMODULE module = LoadLibraryW(path);
  free(path);
  return module;
}

// GetProcAddress returns FARPROC; going through void (*)(void) is the conversion GCC accepts
// between unrelated function pointer types (-Wcast-function-type).
#define LOOKUP(module, field, name)                                                        \
  do {                                                                                     \
    if ((module) != NULL)                                                                  \
      g_api.field = (__typeof__(g_api.field))(void (*)(void))GetProcAddress(module, name); \
  } while (0)

void LoadApis(void) {
  memset(&g_api, 0, sizeof g_api);
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  LOOKUP(ntdll, RtlGetVersion, "RtlGetVersion");
  LOOKUP(ntdll, NtQueryInformationProcess, "NtQueryInformationProcess");
  LOOKUP(ntdll, NtQuerySystemInformation, "NtQuerySystemInformation");
  LOOKUP(ntdll, wine_get_version, "wine_get_version");
  HMODULE kernel32 = GetModuleHandleW(L"kernel32.dll");
  LOOKUP(kernel32, QueryFullProcessImageNameW, "QueryFullProcessImageNameW");
  LOOKUP(kernel32, IsWow64Process, "IsWow64Process");
  LOOKUP(kernel32, Wow64DisableWow64FsRedirection, "Wow64DisableWow64FsRedirection");
  LOOKUP(kernel32, Wow64RevertWow64FsRedirection, "Wow64RevertWow64FsRedirection");
  LOOKUP(kernel32, GetTickCount64, "GetTickCount64");
  HMODULE psapi = LoadSystemDll(L"psapi.dll");
  LOOKUP(psapi, GetModuleFileNameExW, "GetModuleFileNameExW");
  LOOKUP(psapi, GetProcessImageFileNameW, "GetProcessImageFileNameW");
  HMODULE iphlpapi = LoadSystemDll(L"iphlpapi.dll");
  LOOKUP(iphlpapi, GetExtendedTcpTable, "GetExtendedTcpTable");
  LOOKUP(iphlpapi, GetExtendedUdpTable, "GetExtendedUdpTable");
  LOOKUP(iphlpapi, GetAdaptersInfo, "GetAdaptersInfo");
  HMODULE wevtapi = LoadSystemDll(L"wevtapi.dll");
  LOOKUP(wevtapi, EvtExportLog, "EvtExportLog");
  HMODULE advapi32 = GetModuleHandleW(L"advapi32.dll");
  LOOKUP(advapi32, RegLoadAppKeyW, "RegLoadAppKeyW");
  HMODULE winhttp = LoadSystemDll(L"winhttp.dll");
  LOOKUP(winhttp, WinHttpOpen, "WinHttpOpen");
  LOOKUP(winhttp, WinHttpCrackUrl, "WinHttpCrackUrl");
  LOOKUP(winhttp, WinHttpConnect, "WinHttpConnect");
  LOOKUP(winhttp, WinHttpOpenRequest, "WinHttpOpenRequest");
  LOOKUP(winhttp, WinHttpSendRequest, "WinHttpSendRequest");
  LOOKUP(winhttp, WinHttpWriteData, "WinHttpWriteData");
  LOOKUP(winhttp, WinHttpReceiveResponse, "WinHttpReceiveResponse");
  LOOKUP(winhttp, WinHttpQueryHeaders, "WinHttpQueryHeaders");
  LOOKUP(winhttp, WinHttpSetTimeouts, "WinHttpSetTimeouts");
  LOOKUP(winhttp, WinHttpSetOption, "WinHttpSetOption");
  LOOKUP(winhttp, WinHttpCloseHandle, "WinHttpCloseHandle");
}

// --- UTF-16 strings ------------------------------------------------------------------------

wchar_t* WStrDup(const wchar_t* s) { return WConcat(s, NULL, NULL); }

wchar_t* WConcat(const wchar_t* a, const wchar_t* b, const wchar_t* c) {
  size_t la = a ? wcslen(a) : 0, lb = b ? wcslen(b) : 0, lc = c ? wcslen(c) : 0;
  wchar_t* out = (wchar_t*)XMalloc((la + lb + lc + 1) * sizeof(wchar_t));
  if (la) memcpy(out, a, la * sizeof(wchar_t));
  if (lb) memcpy(out + la, b, lb * sizeof(wchar_t));
  if (lc) memcpy(out + la + lb, c, lc * sizeof(wchar_t));
  out[la + lb + lc] = L'\0';
  return out;
}

wchar_t* WPathJoin(const wchar_t* a, const wchar_t* b) {
  size_t la = wcslen(a);
  if (la > 0 && a[la - 1] == L'\\') return WConcat(a, b, NULL);
  return WConcat(a, L"\\", b);
}

static wchar_t FoldAscii(wchar_t ch) {
  return (ch >= L'A' && ch <= L'Z') ? (wchar_t)(ch - L'A' + L'a') : ch;
}

int WStrEqualI(const wchar_t* a, const wchar_t* b) {
  // Ordinal, ASCII-only case folding: enough for the fixed names compared here, and
  // independent of the host's locale.
  while (*a && *b) {
    if (FoldAscii(*a) != FoldAscii(*b)) return 0;
    ++a;
    ++b;
  }
  return *a == *b;
}

int WEndsWithI(const wchar_t* s, const wchar_t* suffix) {
  size_t ls = wcslen(s), lx = wcslen(suffix);
  return ls >= lx && WStrEqualI(s + ls - lx, suffix);
}

char* WToUtf8(const wchar_t* s) {
  if (s == NULL) return XStrDup("");
  return Utf16ToUtf8((const uint16_t*)s);
}

wchar_t* Utf8ToW(const char* s) {
  int length = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
  if (length <= 0) return WStrDup(L"");
  wchar_t* out = (wchar_t*)XMalloc((size_t)length * sizeof(wchar_t));
  MultiByteToWideChar(CP_UTF8, 0, s, -1, out, length);
  return out;
}

wchar_t* WExpand(const wchar_t* s) {
  if (wcschr(s, L'%') == NULL) return WStrDup(s);
  DWORD needed = ExpandEnvironmentStringsW(s, NULL, 0);
  if (needed == 0 || needed > 32768) return WStrDup(s);
  wchar_t* out = (wchar_t*)XMalloc((size_t)needed * sizeof(wchar_t));
  if (ExpandEnvironmentStringsW(s, out, needed) == 0) {
    free(out);
    return WStrDup(s);
  }
  return out;
}

// --- times ---------------------------------------------------------------------------------

uint64_t FileTimeToU64(FILETIME ft) { return (uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime; }

FILETIME U64ToFileTime(uint64_t value) {
  FILETIME ft;
  ft.dwLowDateTime = (DWORD)value;
  ft.dwHighDateTime = (DWORD)(value >> 32);
  return ft;
}

uint64_t NowFileTime(void) {
  FILETIME ft;
  GetSystemTimeAsFileTime(&ft);
  return FileTimeToU64(ft);
}

void SbAppendFileTime(StrBuf* sb, uint64_t filetime) {
  if (filetime == 0) return;
  FILETIME ft = U64ToFileTime(filetime);
  SYSTEMTIME st;
  if (!FileTimeToSystemTime(&ft, &st)) return;
  SbAppendRfc3339(sb, st.wYear, st.wMonth, st.wDay, st.wHour, st.wMinute, st.wSecond);
}

char* FileTimeToRfc3339(uint64_t filetime) {
  if (filetime == 0) return NULL;
  StrBuf sb;
  SbInit(&sb);
  SbAppendFileTime(&sb, filetime);
  if (sb.len == 0) {
    SbFree(&sb);
    return NULL;
  }
  return SbDetach(&sb);
}

void FileTimeToDos(uint64_t filetime, uint16_t* dos_date, uint16_t* dos_time) {
  FILETIME ft = U64ToFileTime(filetime);
  SYSTEMTIME st;
  if (filetime == 0 || !FileTimeToSystemTime(&ft, &st)) {
    ZipDosDateTime(1980, 1, 1, 0, 0, 0, dos_date, dos_time);
    return;
  }
  ZipDosDateTime(st.wYear, st.wMonth, st.wDay, st.wHour, st.wMinute, st.wSecond, dos_date,
                 dos_time);
}

// --- registry ------------------------------------------------------------------------------

LONG RegOpen(HKEY root, const wchar_t* subkey, HKEY* key) {
  return RegOpenKeyExW(root, subkey, 0, KEY_READ | KEY_WOW64_64KEY, key);
}

LONG RegReadValue(HKEY key, const wchar_t* name, DWORD* type, BYTE** data, DWORD* size) {
  *data = NULL;
  *size = 0;
  DWORD needed = 0;
  LONG status = RegQueryValueExW(key, name, NULL, type, NULL, &needed);
  if (status != ERROR_SUCCESS) return status;
  // The value can change between the two calls; retry a few times with the new size.
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (needed > kMaxRegistryValueBytes) return ERROR_FILE_TOO_LARGE;
    BYTE* buffer = (BYTE*)XMalloc(needed + 2 * sizeof(wchar_t));
    DWORD got = needed;
    status = RegQueryValueExW(key, name, NULL, type, buffer, &got);
    if (status == ERROR_SUCCESS) {
      memset(buffer + got, 0, 2 * sizeof(wchar_t));
      *data = buffer;
      *size = got;
      return ERROR_SUCCESS;
    }
    free(buffer);
    if (status != ERROR_MORE_DATA) return status;
    needed = got;
  }
  return ERROR_MORE_DATA;
}

wchar_t* RegReadString(HKEY root, const wchar_t* subkey, const wchar_t* name, int expand) {
  HKEY key;
  if (RegOpen(root, subkey, &key) != ERROR_SUCCESS) return NULL;
  DWORD type = 0, size = 0;
  BYTE* data = NULL;
  LONG status = RegReadValue(key, name, &type, &data, &size);
  RegCloseKey(key);
  if (status != ERROR_SUCCESS) return NULL;
  if (type != REG_SZ && type != REG_EXPAND_SZ) {
    free(data);
    return NULL;
  }
  wchar_t* text = (wchar_t*)data;
  if (expand && type == REG_EXPAND_SZ) {
    wchar_t* expanded = WExpand(text);
    free(text);
    return expanded;
  }
  return text;
}

int RegReadDword(HKEY root, const wchar_t* subkey, const wchar_t* name, DWORD* value) {
  HKEY key;
  if (RegOpen(root, subkey, &key) != ERROR_SUCCESS) return 0;
  DWORD type = 0, size = sizeof(DWORD);
  LONG status = RegQueryValueExW(key, name, NULL, &type, (BYTE*)value, &size);
  RegCloseKey(key);
  return status == ERROR_SUCCESS && type == REG_DWORD && size == sizeof(DWORD);
}

void SbAppendRegData(StrBuf* sb, DWORD type, const BYTE* data, DWORD size) {
  // RegReadValue leaves two spare NULs after the data, so strings are terminated.
  switch (type) {
    case REG_SZ:
    case REG_EXPAND_SZ:
    case REG_LINK: {
      const uint16_t* text = (const uint16_t*)data;
      size_t units = size / 2;
      while (units > 0 && text[units - 1] == 0) --units;
      SbAppendUtf16(sb, text, units);
      return;
    }
    case REG_MULTI_SZ: {
      const uint16_t* text = (const uint16_t*)data;
      size_t units = size / 2, start = 0;
      int first = 1;
      for (size_t i = 0; i <= units; ++i) {
        if (i == units || text[i] == 0) {
          if (i > start) {
            if (!first) SbAppendChar(sb, '|');
            SbAppendUtf16(sb, text + start, i - start);
            first = 0;
          }
          start = i + 1;
        }
      }
      return;
    }
    case REG_DWORD:
      if (size >= 4) {
        SbAppendU64(sb, (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                            (uint32_t)data[3] << 24);
        return;
      }
      break;
    case REG_QWORD:
      if (size >= 8) {
        uint64_t v = 0;
        for (int i = 7; i >= 0; --i) v = v << 8 | data[i];
        SbAppendU64(sb, v);
        return;
      }
      break;
    default:
      break;
  }
  SbAppendStr(sb, "hex:");
  SbAppendHex(sb, data, size > 256 ? 256 : size);
  if (size > 256) SbAppendStr(sb, "...");
}

size_t RegListSubkeys(HKEY key, size_t max_count, wchar_t*** names) {
  *names = NULL;
  size_t count = 0, capacity = 0;
  for (DWORD index = 0; count < max_count; ++index) {
    // Key names are at most 255 characters (Registry Element Size Limits).
    wchar_t name[256];
    DWORD length = 256;
    LONG status = RegEnumKeyExW(key, index, name, &length, NULL, NULL, NULL, NULL);
    if (status == ERROR_NO_MORE_ITEMS) break;
    if (status != ERROR_SUCCESS) continue;
    if (count == capacity) {
      capacity = capacity ? capacity * 2 : 16;
      *names = (wchar_t**)XRealloc(*names, capacity * sizeof(wchar_t*));
    }
    (*names)[count++] = WStrDup(name);
  }
  return count;
}

// --- security ------------------------------------------------------------------------------

int EnablePrivilege(const wchar_t* name) {
  HANDLE token;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &token))
    return 0;
  TOKEN_PRIVILEGES privileges;
  privileges.PrivilegeCount = 1;
  privileges.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
  int enabled = 0;
  if (LookupPrivilegeValueW(NULL, name, &privileges.Privileges[0].Luid)) {
    // AdjustTokenPrivileges succeeds with ERROR_NOT_ALL_ASSIGNED when the token lacks it.
    enabled = AdjustTokenPrivileges(token, FALSE, &privileges, 0, NULL, NULL) &&
              GetLastError() == ERROR_SUCCESS;
  }
  CloseHandle(token);
  return enabled;
}

char* SidToString(PSID sid) {
  LPWSTR text = NULL;
  if (!ConvertSidToStringSidW(sid, &text)) return XStrDup("?");
  char* utf8 = WToUtf8(text);
  LocalFree(text);
  return utf8;
}

typedef struct SidName {
  char* sid;
  char* name;
} SidName;

static SidName* g_sid_names;
static size_t g_sid_name_count;
// Distinct accounts on one host; LookupAccountSid can take seconds for an unreachable
// domain, so each SID is looked up once.
enum { kMaxCachedSids = 4096 };

const char* SidToAccountName(PSID sid) {
  char* sid_text = SidToString(sid);
  for (size_t i = 0; i < g_sid_name_count; ++i) {
    if (strcmp(g_sid_names[i].sid, sid_text) == 0) {
      free(sid_text);
      return g_sid_names[i].name;
    }
  }
  wchar_t name[256], domain[256];
  DWORD name_length = 256, domain_length = 256;
  SID_NAME_USE use;
  char* result;
  if (LookupAccountSidW(NULL, sid, name, &name_length, domain, &domain_length, &use)) {
    StrBuf sb;
    SbInit(&sb);
    if (domain[0] != L'\0') {
      SbAppendUtf16(&sb, (const uint16_t*)domain, wcslen(domain));
      SbAppendChar(&sb, '\\');
    }
    SbAppendUtf16(&sb, (const uint16_t*)name, wcslen(name));
    result = SbDetach(&sb);
  } else {
    result = XStrDup(sid_text);
  }
  if (g_sid_name_count >= kMaxCachedSids) {
    // Keep the result alive for the caller without growing the cache further.
    g_sid_name_count--;
  }
  g_sid_names = (SidName*)XRealloc(g_sid_names, (g_sid_name_count + 1) * sizeof(SidName));
  g_sid_names[g_sid_name_count].sid = sid_text;
  g_sid_names[g_sid_name_count].name = result;
  g_sid_name_count++;
  return result;
}

// --- files ---------------------------------------------------------------------------------

wchar_t* ExtendedPath(const wchar_t* path) {
  if (wcsncmp(path, L"\\\\?\\", 4) == 0 || wcsncmp(path, L"\\\\.\\", 4) == 0) return WStrDup(path);
  if (path[0] == L'\\' && path[1] == L'\\') return WConcat(L"\\\\?\\UNC\\", path + 2, NULL);
  if (path[0] != L'\0' && path[1] == L':' && path[2] == L'\\')
    return WConcat(L"\\\\?\\", path, NULL);
  return WStrDup(path);
}

void* FsRedirectionOff(void) {
  void* token = NULL;
  if (g_api.Wow64DisableWow64FsRedirection != NULL) {
    BOOL wow64 = FALSE;
    if (g_api.IsWow64Process != NULL && g_api.IsWow64Process(GetCurrentProcess(), &wow64) &&
        wow64 && g_api.Wow64DisableWow64FsRedirection(&token))
      return token;
  }
  return NULL;
}

void FsRedirectionRestore(void* token) {
  if (token != NULL && g_api.Wow64RevertWow64FsRedirection != NULL)
    g_api.Wow64RevertWow64FsRedirection(token);
}

HANDLE OpenForBackupRead(const wchar_t* path) {
  wchar_t* extended = ExtendedPath(path);
  void* redirection = FsRedirectionOff();
  HANDLE file = CreateFileW(
      extended, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
      OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_SEQUENTIAL_SCAN, NULL);
  DWORD error = GetLastError();
  FsRedirectionRestore(redirection);
  free(extended);
  SetLastError(error);
  return file;
}

HANDLE FindFirstFileExtended(const wchar_t* pattern, WIN32_FIND_DATAW* data) {
  wchar_t* extended = ExtendedPath(pattern);
  void* redirection = FsRedirectionOff();
  HANDLE find = FindFirstFileW(extended, data);
  DWORD error = GetLastError();
  FsRedirectionRestore(redirection);
  free(extended);
  SetLastError(error);
  return find;
}

static DWORD Attributes(const wchar_t* path) {
  wchar_t* extended = ExtendedPath(path);
  void* redirection = FsRedirectionOff();
  DWORD attributes = GetFileAttributesW(extended);
  FsRedirectionRestore(redirection);
  free(extended);
  return attributes;
}

int PathExists(const wchar_t* path) { return Attributes(path) != INVALID_FILE_ATTRIBUTES; }

int IsDirectory(const wchar_t* path) {
  DWORD attributes = Attributes(path);
  return attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY);
}

int IsPlainDirectory(const wchar_t* path) {
  DWORD attributes = Attributes(path);
  return attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY) &&
         !(attributes & FILE_ATTRIBUTE_REPARSE_POINT);
}
