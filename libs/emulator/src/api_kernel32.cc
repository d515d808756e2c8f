// kernel32 / kernelbase models: modules, processes and threads, memory, files, synchronisation,
// time, system information, strings. Each function's contract is Microsoft's Win32
// documentation; the values returned describe the virtual machine of EnvironmentProfile.
#include <algorithm>

#include "api_util.h"
#include "kensa/hashing/hashes.h"

namespace kensa::emulator::internal {
namespace {

using Kind = HandleObject::Kind;

constexpr std::uint64_t kMaxCopy = 64ull << 20;  // bytes one API call may copy

std::string SampleDir(Machine& m) {
  const std::string& p = m.options().environment.sample_path;
  return p.substr(0, p.find_last_of('\\'));
}

// FILETIME for 2026-01-15 09:00:00 UTC plus the virtual clock.
std::uint64_t FileTimeNow(Machine& m) {
  return 134128116000000000ull + m.TickCountMs() * 10000ull;
}

void WriteSystemTime(Machine& m, std::uint64_t at) {
  const std::uint64_t seconds = m.TickCountMs() / 1000 % 60;
  const std::uint16_t fields[8] = {2026, 1, 4, 15, 9, static_cast<std::uint16_t>(seconds / 60),
                                   static_cast<std::uint16_t>(seconds % 60), 0};
  for (int i = 0; i < 8; ++i) m.Write16(at + 2u * static_cast<unsigned>(i), fields[i]);
}

std::uint64_t CreateFileModel(ApiInvocation& inv) {
  Machine& m = inv.m;
  const std::string raw = inv.Str(0);
  const std::uint32_t access = static_cast<std::uint32_t>(inv.Arg(1));
  const std::uint32_t disposition = static_cast<std::uint32_t>(inv.Arg(4));
  if (raw == "CONOUT$" || raw == "CONIN$" || raw.rfind("\\\\.\\", 0) == 0) {
    m.FileEvent("open", raw, "device");
    HandleObject h;
    h.kind = Kind::kFile;
    h.name = raw;
    h.id = 1;  // console / device
    return m.NewHandle(h);
  }
  const std::string path = FullPath(m, raw);
  VirtualFileSystem::File* file = m.vfs().Find(path);
  const std::string parent = path.substr(0, path.find_last_of('\\'));
  const bool parent_exists = m.vfs().DirectoryExists(parent.size() == 2 ? parent + "\\" : parent);
  std::string op = "open";
  std::uint32_t error = kErrorSuccess;
  switch (disposition) {
    case 1:  // CREATE_NEW
      if (file != nullptr) {
        m.SetLastError(kErrorFileExists);
        m.FileEvent("create", path, "failed: exists");
        return InvalidHandleValue(m);
      }
      op = "create";
      break;
    case 2:  // CREATE_ALWAYS
      if (file != nullptr) error = kErrorAlreadyExists;
      op = "create";
      break;
    case 4:  // OPEN_ALWAYS
      if (file != nullptr) error = kErrorAlreadyExists;
      else op = "create";
      break;
    case 3:  // OPEN_EXISTING
    case 5:  // TRUNCATE_EXISTING
    default:
      if (file == nullptr) {
        m.SetLastError(parent_exists ? kErrorFileNotFound : kErrorPathNotFound);
        m.FileEvent("open", path, "failed: not found");
        return InvalidHandleValue(m);
      }
      if (disposition == 5) op = "create";
      break;
  }
  if (op == "create" && !parent_exists) {
    m.SetLastError(kErrorPathNotFound);
    m.FileEvent("create", path, "failed: path not found");
    return InvalidHandleValue(m);
  }
  if (op == "create" && (file == nullptr || disposition != 4)) m.vfs().Create(path);
  m.FileEvent(op, path, "access=" + HexNumber(access));
  m.SetLastError(error);
  HandleObject h;
  h.kind = Kind::kFile;
  h.name = path;
  return m.NewHandle(h);
}

VirtualFileSystem::File* FileOf(Machine& m, std::uint64_t handle) {
  HandleObject* h = m.GetHandle(handle);
  if (h == nullptr || h->kind != Kind::kFile) return nullptr;
  return m.vfs().Find(h->name);
}

bool IsConsoleHandle(Machine& m, std::uint64_t handle) {
  HandleObject* h = m.GetHandle(handle);
  return h != nullptr && h->kind == Kind::kFile && h->id == 1;
}

std::uint64_t WriteFileModel(ApiInvocation& inv) {
  Machine& m = inv.m;
  const std::uint64_t count = std::min<std::uint64_t>(inv.Arg(2) & 0xFFFFFFFFu, kMaxCopy);
  const Bytes data = m.ReadBytes(inv.Arg(1), static_cast<std::size_t>(count));
  if (inv.Arg(3) != 0) m.Write32(inv.Arg(3), static_cast<std::uint32_t>(data.size()));
  if (IsConsoleHandle(m, inv.Arg(0))) {
    m.Console(std::string(data.begin(), data.end()));
    return 1;
  }
  HandleObject* h = m.GetHandle(inv.Arg(0));
  VirtualFileSystem::File* file = FileOf(m, inv.Arg(0));
  if (file == nullptr || h == nullptr) {
    m.SetLastError(kErrorInvalidHandle);
    return 0;
  }
  inv.Note(0, Quote(h->name));
  if (file->data.size() < h->position + data.size()) file->data.resize(h->position + data.size());
  std::copy(data.begin(), data.end(), file->data.begin() + static_cast<std::ptrdiff_t>(h->position));
  h->position += data.size();
  file->written = true;
  m.FileEvent("write", h->name, std::to_string(data.size()) + " bytes");
  return 1;
}

std::uint64_t ReadFileModel(ApiInvocation& inv) {
  Machine& m = inv.m;
  HandleObject* h = m.GetHandle(inv.Arg(0));
  VirtualFileSystem::File* file = FileOf(m, inv.Arg(0));
  if (file == nullptr || h == nullptr) {
    m.SetLastError(kErrorInvalidHandle);
    return 0;
  }
  inv.Note(0, Quote(h->name));
  const std::uint64_t want = std::min<std::uint64_t>(inv.Arg(2) & 0xFFFFFFFFu, kMaxCopy);
  const std::uint64_t available = h->position < file->data.size() ? file->data.size() - h->position : 0;
  const std::uint64_t n = std::min(want, available);
  m.WriteBytes(inv.Arg(1), ByteSpan(file->data).subspan(h->position, n));
  h->position += n;
  if (inv.Arg(3) != 0) m.Write32(inv.Arg(3), static_cast<std::uint32_t>(n));
  m.FileEvent("read", h->name, std::to_string(n) + " bytes");
  return 1;
}

std::uint64_t MutexModel(ApiInvocation& inv, std::size_t name_index, bool open) {
  Machine& m = inv.m;
  const std::string name = inv.Arg(name_index) != 0 ? inv.Str(name_index) : std::string();
  auto& objects = m.named_objects();
  if (open) {
    auto it = objects.find("mutex:" + name);
    m.MutexEvent("open", name, it == objects.end() ? "not_found" : "");
    if (it == objects.end()) {
      m.SetLastError(kErrorFileNotFound);
      return 0;
    }
    m.SetLastError(kErrorSuccess);
    HandleObject h;
    h.kind = Kind::kMutex;
    h.name = name;
    return m.NewHandle(h);
  }
  HandleObject h;
  h.kind = Kind::kMutex;
  h.name = name;
  const std::uint32_t handle = m.NewHandle(h);
  if (!name.empty()) {
    const bool exists = objects.count("mutex:" + name) > 0;
    m.MutexEvent("create", name, exists ? "already_exists" : "");
    if (exists) {
      m.SetLastError(kErrorAlreadyExists);
      return handle;
    }
    objects["mutex:" + name] = handle;
  }
  m.SetLastError(kErrorSuccess);
  return handle;
}

std::uint64_t VirtualAllocModel(Machine& m, std::uint64_t address, std::uint64_t size,
                                std::uint32_t page) {
  if (size == 0 || size > m.memory().max_total_bytes()) {
    if (size > m.memory().max_total_bytes()) {
      m.End(analysis::v1::EMULATION_END_REASON_MEMORY_LIMIT,
            "VirtualAlloc of " + std::to_string(size) + " bytes exceeds the memory limit");
    }
    m.SetLastError(kErrorNotEnoughMemory);
    return 0;
  }
  // MEM_COMMIT inside an earlier reservation: already mapped.
  if (address != 0) {
    if (Region* r = m.memory().Find(address); r != nullptr && address + size <= r->base + r->size) {
      return address;
    }
  }
  const std::uint64_t at = m.AllocateRegion(size, ProtFromPage(page), "virtual_alloc", true, address);
  if (at == 0) m.SetLastError(kErrorNotEnoughMemory);
  return at;
}

std::string ProcessName(Machine& m, std::uint64_t handle) {
  HandleObject* h = m.GetHandle(handle);
  if (h != nullptr && (h->kind == Kind::kProcess)) return h->name;
  return IsCurrentProcess(m, handle) ? m.options().environment.sample_path : HexNumber(handle);
}

std::uint64_t CreateProcessModel(ApiInvocation& inv) {
  Machine& m = inv.m;
  const std::string application = inv.Arg(0) != 0 ? inv.Str(0) : std::string();
  const std::string command = inv.Arg(1) != 0 ? inv.Str(1) : std::string();
  const std::uint32_t flags = static_cast<std::uint32_t>(inv.Arg(5));
  const std::string target = command.empty() ? application : command;
  m.ProcessEvent("create", target, (flags & 4) ? "suspended" : "");
  const std::uint32_t pid = 5000 + 4 * static_cast<std::uint32_t>(m.result().process_events_size());
  HandleObject process;
  process.kind = Kind::kProcess;
  process.name = application.empty() ? target : application;
  process.id = pid;
  HandleObject thread;
  thread.kind = Kind::kThread;
  thread.name = process.name;
  thread.id = pid + 4;
  const std::uint64_t info = inv.Arg(9);
  if (info != 0) {
    const std::uint32_t ps = m.pointer_size();
    m.WritePtr(info, m.NewHandle(process));
    m.WritePtr(info + ps, m.NewHandle(thread));
    m.Write32(info + 2 * ps, pid);
    m.Write32(info + 2 * ps + 4, pid + 4);
  }
  return 1;
}

// Resource lookup in a mapped image (PE Format, "The .rsrc Section"): type, then name, then
// the first language. Returns the address of the IMAGE_RESOURCE_DATA_ENTRY, or 0.
constexpr std::uint32_t kMaxResourceEntries = 4096;  // entries read from one directory

std::uint64_t ResourceEntry(ApiInvocation& inv, std::uint64_t base, std::uint64_t root,
                            std::uint64_t directory, std::uint64_t wanted, bool last_level) {
  Machine& m = inv.m;
  std::string wanted_name;
  std::uint64_t wanted_id = wanted;
  if (wanted >= 0x10000) {
    wanted_name = inv.wide ? m.ReadWide(wanted, 256) : m.ReadAnsi(wanted, 256);
    if (!wanted_name.empty() && wanted_name[0] == '#') {
      wanted_id = std::strtoull(wanted_name.c_str() + 1, nullptr, 10);
      wanted_name.clear();
    }
  }
  std::uint16_t named = 0, ids = 0;
  m.cpu().Read(directory + 12, &named, 2);
  m.cpu().Read(directory + 14, &ids, 2);
  const std::uint32_t count = std::min<std::uint32_t>(named + ids, kMaxResourceEntries);
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint64_t entry = directory + 16 + 8ull * i;
    const std::uint32_t name = m.Read32(entry);
    const std::uint32_t offset = m.Read32(entry + 4);
    bool match = last_level;  // any language
    if (!last_level) {
      if ((name & 0x80000000u) != 0) {
        const std::uint64_t text = root + (name & 0x7FFFFFFFu);
        std::uint16_t length = 0;
        m.cpu().Read(text, &length, 2);
        match = !wanted_name.empty() && AsciiLower(m.ReadWide(text + 2, length)) == AsciiLower(wanted_name);
      } else {
        match = wanted_name.empty() && name == wanted_id;
      }
    }
    if (!match) continue;
    if ((offset & 0x80000000u) != 0) return (root + (offset & 0x7FFFFFFFu)) | (1ull << 63);
    return root + offset;
  }
  (void)base;
  return 0;
}

std::uint64_t FindResourceModel(ApiInvocation& inv, std::uint64_t module_handle, std::uint64_t name,
                                std::uint64_t type) {
  Machine& m = inv.m;
  const std::uint64_t base = module_handle == 0 ? m.main_module().base : module_handle;
  const std::uint32_t pe = m.Read32(base + 0x3C);
  const std::uint32_t rva = m.Read32(base + pe + (m.x64() ? 0x98 : 0x88));
  if (name < 0x10000) inv.Note(1, "#" + std::to_string(name));
  if (type < 0x10000) inv.Note(2, "#" + std::to_string(type));
  if (rva == 0) {
    m.SetLastError(1812);  // ERROR_RESOURCE_DATA_NOT_FOUND
    return 0;
  }
  const std::uint64_t root = base + rva;
  std::uint64_t at = root;
  const std::uint64_t keys[3] = {type, name, 0};
  for (int level = 0; level < 3; ++level) {
    const std::uint64_t next = ResourceEntry(inv, base, root, at, keys[level], level == 2);
    if (next == 0) {
      m.SetLastError(level == 0 ? 1813u : 1814u);  // RESOURCE_TYPE / RESOURCE_NAME_NOT_FOUND
      return 0;
    }
    const bool directory = (next >> 63) != 0;
    at = next & ~(1ull << 63);
    if (level < 2 && !directory) return 0;
    if (level == 2) return directory ? 0 : at;
  }
  return 0;
}

void RegisterModules(ApiRegistry& r) {
  r.AddAW("FindResource", [](ApiInvocation& inv) { return FindResourceModel(inv, inv.Arg(0), inv.Arg(1), inv.Arg(2)); });
  r.AddAW("FindResourceEx", [](ApiInvocation& inv) { return FindResourceModel(inv, inv.Arg(0), inv.Arg(2), inv.Arg(1)); });
  r.Add("LoadResource", [](ApiInvocation& inv) -> std::uint64_t {
    if (inv.Arg(1) == 0) return 0;
    const std::uint64_t base = inv.Arg(0) == 0 ? inv.m.main_module().base : inv.Arg(0);
    return base + inv.m.Read32(inv.Arg(1));
  });
  r.Add("SizeofResource", [](ApiInvocation& inv) -> std::uint64_t {
    return inv.Arg(1) == 0 ? 0 : inv.m.Read32(inv.Arg(1) + 4);
  });
  r.Add("LockResource", [](ApiInvocation& inv) -> std::uint64_t { return inv.Arg(0); });
  r.Add("FreeResource", [](ApiInvocation&) -> std::uint64_t { return 0; });
  r.AddAW("GetModuleHandle", [](ApiInvocation& inv) -> std::uint64_t {
    if (inv.Arg(0) == 0) return inv.m.main_module().base;
    Module* module = inv.m.FindModule(inv.Str(0));
    if (module == nullptr) inv.m.SetLastError(kErrorModNotFound);
    return module == nullptr ? 0 : module->base;
  });
  r.AddAW("GetModuleHandleEx", [](ApiInvocation& inv) -> std::uint64_t {
    Module* module = nullptr;
    if (inv.Arg(0) & 4) {  // GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS
      module = inv.m.FindModuleByAddress(inv.Arg(1));
    } else {
      module = inv.Arg(1) == 0 ? &inv.m.main_module() : inv.m.FindModule(inv.Str(1));
    }
    if (inv.Arg(2) != 0) inv.m.WritePtr(inv.Arg(2), module == nullptr ? 0 : module->base);
    if (module == nullptr) inv.m.SetLastError(kErrorModNotFound);
    return module != nullptr;
  });
  auto load = [](ApiInvocation& inv) -> std::uint64_t {
    const std::string name = inv.Str(0);
    Module* module = inv.m.LoadDll(name);
    if (module == nullptr) {
      inv.m.SetLastError(kErrorModNotFound);
      return 0;
    }
    return module->base;
  };
  r.AddAW("LoadLibrary", load);
  r.AddAW("LoadLibraryEx", load);
  r.Add("GetProcAddress", [](ApiInvocation& inv) -> std::uint64_t {
    Module* module = inv.m.FindModuleByAddress(inv.Arg(0));
    const std::uint64_t name = inv.Arg(1);
    std::uint64_t address = 0;
    if (module != nullptr && module->base == inv.Arg(0)) {
      if (name < 0x10000) {
        inv.Note(1, "#" + std::to_string(name));
        address = inv.m.ResolveExportByOrdinal(*module, static_cast<std::uint32_t>(name));
      } else {
        address = inv.m.ResolveExport(*module, inv.AStr(1));
      }
    }
    if (address == 0) inv.m.SetLastError(kErrorProcNotFound);
    return address;
  });
  r.Add("FreeLibrary", [](ApiInvocation&) -> std::uint64_t { return 1; });
  r.AddAW("GetModuleFileName", [](ApiInvocation& inv) -> std::uint64_t {
    Module* module = inv.Arg(0) == 0 ? &inv.m.main_module() : inv.m.FindModuleByAddress(inv.Arg(0));
    if (module == nullptr) {
      inv.m.SetLastError(kErrorModNotFound);
      return 0;
    }
    const std::uint64_t capacity = inv.Arg(2) & 0xFFFFFFFFu;
    if (capacity == 0) return 0;
    const std::size_t n = inv.wide ? inv.m.WriteWide(inv.Arg(1), module->path, capacity)
                                   : inv.m.WriteAnsi(inv.Arg(1), module->path, capacity);
    inv.m.SetLastError(n + 1 > capacity - 1 && n == capacity - 1 ? kErrorInsufficientBuffer : 0);
    return n;
  });
}

void RegisterProcesses(ApiRegistry& r) {
  r.Add("GetCommandLineA", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.command_line_ansi(); });
  r.Add("GetCommandLineW", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.command_line_wide(); });
  r.AddAW("GetStartupInfo", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint32_t size = inv.m.x64() ? 104 : 68;
    inv.m.WriteBytes(inv.Arg(0), Bytes(size, 0));
    inv.m.Write32(inv.Arg(0), size);
    return 0;
  });
  r.Add("ExitProcess", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.End(analysis::v1::EMULATION_END_REASON_EXITED,
              "ExitProcess(" + std::to_string(static_cast<std::int32_t>(inv.Arg(0))) + ")");
    return 0;
  });
  r.Add("ExitThread", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.ExitCurrentThread(inv.Arg(0));
    return 0;
  });
  r.Add("TerminateProcess", [](ApiInvocation& inv) -> std::uint64_t {
    if (IsCurrentProcess(inv.m, inv.Arg(0))) {
      inv.m.End(analysis::v1::EMULATION_END_REASON_EXITED, "TerminateProcess(self)");
      return 1;
    }
    inv.m.ProcessEvent("terminate", ProcessName(inv.m, inv.Arg(0)));
    return 1;
  });
  r.Add("GetCurrentProcess", [](ApiInvocation& inv) -> std::uint64_t { return InvalidHandleValue(inv.m); });
  r.Add("GetCurrentThread", [](ApiInvocation& inv) -> std::uint64_t { return InvalidHandleValue(inv.m) - 1; });
  r.Add("GetCurrentProcessId", [](ApiInvocation&) -> std::uint64_t { return kProcessId; });
  r.Add("GetCurrentThreadId", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.current_thread_id(); });
  r.AddAW("CreateProcess", CreateProcessModel);
  r.Add("WinExec", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.ProcessEvent("create", inv.AStr(0), "WinExec");
    return 33;  // > 31: success
  });
  r.Add("OpenProcess", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint32_t pid = static_cast<std::uint32_t>(inv.Arg(2));
    for (const VirtualProcess& p : inv.m.processes()) {
      if (p.pid != pid) continue;
      inv.m.ProcessEvent("open", p.image_name, "access=" + HexNumber(inv.Arg(0)));
      HandleObject h;
      h.kind = Kind::kProcess;
      h.name = p.image_name;
      h.id = pid;
      return inv.m.NewHandle(h);
    }
    inv.m.SetLastError(87);  // ERROR_INVALID_PARAMETER
    return 0;
  });
  r.Add("CreateThread", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint32_t tid = inv.m.CreateThread(inv.Arg(2), inv.Arg(3));
    if (tid == 0) return 0;
    if (inv.Arg(5) != 0) inv.m.Write32(inv.Arg(5), tid);
    HandleObject h;
    h.kind = Kind::kThread;
    h.id = tid;
    return inv.m.NewHandle(h);
  });
  r.Add("CreateRemoteThread", [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    if (IsCurrentProcess(m, inv.Arg(0))) {
      const std::uint32_t tid = m.CreateThread(inv.Arg(3), inv.Arg(4));
      if (inv.Arg(6) != 0) m.Write32(inv.Arg(6), tid);
      HandleObject h;
      h.kind = Kind::kThread;
      h.id = tid;
      return tid == 0 ? 0 : m.NewHandle(h);
    }
    m.ProcessEvent("remote_thread", ProcessName(m, inv.Arg(0)),
                   "start=" + HexNumber(inv.Arg(3)) + " parameter=" + HexNumber(inv.Arg(4)));
    HandleObject h;
    h.kind = Kind::kThread;
    h.id = 9000;
    return m.NewHandle(h);
  });
  r.Add("ResumeThread", [](ApiInvocation& inv) -> std::uint64_t {
    HandleObject* h = inv.m.GetHandle(inv.Arg(0));
    if (h != nullptr && h->kind == Kind::kThread && !h->name.empty()) {
      inv.m.ProcessEvent("resume_thread", h->name);
    }
    return 1;
  });
  r.Add("SuspendThread", [](ApiInvocation&) -> std::uint64_t { return 0; });
  auto wait = [](ApiInvocation& inv) -> std::uint64_t {
    HandleObject* h = inv.m.GetHandle(inv.Arg(0));
    if (h != nullptr && h->kind == Kind::kThread && !inv.m.ThreadFinished(h->id)) inv.m.RequestYield();
    return 0;  // WAIT_OBJECT_0
  };
  r.Add("WaitForSingleObject", wait);
  r.Add("WaitForSingleObjectEx", wait);
  r.Add("WaitForMultipleObjects", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.RequestYield();
    return 0;
  });
  auto sleep = [](ApiInvocation& inv) -> std::uint64_t {
    // The virtual clock jumps; nothing waits. Other threads get their turn.
    inv.m.AdvanceTime(inv.Arg(0) & 0xFFFFFFFFu);
    inv.m.RequestYield();
    return 0;
  };
  r.Add("Sleep", sleep);
  r.Add("SleepEx", sleep);
  r.Add("CloseHandle", [](ApiInvocation& inv) -> std::uint64_t {
    if (inv.m.CloseHandle(inv.Arg(0))) return 1;
    inv.m.SetLastError(kErrorInvalidHandle);
    return 0;
  });
  r.Add("GetExitCodeProcess", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.Write32(inv.Arg(1), 0);
    return 1;
  });
  r.Add("GetExitCodeThread", [](ApiInvocation& inv) -> std::uint64_t {
    HandleObject* h = inv.m.GetHandle(inv.Arg(0));
    const bool running = h != nullptr && h->kind == Kind::kThread && !inv.m.ThreadFinished(h->id);
    inv.m.Write32(inv.Arg(1), running ? 259 : 0);  // STILL_ACTIVE
    return 1;
  });
  r.Add("GetProcessId", [](ApiInvocation& inv) -> std::uint64_t {
    HandleObject* h = inv.m.GetHandle(inv.Arg(0));
    return h != nullptr ? h->id : kProcessId;
  });
  r.Add("GetThreadContext", [](ApiInvocation& inv) -> std::uint64_t {
    HandleObject* h = inv.m.GetHandle(inv.Arg(0));
    if (h != nullptr && !h->name.empty()) inv.m.ProcessEvent("get_thread_context", h->name);
    return 1;
  });
  r.Add("SetThreadContext", [](ApiInvocation& inv) -> std::uint64_t {
    HandleObject* h = inv.m.GetHandle(inv.Arg(0));
    if (h != nullptr && !h->name.empty()) inv.m.ProcessEvent("set_thread_context", h->name);
    return 1;
  });
  r.Add("QueueUserAPC", [](ApiInvocation& inv) -> std::uint64_t {
    HandleObject* h = inv.m.GetHandle(inv.Arg(1));
    inv.m.ProcessEvent("queue_apc", h != nullptr ? h->name : HexNumber(inv.Arg(1)),
                       "function=" + HexNumber(inv.Arg(0)));
    return 1;
  });
  // RaiseException(code, flags, count, arguments): dispatched to the SEH handlers (anti-debug
  // tricks raise DBG_PRINTEXCEPTION_C or their own codes and catch them); with none, the end.
  r.Add("RaiseException", [](ApiInvocation& inv) -> std::uint64_t {
    constexpr std::uint64_t kMaxParameters = 15;  // EXCEPTION_MAXIMUM_PARAMETERS
    const auto code = static_cast<std::uint32_t>(inv.Arg(0));
    std::vector<std::uint64_t> parameters;
    const std::uint64_t count = std::min<std::uint64_t>(inv.Arg(2) & 0xFFFFFFFF, kMaxParameters);
    for (std::uint64_t i = 0; i < count && inv.Arg(3) != 0; ++i) {
      parameters.push_back(inv.m.ReadPtr(inv.Arg(3) + i * inv.m.pointer_size()));
    }
    if (!inv.m.RaiseSoftwareException(code, inv.pending, std::move(parameters))) {
      inv.m.End(analysis::v1::EMULATION_END_REASON_UNHANDLED_EXCEPTION,
                "RaiseException(" + HexNumber(code) + ") with no handler");
    }
    return 0;
  });
}

