#include "decoy_dlls.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <sstream>

#include "kensa/core/bytes.h"

namespace kensa::emulator::internal {
namespace {

// The export tables: "Name/argc" (stdcall argument count, or the fixed arguments of a cdecl
// function) and "Name/@" for data. Modelled functions are in libs/emulator/src/api_*.cc; the
// rest are exported so that lookups succeed and calls are recorded as unmodelled with the
// right stack clean-up.
constexpr std::string_view kKernel32 =
    "GetModuleHandleA/1 GetModuleHandleW/1 GetModuleHandleExA/3 GetModuleHandleExW/3 "
    "GetModuleFileNameA/3 GetModuleFileNameW/3 LoadLibraryA/1 LoadLibraryW/1 LoadLibraryExA/3 "
    "LoadLibraryExW/3 GetProcAddress/2 FreeLibrary/1 GetCommandLineA/0 GetCommandLineW/0 "
    "GetStartupInfoA/1 GetStartupInfoW/1 ExitProcess/1 ExitThread/1 TerminateProcess/2 "
    "GetCurrentProcess/0 GetCurrentThread/0 GetCurrentProcessId/0 GetCurrentThreadId/0 "
    "CreateProcessA/10 CreateProcessW/10 OpenProcess/3 WinExec/2 CreateThread/6 "
    "CreateRemoteThread/7 ResumeThread/1 SuspendThread/1 WaitForSingleObject/2 "
    "WaitForSingleObjectEx/3 WaitForMultipleObjects/4 Sleep/1 SleepEx/2 CloseHandle/1 "
    "VirtualAlloc/4 VirtualAllocEx/5 VirtualProtect/4 VirtualProtectEx/5 VirtualQuery/3 "
    "VirtualFree/3 VirtualFreeEx/4 WriteProcessMemory/5 ReadProcessMemory/5 GetProcessHeap/0 "
    "HeapCreate/3 HeapAlloc/3 HeapFree/3 HeapReAlloc/4 HeapSize/3 HeapDestroy/1 GlobalAlloc/2 "
    "GlobalFree/1 GlobalLock/1 GlobalUnlock/1 LocalAlloc/2 LocalFree/1 CreateFileA/7 "
    "CreateFileW/7 WriteFile/5 ReadFile/5 GetFileSize/2 GetFileSizeEx/2 SetFilePointer/4 "
    "FlushFileBuffers/1 DeleteFileA/1 DeleteFileW/1 CopyFileA/3 CopyFileW/3 MoveFileA/2 "
    "MoveFileW/2 MoveFileExA/3 MoveFileExW/3 CreateDirectoryA/2 CreateDirectoryW/2 "
    "RemoveDirectoryA/1 RemoveDirectoryW/1 GetTempPathA/2 GetTempPathW/2 GetTempFileNameA/4 "
    "GetTempFileNameW/4 FindFirstFileA/2 FindFirstFileW/2 FindNextFileA/2 FindNextFileW/2 "
    "FindClose/1 GetFileAttributesA/1 GetFileAttributesW/1 SetFileAttributesA/2 "
    "SetFileAttributesW/2 GetWindowsDirectoryA/2 GetWindowsDirectoryW/2 GetSystemDirectoryA/2 "
    "GetSystemDirectoryW/2 ExpandEnvironmentStringsA/3 ExpandEnvironmentStringsW/3 "
    "GetEnvironmentVariableA/3 GetEnvironmentVariableW/3 SetEnvironmentVariableA/2 "
    "SetEnvironmentVariableW/2 GetEnvironmentStringsA/0 GetEnvironmentStringsW/0 "
    "GetEnvironmentStrings/0 FreeEnvironmentStringsA/1 FreeEnvironmentStringsW/1 "
    "CreateMutexA/3 CreateMutexW/3 CreateMutexExA/4 CreateMutexExW/4 OpenMutexA/3 OpenMutexW/3 "
    "ReleaseMutex/1 CreateEventA/4 CreateEventW/4 SetEvent/1 ResetEvent/1 GetLastError/0 "
    "SetLastError/1 GetTickCount/0 GetTickCount64/0 QueryPerformanceCounter/1 "
    "QueryPerformanceFrequency/1 GetSystemTimeAsFileTime/1 GetSystemTime/1 GetLocalTime/1 "
    "GetVersionExA/1 GetVersionExW/1 GetVersion/0 GetComputerNameA/2 GetComputerNameW/2 "
    "IsDebuggerPresent/0 CheckRemoteDebuggerPresent/2 OutputDebugStringA/1 "
    "OutputDebugStringW/1 CreateToolhelp32Snapshot/2 Process32First/2 Process32Next/2 "
    "Process32FirstW/2 Process32NextW/2 FindResourceA/3 FindResourceW/3 FindResourceExA/4 "
    "FindResourceExW/4 FreeResource/1 LoadResource/2 "
    "LockResource/1 SizeofResource/2 InitializeCriticalSection/1 "
    "InitializeCriticalSectionAndSpinCount/2 InitializeCriticalSectionEx/3 "
    "EnterCriticalSection/1 LeaveCriticalSection/1 DeleteCriticalSection/1 "
    "SetUnhandledExceptionFilter/1 UnhandledExceptionFilter/1 AddVectoredExceptionHandler/2 "
    "TlsAlloc/0 TlsFree/1 TlsGetValue/1 TlsSetValue/2 FlsAlloc/1 FlsGetValue/1 FlsSetValue/2 "
    "FlsFree/1 MultiByteToWideChar/6 WideCharToMultiByte/8 IsDBCSLeadByteEx/2 GetACP/0 "
    "GetOEMCP/0 GetCPInfo/2 GetSystemInfo/1 GetNativeSystemInfo/1 IsWow64Process/2 "
    "GetUserDefaultLCID/0 GetUserDefaultUILanguage/0 GetSystemDefaultLangID/0 "
    "GetUserDefaultLangID/0 GetLocaleInfoA/4 GetLocaleInfoW/4 GetStdHandle/1 WriteConsoleA/5 "
    "WriteConsoleW/5 GetConsoleMode/2 GetFileType/1 SetHandleCount/1 GetCurrentDirectoryA/2 "
    "GetCurrentDirectoryW/2 SetCurrentDirectoryA/1 SetCurrentDirectoryW/1 lstrlenA/1 "
    "lstrlenW/1 lstrcpyA/2 lstrcpyW/2 lstrcatA/2 lstrcatW/2 lstrcmpA/2 lstrcmpW/2 lstrcmpiA/2 "
    "lstrcmpiW/2 GetDriveTypeA/1 GetDriveTypeW/1 GetLogicalDrives/0 GetVolumeInformationA/8 "
    "GetVolumeInformationW/8 GetDiskFreeSpaceExA/4 GetDiskFreeSpaceExW/4 AreFileApisANSI/0 "
    "GetModuleHandle/1 DuplicateHandle/7 RaiseException/4 DecodePointer/1 EncodePointer/1 "
    "InterlockedIncrement/1 InterlockedDecrement/1 InterlockedExchange/2 "
    "InterlockedCompareExchange/3 GetSystemDirectory/2 SetErrorMode/1 GetProcessId/1 "
    "GetExitCodeProcess/2 GetExitCodeThread/2 Wow64DisableWow64FsRedirection/1 "
    "Wow64RevertWow64FsRedirection/1 GetFullPathNameA/4 GetFullPathNameW/4 "
    "GetShortPathNameA/3 GetShortPathNameW/3 GetLongPathNameA/3 GetLongPathNameW/3 "
    "GlobalMemoryStatusEx/1 IsProcessorFeaturePresent/1 QueueUserAPC/3 "
    "CreateFileMappingA/6 CreateFileMappingW/6 MapViewOfFile/5 UnmapViewOfFile/1 "
    "DeviceIoControl/8 GetThreadContext/2 SetThreadContext/2 VirtualLock/2 "
    "SetFileTime/4 GetFileTime/4 CreatePipe/4 PeekNamedPipe/6 ConnectNamedPipe/2 "
    "CreateNamedPipeA/8 CreateNamedPipeW/8 SetThreadPriority/2 GetThreadPriority/1 "
    "LCMapStringW/6 GetStringTypeW/4 InitializeSListHead/1 RtlUnwind/4 RtlCaptureContext/1 "
    "RtlLookupFunctionEntry/3 RtlVirtualUnwind/8 SetConsoleCtrlHandler/2 VirtualQueryEx/4 "
    "Module32First/2 Module32Next/2 Thread32First/2 Thread32Next/2 GetPriorityClass/1";

constexpr std::string_view kNtdll =
    "NtQueryInformationProcess/5 ZwQueryInformationProcess/5 NtAllocateVirtualMemory/6 "
    "ZwAllocateVirtualMemory/6 NtProtectVirtualMemory/5 ZwProtectVirtualMemory/5 "
    "NtWriteVirtualMemory/5 ZwWriteVirtualMemory/5 NtReadVirtualMemory/5 "
    "NtUnmapViewOfSection/2 ZwUnmapViewOfSection/2 NtCreateFile/11 ZwCreateFile/11 "
    "NtOpenFile/6 NtReadFile/9 ZwReadFile/9 NtWriteFile/9 ZwWriteFile/9 NtClose/1 ZwClose/1 "
    "NtDelayExecution/2 NtQuerySystemInformation/4 NtSetInformationThread/4 "
    "ZwSetInformationThread/4 NtCreateThreadEx/11 NtResumeThread/2 NtTerminateProcess/2 "
    "RtlGetVersion/1 LdrLoadDll/4 LdrGetProcedureAddress/4 LdrGetDllHandle/4 "
    "RtlMoveMemory/3 RtlCopyMemory/3 RtlZeroMemory/2 RtlFillMemory/3 RtlInitUnicodeString/2 "
    "RtlInitAnsiString/2 RtlAnsiStringToUnicodeString/3 RtlFreeUnicodeString/1 "
    "RtlGetLastWin32Error/0 RtlSetLastWin32Error/1 RtlAllocateHeap/3 RtlFreeHeap/3 "
    "RtlDecompressBuffer/6 RtlComputeCrc32/3 RtlExitUserThread/1 RtlExitUserProcess/1 "
    "NtQueryVirtualMemory/6 NtCreateSection/7 NtMapViewOfSection/10 NtOpenProcess/4 "
    "RtlAdjustPrivilege/4 NtRaiseHardError/6 RtlUnwind/4 RtlCaptureContext/1 "
    "RtlLookupFunctionEntry/3 RtlVirtualUnwind/8 NtContinue/2 memcpy/3 memset/3 strlen/1 "
    "wcslen/1 _stricmp/2 _wcsicmp/2 sprintf/2 swprintf/2";

constexpr std::string_view kAdvapi32 =
    "RegOpenKeyA/3 RegOpenKeyW/3 RegOpenKeyExA/5 RegOpenKeyExW/5 RegCreateKeyA/3 "
    "RegCreateKeyW/3 RegCreateKeyExA/9 RegCreateKeyExW/9 RegSetValueExA/6 RegSetValueExW/6 "
    "RegSetValueA/5 RegSetValueW/5 RegQueryValueExA/6 RegQueryValueExW/6 RegGetValueA/7 "
    "RegGetValueW/7 RegDeleteValueA/2 RegDeleteValueW/2 RegDeleteKeyA/2 RegDeleteKeyW/2 "
    "RegCloseKey/1 RegEnumKeyExA/8 RegEnumKeyExW/8 RegEnumValueA/8 RegEnumValueW/8 "
    "RegQueryInfoKeyA/12 RegQueryInfoKeyW/12 OpenSCManagerA/3 OpenSCManagerW/3 "
    "CreateServiceA/13 CreateServiceW/13 OpenServiceA/3 OpenServiceW/3 StartServiceA/3 "
    "StartServiceW/3 DeleteService/1 CloseServiceHandle/1 ControlService/3 "
    "ChangeServiceConfigA/11 ChangeServiceConfigW/11 StartServiceCtrlDispatcherA/1 "
    "StartServiceCtrlDispatcherW/1 RegisterServiceCtrlHandlerA/2 RegisterServiceCtrlHandlerW/2 "
    "SetServiceStatus/2 GetUserNameA/2 GetUserNameW/2 OpenProcessToken/3 OpenThreadToken/4 "
    "LookupPrivilegeValueA/3 LookupPrivilegeValueW/3 AdjustTokenPrivileges/6 "
    "GetTokenInformation/5 AllocateAndInitializeSid/11 FreeSid/1 CheckTokenMembership/3 "
    "CryptAcquireContextA/5 CryptAcquireContextW/5 CryptReleaseContext/2 CryptCreateHash/5 "
    "CryptHashData/4 CryptGetHashParam/5 CryptDestroyHash/1 CryptDeriveKey/5 CryptEncrypt/7 "
    "CryptDecrypt/6 CryptDestroyKey/1 CryptGenRandom/3 CryptImportKey/6 "
    "ConvertStringSidToSidA/2 ConvertStringSidToSidW/2 CreateProcessAsUserA/11 "
    "CreateProcessAsUserW/11";

constexpr std::string_view kUser32 =
    "MessageBoxA/4 MessageBoxW/4 MessageBoxExA/5 MessageBoxExW/5 FindWindowA/2 FindWindowW/2 "
    "FindWindowExA/4 FindWindowExW/4 GetForegroundWindow/0 GetDesktopWindow/0 GetCursorPos/1 "
    "GetSystemMetrics/1 wsprintfA/2 wsprintfW/2 wvsprintfA/3 wvsprintfW/3 GetAsyncKeyState/1 "
    "GetKeyState/1 SetWindowsHookExA/4 SetWindowsHookExW/4 UnhookWindowsHookEx/1 "
    "CallNextHookEx/4 GetMessageA/4 GetMessageW/4 PeekMessageA/5 PeekMessageW/5 "
    "TranslateMessage/1 DispatchMessageA/1 DispatchMessageW/1 PostQuitMessage/1 "
    "RegisterClassA/1 RegisterClassW/1 RegisterClassExA/1 RegisterClassExW/1 "
    "CreateWindowExA/12 CreateWindowExW/12 ShowWindow/2 UpdateWindow/1 DestroyWindow/1 "
    "DefWindowProcA/4 DefWindowProcW/4 GetWindowTextA/3 GetWindowTextW/3 "
    "GetWindowThreadProcessId/2 EnumWindows/2 GetDC/1 ReleaseDC/2 LoadIconA/2 LoadIconW/2 "
    "LoadCursorA/2 LoadCursorW/2 LoadStringA/4 LoadStringW/4 CharUpperA/1 CharUpperW/1 "
    "CharLowerA/1 CharLowerW/1 OpenClipboard/1 GetClipboardData/1 CloseClipboard/0 "
    "GetKeyboardLayout/1 GetKeyboardLayoutList/2 SystemParametersInfoA/4 "
    "SystemParametersInfoW/4 GetLastInputInfo/1 SendMessageA/4 SendMessageW/4 PostMessageA/4 "
    "PostMessageW/4 SetTimer/4 KillTimer/2 GetUserObjectInformationW/5 IsWindowVisible/1";

constexpr std::string_view kShell32 =
    "ShellExecuteA/6 ShellExecuteW/6 ShellExecuteExA/1 ShellExecuteExW/1 SHGetFolderPathA/5 "
    "SHGetFolderPathW/5 SHGetSpecialFolderPathA/4 SHGetSpecialFolderPathW/4 "
    "SHGetKnownFolderPath/4 SHFileOperationA/1 SHFileOperationW/1 IsUserAnAdmin/0 "
    "CommandLineToArgvW/2 SHCreateDirectoryExA/3 SHCreateDirectoryExW/3";

constexpr std::string_view kOle32 =
    "CoInitialize/1 CoInitializeEx/2 CoUninitialize/0 CoCreateInstance/5 "
    "CoInitializeSecurity/9 CoSetProxyBlanket/8 CoTaskMemAlloc/1 CoTaskMemFree/1 "
    "CoCreateGuid/1 StringFromGUID2/3 CLSIDFromString/2 OleInitialize/1 OleUninitialize/0";

constexpr std::string_view kOleaut32 =
    "SysAllocString/1 SysFreeString/1 SysStringLen/1 SysAllocStringLen/2 "
    "SysAllocStringByteLen/2 VariantInit/1 VariantClear/1 VariantChangeType/4";

constexpr std::string_view kWininet =
    "InternetOpenA/5 InternetOpenW/5 InternetConnectA/8 InternetConnectW/8 "
    "HttpOpenRequestA/8 HttpOpenRequestW/8 HttpSendRequestA/5 HttpSendRequestW/5 "
    "HttpSendRequestExA/5 HttpSendRequestExW/5 InternetOpenUrlA/6 InternetOpenUrlW/6 "
    "InternetReadFile/4 InternetQueryDataAvailable/4 HttpQueryInfoA/5 HttpQueryInfoW/5 "
    "InternetSetOptionA/4 InternetSetOptionW/4 InternetQueryOptionA/4 InternetQueryOptionW/4 "
    "InternetCrackUrlA/4 InternetCrackUrlW/4 InternetCloseHandle/1 InternetGetConnectedState/2 "
    "InternetCheckConnectionA/3 InternetCheckConnectionW/3 HttpAddRequestHeadersA/4 "
    "HttpAddRequestHeadersW/4 InternetWriteFile/4";

constexpr std::string_view kWinhttp =
    "WinHttpOpen/5 WinHttpConnect/4 WinHttpOpenRequest/7 WinHttpSendRequest/7 "
    "WinHttpReceiveResponse/2 WinHttpQueryDataAvailable/2 WinHttpReadData/4 "
    "WinHttpQueryHeaders/6 WinHttpCloseHandle/1 WinHttpSetOption/4 WinHttpSetTimeouts/5 "
    "WinHttpCrackUrl/4 WinHttpAddRequestHeaders/4 WinHttpGetIEProxyConfigForCurrentUser/1";

constexpr std::string_view kUrlmon =
    "URLDownloadToFileA/5 URLDownloadToFileW/5 URLDownloadToCacheFileA/6 "
    "URLDownloadToCacheFileW/6 URLOpenBlockingStreamA/5 URLOpenBlockingStreamW/5 "
    "ObtainUserAgentString/3";

constexpr std::string_view kWs2_32 =
    "WSAStartup/2 WSACleanup/0 socket/3 WSASocketA/6 WSASocketW/6 connect/3 WSAConnect/7 "
    "send/4 sendto/6 recv/4 recvfrom/6 WSASend/7 WSARecv/7 closesocket/1 gethostbyname/1 "
    "gethostname/2 getaddrinfo/4 freeaddrinfo/1 GetAddrInfoW/4 FreeAddrInfoW/1 inet_addr/1 "
    "inet_ntoa/1 inet_pton/3 htons/1 ntohs/1 htonl/1 ntohl/1 setsockopt/5 getsockopt/5 "
    "ioctlsocket/3 WSAGetLastError/0 WSASetLastError/1 bind/3 listen/2 accept/3 select/5 "
    "shutdown/2 getpeername/3 getsockname/3 WSAIoctl/9 __WSAFDIsSet/2";

constexpr std::string_view kCrypt32 =
    "CryptStringToBinaryA/7 CryptStringToBinaryW/7 CryptBinaryToStringA/5 "
    "CryptBinaryToStringW/5 CryptUnprotectData/7 CryptProtectData/7 CertOpenSystemStoreA/2 "
    "CertOpenSystemStoreW/2 CertCloseStore/2 CryptDecodeObjectEx/8";

constexpr std::string_view kBcrypt =
    "BCryptOpenAlgorithmProvider/4 BCryptCloseAlgorithmProvider/2 BCryptGenRandom/4 "
    "BCryptCreateHash/7 BCryptHashData/4 BCryptFinishHash/4 BCryptDestroyHash/1 "
    "BCryptGenerateSymmetricKey/7 BCryptEncrypt/10 BCryptDecrypt/10 BCryptDestroyKey/1 "
    "BCryptSetProperty/5 BCryptGetProperty/6";

// The C runtime (cdecl). Counts are the fixed arguments, used to decode the call.
constexpr std::string_view kMsvcrt =
    "__getmainargs/5 __wgetmainargs/5 __set_app_type/1 __p__fmode/0 __p__commode/0 "
    "__p___argc/0 __p___argv/0 __p___wargv/0 __p__acmdln/0 __p__environ/0 __setusermatherr/1 "
    "_initterm/2 _initterm_e/2 exit/1 _exit/1 _cexit/0 _c_exit/0 _amsg_exit/1 abort/0 "
    "_onexit/1 atexit/1 __dllonexit/3 _controlfp/2 _controlfp_s/3 _fpreset/0 signal/2 "
    "_XcptFilter/2 __C_specific_handler/4 _except_handler3/4 _except_handler4_common/6 "
    "malloc/1 calloc/2 realloc/2 free/1 _msize/1 memcpy/3 memmove/3 memset/3 memcmp/3 "
    "strlen/1 wcslen/1 strcpy/2 wcscpy/2 strncpy/3 wcsncpy/3 strcat/2 wcscat/2 strcmp/2 "
    "wcscmp/2 strncmp/3 wcsncmp/3 _stricmp/2 _wcsicmp/2 _strnicmp/3 _wcsnicmp/3 strchr/2 "
    "wcschr/2 strrchr/2 wcsrchr/2 strstr/2 wcsstr/2 strtol/3 strtoul/3 atoi/1 _wtoi/1 "
    "tolower/1 toupper/1 towlower/1 towupper/1 isdigit/1 isalpha/1 isspace/1 "
    "printf/1 wprintf/1 puts/1 _putws/1 putchar/1 fprintf/2 fwprintf/2 vfprintf/3 "
    "vfwprintf/3 fputs/2 fputc/2 fwrite/4 fflush/1 sprintf/2 swprintf/2 _snprintf/3 "
    "_snwprintf/3 snprintf/3 vsprintf/3 vsnprintf/4 _vsnprintf/4 _vsnwprintf/4 sscanf/2 "
    "fopen/2 _wfopen/2 fclose/1 fread/4 fseek/3 ftell/1 rand/0 srand/1 time/1 _time64/1 "
    "clock/0 getenv/1 _wgetenv/1 system/1 _wsystem/1 _errno/0 __iob_func/0 "
    "___lc_codepage_func/0 ___mb_cur_max_func/0 __mb_cur_max/@ localeconv/0 setlocale/2 "
    "_setmode/2 _fileno/1 _isatty/1 _lock/1 _unlock/1 strerror/1 wcstombs/3 mbstowcs/3 "
    "_strdup/1 _wcsdup/1 "
    "_acmdln/@ _wcmdln/@ _fmode/@ _commode/@ __initenv/@ __winitenv/@ _environ/@ __argc/@ "
    "__argv/@ __wargv/@ _iob/@ "
    // Universal CRT names (ucrtbase and the api-ms-win-crt-* sets map here).
    "__stdio_common_vfprintf/5 __stdio_common_vfwprintf/5 __stdio_common_vsprintf/7 "
    "__stdio_common_vswprintf/7 __acrt_iob_func/1 _configure_narrow_argv/1 "
    "_configure_wide_argv/1 _initialize_narrow_environment/0 "
    "_initialize_wide_environment/0 _get_initial_narrow_environment/0 "
    "_get_initial_wide_environment/0 _set_app_type/1 _set_fmode/1 __p__commode/0 "
    "_crt_atexit/1 _register_onexit_function/2 _initialize_onexit_table/1 "
    "_execute_onexit_table/1 _seh_filter_exe/2 _seh_filter_dll/2 _set_new_mode/1 "
    "_configthreadlocale/1 _register_thread_local_exe_atexit_callback/1 __p___argc/0 "
    "_crt_at_quick_exit/1 _cexit/0 _c_exit/0 terminate/0 _invalid_parameter_noinfo/0 "
    "_invalid_parameter_noinfo_noreturn/0 __setusermatherr/1 _set_invalid_parameter_handler/1 "
    "_get_wide_winmain_command_line/0 _get_narrow_winmain_command_line/0 "
    "__std_type_info_destroy_list/1 _callnewh/1 _query_new_mode/0 __current_exception/0 "
    "__current_exception_context/0 __CxxFrameHandler3/4 __CxxFrameHandler4/4 "
    "_CxxThrowException/2 ??_7type_info@@6B@/@ __std_terminate/0 _purecall/0 strcpy_s/3 strcat_s/3 wcscpy_s/3 "
    "wcscat_s/3 memcpy_s/4 memmove_s/4 sprintf_s/3 swprintf_s/3 _wfopen_s/3 fopen_s/3";

struct DllTable {
  std::string_view name;
  std::string_view table;
  bool cdecl;
};

// Loader order: ntdll, kernel32, kernelbase, then the rest.
const std::vector<DllTable>& Tables() {
  static const std::vector<DllTable> tables = {
      {"ntdll.dll", kNtdll, false},       {"kernel32.dll", kKernel32, false},
      {"kernelbase.dll", kKernel32, false}, {"advapi32.dll", kAdvapi32, false},
      {"user32.dll", kUser32, false},     {"shell32.dll", kShell32, false},
      {"ole32.dll", kOle32, false},       {"oleaut32.dll", kOleaut32, false},
      {"wininet.dll", kWininet, false},   {"winhttp.dll", kWinhttp, false},
      {"urlmon.dll", kUrlmon, false},     {"ws2_32.dll", kWs2_32, false},
      {"crypt32.dll", kCrypt32, false},   {"bcrypt.dll", kBcrypt, false},
      {"msvcrt.dll", kMsvcrt, true},      {"ucrtbase.dll", kMsvcrt, true},
  };
  return tables;
}

void Put16(Bytes& b, std::size_t off, std::uint16_t v) { std::memcpy(&b[off], &v, 2); }
void Put32(Bytes& b, std::size_t off, std::uint32_t v) { std::memcpy(&b[off], &v, 4); }
void Put64(Bytes& b, std::size_t off, std::uint64_t v) { std::memcpy(&b[off], &v, 8); }

std::uint32_t AlignPage(std::size_t v) {
  return static_cast<std::uint32_t>((v + 0xFFF) & ~static_cast<std::size_t>(0xFFF));
}

struct SectionSpec {
  const char* name;
  std::uint32_t rva;
  std::uint32_t size;
  std::uint32_t characteristics;
};

// DOS header, PE signature, file header, optional header and section table (PE Format,
// "MS-DOS Stub", "COFF File Header", "Optional Header"), the fields a loader or a shellcode's
// export walk reads.
void WriteHeaders(Bytes& image, bool x64, std::uint64_t base, bool dll,
                  std::uint32_t export_rva, std::uint32_t export_size,
                  const std::vector<SectionSpec>& sections) {
  constexpr std::uint32_t kPe = 0x80;
  image[0] = 'M';
  image[1] = 'Z';
  Put32(image, 0x3C, kPe);
  std::memcpy(&image[kPe], "PE\0\0", 4);
  const std::size_t fh = kPe + 4;
  Put16(image, fh, x64 ? 0x8664 : 0x14C);
  Put16(image, fh + 2, static_cast<std::uint16_t>(sections.size()));
  const std::uint16_t opt_size = x64 ? 240 : 224;
  Put16(image, fh + 16, opt_size);
  std::uint16_t characteristics = 0x0002;  // executable image
  if (!x64) characteristics |= 0x0100;     // 32-bit machine
  if (dll) characteristics |= 0x2000;
  Put16(image, fh + 18, characteristics);
  const std::size_t oh = fh + 20;
  Put16(image, oh, x64 ? 0x20B : 0x10B);
  if (x64) {
    Put64(image, oh + 24, base);
  } else {
    Put32(image, oh + 28, static_cast<std::uint32_t>(base));
  }
  Put32(image, oh + 32, 0x1000);  // SectionAlignment
  Put32(image, oh + 36, 0x200);   // FileAlignment
  Put16(image, oh + 40, 10);      // OS 10.0
  Put16(image, oh + 48, 10);
  Put32(image, oh + 56, static_cast<std::uint32_t>(image.size()));  // SizeOfImage
  Put32(image, oh + 60, 0x1000);                                    // SizeOfHeaders
  Put16(image, oh + 68, 2);                                         // GUI subsystem
  const std::size_t dirs = oh + (x64 ? 112 : 96);
  Put32(image, dirs - 4, 16);  // NumberOfRvaAndSizes
  Put32(image, dirs, export_rva);
  Put32(image, dirs + 4, export_size);
  std::size_t sh = oh + opt_size;
  for (const SectionSpec& s : sections) {
    std::memcpy(&image[sh], s.name, std::min<std::size_t>(8, std::strlen(s.name)));
    Put32(image, sh + 8, s.size);
    Put32(image, sh + 12, s.rva);
    Put32(image, sh + 16, s.size);
    Put32(image, sh + 20, s.rva);
    Put32(image, sh + 36, s.characteristics);
    sh += 40;
  }
}

std::vector<DecoyExport> ParseTable(std::string_view table) {
  std::vector<DecoyExport> exports;
  std::istringstream in{std::string(table)};
  std::string token;
  while (in >> token) {
    const std::size_t slash = token.find('/');
    DecoyExport e;
    e.name = token.substr(0, slash);
    const std::string count = token.substr(slash + 1);
    if (count == "@") {
      e.data = true;
    } else {
      e.argc = static_cast<std::uint8_t>(std::stoi(count));
    }
    exports.push_back(std::move(e));
  }
  return exports;
}

}  // namespace

const std::vector<std::string>& DecoyDllNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const DllTable& t : Tables()) out.emplace_back(t.name);
    return out;
  }();
  return names;
}

