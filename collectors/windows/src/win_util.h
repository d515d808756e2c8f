#ifndef KENSA_COLLECTOR_WIN_UTIL_H_
#define KENSA_COLLECTOR_WIN_UTIL_H_
// Win32 helpers shared by the steps: APIs newer than Windows XP loaded at run time, UTF-16
// strings, registry reads, times, privileges, and file access through the backup path.
//
// The executable is built for _WIN32_WINNT 0x0501 and imports only functions that Windows XP
// SP3 / Server 2003 SP2 export (tests/xp_imports.txt lists them; a test enforces it). Anything
// newer is a pointer in g_api that is NULL where the running Windows lacks it.

#include <stdint.h>
#include <windows.h>

#include "strbuf.h"

typedef LONG KNtStatus;

typedef struct KUnicodeString {
  USHORT length;  // bytes, without a terminator
  USHORT maximum_length;
  PWSTR buffer;
} KUnicodeString;

typedef struct Apis {
  // ntdll (present on XP, looked up so that no ntdll import appears in the PE)
  KNtStatus(WINAPI* RtlGetVersion)(OSVERSIONINFOEXW* info);
  KNtStatus(WINAPI* NtQueryInformationProcess)(HANDLE process, ULONG info_class, PVOID info,
                                               ULONG length, PULONG return_length);
  KNtStatus(WINAPI* NtQuerySystemInformation)(ULONG info_class, PVOID info, ULONG length,
                                              PULONG return_length);
  const char*(CDECL* wine_get_version)(void);
  // kernel32: Vista+, or XP SP2+ / x64 only
  BOOL(WINAPI* QueryFullProcessImageNameW)(HANDLE process, DWORD flags, LPWSTR name, PDWORD size);
  BOOL(WINAPI* IsWow64Process)(HANDLE process, PBOOL wow64);
  BOOL(WINAPI* Wow64DisableWow64FsRedirection)(PVOID* old_value);
  BOOL(WINAPI* Wow64RevertWow64FsRedirection)(PVOID old_value);
  ULONGLONG(WINAPI* GetTickCount64)(void);
  // psapi
  DWORD(WINAPI* GetModuleFileNameExW)(HANDLE process, HMODULE module, LPWSTR name, DWORD size);
  DWORD(WINAPI* GetProcessImageFileNameW)(HANDLE process, LPWSTR name, DWORD size);
  // iphlpapi (GetExtended*Table: XP SP2+)
  DWORD(WINAPI* GetExtendedTcpTable)
  (PVOID table, PDWORD size, BOOL order, ULONG family, int table_class, ULONG reserved);
  DWORD(WINAPI* GetExtendedUdpTable)
  (PVOID table, PDWORD size, BOOL order, ULONG family, int table_class, ULONG reserved);
  DWORD(WINAPI* GetAdaptersInfo)(PVOID info, PULONG size);
  // wevtapi (Vista+)
  BOOL(WINAPI* EvtExportLog)
  (HANDLE session, LPCWSTR path, LPCWSTR query, LPCWSTR target, DWORD flags);
  // advapi32, Vista+
  LONG(WINAPI* RegLoadAppKeyW)
  (LPCWSTR file, PHKEY key, REGSAM desired, DWORD options, DWORD reserved);
  // winhttp (5.1 on XP SP1+); the handles are HINTERNET = void*
  void*(WINAPI* WinHttpOpen)(LPCWSTR agent, DWORD access_type, LPCWSTR proxy, LPCWSTR bypass,
                             DWORD flags);
  BOOL(WINAPI* WinHttpCrackUrl)(LPCWSTR url, DWORD length, DWORD flags, void* components);
  void*(WINAPI* WinHttpConnect)(void* session, LPCWSTR server, WORD port, DWORD reserved);
  void*(WINAPI* WinHttpOpenRequest)(void* connect, LPCWSTR verb, LPCWSTR object, LPCWSTR version,
                                    LPCWSTR referrer, LPCWSTR* accept, DWORD flags);
  BOOL(WINAPI* WinHttpSendRequest)
  (void* request, LPCWSTR headers, DWORD headers_length, LPVOID optional, DWORD optional_length,
   DWORD total_length, DWORD_PTR context);
  BOOL(WINAPI* WinHttpWriteData)(void* request, LPCVOID buffer, DWORD size, LPDWORD written);
  BOOL(WINAPI* WinHttpReceiveResponse)(void* request, LPVOID reserved);
  BOOL(WINAPI* WinHttpQueryHeaders)
  (void* request, DWORD info_level, LPCWSTR name, LPVOID buffer, LPDWORD length, LPDWORD index);
  BOOL(WINAPI* WinHttpSetTimeouts)(void* handle, int resolve, int connect, int send, int receive);
  BOOL(WINAPI* WinHttpSetOption)(void* handle, DWORD option, LPVOID buffer, DWORD length);
  BOOL(WINAPI* WinHttpCloseHandle)(void* handle);
} Apis;