void RegisterMemory(ApiRegistry& r) {
  r.Add("VirtualAlloc", [](ApiInvocation& inv) -> std::uint64_t {
    return VirtualAllocModel(inv.m, inv.Arg(0), inv.Arg(1), static_cast<std::uint32_t>(inv.Arg(3)));
  });
  r.Add("VirtualAllocEx", [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    if (IsCurrentProcess(m, inv.Arg(0))) {
      return VirtualAllocModel(m, inv.Arg(1), inv.Arg(2), static_cast<std::uint32_t>(inv.Arg(4)));
    }
    m.ProcessEvent("allocate_memory", ProcessName(m, inv.Arg(0)),
                   std::to_string(inv.Arg(2)) + " bytes protect=" + HexNumber(inv.Arg(4)));
    // An address in the other process; nothing is mapped here.
    const std::uint64_t remote = 0x00A00000 + 0x10000 * (m.state()["remote_allocs"]++ % 0x1000);
    return remote;
  });
  auto protect = [](ApiInvocation& inv, std::size_t first) -> std::uint64_t {
    Machine& m = inv.m;
    const std::uint64_t address = inv.Arg(first);
    const std::uint64_t size = inv.Arg(first + 1);
    const std::uint32_t page = static_cast<std::uint32_t>(inv.Arg(first + 2));
    Region* region = m.memory().Find(address);
    if (region == nullptr) {
      m.SetLastError(487);  // ERROR_INVALID_ADDRESS
      return 0;
    }
    Result<std::uint32_t> old = m.memory().Protect(address, size, ProtFromPage(page));
    if (!old) {
      m.SetLastError(487);
      return 0;
    }
    if (inv.Arg(first + 3) != 0) m.Write32(inv.Arg(first + 3), PageFromProt(*old));
    region = m.memory().Find(address);
    if (region != nullptr && PageIsExecutable(page) && region->dynamic) {
      m.DumpRegion(*region, "protect_to_executable");
    }
    return 1;
  };
  r.Add("VirtualProtect", [protect](ApiInvocation& inv) { return protect(inv, 0); });
  r.Add("VirtualProtectEx", [protect](ApiInvocation& inv) -> std::uint64_t {
    if (IsCurrentProcess(inv.m, inv.Arg(0))) return protect(inv, 1);
    inv.m.ProcessEvent("protect_memory", ProcessName(inv.m, inv.Arg(0)),
                       HexNumber(inv.Arg(1)) + " protect=" + HexNumber(inv.Arg(3)));
    return 1;
  });
  auto query = [](ApiInvocation& inv, std::uint64_t address, std::uint64_t out) -> std::uint64_t {
    Machine& m = inv.m;
    Region* region = m.memory().Find(address);
    const bool x64 = m.x64();
    const std::uint32_t size = x64 ? 48 : 28;
    m.WriteBytes(out, Bytes(size, 0));
    const std::uint64_t page = PageAlignDown(address);
    m.WritePtr(out, page);
    if (region == nullptr) {
      m.WritePtr(out + (x64 ? 24 : 12), kPageSize);
      m.Write32(out + (x64 ? 32 : 16), 0x10000);  // MEM_FREE
      m.Write32(out + (x64 ? 36 : 20), 0x01);
      return size;
    }
    const bool image = region->tag.rfind("image:", 0) == 0 || region->tag.rfind("decoy:", 0) == 0;
    m.WritePtr(out + (x64 ? 8 : 4), region->base);
    m.Write32(out + (x64 ? 16 : 8), PageFromProt(region->prot));
    m.WritePtr(out + (x64 ? 24 : 12), region->base + region->size - page);
    m.Write32(out + (x64 ? 32 : 16), 0x1000);  // MEM_COMMIT
    m.Write32(out + (x64 ? 36 : 20), PageFromProt(region->prot));
    m.Write32(out + (x64 ? 40 : 24), image ? 0x1000000 : 0x20000);  // MEM_IMAGE / MEM_PRIVATE
    return size;
  };
  r.Add("VirtualQuery", [query](ApiInvocation& inv) { return query(inv, inv.Arg(0), inv.Arg(1)); });
  r.Add("VirtualQueryEx", [query](ApiInvocation& inv) { return query(inv, inv.Arg(1), inv.Arg(2)); });
  r.Add("VirtualFree", [](ApiInvocation& inv) -> std::uint64_t {
    if ((inv.Arg(2) & 0x8000) != 0) {  // MEM_RELEASE
      Region* region = inv.m.memory().Find(inv.Arg(0));
      if (region == nullptr || !region->dynamic) {
        inv.m.SetLastError(487);
        return 0;
      }
      // Freed memory keeps its dump if it ran; the region itself goes.
      inv.m.StopWatchingRewrites(region->base);  // a later allocation there is new code
      return inv.m.memory().Free(region->base).ok();
    }
    return 1;
  });
  r.Add("VirtualFreeEx", [](ApiInvocation&) -> std::uint64_t { return 1; });
  r.Add("WriteProcessMemory", [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::uint64_t size = std::min<std::uint64_t>(inv.Arg(3), kMaxCopy);
    const Bytes data = m.ReadBytes(inv.Arg(2), static_cast<std::size_t>(size));
    if (IsCurrentProcess(m, inv.Arg(0))) {
      m.WriteBytes(inv.Arg(1), data);
    } else {
      m.ProcessEvent("write_memory", ProcessName(m, inv.Arg(0)),
                     std::to_string(data.size()) + " bytes at " + HexNumber(inv.Arg(1)) +
                         " sha256=" + hashing::Sha256Hex(data));
    }
    if (inv.Arg(4) != 0) m.WritePtr(inv.Arg(4), data.size());
    return 1;
  });
  r.Add("ReadProcessMemory", [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::uint64_t size = std::min<std::uint64_t>(inv.Arg(3), kMaxCopy);
    Bytes data = IsCurrentProcess(m, inv.Arg(0)) ? m.ReadBytes(inv.Arg(1), static_cast<std::size_t>(size))
                                                 : Bytes(static_cast<std::size_t>(size), 0);
    m.WriteBytes(inv.Arg(2), data);
    if (inv.Arg(4) != 0) m.WritePtr(inv.Arg(4), data.size());
    return 1;
  });
  r.Add("GetProcessHeap", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.process_heap(); });
  r.Add("HeapCreate", [](ApiInvocation& inv) -> std::uint64_t {
    return inv.m.process_heap() + 0x10000 * (1 + inv.m.state()["heaps"]++ % 64);
  });
  r.Add("HeapDestroy", [](ApiInvocation&) -> std::uint64_t { return 1; });
  r.Add("HeapAlloc", [](ApiInvocation& inv) -> std::uint64_t {
    return inv.m.HeapAlloc(inv.Arg(2), (inv.Arg(1) & 8) != 0);
  });
  r.Add("RtlAllocateHeap", [](ApiInvocation& inv) -> std::uint64_t {
    return inv.m.HeapAlloc(inv.Arg(2), (inv.Arg(1) & 8) != 0);
  });
  auto heap_free = [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.HeapFree(inv.Arg(2));
    return 1;
  };
  r.Add("HeapFree", heap_free);
  r.Add("RtlFreeHeap", heap_free);
  r.Add("HeapSize", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.HeapSize(inv.Arg(2)); });
  r.Add("HeapReAlloc", [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::uint64_t old = inv.Arg(2);
    const std::uint64_t fresh = m.HeapAlloc(inv.Arg(3), true);
    if (fresh != 0 && old != 0) {
      const std::uint64_t old_size = std::min(m.HeapSize(old), inv.Arg(3));
      if (old_size != static_cast<std::uint64_t>(-1)) {
        m.WriteBytes(fresh, m.ReadBytes(old, static_cast<std::size_t>(std::min(old_size, kMaxCopy))));
      }
      m.HeapFree(old);
    }
    return fresh;
  });
  auto global_alloc = [](ApiInvocation& inv) -> std::uint64_t { return inv.m.HeapAlloc(inv.Arg(1), true); };
  r.Add("GlobalAlloc", global_alloc);
  r.Add("LocalAlloc", global_alloc);
  auto local_free = [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.HeapFree(inv.Arg(0));
    return 0;
  };
  r.Add("GlobalFree", local_free);
  r.Add("LocalFree", local_free);
  r.Add("GlobalLock", [](ApiInvocation& inv) -> std::uint64_t { return inv.Arg(0); });
  r.Add("GlobalUnlock", [](ApiInvocation&) -> std::uint64_t { return 1; });
}

