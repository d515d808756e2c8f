// host_info: who and what the host is. GatherHostFacts feeds the manifest's "host" object;
// CollectHostInfo writes the longer commands/systeminfo.txt.
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "steps.h"

#ifndef KENSA_COLLECTOR_VERSION
#define KENSA_COLLECTOR_VERSION "0.0.0"
#endif

// SYSTEM_TIMEOFDAY_INFORMATION (NtQuerySystemInformation class 3): its first field is the
// boot time as a FILETIME, the same on XP and Windows 11.
enum { kSystemTimeOfDayInformation = 3 };

static const wchar_t kCurrentVersionKey[] = L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";

static char* ComputerNameEx(COMPUTER_NAME_FORMAT format) {
  wchar_t name[256];
  DWORD length = 256;
  if (!GetComputerNameExW(format, name, &length)) return XStrDup("");
  return WToUtf8(name);
}

static uint64_t BootFileTime(void) {
  if (g_api.NtQuerySystemInformation != NULL) {
    uint64_t info[8];  // 64 bytes: larger than any version's structure
    memset(info, 0, sizeof info);
    ULONG returned = 0;
    if (g_api.NtQuerySystemInformation(kSystemTimeOfDayInformation, info, sizeof info, &returned) >=
            0 &&
        info[0] != 0)
      return info[0];
  }
  // Fallback: now minus uptime (GetTickCount wraps after 49.7 days; GetTickCount64 is Vista+).
  uint64_t uptime_ms = g_api.GetTickCount64 ? g_api.GetTickCount64() : GetTickCount();
  return NowFileTime() - uptime_ms * 10000;
}

static char* ArchitectureName(WORD architecture) {
  switch (architecture) {
    case PROCESSOR_ARCHITECTURE_AMD64:
      return XStrDup("AMD64");
    case PROCESSOR_ARCHITECTURE_INTEL:
      return XStrDup("x86");
    case PROCESSOR_ARCHITECTURE_IA64:
      return XStrDup("IA64");
    case 5:
      return XStrDup("ARM");
    case 12:
      return XStrDup("ARM64");
    default: {
      StrBuf sb;
      SbInit(&sb);
      SbFormat(&sb, "unknown (%u)", (unsigned)architecture);
      return SbDetach(&sb);
    }
  }
}

static char* TimeZoneText(void) {
  TIME_ZONE_INFORMATION zone;
  DWORD which = GetTimeZoneInformation(&zone);
  StrBuf sb;
  SbInit(&sb);
  const wchar_t* name = which == TIME_ZONE_ID_DAYLIGHT ? zone.DaylightName : zone.StandardName;
  LONG bias = zone.Bias + (which == TIME_ZONE_ID_DAYLIGHT ? zone.DaylightBias : 0);
  // Bias is UTC minus local time in minutes, so the UTC offset is its negation.
  LONG offset = -bias;
  SbAppendUtf16(&sb, (const uint16_t*)name, wcslen(name));
  SbAppendStr(&sb, " (UTC");
  SbAppendChar(&sb, offset < 0 ? '-' : '+');
  unsigned magnitude = (unsigned)(offset < 0 ? -offset : offset);
  SbAppendChar(&sb, (char)('0' + magnitude / 600 % 10));
  SbAppendChar(&sb, (char)('0' + magnitude / 60 % 10));
  SbAppendChar(&sb, ':');
  SbAppendChar(&sb, (char)('0' + magnitude % 60 / 10));
  SbAppendChar(&sb, (char)('0' + magnitude % 10));
  SbAppendChar(&sb, ')');
  return SbDetach(&sb);
}

static char* CurrentUserName(void) {
  HANDLE token;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return XStrDup("");
  BYTE buffer[512];
  DWORD length = 0;
  char* name;
  if (GetTokenInformation(token, TokenUser, buffer, sizeof buffer, &length)) {
    name = XStrDup(SidToAccountName(((TOKEN_USER*)buffer)->User.Sid));
  } else {
    name = XStrDup("");
  }
  CloseHandle(token);
  return name;
}