extern Apis g_api;

// Looks every optional API up. System DLLs are loaded by full path from the system folder so
// that a DLL planted next to the collector (a USB stick) is never loaded. Call once, first.
void LoadApis(void);

// --- UTF-16 strings ------------------------------------------------------------------------
wchar_t* WStrDup(const wchar_t* s);
// a + b (+ c); any may be NULL (treated as ""). Free the result.
wchar_t* WConcat(const wchar_t* a, const wchar_t* b, const wchar_t* c);
// a + "\" + b, without doubling a trailing backslash of a.
wchar_t* WPathJoin(const wchar_t* a, const wchar_t* b);
int WStrEqualI(const wchar_t* a, const wchar_t* b);
int WEndsWithI(const wchar_t* s, const wchar_t* suffix);
char* WToUtf8(const wchar_t* s);  // NULL gives ""
wchar_t* Utf8ToW(const char* s);
// %VAR% expansion (ExpandEnvironmentStringsW); returns a copy when nothing to expand.
wchar_t* WExpand(const wchar_t* s);

// --- times ---------------------------------------------------------------------------------
uint64_t FileTimeToU64(FILETIME ft);
FILETIME U64ToFileTime(uint64_t value);
uint64_t NowFileTime(void);
// RFC 3339 UTC; an all-zero FILETIME appends nothing.
void SbAppendFileTime(StrBuf* sb, uint64_t filetime);
char* FileTimeToRfc3339(uint64_t filetime);  // NULL for 0
void FileTimeToDos(uint64_t filetime, uint16_t* dos_date, uint16_t* dos_time);

// --- registry (64-bit view everywhere: KEY_WOW64_64KEY) ------------------------------------
enum { kMaxRegistryValueBytes = 1 << 20 };  // a REG_SZ command line is far below this

LONG RegOpen(HKEY root, const wchar_t* subkey, HKEY* key);
// A value read into a fresh buffer (NUL-terminated for strings, with two spare NULs).
LONG RegReadValue(HKEY key, const wchar_t* name, DWORD* type, BYTE** data, DWORD* size);
// A REG_SZ / REG_EXPAND_SZ value as a string (expanded when `expand`); NULL when absent.
wchar_t* RegReadString(HKEY root, const wchar_t* subkey, const wchar_t* name, int expand);
int RegReadDword(HKEY root, const wchar_t* subkey, const wchar_t* name, DWORD* value);
// Registry data as text: strings as they are, REG_MULTI_SZ joined with "|", numbers in
// decimal, anything else as hex (first 256 bytes).
void SbAppendRegData(StrBuf* sb, DWORD type, const BYTE* data, DWORD size);
// Subkey names of `key`, at most `max_count`. Free each and the array.
size_t RegListSubkeys(HKEY key, size_t max_count, wchar_t*** names);

// --- security ------------------------------------------------------------------------------
// Enables a privilege in the process token; 1 when it is now enabled.
int EnablePrivilege(const wchar_t* name);
// "DOMAIN\name" of a SID (cached), or the SID string. Do not free.
const char* SidToAccountName(PSID sid);
char* SidToString(PSID sid);  // free it

// --- files ---------------------------------------------------------------------------------
// "\\?\C:\..." / "\\?\UNC\server\share\..." so that paths past MAX_PATH and names Win32
// would otherwise alter (trailing dots or spaces) reach the file system as they are.
wchar_t* ExtendedPath(const wchar_t* path);
// CreateFileW for reading with FILE_FLAG_BACKUP_SEMANTICS and every share mode.
HANDLE OpenForBackupRead(const wchar_t* path);
HANDLE FindFirstFileExtended(const wchar_t* pattern, WIN32_FIND_DATAW* data);
int PathExists(const wchar_t* path);
int IsDirectory(const wchar_t* path);
// A directory that is not a junction or symbolic link (those are never walked into).
int IsPlainDirectory(const wchar_t* path);
// WOW64 file system redirection off around the file operations above (no-op elsewhere):
// a 32-bit collector on 64-bit Windows would otherwise read SysWOW64 for System32.
void* FsRedirectionOff(void);
void FsRedirectionRestore(void* token);

#endif  // KENSA_COLLECTOR_WIN_UTIL_H_