void RegisterFiles(ApiRegistry& r) {
  r.AddAW("CreateFile", CreateFileModel);
  r.Add("WriteFile", WriteFileModel);
  r.Add("ReadFile", ReadFileModel);
  r.Add("GetFileSize", [](ApiInvocation& inv) -> std::uint64_t {
    VirtualFileSystem::File* f = FileOf(inv.m, inv.Arg(0));
    if (inv.Arg(1) != 0) inv.m.Write32(inv.Arg(1), 0);
    return f == nullptr ? 0xFFFFFFFFu : f->data.size();
  });
  r.Add("GetFileSizeEx", [](ApiInvocation& inv) -> std::uint64_t {
    VirtualFileSystem::File* f = FileOf(inv.m, inv.Arg(0));
    if (f == nullptr) return 0;
    const std::uint64_t size = f->data.size();
    inv.m.WriteBytes(inv.Arg(1), ByteSpan(reinterpret_cast<const std::uint8_t*>(&size), 8));
    return 1;
  });
  r.Add("SetFilePointer", [](ApiInvocation& inv) -> std::uint64_t {
    HandleObject* h = inv.m.GetHandle(inv.Arg(0));
    VirtualFileSystem::File* f = FileOf(inv.m, inv.Arg(0));
    if (h == nullptr || f == nullptr) return 0xFFFFFFFFu;
    const std::int64_t distance = static_cast<std::int32_t>(inv.Arg(1));
    const std::uint32_t method = static_cast<std::uint32_t>(inv.Arg(3));
    std::int64_t base = method == 1 ? static_cast<std::int64_t>(h->position)
                        : method == 2 ? static_cast<std::int64_t>(f->data.size()) : 0;
    h->position = static_cast<std::uint64_t>(std::clamp<std::int64_t>(base + distance, 0, kMaxCopy));
    return h->position;
  });
  r.Add("FlushFileBuffers", [](ApiInvocation&) -> std::uint64_t { return 1; });
  r.AddAW("DeleteFile", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string path = FullPath(inv.m, inv.Str(0));
    const bool removed = inv.m.vfs().Remove(path);
    inv.m.FileEvent("delete", path, removed ? "" : "failed: not found");
    if (!removed) inv.m.SetLastError(kErrorFileNotFound);
    return removed;
  });
  r.AddAW("CopyFile", [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::string from = FullPath(m, inv.Str(0));
    const std::string to = FullPath(m, inv.Str(1));
    VirtualFileSystem::File* source = m.vfs().Find(from);
    if (source == nullptr) {
      m.SetLastError(kErrorFileNotFound);
      m.FileEvent("copy", to, "failed: source not found: " + from);
      return 0;
    }
    if (inv.Arg(2) != 0 && m.vfs().Find(to) != nullptr) {
      m.SetLastError(kErrorFileExists);
      return 0;
    }
    Bytes data = source->data;
    m.vfs().Create(to).data = std::move(data);
    m.FileEvent("copy", to, "from " + from);
    return 1;
  });
  auto move = [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::string from = FullPath(m, inv.Str(0));
    if (inv.Arg(1) == 0) {  // MoveFileEx(name, NULL, MOVEFILE_DELAY_UNTIL_REBOOT): delete later
      m.FileEvent("delete", from, "on reboot");
      return 1;
    }
    const std::string to = FullPath(m, inv.Str(1));
    if (!m.vfs().Rename(from, to)) {
      m.SetLastError(kErrorFileNotFound);
      m.FileEvent("move", to, "failed: source not found: " + from);
      return 0;
    }
    m.FileEvent("move", to, "from " + from);
    return 1;
  };
  r.AddAW("MoveFile", move);
  r.AddAW("MoveFileEx", move);
  r.AddAW("CreateDirectory", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string path = FullPath(inv.m, inv.Str(0));
    if (inv.m.vfs().DirectoryExists(path)) {
      inv.m.SetLastError(kErrorAlreadyExists);
      return 0;
    }
    inv.m.vfs().AddDirectory(path);
    inv.m.FileEvent("create_directory", path);
    return 1;
  });
  r.AddAW("RemoveDirectory", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.FileEvent("delete_directory", FullPath(inv.m, inv.Str(0)));
    return 1;
  });
  r.AddAW("GetTempPath", [](ApiInvocation& inv) -> std::uint64_t {
    return WriteStringResult(inv, inv.Arg(1), inv.Arg(0) & 0xFFFFFFFFu, TempDirectory(inv.m));
  });
  r.AddAW("GetTempFileName", [](ApiInvocation& inv) -> std::uint64_t {
    std::string dir = inv.Str(0);
    if (!dir.empty() && dir.back() != '\\') dir += '\\';
    const std::uint64_t unique = inv.Arg(2) != 0 ? inv.Arg(2) : 0x3A7 + inv.m.state()["temp_files"]++;
    const std::string name = dir + inv.Str(1).substr(0, 3) + HexNumber(unique & 0xFFFF).substr(2) + ".tmp";
    if (inv.Arg(2) == 0) inv.m.vfs().Create(FullPath(inv.m, name));
    WriteStringUnbounded(inv, inv.Arg(3), name);
    return unique & 0xFFFF;
  });
  auto find_fill = [](ApiInvocation& inv, const std::string& name, std::uint64_t out) {
    Machine& m = inv.m;
    m.WriteBytes(out, Bytes(inv.wide ? 592 : 320, 0));
    VirtualFileSystem::File* f = nullptr;
    HandleObject* h = m.GetHandle(0);
    (void)h;
    (void)f;
    m.Write32(out, 0x80);  // FILE_ATTRIBUTE_NORMAL
    if (inv.wide) {
      m.WriteWide(out + 44, name, 260);
    } else {
      m.WriteAnsi(out + 44, name, 260);
    }
  };
  r.AddAW("FindFirstFile", [find_fill](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::string pattern = FullPath(m, inv.Str(0));
    const std::size_t slash = pattern.find_last_of('\\');
    const std::string dir = pattern.substr(0, slash);
    const std::string mask = pattern.substr(slash + 1);
    HandleObject h;
    h.kind = Kind::kFind;
    h.name = pattern;
    for (const std::string& name : m.vfs().List(dir)) {
      if (WildcardMatch(mask, name)) h.entries.push_back(name);
    }
    m.FileEvent("find", pattern);
    if (h.entries.empty()) {
      m.SetLastError(kErrorFileNotFound);
      return InvalidHandleValue(m);
    }
    find_fill(inv, h.entries[0], inv.Arg(1));
    h.position = 1;
    return m.NewHandle(h);
  });
  r.AddAW("FindNextFile", [find_fill](ApiInvocation& inv) -> std::uint64_t {
    HandleObject* h = inv.m.GetHandle(inv.Arg(0));
    if (h == nullptr || h->kind != Kind::kFind || h->position >= h->entries.size()) {
      inv.m.SetLastError(kErrorNoMoreFiles);
      return 0;
    }
    find_fill(inv, h->entries[h->position++], inv.Arg(1));
    return 1;
  });
  r.Add("FindClose", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.CloseHandle(inv.Arg(0)); });
  r.AddAW("GetFileAttributes", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string path = FullPath(inv.m, inv.Str(0));
    if (inv.m.vfs().DirectoryExists(path)) return 0x10;
    if (inv.m.vfs().Find(path) != nullptr) return 0x80;
    inv.m.SetLastError(kErrorFileNotFound);
    return 0xFFFFFFFFu;
  });
  r.AddAW("SetFileAttributes", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.FileEvent("set_attributes", FullPath(inv.m, inv.Str(0)), HexNumber(inv.Arg(1)));
    return 1;
  });
  r.AddAW("GetWindowsDirectory", [](ApiInvocation& inv) -> std::uint64_t {
    return WriteStringResult(inv, inv.Arg(0), inv.Arg(1) & 0xFFFFFFFFu, "C:\\Windows");
  });
  r.AddAW("GetSystemDirectory", [](ApiInvocation& inv) -> std::uint64_t {
    return WriteStringResult(inv, inv.Arg(0), inv.Arg(1) & 0xFFFFFFFFu, "C:\\Windows\\system32");
  });
  r.AddAW("GetCurrentDirectory", [](ApiInvocation& inv) -> std::uint64_t {
    return WriteStringResult(inv, inv.Arg(1), inv.Arg(0) & 0xFFFFFFFFu, SampleDir(inv.m));
  });
  r.AddAW("SetCurrentDirectory", [](ApiInvocation& inv) -> std::uint64_t {
    inv.Str(0);
    return 1;
  });
  r.AddAW("GetFullPathName", [](ApiInvocation& inv) -> std::uint64_t {
    return WriteStringResult(inv, inv.Arg(2), inv.Arg(1) & 0xFFFFFFFFu, FullPath(inv.m, inv.Str(0)));
  });
  auto same_path = [](ApiInvocation& inv) -> std::uint64_t {
    return WriteStringResult(inv, inv.Arg(1), inv.Arg(2) & 0xFFFFFFFFu, inv.Str(0));
  };
  r.AddAW("GetShortPathName", same_path);
  r.AddAW("GetLongPathName", same_path);
  r.AddAW("GetDriveType", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string root = inv.Arg(0) == 0 ? "C:\\" : AsciiLower(inv.Str(0));
    return root.rfind("c:", 0) == 0 ? 3 : 1;  // DRIVE_FIXED / DRIVE_NO_ROOT_DIR
  });
  r.Add("GetLogicalDrives", [](ApiInvocation&) -> std::uint64_t { return 0x4; });
  r.AddAW("GetVolumeInformation", [](ApiInvocation& inv) -> std::uint64_t {
    if (inv.Arg(1) != 0) WriteStringResult(inv, inv.Arg(1), inv.Arg(2) & 0xFFFFFFFFu, "OS");
    if (inv.Arg(3) != 0) inv.m.Write32(inv.Arg(3), 0x5E2A6C1F);
    if (inv.Arg(4) != 0) inv.m.Write32(inv.Arg(4), 255);
    if (inv.Arg(5) != 0) inv.m.Write32(inv.Arg(5), 0x03E700FF);
    if (inv.Arg(6) != 0) WriteStringResult(inv, inv.Arg(6), inv.Arg(7) & 0xFFFFFFFFu, "NTFS");
    return 1;
  });
  r.AddAW("GetDiskFreeSpaceEx", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t free_bytes = 112ull << 30, total = 238ull << 30;
    for (int i = 1; i <= 3; ++i) {
      const std::uint64_t v = i == 2 ? total : free_bytes;
      if (inv.Arg(static_cast<std::size_t>(i)) != 0) {
        inv.m.WriteBytes(inv.Arg(static_cast<std::size_t>(i)), ByteSpan(reinterpret_cast<const std::uint8_t*>(&v), 8));
      }
    }
    return 1;
  });
  r.Add("AreFileApisANSI", [](ApiInvocation&) -> std::uint64_t { return 1; });
  r.Add("GetStdHandle", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string key = "std" + std::to_string(static_cast<std::int32_t>(inv.Arg(0)));
    auto& state = inv.m.state();
    if (state.count(key) == 0) {
      HandleObject h;
      h.kind = Kind::kFile;
      h.name = "CONOUT$";
      h.id = 1;
      state[key] = inv.m.NewHandle(h);
    }
    return state[key];
  });
  r.Add("GetFileType", [](ApiInvocation& inv) -> std::uint64_t {
    return IsConsoleHandle(inv.m, inv.Arg(0)) ? 2 : 1;  // FILE_TYPE_CHAR / FILE_TYPE_DISK
  });
  r.AddAW("WriteConsole", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t n = std::min<std::uint64_t>(inv.Arg(2) & 0xFFFFFFFFu, 64 * 1024);
    std::string text = inv.wide ? inv.m.ReadWide(inv.Arg(1), n) : inv.m.ReadAnsi(inv.Arg(1), n);
    inv.m.Console(text);
    if (inv.Arg(3) != 0) inv.m.Write32(inv.Arg(3), static_cast<std::uint32_t>(n));
    return 1;
  });
  r.Add("GetConsoleMode", [](ApiInvocation& inv) -> std::uint64_t {
    if (inv.Arg(1) != 0) inv.m.Write32(inv.Arg(1), 3);
    return 1;
  });
  r.Add("SetHandleCount", [](ApiInvocation& inv) -> std::uint64_t { return inv.Arg(0); });
}

