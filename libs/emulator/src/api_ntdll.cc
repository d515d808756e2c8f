// ntdll models: the native calls samples use to avoid kernel32 (anti-debug queries, memory,
// loader, files) with NTSTATUS results.
#include <algorithm>

#include "api_util.h"

namespace kensa::emulator::internal {
namespace {

using Kind = HandleObject::Kind;

constexpr std::uint64_t kStatusSuccess = 0;
constexpr std::uint64_t kStatusObjectNameNotFound = 0xC0000034;
constexpr std::uint64_t kStatusInvalidHandle = 0xC0000008;
constexpr std::uint64_t kStatusNoMemory = 0xC0000017;
constexpr std::uint64_t kMaxTransfer = 64ull << 20;

// A UNICODE_STRING's text.
std::string UnicodeString(Machine& m, std::uint64_t address) {
  if (address == 0) return {};
  const std::uint16_t length = static_cast<std::uint16_t>(m.Read32(address) & 0xFFFF);
  const std::uint64_t buffer = m.ReadPtr(address + (m.x64() ? 8 : 4));
  return m.ReadWide(buffer, length / 2u);
}

std::string AnsiString(Machine& m, std::uint64_t address) {
  if (address == 0) return {};
  const std::uint16_t length = static_cast<std::uint16_t>(m.Read32(address) & 0xFFFF);
  return m.ReadAnsi(m.ReadPtr(address + (m.x64() ? 8 : 4)), length);
}

void WriteIoStatus(Machine& m, std::uint64_t iosb, std::uint64_t status, std::uint64_t information) {
  if (iosb == 0) return;
  m.WritePtr(iosb, status);
  m.WritePtr(iosb + m.pointer_size(), information);
}

}  // namespace

void RegisterNtdllApis(ApiRegistry& r) {
  auto query_process = [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::uint64_t info_class = inv.Arg(1);
    const std::uint64_t out = inv.Arg(2);
    switch (info_class) {
      case 0:  // ProcessBasicInformation: PebBaseAddress, UniqueProcessId
        m.WritePtr(out + m.pointer_size(), kPebAddress);
        m.WritePtr(out + 4 * m.pointer_size(), kProcessId);
        return kStatusSuccess;
      case 7:  // ProcessDebugPort: no debugger
        m.WritePtr(out, 0);
        return kStatusSuccess;
      case 0x1E:  // ProcessDebugObjectHandle
        return 0xC0000353;  // STATUS_PORT_NOT_SET
      case 0x1F:  // ProcessDebugFlags: NoDebugInherit set = no debugger
        m.Write32(out, 1);
        return kStatusSuccess;
      default:
        return 0xC0000003;  // STATUS_INVALID_INFO_CLASS
    }
  };
  r.Add("NtQueryInformationProcess", query_process);
  r.Add("ZwQueryInformationProcess", query_process);
  auto allocate = [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::uint64_t size = m.ReadPtr(inv.Arg(3));
    const std::uint64_t wanted = m.ReadPtr(inv.Arg(1));
    if (!IsCurrentProcess(m, inv.Arg(0))) {
      m.ProcessEvent("allocate_memory", HexNumber(inv.Arg(0)), std::to_string(size) + " bytes");
      m.WritePtr(inv.Arg(1), 0x00A00000);
      return kStatusSuccess;
    }
    if (wanted != 0) {
      if (m.memory().Find(wanted) != nullptr) {
        m.WritePtr(inv.Arg(1), PageAlignDown(wanted));
        return kStatusSuccess;
      }
    }
    const std::uint64_t at = m.AllocateRegion(size, ProtFromPage(static_cast<std::uint32_t>(inv.Arg(5))),
                                              "virtual_alloc", true, wanted);
    if (at == 0) return kStatusNoMemory;
    m.WritePtr(inv.Arg(1), at);
    m.WritePtr(inv.Arg(3), PageAlignUp(size));
    return kStatusSuccess;
  };
  r.Add("NtAllocateVirtualMemory", allocate);
  r.Add("ZwAllocateVirtualMemory", allocate);
  auto protect = [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::uint64_t address = m.ReadPtr(inv.Arg(1));
    const std::uint64_t size = m.ReadPtr(inv.Arg(2));
    const std::uint32_t page = static_cast<std::uint32_t>(inv.Arg(3));
    Result<std::uint32_t> old = m.memory().Protect(address, size, ProtFromPage(page));
    if (!old) return 0xC0000045;  // STATUS_INVALID_PAGE_PROTECTION
    m.Write32(inv.Arg(4), PageFromProt(*old));
    Region* region = m.memory().Find(address);
    if (region != nullptr && region->dynamic && PageIsExecutable(page)) m.DumpRegion(*region, "protect_to_executable");
    return kStatusSuccess;
  };
  r.Add("NtProtectVirtualMemory", protect);
  r.Add("ZwProtectVirtualMemory", protect);
  auto write = [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const Bytes data = m.ReadBytes(inv.Arg(2), static_cast<std::size_t>(std::min(inv.Arg(3), kMaxTransfer)));
    if (IsCurrentProcess(m, inv.Arg(0))) m.WriteBytes(inv.Arg(1), data);
    else m.ProcessEvent("write_memory", HexNumber(inv.Arg(0)), std::to_string(data.size()) + " bytes at " + HexNumber(inv.Arg(1)));
    if (inv.Arg(4) != 0) m.WritePtr(inv.Arg(4), data.size());
    return kStatusSuccess;
  };
  r.Add("NtWriteVirtualMemory", write);
  r.Add("ZwWriteVirtualMemory", write);
  auto unmap = [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.ProcessEvent("unmap_section", HexNumber(inv.Arg(0)), "base=" + HexNumber(inv.Arg(1)));
    return kStatusSuccess;
  };
  r.Add("NtUnmapViewOfSection", unmap);
  r.Add("ZwUnmapViewOfSection", unmap);
  auto close = [](ApiInvocation& inv) -> std::uint64_t {
    return inv.m.CloseHandle(inv.Arg(0)) ? kStatusSuccess : kStatusInvalidHandle;
  };
  r.Add("NtClose", close);
  r.Add("ZwClose", close);
  r.Add("NtDelayExecution", [](ApiInvocation& inv) -> std::uint64_t {
    // Relative intervals are negative counts of 100 ns.
    const std::int64_t interval = static_cast<std::int64_t>(
        inv.m.Read32(inv.Arg(1)) | (static_cast<std::uint64_t>(inv.m.Read32(inv.Arg(1) + 4)) << 32));
    if (interval < 0) inv.m.AdvanceTime(static_cast<std::uint64_t>(-interval) / 10000);
    inv.m.RequestYield();
    return kStatusSuccess;
  });
  auto set_thread = [](ApiInvocation& inv) -> std::uint64_t {
    if (inv.Arg(1) == 0x11) inv.Note(1, "ThreadHideFromDebugger");
    return kStatusSuccess;
  };
  r.Add("NtSetInformationThread", set_thread);
  r.Add("ZwSetInformationThread", set_thread);
  auto terminate = [](ApiInvocation& inv) -> std::uint64_t {
    if (inv.name == "RtlExitUserProcess" || IsCurrentProcess(inv.m, inv.Arg(0))) {
      inv.m.End(analysis::v1::EMULATION_END_REASON_EXITED, inv.name);
    }
    return kStatusSuccess;
  };
  r.Add("NtTerminateProcess", terminate);
  r.Add("RtlExitUserProcess", terminate);
  r.Add("RtlExitUserThread", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.ExitCurrentThread(inv.Arg(0));
    return 0;
  });
  r.Add("LdrLoadDll", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string name = UnicodeString(inv.m, inv.Arg(2));
    inv.Note(2, Quote(name));
    Module* module = inv.m.LoadDll(name);
    if (module == nullptr) return 0xC0000135;  // STATUS_DLL_NOT_FOUND
    inv.m.WritePtr(inv.Arg(3), module->base);
    return kStatusSuccess;
  });
  r.Add("LdrGetDllHandle", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string name = UnicodeString(inv.m, inv.Arg(2));
    inv.Note(2, Quote(name));
    Module* module = inv.m.FindModule(name);
    if (module == nullptr) return 0xC0000135;
    inv.m.WritePtr(inv.Arg(3), module->base);
    return kStatusSuccess;
  });
  r.Add("LdrGetProcedureAddress", [](ApiInvocation& inv) -> std::uint64_t {
    Module* module = inv.m.FindModuleByAddress(inv.Arg(0));
    if (module == nullptr) return kStatusInvalidHandle;
    std::uint64_t address = 0;
    if (inv.Arg(1) != 0) {
      const std::string name = AnsiString(inv.m, inv.Arg(1));
      inv.Note(1, Quote(name));
      address = inv.m.ResolveExport(*module, name);
    } else {
      address = inv.m.ResolveExportByOrdinal(*module, static_cast<std::uint32_t>(inv.Arg(2)));
    }
    if (address == 0) return 0xC000007A;  // STATUS_PROCEDURE_NOT_FOUND
    inv.m.WritePtr(inv.Arg(3), address);
    return kStatusSuccess;
  });
  auto init_string = [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const bool wide = inv.name == "RtlInitUnicodeString";
    const std::uint64_t source = inv.Arg(1);
    const std::size_t units = source == 0 ? 0 : (wide ? m.ReadWide(source).size() : m.ReadAnsi(source).size());
    const std::uint16_t bytes = static_cast<std::uint16_t>(std::min<std::size_t>(units * (wide ? 2 : 1), 0xFFFC));
    m.Write16(inv.Arg(0), bytes);
    m.Write16(inv.Arg(0) + 2, static_cast<std::uint16_t>(bytes + (wide ? 2 : 1)));
    m.WritePtr(inv.Arg(0) + (m.x64() ? 8 : 4), source);
    return 0;
  };
  r.Add("RtlInitUnicodeString", init_string);
  r.Add("RtlInitAnsiString", init_string);
  auto create_file = [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::uint64_t attributes = inv.Arg(2);
    const std::string raw = UnicodeString(m, m.ReadPtr(attributes + (m.x64() ? 16 : 8)));
    const std::string path = FullPath(m, raw);
    inv.Note(2, Quote(raw));
    const std::uint64_t disposition = inv.name.find("OpenFile") != std::string::npos ? 1 : inv.Arg(7);
    VirtualFileSystem::File* file = m.vfs().Find(path);
    // FILE_SUPERSEDE 0, FILE_OPEN 1, FILE_CREATE 2, FILE_OPEN_IF 3, FILE_OVERWRITE 4, FILE_OVERWRITE_IF 5
    if (file == nullptr && (disposition == 1 || disposition == 4)) {
      m.FileEvent("open", path, "failed: not found");
      WriteIoStatus(m, inv.Arg(3), kStatusObjectNameNotFound, 0);
      return kStatusObjectNameNotFound;
    }
    const bool create = file == nullptr || disposition == 0 || disposition == 4 || disposition == 5;
    if (create) m.vfs().Create(path);
    m.FileEvent(create ? "create" : "open", path, "access=" + HexNumber(inv.Arg(1)));
    HandleObject h;
    h.kind = Kind::kFile;
    h.name = path;
    m.WritePtr(inv.Arg(0), m.NewHandle(h));
    WriteIoStatus(m, inv.Arg(3), kStatusSuccess, create ? 2 : 1);  // FILE_CREATED / FILE_OPENED
    return kStatusSuccess;
  };
  r.Add("NtCreateFile", create_file);
  r.Add("ZwCreateFile", create_file);
  r.Add("NtOpenFile", create_file);
  auto read = [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    HandleObject* h = m.GetHandle(inv.Arg(0));
    VirtualFileSystem::File* file = h == nullptr ? nullptr : m.vfs().Find(h->name);
    if (file == nullptr) return kStatusInvalidHandle;
    inv.Note(0, Quote(h->name));
    const std::uint64_t want = std::min<std::uint64_t>(inv.Arg(6) & 0xFFFFFFFFu, kMaxTransfer);
    const std::uint64_t left = h->position < file->data.size() ? file->data.size() - h->position : 0;
    const std::uint64_t n = std::min(want, left);
    if (n == 0 && want > 0) {
      WriteIoStatus(m, inv.Arg(4), 0xC0000011, 0);
      return 0xC0000011;  // STATUS_END_OF_FILE
    }
    m.WriteBytes(inv.Arg(5), ByteSpan(file->data).subspan(h->position, n));
    h->position += n;
    WriteIoStatus(m, inv.Arg(4), kStatusSuccess, n);
    m.FileEvent("read", h->name, std::to_string(n) + " bytes");
    return kStatusSuccess;
  };
  r.Add("NtReadFile", read);
  r.Add("ZwReadFile", read);
  auto write_file = [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    HandleObject* h = m.GetHandle(inv.Arg(0));
    VirtualFileSystem::File* file = h == nullptr ? nullptr : m.vfs().Find(h->name);
    if (file == nullptr) return kStatusInvalidHandle;
    inv.Note(0, Quote(h->name));
    const Bytes data = m.ReadBytes(inv.Arg(5), static_cast<std::size_t>(std::min<std::uint64_t>(inv.Arg(6) & 0xFFFFFFFFu, kMaxTransfer)));
    if (file->data.size() < h->position + data.size()) file->data.resize(h->position + data.size());
    std::copy(data.begin(), data.end(), file->data.begin() + static_cast<std::ptrdiff_t>(h->position));
    h->position += data.size();
    file->written = true;
    WriteIoStatus(m, inv.Arg(4), kStatusSuccess, data.size());
    m.FileEvent("write", h->name, std::to_string(data.size()) + " bytes");
    return kStatusSuccess;
  };
  r.Add("NtWriteFile", write_file);
  r.Add("ZwWriteFile", write_file);
}

}  // namespace kensa::emulator::internal