static int IsAdministrator(void) {
  SID_IDENTIFIER_AUTHORITY nt_authority = {SECURITY_NT_AUTHORITY};
  PSID administrators;
  if (!AllocateAndInitializeSid(&nt_authority, 2, SECURITY_BUILTIN_DOMAIN_RID,
                                DOMAIN_ALIAS_RID_ADMINS, 0, 0, 0, 0, 0, 0, &administrators))
    return 0;
  // Under UAC a filtered token holds Administrators as deny-only, which this reports as not
  // a member: exactly "not elevated".
  BOOL member = FALSE;
  if (!CheckTokenMembership(NULL, administrators, &member)) member = FALSE;
  FreeSid(administrators);
  return member != 0;
}

void GatherHostFacts(Collector* c) {
  HostFacts* h = &c->host;
  wchar_t name[MAX_COMPUTERNAME_LENGTH + 1];
  DWORD length = MAX_COMPUTERNAME_LENGTH + 1;
  h->hostname = GetComputerNameW(name, &length) ? WToUtf8(name) : XStrDup("unknown");
  h->fqdn = ComputerNameEx(ComputerNameDnsFullyQualified);

  OSVERSIONINFOEXW version;
  memset(&version, 0, sizeof version);
  version.dwOSVersionInfoSize = sizeof version;
  // RtlGetVersion, unlike GetVersionEx, is not subject to the compatibility shims that make
  // an unmanifested program see Windows 8 on Windows 10.
  if (g_api.RtlGetVersion == NULL || g_api.RtlGetVersion(&version) < 0) {
    version.dwOSVersionInfoSize = sizeof version;
    GetVersionExW((OSVERSIONINFOW*)&version);
  }
  h->major = version.dwMajorVersion;
  h->minor = version.dwMinorVersion;
  h->build = version.dwBuildNumber;

  StrBuf sb;
  SbInit(&sb);
  SbFormat(&sb, "%lu.%lu.%lu", version.dwMajorVersion, version.dwMinorVersion,
           version.dwBuildNumber);
  h->kernel = SbDetach(&sb);

  wchar_t* product = RegReadString(HKEY_LOCAL_MACHINE, kCurrentVersionKey, L"ProductName", 0);
  DWORD ubr = 0;
  int has_ubr = RegReadDword(HKEY_LOCAL_MACHINE, kCurrentVersionKey, L"UBR", &ubr);
  SbInit(&sb);
  if (product != NULL) {
    // Windows 11 still calls itself "Windows 10" in ProductName; build 22000 is 11's first.
    if (version.dwBuildNumber >= 22000 && wcsncmp(product, L"Windows 10", 10) == 0) {
      SbAppendStr(&sb, "Windows 11");
      SbAppendUtf16(&sb, (const uint16_t*)product + 10, wcslen(product + 10));
    } else {
      SbAppendUtf16(&sb, (const uint16_t*)product, wcslen(product));
    }
    SbAppendChar(&sb, ' ');
  } else {
    SbAppendStr(&sb, "Windows ");
  }
  SbFormat(&sb, "(%s", h->kernel);
  if (has_ubr) SbFormat(&sb, ".%lu", (unsigned long)ubr);
  SbAppendChar(&sb, ')');
  if (version.szCSDVersion[0] != L'\0') SbFormat(&sb, " %ls", version.szCSDVersion);
  h->os = SbDetach(&sb);
  free(product);

  SYSTEM_INFO system;
  GetNativeSystemInfo(&system);
  h->arch = ArchitectureName(system.wProcessorArchitecture);
  BOOL wow64 = FALSE;
  h->is_wow64 =
      g_api.IsWow64Process != NULL && g_api.IsWow64Process(GetCurrentProcess(), &wow64) && wow64;

  h->timezone = TimeZoneText();
  h->boot_time = FileTimeToRfc3339(BootFileTime());
  if (h->boot_time == NULL) h->boot_time = XStrDup("");
  h->collected_by = CurrentUserName();
  h->is_admin = IsAdministrator();

  wchar_t directory[MAX_PATH + 1];
  UINT dir_length = GetSystemWindowsDirectoryW(directory, MAX_PATH);
  h->windows_dir = WStrDup(dir_length > 0 && dir_length < MAX_PATH ? directory : L"C:\\Windows");
  h->system_dir = WPathJoin(h->windows_dir, L"System32");
  if (h->privileges == NULL) h->privileges = XStrDup("");
}

