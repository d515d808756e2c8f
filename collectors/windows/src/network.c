// network: TCP and UDP endpoints, IPv4 and IPv6, with the owning process ->
// commands/network.tsv (GetExtendedTcpTable / GetExtendedUdpTable, XP SP2 and later).
#include <stdlib.h>
#include <string.h>

#include "steps.h"

// After windows.h (via steps.h): tlhelp32.h does not include it.
#include <tlhelp32.h>

// The *_OWNER_PID rows of tcpmib.h / udpmib.h, declared here because the headers hide them
// below _WIN32_WINNT 0x0600 although XP SP2's iphlpapi returns them. Ports are in network
// byte order in the low 16 bits.
typedef struct TcpRowOwnerPid {
  DWORD state, local_address, local_port, remote_address, remote_port, owning_pid;
} TcpRowOwnerPid;
typedef struct Tcp6RowOwnerPid {
  UCHAR local_address[16];
  DWORD local_scope_id, local_port;
  UCHAR remote_address[16];
  DWORD remote_scope_id, remote_port, state, owning_pid;
} Tcp6RowOwnerPid;
typedef struct UdpRowOwnerPid {
  DWORD local_address, local_port, owning_pid;
} UdpRowOwnerPid;
typedef struct Udp6RowOwnerPid {
  UCHAR local_address[16];
  DWORD local_scope_id, local_port, owning_pid;
} Udp6RowOwnerPid;

enum {
  kTcpTableOwnerPidAll = 5,  // TCP_TABLE_OWNER_PID_ALL
  kUdpTableOwnerPid = 1,     // UDP_TABLE_OWNER_PID
  kAfInet = 2,
  kAfInet6 = 23,
  // A busy server has tens of thousands of connections; a table past 64 MiB is not real.
  kMaxTableBytes = 64 << 20,
};

static const char* TcpStateName(DWORD state) {
  // MIB_TCP_STATE values 1..12.
  static const char* const kNames[] = {
      "",          "CLOSED",     "LISTEN",  "SYN_SENT", "SYN_RCVD",  "ESTABLISHED", "FIN_WAIT1",
      "FIN_WAIT2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT", "DELETE_TCB"};
  return state < sizeof kNames / sizeof kNames[0] ? kNames[state] : "UNKNOWN";
}

static unsigned Port(DWORD network_order) {
  return ((network_order & 0xFF) << 8) | ((network_order >> 8) & 0xFF);
}

typedef struct PidName {
  DWORD pid;
  char* name;
} PidName;

typedef struct PidNames {
  PidName* entries;
  size_t count;
} PidNames;

enum { kMaxPidNames = 65536 };

static PidNames SnapshotPidNames(void) {
  PidNames names = {NULL, 0};
  HANDLE snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  if (snapshot == INVALID_HANDLE_VALUE) return names;
  PROCESSENTRY32W entry;
  entry.dwSize = sizeof entry;
  for (BOOL more = Process32FirstW(snapshot, &entry); more && names.count < kMaxPidNames;
       more = Process32NextW(snapshot, &entry)) {
    names.entries = (PidName*)XRealloc(names.entries, (names.count + 1) * sizeof(PidName));
    names.entries[names.count].pid = entry.th32ProcessID;
    names.entries[names.count].name = WToUtf8(entry.szExeFile);
    names.count++;
  }
  CloseHandle(snapshot);
  return names;
}

static const char* NameOf(const PidNames* names, DWORD pid) {
  for (size_t i = 0; i < names->count; ++i)
    if (names->entries[i].pid == pid) return names->entries[i].name;
  return "";
}

// Calls GetExtended{Tcp,Udp}Table until the buffer is large enough (the table can grow between
// calls). Returns the table and its buffer size, or NULL with the Win32 error in *error.
static void* FetchTable(int tcp, ULONG family, int table_class, DWORD* table_size, DWORD* error) {
  DWORD size = 0, buffer_size = 0;
  void* table = NULL;
  for (int attempt = 0; attempt < 5; ++attempt) {
    DWORD status = tcp ? g_api.GetExtendedTcpTable(table, &size, TRUE, family, table_class, 0)
                       : g_api.GetExtendedUdpTable(table, &size, TRUE, family, table_class, 0);
    if (status == NO_ERROR && table != NULL) {
      *table_size = buffer_size;
      return table;
    }
    free(table);
    table = NULL;
    if (status != ERROR_INSUFFICIENT_BUFFER && status != NO_ERROR) {
      *error = status;
      return NULL;
    }
    if (size == 0 || size > kMaxTableBytes) {
      *error = ERROR_INSUFFICIENT_BUFFER;
      return NULL;
    }
    size += 4096;  // room for connections opened meanwhile
    buffer_size = size;
    table = XMalloc(size);
  }
  free(table);
  *error = ERROR_INSUFFICIENT_BUFFER;
  return NULL;
}

// Rows the table claims, bounded by what its buffer holds (the count is not trusted).
static DWORD RowCount(const void* table, size_t row_size, size_t table_bytes_bound) {
  DWORD claimed = *(const DWORD*)table;
  size_t fits = (table_bytes_bound - sizeof(DWORD)) / row_size;
  return claimed > fits ? (DWORD)fits : claimed;
}