std::string CanonicalDllName(std::string_view name) {
  std::string n = AsciiLower(name);
  const std::size_t slash = n.find_last_of("\\/");
  if (slash != std::string::npos) n = n.substr(slash + 1);
  if (n.find('.') == std::string::npos) n += ".dll";
  if (n.rfind("api-ms-win-crt-", 0) == 0) return "ucrtbase.dll";
  // The Visual C++ runtimes export the same C functions as msvcrt.
  if (n.rfind("vcruntime", 0) == 0 || (n.rfind("msvcr", 0) == 0 && n != "msvcrt.dll")) {
    return "msvcrt.dll";
  }
  if (n.rfind("api-ms-win-core-", 0) == 0 || n.rfind("api-ms-win-", 0) == 0) {
    return "kernelbase.dll";
  }
  return n;
}

DecoyImage BuildDecoy(std::string_view name, bool x64, std::uint64_t base) {
  DecoyImage decoy;
  decoy.name = std::string(name);
  decoy.base = base;
  for (const DllTable& t : Tables()) {
    if (t.name == name) {
      decoy.exports = ParseTable(t.table);
      decoy.cdecl = t.cdecl;
    }
  }
  // Layout: headers | export directory | stubs (.text) | data exports (.data).
  const std::size_t n = decoy.exports.size();
  std::size_t names_bytes = decoy.name.size() + 1;
  for (const DecoyExport& e : decoy.exports) names_bytes += e.name.size() + 1;
  const std::uint32_t edata_rva = 0x1000;
  const std::uint32_t edata_size = static_cast<std::uint32_t>(40 + n * 10 + names_bytes);
  const std::uint32_t text_rva = edata_rva + AlignPage(edata_size);
  std::size_t functions = 0;
  std::size_t datas = 0;
  for (const DecoyExport& e : decoy.exports) (e.data ? datas : functions)++;
  const std::uint32_t text_size = AlignPage(std::max<std::size_t>(1, functions) * kStubSize);
  const std::uint32_t data_rva = text_rva + text_size;
  const std::uint32_t data_size = AlignPage(std::max<std::size_t>(1, datas) * kDataExportSize);
  decoy.image.assign(data_rva + data_size, 0);
  decoy.stubs_rva = text_rva;
  decoy.stubs_size = text_size;

  std::uint32_t next_stub = text_rva;
  std::uint32_t next_data = data_rva;
  for (std::size_t i = 0; i < n; ++i) {
    DecoyExport& e = decoy.exports[i];
    e.ordinal = static_cast<std::uint16_t>(i + 1);
    if (e.data) {
      e.rva = next_data;
      next_data += kDataExportSize;
    } else {
      e.rva = next_stub;
      // mov edi, edi; ret: the prologue hook checks expect, never executed (the code hook
      // returns to the caller first).
      decoy.image[next_stub] = 0x8B;
      decoy.image[next_stub + 1] = 0xFF;
      decoy.image[next_stub + 2] = 0xC3;
      std::memset(&decoy.image[next_stub + 3], 0xCC, kStubSize - 3);
      next_stub += kStubSize;
    }
  }
  std::fill(decoy.image.begin() + next_stub, decoy.image.begin() + data_rva, 0xCC);

  // IMAGE_EXPORT_DIRECTORY (PE Format, "Export Directory Table"); names sorted as the loader's
  // binary search requires.
  const std::uint32_t functions_rva = edata_rva + 40;
  const std::uint32_t names_rva = functions_rva + static_cast<std::uint32_t>(n * 4);
  const std::uint32_t ordinals_rva = names_rva + static_cast<std::uint32_t>(n * 4);
  std::uint32_t strings_rva = ordinals_rva + static_cast<std::uint32_t>(n * 2);
  const std::uint32_t dll_name_rva = strings_rva;
  std::memcpy(&decoy.image[strings_rva], decoy.name.c_str(), decoy.name.size() + 1);
  strings_rva += static_cast<std::uint32_t>(decoy.name.size() + 1);
  Put32(decoy.image, edata_rva + 12, dll_name_rva);
  Put32(decoy.image, edata_rva + 16, 1);  // ordinal base
  Put32(decoy.image, edata_rva + 20, static_cast<std::uint32_t>(n));
  Put32(decoy.image, edata_rva + 24, static_cast<std::uint32_t>(n));
  Put32(decoy.image, edata_rva + 28, functions_rva);
  Put32(decoy.image, edata_rva + 32, names_rva);
  Put32(decoy.image, edata_rva + 36, ordinals_rva);
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) {
    order[i] = i;
    Put32(decoy.image, functions_rva + i * 4, decoy.exports[i].rva);
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return decoy.exports[a].name < decoy.exports[b].name;
  });
  for (std::size_t k = 0; k < n; ++k) {
    const DecoyExport& e = decoy.exports[order[k]];
    Put32(decoy.image, names_rva + k * 4, strings_rva);
    Put16(decoy.image, ordinals_rva + k * 2, static_cast<std::uint16_t>(order[k]));
    std::memcpy(&decoy.image[strings_rva], e.name.c_str(), e.name.size() + 1);
    strings_rva += static_cast<std::uint32_t>(e.name.size() + 1);
  }
  WriteHeaders(decoy.image, x64, base, true, edata_rva, edata_size,
               {{".edata", edata_rva, AlignPage(edata_size), 0x40000040},
                {".text", text_rva, text_size, 0x60000020},
                {".data", data_rva, data_size, 0xC0000040}});
  return decoy;
}

Bytes BuildHostImage(bool x64, std::uint64_t base, std::uint32_t size_of_image) {
  Bytes image(std::max<std::uint32_t>(size_of_image, 0x1000), 0);
  WriteHeaders(image, x64, base, false, 0, 0, {});
  return image;
}

}  // namespace kensa::emulator::internal