// GetAdaptersInfo's IP_ADAPTER_INFO (iptypes.h), declared here because the collector never
// links iphlpapi.lib; the layout is the same from Windows 2000 to 11.
typedef struct AdapterIpAddress {
  struct AdapterIpAddress* next;
  char address[16];
  char mask[16];
  DWORD context;
} AdapterIpAddress;

typedef struct AdapterInfo {
  struct AdapterInfo* next;
  DWORD combo_index;
  char adapter_name[260];
  char description[132];
  UINT address_length;
  BYTE address[8];
  DWORD index;
  UINT type;
  UINT dhcp_enabled;
  AdapterIpAddress* current_ip;
  AdapterIpAddress ip_list;
  AdapterIpAddress gateway_list;
  AdapterIpAddress dhcp_server;
  BOOL have_wins;
  AdapterIpAddress primary_wins;
  AdapterIpAddress secondary_wins;
  time_t lease_obtained;
  time_t lease_expires;
} AdapterInfo;

// Adapters listed in systeminfo.txt; a host with more is unusual and the rest are dropped.
enum { kMaxAdapters = 64, kMaxAdapterBufferBytes = 1 << 20 };

static void AppendAdapters(StrBuf* sb) {
  if (g_api.GetAdaptersInfo == NULL) {
    SbAppendStr(sb, "adapters: GetAdaptersInfo not available\r\n");
    return;
  }
  ULONG size = 0;
  g_api.GetAdaptersInfo(NULL, &size);
  if (size == 0 || size > kMaxAdapterBufferBytes) {
    SbAppendStr(sb, "adapters: none reported\r\n");
    return;
  }
  AdapterInfo* adapters = (AdapterInfo*)XMalloc(size);
  if (g_api.GetAdaptersInfo(adapters, &size) != ERROR_SUCCESS) {
    SbAppendStr(sb, "adapters: GetAdaptersInfo failed\r\n");
    free(adapters);
    return;
  }
  int count = 0;
  for (AdapterInfo* a = adapters; a != NULL && count < kMaxAdapters; a = a->next, ++count) {
    a->description[sizeof a->description - 1] = '\0';
    // Description is in the ANSI code page; keep ASCII only rather than guess the page.
    SbAppendStr(sb, "adapter: ");
    for (const char* p = a->description; *p; ++p)
      SbAppendChar(sb, (*p >= 0x20 && *p < 0x7F) ? *p : '?');
    SbAppendStr(sb, " mac=");
    for (UINT i = 0; i < a->address_length && i < 8; ++i) {
      if (i > 0) SbAppendChar(sb, '-');
      SbAppendHex(sb, &a->address[i], 1);
    }
    SbAppendStr(sb, " dhcp=");
    SbAppendStr(sb, a->dhcp_enabled ? "yes" : "no");
    int ip_count = 0;
    for (AdapterIpAddress* ip = &a->ip_list; ip != NULL && ip_count < 32;
         ip = ip->next, ++ip_count) {
      ip->address[15] = ip->mask[15] = '\0';
      SbFormat(sb, " ip=%s/%s", ip->address, ip->mask);
    }
    a->gateway_list.address[15] = '\0';
    SbFormat(sb, " gateway=%s\r\n", a->gateway_list.address);
  }
  free(adapters);
}

static void AppendDrives(StrBuf* sb) {
  wchar_t drives[512];
  DWORD length = GetLogicalDriveStringsW(511, drives);
  if (length == 0 || length > 511) return;
  for (const wchar_t* d = drives; *d; d += wcslen(d) + 1) {
    static const char* const kTypes[] = {"unknown", "no_root", "removable", "fixed",
                                         "remote",  "cdrom",   "ramdisk"};
    UINT type = GetDriveTypeW(d);
    SbFormat(sb, "drive: %ls %s\r\n", d, type < 7 ? kTypes[type] : "unknown");
  }
}