void RegisterSynchronisation(ApiRegistry& r) {
  r.AddAW("CreateMutex", [](ApiInvocation& inv) { return MutexModel(inv, 2, false); });
  r.AddAW("CreateMutexEx", [](ApiInvocation& inv) { return MutexModel(inv, 1, false); });
  r.AddAW("OpenMutex", [](ApiInvocation& inv) { return MutexModel(inv, 2, true); });
  r.Add("ReleaseMutex", [](ApiInvocation&) -> std::uint64_t { return 1; });
  r.AddAW("CreateEvent", [](ApiInvocation& inv) -> std::uint64_t {
    HandleObject h;
    h.kind = Kind::kEvent;
    if (inv.Arg(3) != 0) h.name = inv.Str(3);
    return inv.m.NewHandle(h);
  });
  r.Add("SetEvent", [](ApiInvocation&) -> std::uint64_t { return 1; });
  r.Add("ResetEvent", [](ApiInvocation&) -> std::uint64_t { return 1; });
  auto nothing = [](ApiInvocation&) -> std::uint64_t { return 0; };
  for (const char* name : {"InitializeCriticalSection", "EnterCriticalSection", "LeaveCriticalSection",
                           "DeleteCriticalSection", "InitializeSListHead", "SetUnhandledExceptionFilter",
                           "UnhandledExceptionFilter", "SetErrorMode", "RtlCaptureContext"}) {
    r.Add(name, nothing);
  }
  auto one = [](ApiInvocation&) -> std::uint64_t { return 1; };
  for (const char* name : {"InitializeCriticalSectionAndSpinCount", "InitializeCriticalSectionEx",
                           "AddVectoredExceptionHandler", "TlsFree", "FlsFree",
                           "Wow64DisableWow64FsRedirection", "Wow64RevertWow64FsRedirection",
                           "SetConsoleCtrlHandler", "SetThreadPriority", "VirtualLock"}) {
    r.Add(name, one);
  }
  auto tls_alloc = [](ApiInvocation& inv) -> std::uint64_t {
    std::uint64_t& next = inv.m.state()["tls_next"];
    if (next >= 64) return 0xFFFFFFFFu;  // TLS_OUT_OF_INDEXES
    return next++;
  };
  r.Add("TlsAlloc", tls_alloc);
  r.Add("FlsAlloc", tls_alloc);
  auto tls_get = [](ApiInvocation& inv) -> std::uint64_t {
    if (inv.Arg(0) >= 64) return 0;
    inv.m.SetLastError(kErrorSuccess);
    return inv.m.ReadPtr(inv.m.tls_slot_base() + inv.Arg(0) * inv.m.pointer_size());
  };
  r.Add("TlsGetValue", tls_get);
  r.Add("FlsGetValue", tls_get);
  auto tls_set = [](ApiInvocation& inv) -> std::uint64_t {
    if (inv.Arg(0) >= 64) return 0;
    return inv.m.WritePtr(inv.m.tls_slot_base() + inv.Arg(0) * inv.m.pointer_size(), inv.Arg(1));
  };
  r.Add("TlsSetValue", tls_set);
  r.Add("FlsSetValue", tls_set);
  r.Add("GetLastError", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.LastError(); });
  r.Add("SetLastError", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.SetLastError(static_cast<std::uint32_t>(inv.Arg(0)));
    return 0;
  });
  r.Add("RtlGetLastWin32Error", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.LastError(); });
  auto identity = [](ApiInvocation& inv) -> std::uint64_t { return inv.Arg(0); };
  r.Add("EncodePointer", identity);
  r.Add("DecodePointer", identity);
  r.Add("InterlockedIncrement", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint32_t v = inv.m.Read32(inv.Arg(0)) + 1;
    inv.m.Write32(inv.Arg(0), v);
    return v;
  });
  r.Add("InterlockedDecrement", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint32_t v = inv.m.Read32(inv.Arg(0)) - 1;
    inv.m.Write32(inv.Arg(0), v);
    return v;
  });
  r.Add("InterlockedExchange", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint32_t old = inv.m.Read32(inv.Arg(0));
    inv.m.Write32(inv.Arg(0), static_cast<std::uint32_t>(inv.Arg(1)));
    return old;
  });
  r.Add("InterlockedCompareExchange", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint32_t old = inv.m.Read32(inv.Arg(0));
    if (old == static_cast<std::uint32_t>(inv.Arg(2))) inv.m.Write32(inv.Arg(0), static_cast<std::uint32_t>(inv.Arg(1)));
    return old;
  });
}