static void AppendRow(StrBuf* out, const char* protocol, StrBuf* local, unsigned local_port,
                      StrBuf* remote, unsigned remote_port, const char* state, DWORD pid,
                      const PidNames* names) {
  SbFormat(out, "%s\t%s\t%u\t%s\t", protocol, local->data, local_port,
           remote->len ? remote->data : "");
  if (remote->len) SbAppendU64(out, remote_port);
  SbFormat(out, "\t%s\t%lu\t", state, (unsigned long)pid);
  SbAppendTsvField(out, NameOf(names, pid));
  SbAppendChar(out, '\n');
}

void CollectNetwork(Collector* c) {
  if (g_api.GetExtendedTcpTable == NULL || g_api.GetExtendedUdpTable == NULL) {
    CollectorError(c, "network", "GetExtendedTcpTable",
                   "not available (iphlpapi.dll of Windows XP SP2 or later is needed)");
    return;
  }
  PidNames names = SnapshotPidNames();
  StrBuf out;
  SbInit(&out);
  SbAppendStr(&out,
              "protocol\tlocal_address\tlocal_port\tremote_address\tremote_port\tstate\tpid\t"
              "process\n");
  StrBuf local, remote;
  SbInit(&local);
  SbInit(&remote);
  unsigned rows = 0;
  static const struct {
    int tcp;
    ULONG family;
    const char* name;
  } kTables[] = {
      {1, kAfInet, "tcp"}, {1, kAfInet6, "tcp6"}, {0, kAfInet, "udp"}, {0, kAfInet6, "udp6"}};
  for (size_t t = 0; t < sizeof kTables / sizeof kTables[0]; ++t) {
    DWORD error = 0, table_size = 0;
    int tcp = kTables[t].tcp;
    void* table = FetchTable(tcp, kTables[t].family, tcp ? kTcpTableOwnerPidAll : kUdpTableOwnerPid,
                             &table_size, &error);
    if (table == NULL) {
      StrBuf source, why;
      SbInit(&source);
      SbInit(&why);
      SbFormat(&source, "%s(%s)", tcp ? "GetExtendedTcpTable" : "GetExtendedUdpTable",
               kTables[t].family == kAfInet ? "AF_INET" : "AF_INET6");
      char* text = DescribeWin32Error(error);
      SbFormat(&why, "%s%s", text,
               kTables[t].family == kAfInet6 ? " (IPv6 tables need Windows Vista or later)" : "");
      CollectorError(c, "network", source.data, why.data);
      free(text);
      SbFree(&source);
      SbFree(&why);
      continue;
    }
    size_t bound = table_size;
    if (tcp && kTables[t].family == kAfInet) {
      DWORD n = RowCount(table, sizeof(TcpRowOwnerPid), bound);
      const TcpRowOwnerPid* row = (const TcpRowOwnerPid*)((const BYTE*)table + sizeof(DWORD));
      for (DWORD i = 0; i < n; ++i, ++rows) {
        SbClear(&local);
        SbClear(&remote);
        SbAppendIpv4(&local, (const uint8_t*)&row[i].local_address);
        SbAppendIpv4(&remote, (const uint8_t*)&row[i].remote_address);
        AppendRow(&out, "tcp", &local, Port(row[i].local_port), &remote, Port(row[i].remote_port),
                  TcpStateName(row[i].state), row[i].owning_pid, &names);
      }
    } else if (tcp) {
      DWORD n = RowCount(table, sizeof(Tcp6RowOwnerPid), bound);
      const Tcp6RowOwnerPid* row = (const Tcp6RowOwnerPid*)((const BYTE*)table + sizeof(DWORD));
      for (DWORD i = 0; i < n; ++i, ++rows) {
        SbClear(&local);
        SbClear(&remote);
        SbAppendIpv6(&local, row[i].local_address);
        SbAppendIpv6(&remote, row[i].remote_address);
        AppendRow(&out, "tcp6", &local, Port(row[i].local_port), &remote, Port(row[i].remote_port),
                  TcpStateName(row[i].state), row[i].owning_pid, &names);
      }
    } else if (kTables[t].family == kAfInet) {
      DWORD n = RowCount(table, sizeof(UdpRowOwnerPid), bound);
      const UdpRowOwnerPid* row = (const UdpRowOwnerPid*)((const BYTE*)table + sizeof(DWORD));
      for (DWORD i = 0; i < n; ++i, ++rows) {
        SbClear(&local);
        SbClear(&remote);
        SbAppendIpv4(&local, (const uint8_t*)&row[i].local_address);
        AppendRow(&out, "udp", &local, Port(row[i].local_port), &remote, 0, "", row[i].owning_pid,
                  &names);
      }
    } else {
      DWORD n = RowCount(table, sizeof(Udp6RowOwnerPid), bound);
      const Udp6RowOwnerPid* row = (const Udp6RowOwnerPid*)((const BYTE*)table + sizeof(DWORD));
      for (DWORD i = 0; i < n; ++i, ++rows) {
        SbClear(&local);
        SbClear(&remote);
        SbAppendIpv6(&local, row[i].local_address);
        AppendRow(&out, "udp6", &local, Port(row[i].local_port), &remote, 0, "", row[i].owning_pid,
                  &names);
      }
    }
    free(table);
  }
  CollectorLogf(c, "%u endpoints", rows);
  CollectorAddCommand(c, "commands/network.tsv", "network",
                      "GetExtendedTcpTable, GetExtendedUdpTable", out.data, out.len);
  for (size_t i = 0; i < names.count; ++i) free(names.entries[i].name);
  free(names.entries);
  SbFree(&local);
  SbFree(&remote);
  SbFree(&out);
}