void CollectHostInfo(Collector* c) {
  HostFacts* h = &c->host;
  StrBuf sb;
  SbInit(&sb);
  SbFormat(&sb, "collector: %s %s (%s build)\r\n", KENSA_COLLECTOR_NAME, KENSA_COLLECTOR_VERSION,
           sizeof(void*) == 8 ? "x64" : "x86");
  SbFormat(&sb, "collector_wow64: %s\r\n", h->is_wow64 ? "yes" : "no");
  SbFormat(&sb, "collector_command_line: %ls\r\n", GetCommandLineW());
  SbFormat(&sb, "hostname: %s\r\nfqdn: %s\r\n", h->hostname, h->fqdn);
  char* dns_domain = ComputerNameEx(ComputerNameDnsDomain);
  SbFormat(&sb, "dns_domain: %s\r\n", dns_domain);
  free(dns_domain);
  SbFormat(&sb, "os: %s\r\nversion: %s\r\n", h->os, h->kernel);

  OSVERSIONINFOEXW version;
  memset(&version, 0, sizeof version);
  version.dwOSVersionInfoSize = sizeof version;
  if (g_api.RtlGetVersion != NULL && g_api.RtlGetVersion(&version) >= 0) {
    static const char* const kProductTypes[] = {"unknown", "workstation", "domain_controller",
                                                "server"};
    SbFormat(&sb, "product_type: %s\r\nservice_pack: %u.%u\r\n",
             kProductTypes[version.wProductType <= 3 ? version.wProductType : 0],
             (unsigned)version.wServicePackMajor, (unsigned)version.wServicePackMinor);
  }
  static const wchar_t* const kVersionValues[] = {L"EditionID", L"DisplayVersion", L"ReleaseId",
                                                  L"InstallationType"};
  for (size_t i = 0; i < sizeof kVersionValues / sizeof kVersionValues[0]; ++i) {
    wchar_t* value = RegReadString(HKEY_LOCAL_MACHINE, kCurrentVersionKey, kVersionValues[i], 0);
    if (value != NULL) SbFormat(&sb, "%ls: %ls\r\n", kVersionValues[i], value);
    free(value);
  }
  DWORD install_date = 0;
  if (RegReadDword(HKEY_LOCAL_MACHINE, kCurrentVersionKey, L"InstallDate", &install_date)) {
    // Seconds since 1970; FILETIME counts 100 ns since 1601.
    SbAppendStr(&sb, "install_date: ");
    SbAppendFileTime(&sb, (uint64_t)install_date * 10000000 + 116444736000000000ull);
    SbAppendStr(&sb, "\r\n");
  }
  if (g_api.wine_get_version != NULL) {
    // Tests run the collector under wine; say so, so nobody mistakes it for a real host.
    SbFormat(&sb, "wine: %s\r\n", g_api.wine_get_version());
  }
  SYSTEM_INFO system;
  GetNativeSystemInfo(&system);
  SbFormat(&sb, "arch: %s\r\nprocessors: %lu\r\n", h->arch,
           (unsigned long)system.dwNumberOfProcessors);
  MEMORYSTATUSEX memory;
  memory.dwLength = sizeof memory;
  if (GlobalMemoryStatusEx(&memory))
    SbFormat(&sb, "memory_bytes: %llu\r\n", (unsigned long long)memory.ullTotalPhys);
  SbFormat(&sb, "windows_dir: %ls\r\n", h->windows_dir);
  SbFormat(&sb, "timezone: %s\r\n", h->timezone);
  SbAppendStr(&sb, "now_utc: ");
  SbAppendFileTime(&sb, NowFileTime());
  SbFormat(&sb, "\r\nboot_time: %s\r\n", h->boot_time);
  SbFormat(&sb, "user: %s\r\nadministrator: %s\r\nprivileges: %s\r\n", h->collected_by,
           h->is_admin ? "yes (elevated)" : "no", h->privileges);
  AppendDrives(&sb);
  AppendAdapters(&sb);
  CollectorAddCommand(c, "commands/systeminfo.txt", "host_info",
                      "RtlGetVersion, GetComputerNameEx, GetTimeZoneInformation, "
                      "NtQuerySystemInformation, GetAdaptersInfo",
                      sb.data, sb.len);
  SbFree(&sb);
}