void RegisterSystem(ApiRegistry& r) {
  r.Add("GetTickCount", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.TickCountMs() & 0xFFFFFFFFu; });
  r.Add("GetTickCount64", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.TickCountMs(); });
  r.Add("QueryPerformanceCounter", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t ticks = inv.m.TickCountMs() * 10000 + inv.m.instruction_count() % 10000;
    inv.m.WriteBytes(inv.Arg(0), ByteSpan(reinterpret_cast<const std::uint8_t*>(&ticks), 8));
    return 1;
  });
  r.Add("QueryPerformanceFrequency", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t frequency = 10'000'000;
    inv.m.WriteBytes(inv.Arg(0), ByteSpan(reinterpret_cast<const std::uint8_t*>(&frequency), 8));
    return 1;
  });
  r.Add("GetSystemTimeAsFileTime", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t now = FileTimeNow(inv.m);
    inv.m.WriteBytes(inv.Arg(0), ByteSpan(reinterpret_cast<const std::uint8_t*>(&now), 8));
    return 0;
  });
  auto system_time = [](ApiInvocation& inv) -> std::uint64_t {
    WriteSystemTime(inv.m, inv.Arg(0));
    return 0;
  };
  r.Add("GetSystemTime", system_time);
  r.Add("GetLocalTime", system_time);
  r.AddAW("GetVersionEx", [](ApiInvocation& inv) -> std::uint64_t {
    // Without a compatibility manifest Windows 10 reports 6.2.9200 here.
    inv.m.Write32(inv.Arg(0) + 4, 6);
    inv.m.Write32(inv.Arg(0) + 8, 2);
    inv.m.Write32(inv.Arg(0) + 12, 9200);
    inv.m.Write32(inv.Arg(0) + 16, 2);
    return 1;
  });
  r.Add("GetVersion", [](ApiInvocation&) -> std::uint64_t { return 0x23F00206; });
  r.Add("RtlGetVersion", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.Write32(inv.Arg(0) + 4, 10);
    inv.m.Write32(inv.Arg(0) + 8, 0);
    inv.m.Write32(inv.Arg(0) + 12, 19045);
    inv.m.Write32(inv.Arg(0) + 16, 2);
    return 0;
  });
  r.AddAW("GetComputerName", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string& name = inv.m.options().environment.computer_name;
    const std::uint32_t capacity = inv.m.Read32(inv.Arg(1));
    if (capacity <= name.size()) {
      inv.m.Write32(inv.Arg(1), static_cast<std::uint32_t>(name.size() + 1));
      inv.m.SetLastError(111);  // ERROR_BUFFER_OVERFLOW
      return 0;
    }
    WriteStringResult(inv, inv.Arg(0), capacity, name);
    inv.m.Write32(inv.Arg(1), static_cast<std::uint32_t>(name.size()));
    return 1;
  });
  r.Add("IsDebuggerPresent", [](ApiInvocation&) -> std::uint64_t { return 0; });
  r.Add("CheckRemoteDebuggerPresent", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.Write32(inv.Arg(1), 0);
    return 1;
  });
  r.AddAW("OutputDebugString", [](ApiInvocation& inv) -> std::uint64_t {
    inv.Str(0);
    return 0;
  });
  r.Add("CreateToolhelp32Snapshot", [](ApiInvocation& inv) -> std::uint64_t {
    HandleObject h;
    h.kind = Kind::kSnapshot;
    for (const VirtualProcess& p : inv.m.processes()) h.entries.push_back(std::to_string(p.pid));
    return inv.m.NewHandle(h);
  });
  auto process_entry = [](ApiInvocation& inv, bool first) -> std::uint64_t {
    Machine& m = inv.m;
    HandleObject* h = m.GetHandle(inv.Arg(0));
    if (h == nullptr || h->kind != Kind::kSnapshot) return 0;
    if (first) h->position = 0;
    if (h->position >= m.processes().size()) {
      m.SetLastError(kErrorNoMoreFiles);
      return 0;
    }
    const VirtualProcess& p = m.processes()[h->position++];
    const std::uint64_t out = inv.Arg(1);
    const bool x64 = m.x64();
    m.Write32(out + 8, p.pid);
    m.Write32(out + (x64 ? 28 : 20), 4);
    m.Write32(out + (x64 ? 32 : 24), p.parent_pid);
    const std::uint64_t name_at = out + (x64 ? 44 : 36);
    const bool wide = inv.name.back() == 'W';
    if (wide) m.WriteWide(name_at, p.image_name, 260);
    else m.WriteAnsi(name_at, p.image_name, 260);
    return 1;
  };
  r.Add("Process32First", [process_entry](ApiInvocation& inv) { return process_entry(inv, true); });
  r.Add("Process32FirstW", [process_entry](ApiInvocation& inv) { return process_entry(inv, true); });
  r.Add("Process32Next", [process_entry](ApiInvocation& inv) { return process_entry(inv, false); });
  r.Add("Process32NextW", [process_entry](ApiInvocation& inv) { return process_entry(inv, false); });
  auto system_info = [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::uint64_t out = inv.Arg(0);
    const bool x64 = m.x64();
    m.WriteBytes(out, Bytes(x64 ? 48 : 36, 0));
    m.Write16(out, x64 ? 9 : 0);
    m.Write32(out + 4, 0x1000);
    m.WritePtr(out + 8, 0x10000);
    m.WritePtr(out + (x64 ? 16 : 12), x64 ? 0x7FFFFFFEFFFFull : 0x7FFEFFFF);
    m.WritePtr(out + (x64 ? 24 : 16), 0xF);
    m.Write32(out + (x64 ? 32 : 20), 4);
    m.Write32(out + (x64 ? 36 : 24), x64 ? 8664 : 586);
    m.Write32(out + (x64 ? 40 : 28), 0x10000);
    m.Write16(out + (x64 ? 44 : 32), 6);
    return 0;
  };
  r.Add("GetSystemInfo", system_info);
  r.Add("GetNativeSystemInfo", system_info);
  r.Add("IsWow64Process", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.Write32(inv.Arg(1), 0);
    return 1;
  });
  auto language = [](ApiInvocation& inv) -> std::uint64_t { return inv.m.code_page() == 932 ? 0x411 : 0x409; };
  for (const char* name : {"GetUserDefaultLCID", "GetUserDefaultUILanguage", "GetSystemDefaultLangID",
                           "GetUserDefaultLangID"}) {
    r.Add(name, language);
  }
  r.Add("GetACP", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.code_page(); });
  r.Add("GetOEMCP", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.code_page() == 932 ? 932 : 437; });
  r.Add("GetCPInfo", [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const bool dbcs = inv.Arg(0) == 932 || ((inv.Arg(0) == 0 || inv.Arg(0) == 1) && m.code_page() == 932);
    Bytes info(20, 0);
    info[0] = dbcs ? 2 : 1;
    info[4] = '?';
    if (dbcs) {
      info[6] = 0x81;
      info[7] = 0x9F;
      info[8] = 0xE0;
      info[9] = 0xFC;
    }
    m.WriteBytes(inv.Arg(1), info);
    return 1;
  });
  r.Add("IsDBCSLeadByteEx", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t cp = inv.Arg(0) == 0 ? inv.m.code_page() : inv.Arg(0);
    const std::uint64_t b = inv.Arg(1) & 0xFF;
    return cp == 932 && ((b >= 0x81 && b <= 0x9F) || (b >= 0xE0 && b <= 0xFC));
  });
  r.Add("MultiByteToWideChar", [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::int32_t length = static_cast<std::int32_t>(inv.Arg(3));
    std::string bytes;
    if (length < 0) {
      const Bytes raw = m.ReadBytes(inv.Arg(2), 64 * 1024);
      const auto nul = std::find(raw.begin(), raw.end(), 0);
      bytes.assign(raw.begin(), nul);
    } else {
      const Bytes raw = m.ReadBytes(inv.Arg(2), static_cast<std::size_t>(std::min(length, 1 << 20)));
      bytes.assign(raw.begin(), raw.end());
    }
    const std::string utf8 = inv.Arg(0) == 65001 ? bytes : m.DecodeAnsi(bytes);
    std::u32string dummy;
    std::size_t units = 0;
    for (std::size_t i = 0; i < utf8.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(utf8[i]);
      if ((c & 0xC0) != 0x80) units += (c >= 0xF0) ? 2 : 1;
    }
    if (length < 0) ++units;  // the terminator is counted
    const std::uint64_t capacity = inv.Arg(5) & 0xFFFFFFFFu;
    if (capacity == 0) return units;
    if (capacity < units) {
      m.SetLastError(kErrorInsufficientBuffer);
      return 0;
    }
    m.WriteWide(inv.Arg(4), utf8, capacity + 1);
    return units;
  });
  r.Add("WideCharToMultiByte", [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::int32_t length = static_cast<std::int32_t>(inv.Arg(3));
    std::string utf8 = m.ReadWide(inv.Arg(2), length < 0 ? 64 * 1024 : static_cast<std::size_t>(length));
    std::string out = inv.Arg(0) == 65001 ? utf8 : m.EncodeAnsi(utf8);
    const std::size_t size = out.size() + (length < 0 ? 1u : 0u);
    const std::uint64_t capacity = inv.Arg(5) & 0xFFFFFFFFu;
    if (capacity == 0) return size;
    if (capacity < size) {
      m.SetLastError(kErrorInsufficientBuffer);
      return 0;
    }
    if (length < 0) out.push_back('\0');
    m.WriteBytes(inv.Arg(4), ByteSpan(reinterpret_cast<const std::uint8_t*>(out.data()), out.size()));
    return size;
  });
  r.AddAW("ExpandEnvironmentStrings", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string value = ExpandEnvironment(inv.m, inv.Str(0));
    const std::uint64_t capacity = inv.Arg(2) & 0xFFFFFFFFu;
    const std::uint64_t needed = inv.m.EncodeAnsi(value).size() + 1;
    if (capacity >= needed && inv.Arg(1) != 0) {
      if (inv.wide) inv.m.WriteWide(inv.Arg(1), value, capacity);
      else inv.m.WriteAnsi(inv.Arg(1), value, capacity);
    }
    return needed;
  });
  r.AddAW("GetEnvironmentVariable", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string value = EnvironmentVariable(inv.m, inv.Str(0));
    if (value.empty()) {
      inv.m.SetLastError(203);  // ERROR_ENVVAR_NOT_FOUND
      return 0;
    }
    return WriteStringResult(inv, inv.Arg(1), inv.Arg(2) & 0xFFFFFFFFu, value);
  });
  r.AddAW("SetEnvironmentVariable", [](ApiInvocation& inv) -> std::uint64_t {
    inv.Str(0);
    return 1;
  });
  r.Add("GetEnvironmentStringsA", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.environment_block(false); });
  r.Add("GetEnvironmentStrings", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.environment_block(false); });
  r.Add("GetEnvironmentStringsW", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.environment_block(true); });
  r.Add("FreeEnvironmentStringsA", [](ApiInvocation&) -> std::uint64_t { return 1; });
  r.Add("FreeEnvironmentStringsW", [](ApiInvocation&) -> std::uint64_t { return 1; });
  r.Add("GlobalMemoryStatusEx", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t out = inv.Arg(0);
    inv.m.Write32(out + 4, 41);
    const std::uint64_t values[6] = {8ull << 30, 5ull << 30, 12ull << 30, 8ull << 30, 128ull << 40, 127ull << 40};
    for (int i = 0; i < 6; ++i) {
      inv.m.WriteBytes(out + 8 + 8u * static_cast<unsigned>(i),
                       ByteSpan(reinterpret_cast<const std::uint8_t*>(&values[i]), 8));
    }
    return 1;
  });
  r.Add("IsProcessorFeaturePresent", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t feature = inv.Arg(0);
    return feature == 6 || feature == 10 || feature == 13 || feature == 17 || feature == 23;
  });
  // lstr* string functions.
  r.Add("lstrlenA", [](ApiInvocation& inv) -> std::uint64_t { return inv.Arg(0) ? inv.m.EncodeAnsi(inv.AStr(0)).size() : 0; });
  r.Add("lstrlenW", [](ApiInvocation& inv) -> std::uint64_t {
    std::uint64_t n = 0;
    std::uint16_t u = 1;
    while (n < (1u << 20) && inv.m.cpu().Read(inv.Arg(0) + 2 * n, &u, 2) && u != 0) ++n;
    return n;
  });
  r.AddAW("lstrcpy", [](ApiInvocation& inv) -> std::uint64_t {
    WriteStringUnbounded(inv, inv.Arg(0), inv.Str(1));
    return inv.Arg(0);
  });
  r.AddAW("lstrcat", [](ApiInvocation& inv) -> std::uint64_t {
    WriteStringUnbounded(inv, inv.Arg(0), inv.Str(0) + inv.Str(1));
    return inv.Arg(0);
  });
  r.AddAW("lstrcmp", [](ApiInvocation& inv) -> std::uint64_t {
    const int c = inv.Str(0).compare(inv.Str(1));
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(c < 0 ? -1 : c > 0 ? 1 : 0));
  });
  r.AddAW("lstrcmpi", [](ApiInvocation& inv) -> std::uint64_t {
    const int c = AsciiLower(inv.Str(0)).compare(AsciiLower(inv.Str(1)));
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(c < 0 ? -1 : c > 0 ? 1 : 0));
  });
}

}  // namespace

void RegisterKernel32Apis(ApiRegistry& r) {
  RegisterModules(r);
  RegisterProcesses(r);
  RegisterMemory(r);
  RegisterFiles(r);
  RegisterSynchronisation(r);
  RegisterSystem(r);
}

}  // namespace kensa::emulator::internal
