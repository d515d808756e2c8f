#include "machine.h"

#include <iconv.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "image_dump.h"
#include "kensa/hashing/hashes.h"

namespace kensa::emulator::internal {
namespace {

using analysis::v1::EMULATION_END_REASON_ERROR;
using analysis::v1::EMULATION_END_REASON_EXITED;
using analysis::v1::EMULATION_END_REASON_INSTRUCTION_LIMIT;
using analysis::v1::EMULATION_END_REASON_API_LIMIT;
using analysis::v1::EMULATION_END_REASON_TIMEOUT;
using analysis::v1::EMULATION_END_REASON_MEMORY_LIMIT;
using analysis::v1::EMULATION_END_REASON_UNHANDLED_EXCEPTION;
using analysis::v1::EMULATION_END_REASON_INVALID_MEMORY;

// Heap arenas are carved into blocks by bump allocation; bigger blocks get their own region.
constexpr std::uint64_t kHeapArenaSize = 1 << 20;
constexpr std::uint64_t kMainStackSize = 1 << 20;
constexpr std::uint64_t kThreadStackSize = 256 << 10;
// Exceptions dispatched to SEH handlers per run: a handler that faults again, or returns
// "continue execution" at the faulting instruction, would otherwise loop forever.
constexpr std::uint32_t kMaxSehDispatches = 256;
// Decoys made for DLL names Kensa has no table for; a sample loading thousands of names
// would otherwise fill the stub range.
constexpr std::size_t kMaxSynthesizedDlls = 64;

std::string Hex(std::uint64_t v) { return HexNumber(v); }

// Text conversion through glibc's iconv (CP1252 and CP932 are both built in).
std::string Convert(const char* to, const char* from, std::string_view in) {
  iconv_t cd = iconv_open(to, from);
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::string(in);
  std::string out(in.size() * 4 + 8, '\0');
  char* src = const_cast<char*>(in.data());
  std::size_t src_left = in.size();
  char* dst = out.data();
  std::size_t dst_left = out.size();
  while (src_left > 0) {
    if (iconv(cd, &src, &src_left, &dst, &dst_left) == static_cast<std::size_t>(-1)) {
      if (errno == E2BIG) break;
      // An invalid byte becomes '?' and conversion goes on: sample strings are not trusted.
      ++src;
      --src_left;
      if (dst_left > 0) {
        *dst++ = '?';
        --dst_left;
      }
    }
  }
  iconv_close(cd);
  out.resize(out.size() - dst_left);
  return out;
}

// Recorded text must be valid UTF-8 (proto3 strings): sample bytes reach names, arguments
// and paths through many routes (import names, lone UTF-16 surrogates, truncated text), so
// every invalid sequence becomes '?' where text enters the result.
std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = n != 0 && i + n <= s.size();
    std::uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (std::size_t k = 1; ok && k < n; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid too.
    if (ok && ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
               (cp >= 0xD800 && cp < 0xE000) || cp > 0x10FFFF)) {
      ok = false;
    }
    if (ok) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out.push_back('?');
      ++i;
    }
  }
  return out;
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

// ---------------------------------------------------------------- ApiInvocation, ApiRegistry

ApiInvocation::ApiInvocation(Machine& machine, std::string module_name, const DecoyExport& exp,
                             bool is_cdecl, std::uint64_t call_seq)
    : m(machine),
      module(std::move(module_name)),
      name(exp.name),
      argc(exp.argc),
      cdecl(is_cdecl),
      seq(call_seq) {
  wide = (!name.empty() && name.back() == 'W') || name.rfind("wcs", 0) == 0 ||
         name.rfind("_w", 0) == 0 || name.find("wprintf") != std::string::npos;
  arg_text.reserve(argc);
  for (std::size_t i = 0; i < argc; ++i) arg_text.push_back(Hex(Arg(i)));
}

std::uint64_t ApiInvocation::Arg(std::size_t index) const {
  CpuEngine& cpu = m.cpu();
  const std::uint64_t sp = cpu.ReadReg(Reg::kSp);
  if (!m.x64()) return m.Read32(sp + 4 + 4 * index);
  switch (index) {
    case 0: return cpu.ReadReg(Reg::kCx);
    case 1: return cpu.ReadReg(Reg::kDx);
    case 2: return cpu.ReadReg(Reg::kR8);
    case 3: return cpu.ReadReg(Reg::kR9);
    default: return m.ReadPtr(sp + 8 + 0x20 + 8 * (index - 4));
  }
}

std::string ApiInvocation::Str(std::size_t index) { return wide ? WStr(index) : AStr(index); }

std::string ApiInvocation::AStr(std::size_t index) {
  const std::uint64_t address = Arg(index);
  if (address == 0) return {};
  std::string s = m.ReadAnsi(address);
  Note(index, "\"" + s + "\"");
  return s;
}

std::string ApiInvocation::WStr(std::size_t index) {
  const std::uint64_t address = Arg(index);
  if (address == 0) return {};
  std::string s = m.ReadWide(address);
  Note(index, "\"" + s + "\"");
  return s;
}

void ApiInvocation::Note(std::size_t index, std::string text) {
  if (index >= arg_text.size()) arg_text.resize(index + 1);
  arg_text[index] = std::move(text);
}

const ApiRegistry& ApiRegistry::Get() {
  static const ApiRegistry registry = [] {
    ApiRegistry r;
    RegisterKernel32Apis(r);
    RegisterNtdllApis(r);
    RegisterAdvapi32Apis(r);
    RegisterNetApis(r);
    RegisterCrtApis(r);
    RegisterCxxExceptionApis(r);
    RegisterShellApis(r);
    return r;
  }();
  return registry;
}

const ApiHandler* ApiRegistry::Find(const std::string& name) const {
  auto it = handlers_.find(name);
  return it == handlers_.end() ? nullptr : &it->second;
}

void ApiRegistry::Add(const std::string& name, ApiHandler handler) {
  handlers_[name] = std::move(handler);
}

void ApiRegistry::AddAW(const std::string& base, const ApiHandler& handler) {
  handlers_[base + "A"] = handler;
  handlers_[base + "W"] = handler;
}

// ---------------------------------------------------------------- set-up

Machine::Machine(const EmulationOptions& options, Arch arch, std::unique_ptr<CpuEngine> cpu)
    : options_(options),
      arch_(arch),
      cpu_(std::move(cpu)),
      memory_(*cpu_, options.limits.max_memory_bytes),
      vfs_(options.environment),
      registry_(options.environment) {
  code_page_ = options.environment.locale == "ja-JP" ? 932 : 1252;
  std::string sample_name = options.environment.sample_path;
  sample_name = sample_name.substr(sample_name.find_last_of('\\') + 1);
  processes_ = DefaultProcessList(kProcessId, sample_name);
}

Status Machine::Initialize() {
  KENSA_RETURN_IF_ERROR(memory_.MapAt(kSpecialStubs, kPageSize, kProtRead | kProtExec, "stubs"));
  const Bytes traps(kPageSize, 0xCC);
  cpu_->Write(kSpecialStubs, traps.data(), traps.size());
  KENSA_RETURN_IF_ERROR(
      memory_.MapAt(kDynamicStubs, kDynamicStubsSize, kProtRead | kProtExec, "stubs"));
  for (std::uint64_t a = 0; a < kDynamicStubsSize; a += kPageSize) {
    cpu_->Write(kDynamicStubs + a, traps.data(), traps.size());
  }
  KENSA_RETURN_IF_ERROR(MapDecoys());
  KENSA_RETURN_IF_ERROR(memory_.MapAt(kSystemData, kSystemDataSize, kProtRead | kProtWrite, "peb"));
  KENSA_RETURN_IF_ERROR(memory_.MapAt(kGdtAddress, kPageSize, kProtRead | kProtWrite, "gdt"));
  KENSA_RETURN_IF_ERROR(memory_.MapAt(kPebAddress, kPageSize, kProtRead | kProtWrite, "peb"));
  KENSA_RETURN_IF_ERROR(memory_.MapAt(kTebAddress, 2 * kPageSize, kProtRead | kProtWrite, "teb"));
  KENSA_RETURN_IF_ERROR(memory_.MapAt(kKuserSharedData, kPageSize, kProtRead, "kuser_shared_data"));
  KENSA_RETURN_IF_ERROR(cpu_->SetupThreadSegment(kGdtAddress, kTebAddress));

  KENSA_ASSIGN_OR_RETURN(std::uint64_t stack,
                         memory_.Allocate(kMainStackSize, kProtRead | kProtWrite, "stack", false,
                                          0x00100000, 0x00400000));
  main_stack_top_ = stack + kMainStackSize - 0x100;
  GuestThread main;
  main.tid = kMainThreadId;
  main.stack_top = main_stack_top_;
  threads_.push_back(std::move(main));

  // Instructions are hooked only where API stubs live; elsewhere the block hook counts them.
  cpu_->SetCodeHook([this](std::uint64_t a) { OnInstruction(a); }, kStubLow, kStubHigh);
  cpu_->SetBlockHook([this](std::uint64_t a, std::uint32_t size) { OnBlock(a, size); });
  cpu_->SetFaultHook([this](MemoryFault k, bool u, std::uint64_t a, int s) {
    return OnFault(k, u, a, s);
  });
  cpu_->SetInterruptHook([this](std::uint32_t n) { OnInterrupt(n); });
  return Status::Ok();
}

Status Machine::MapDecoys() {
  for (const std::string& name : DecoyDllNames()) {
    DecoyImage decoy = BuildDecoy(name, x64(), next_decoy_base_);
    KENSA_RETURN_IF_ERROR(
        memory_.MapAt(decoy.base, decoy.image.size(), kProtAll, "decoy:" + name));
    cpu_->Write(decoy.base, decoy.image.data(), decoy.image.size());
    for (const DecoyExport& e : decoy.exports) {
      if (!e.data) stubs_[decoy.base + e.rva] = StubInfo{name, e, decoy.cdecl};
    }
    Module module;
    module.name = name;
    module.path = "C:\\Windows\\System32\\" + name;
    module.base = decoy.base;
    module.size = decoy.image.size();
    module.decoy = static_cast<int>(decoys_.size());
    modules_.push_back(module);
    next_decoy_base_ = (decoy.base + decoy.image.size() + 0xFFFF) & ~0xFFFFull;
    decoy.image.clear();
    decoy.image.shrink_to_fit();
    decoys_.push_back(std::move(decoy));
  }
  return Status::Ok();
}

void Machine::AddMainModule(Module module) { modules_.push_front(std::move(module)); }

std::uint64_t Machine::SystemAlloc(std::uint64_t size) {
  const std::uint64_t at = system_data_next_;
  const std::uint64_t next = (at + size + 15) & ~15ull;
  if (next > kSystemData + kSystemDataSize) return 0;
  system_data_next_ = next;
  return at;
}

std::uint64_t Machine::WriteUnicodeString(std::uint64_t at, std::string_view text) {
  const std::u16string dummy;
  std::string wide;
  // Loader strings are ASCII paths; WriteWide handles any UTF-8 anyway.
  const std::size_t units = text.size() + 1;
  const std::uint64_t buffer = SystemAlloc(units * 2 + 2);
  const std::size_t written = WriteWide(buffer, text, units + 1);
  Write16(at, static_cast<std::uint16_t>(written * 2));
  Write16(at + 2, static_cast<std::uint16_t>(written * 2 + 2));
  WritePtr(at + (x64() ? 8 : 4), buffer);
  return buffer;
}

void Machine::LinkModuleIntoLdr(const Module& module) {
  const std::uint32_t ps = pointer_size();
  const std::uint64_t entry = SystemAlloc(x64() ? 0x120 : 0x80);
  if (entry == 0) return;
  WritePtr(entry + (x64() ? 0x30 : 0x18), module.base);
  WritePtr(entry + (x64() ? 0x38 : 0x1C), module.entry);
  Write32(entry + (x64() ? 0x40 : 0x20), static_cast<std::uint32_t>(module.size));
  WriteUnicodeString(entry + (x64() ? 0x48 : 0x24), module.path);
  WriteUnicodeString(entry + (x64() ? 0x58 : 0x2C), module.path.substr(module.path.find_last_of('\\') + 1));
  // LDR_DATA_TABLE_ENTRY links and PEB_LDR_DATA heads: InLoadOrder, InMemoryOrder,
  // InInitializationOrder (the executable is not in the last one).
  const std::uint64_t heads[3] = {ldr_ + (x64() ? 0x10u : 0x0Cu), ldr_ + (x64() ? 0x20u : 0x14u),
                                  ldr_ + (x64() ? 0x30u : 0x1Cu)};
  const std::uint64_t links[3] = {entry, entry + 2 * ps, entry + 4 * ps};
  const bool is_exe = module.decoy < 0 && &module == &modules_.front();
  for (int list = 0; list < 3; ++list) {
    if (list == 2 && is_exe) continue;
    const std::uint64_t head = heads[list];
    const std::uint64_t link = links[list];
    const std::uint64_t tail = ReadPtr(head + ps);
    WritePtr(link, head);
    WritePtr(link + ps, tail);
    WritePtr(tail, link);
    WritePtr(head + ps, link);
  }
  last_ldr_entry_ = entry;
}

Status Machine::FinishLoaderData() {
  const EnvironmentProfile& env = options_.environment;
  const std::uint32_t ps = pointer_size();
  // Command line and argv.
  argv_.push_back(env.sample_path);
  for (const std::string& a : env.arguments) argv_.push_back(a);
  if (!env.command_line.empty()) {
    command_line_ = env.command_line;
  } else {
    command_line_ = "\"" + env.sample_path + "\"";
    for (const std::string& a : env.arguments) {
      command_line_ += " " + (a.find(' ') != std::string::npos ? "\"" + a + "\"" : a);
    }
  }
  const std::string ansi_cmd = EncodeAnsi(command_line_);
  command_line_ansi_ = SystemAlloc(ansi_cmd.size() + 1);
  WriteAnsi(command_line_ansi_, command_line_, ansi_cmd.size() + 1);
  command_line_wide_ = SystemAlloc(command_line_.size() * 2 + 2);
  WriteWide(command_line_wide_, command_line_, command_line_.size() + 1);
  argv_ansi_ = SystemAlloc((argv_.size() + 1) * ps);
  argv_wide_ = SystemAlloc((argv_.size() + 1) * ps);
  for (std::size_t i = 0; i < argv_.size(); ++i) {
    const std::string enc = EncodeAnsi(argv_[i]);
    const std::uint64_t a = SystemAlloc(enc.size() + 1);
    WriteAnsi(a, argv_[i], enc.size() + 1);
    WritePtr(argv_ansi_ + i * ps, a);
    const std::uint64_t w = SystemAlloc(argv_[i].size() * 2 + 2);
    WriteWide(w, argv_[i], argv_[i].size() + 1);
    WritePtr(argv_wide_ + i * ps, w);
  }
  // Environment block: NAME=value strings, double-NUL terminated.
  const std::string home = "C:\\Users\\" + env.user_name;
  const std::vector<std::string> vars = {
      "ALLUSERSPROFILE=C:\\ProgramData", "APPDATA=" + home + "\\AppData\\Roaming",
      "COMPUTERNAME=" + env.computer_name, "ComSpec=C:\\Windows\\system32\\cmd.exe",
      "LOCALAPPDATA=" + home + "\\AppData\\Local", "NUMBER_OF_PROCESSORS=4", "OS=Windows_NT",
      "Path=C:\\Windows\\system32;C:\\Windows;C:\\Windows\\System32\\Wbem",
      "ProgramData=C:\\ProgramData", "ProgramFiles=C:\\Program Files",
      "PUBLIC=C:\\Users\\Public", "SystemDrive=C:", "SystemRoot=C:\\Windows",
      "TEMP=" + home + "\\AppData\\Local\\Temp", "TMP=" + home + "\\AppData\\Local\\Temp",
      "USERDOMAIN=" + env.computer_name, "USERNAME=" + env.user_name, "USERPROFILE=" + home,
      "windir=C:\\Windows"};
  std::string block;
  for (const std::string& v : vars) block += v + '\0';
  block += '\0';
  env_ansi_ = SystemAlloc(block.size());
  WriteBytes(env_ansi_, ByteSpan(reinterpret_cast<const std::uint8_t*>(block.data()), block.size()));
  env_wide_ = SystemAlloc(block.size() * 2);
  for (std::size_t i = 0; i < block.size(); ++i) {
    Write16(env_wide_ + 2 * i, static_cast<std::uint8_t>(block[i]));
  }

  // RTL_USER_PROCESS_PARAMETERS: ImagePathName, CommandLine, Environment.
  const std::uint64_t params = SystemAlloc(0x400);
  WriteUnicodeString(params + (x64() ? 0x60 : 0x38), env.sample_path);
  WriteUnicodeString(params + (x64() ? 0x70 : 0x40), command_line_);
  WritePtr(params + (x64() ? 0x80 : 0x48), env_wide_);
  WriteUnicodeString(params + (x64() ? 0x38 : 0x24), home + "\\Desktop\\");

  // PEB_LDR_DATA with empty (self-linked) lists, then one entry per module.
  ldr_ = SystemAlloc(0x60);
  Write32(ldr_, x64() ? 0x58 : 0x30);
  Write32(ldr_ + 4, 1);  // Initialized
  for (std::uint64_t off : {x64() ? 0x10u : 0x0Cu, x64() ? 0x20u : 0x14u, x64() ? 0x30u : 0x1Cu}) {
    WritePtr(ldr_ + off, ldr_ + off);
    WritePtr(ldr_ + off + ps, ldr_ + off);
  }
  for (const Module& module : modules_) LinkModuleIntoLdr(module);

  // PEB (offsets: docs/emulator.md, checked by loader tests).
  const std::uint64_t peb = kPebAddress;
  WritePtr(peb + (x64() ? 0x10 : 0x08), main_module().base);
  WritePtr(peb + (x64() ? 0x18 : 0x0C), ldr_);
  WritePtr(peb + (x64() ? 0x20 : 0x10), params);
  WritePtr(peb + (x64() ? 0x30 : 0x18), process_heap_handle_);
  Write32(peb + (x64() ? 0xB8 : 0x64), 4);  // NumberOfProcessors
  Write32(peb + (x64() ? 0x118 : 0xA4), 10);
  Write32(peb + (x64() ? 0x11C : 0xA8), 0);
  Write16(peb + (x64() ? 0x120 : 0xAC), 19045);
  Write32(peb + (x64() ? 0x124 : 0xB0), 2);  // OSPlatformId: VER_PLATFORM_WIN32_NT

  // TEB: SEH chain end, stack, self, client id, PEB.
  const std::uint64_t teb = kTebAddress;
  WritePtr(teb, x64() ? 0 : 0xFFFFFFFF);
  WritePtr(teb + (x64() ? 0x08 : 0x04), main_stack_top_ + 0x100);
  WritePtr(teb + (x64() ? 0x10 : 0x08), main_stack_top_ + 0x100 - kMainStackSize);
  WritePtr(teb + (x64() ? 0x30 : 0x18), teb);
  WritePtr(teb + (x64() ? 0x40 : 0x20), kProcessId);
  WritePtr(teb + (x64() ? 0x48 : 0x24), kMainThreadId);
  WritePtr(teb + (x64() ? 0x60 : 0x30), peb);

  // KUSER_SHARED_DATA: the version and tick fields samples read directly.
  Write32(kKuserSharedData + 0x04, 0x0FA00000);  // TickCountMultiplier
  Write32(kKuserSharedData + 0x26C, 10);
  Write32(kKuserSharedData + 0x270, 0);
  Write32(kKuserSharedData + 0x260, 19045);

  // The C runtime's data exports.
  for (Module& module : modules_) {
    if (module.decoy < 0) continue;
    const DecoyImage& decoy = decoys_[static_cast<std::size_t>(module.decoy)];
    for (const DecoyExport& e : decoy.exports) {
      if (!e.data) continue;
      const std::uint64_t at = decoy.base + e.rva;
      if (e.name == "_acmdln") WritePtr(at, command_line_ansi_);
      else if (e.name == "_wcmdln") WritePtr(at, command_line_wide_);
      else if (e.name == "__argc") Write32(at, static_cast<std::uint32_t>(argv_.size()));
      else if (e.name == "__argv") WritePtr(at, argv_ansi_);
      else if (e.name == "__wargv") WritePtr(at, argv_wide_);
      else if (e.name == "__mb_cur_max") Write32(at, code_page_ == 932 ? 2 : 1);
      else if (e.name == "__initenv" || e.name == "_environ" || e.name == "__winitenv") {
        // An empty, NULL-terminated array that lives in the slot's second half.
        WritePtr(at, at + 0x100);
      }
    }
  }
  return Status::Ok();
}

void Machine::AddRun(std::uint64_t function, std::vector<std::uint64_t> args, std::string label) {
  main_runs_.push_back(RunItem{function, std::move(args), std::move(label)});
}

// ---------------------------------------------------------------- memory helpers

std::uint64_t Machine::ReadPtr(std::uint64_t address, bool* ok) const {
  std::uint64_t v = 0;
  const bool good = cpu_->Read(address, &v, pointer_size());
  if (ok != nullptr) *ok = good;
  return good ? v : 0;
}

bool Machine::WritePtr(std::uint64_t address, std::uint64_t value) {
  return cpu_->Write(address, &value, pointer_size());
}

std::uint32_t Machine::Read32(std::uint64_t address, bool* ok) const {
  std::uint32_t v = 0;
  const bool good = cpu_->Read(address, &v, 4);
  if (ok != nullptr) *ok = good;
  return good ? v : 0;
}

bool Machine::Write32(std::uint64_t address, std::uint32_t value) {
  return cpu_->Write(address, &value, 4);
}

bool Machine::Write16(std::uint64_t address, std::uint16_t value) {
  return cpu_->Write(address, &value, 2);
}

Bytes Machine::ReadBytes(std::uint64_t address, std::size_t size) const {
  Bytes out(size);
  if (!cpu_->Read(address, out.data(), size)) {
    // Partly mapped: read page by page and keep what is there.
    std::size_t done = 0;
    while (done < size) {
      const std::size_t chunk = std::min<std::size_t>(
          size - done, kPageSize - ((address + done) & (kPageSize - 1)));
      if (!cpu_->Read(address + done, out.data() + done, chunk)) break;
      done += chunk;
    }
    out.resize(done);
  }
  return out;
}

bool Machine::WriteBytes(std::uint64_t address, ByteSpan data) {
  return cpu_->Write(address, data.data(), data.size());
}

std::string Machine::ReadAnsi(std::uint64_t address, std::size_t max) const {
  std::string raw;
  char buffer[256];
  while (raw.size() < max) {
    const std::size_t chunk = std::min<std::size_t>(
        std::min<std::size_t>(sizeof(buffer), max - raw.size()),
        kPageSize - ((address + raw.size()) & (kPageSize - 1)));
    if (!cpu_->Read(address + raw.size(), buffer, chunk)) break;
    const void* nul = std::memchr(buffer, 0, chunk);
    if (nul != nullptr) {
      raw.append(buffer, static_cast<std::size_t>(static_cast<const char*>(nul) - buffer));
      break;
    }
    raw.append(buffer, chunk);
  }
  return DecodeAnsi(raw);
}

std::string Machine::ReadWide(std::uint64_t address, std::size_t max) const {
  std::string out;
  std::vector<std::uint16_t> units;
  for (std::size_t i = 0; i < max; ++i) {
    std::uint16_t u = 0;
    if (!cpu_->Read(address + 2 * i, &u, 2) || u == 0) break;
    units.push_back(u);
  }
  for (std::size_t i = 0; i < units.size(); ++i) {
    std::uint32_t cp = units[i];
    if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < units.size() && units[i + 1] >= 0xDC00 &&
        units[i + 1] < 0xE000) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (units[i + 1] - 0xDC00u);
      ++i;
    }
    AppendUtf8(out, cp);
  }
  return out;
}

std::string Machine::DecodeAnsi(std::string_view bytes) const {
  if (IsAscii(bytes)) return std::string(bytes);
  return Convert("UTF-8", code_page_ == 932 ? "CP932" : "CP1252", bytes);
}

std::string Machine::EncodeAnsi(std::string_view utf8) const {
  if (IsAscii(utf8)) return std::string(utf8);
  return Convert(code_page_ == 932 ? "CP932" : "CP1252", "UTF-8", utf8);
}

std::size_t Machine::WriteAnsi(std::uint64_t address, std::string_view utf8, std::size_t capacity) {
  if (capacity == 0) return 0;
  std::string enc = EncodeAnsi(utf8);
  if (enc.size() >= capacity) enc.resize(capacity - 1);
  enc.push_back('\0');
  cpu_->Write(address, enc.data(), enc.size());
  return enc.size() - 1;
}

std::size_t Machine::WriteWide(std::uint64_t address, std::string_view utf8, std::size_t capacity) {
  if (capacity == 0) return 0;
  std::string utf16 = Convert("UTF-16LE", "UTF-8", utf8);
  std::size_t units = utf16.size() / 2;
  if (units >= capacity) units = capacity - 1;
  utf16.resize(units * 2);
  utf16.append(2, '\0');
  cpu_->Write(address, utf16.data(), utf16.size());
  return units;
}

// ---------------------------------------------------------------- heap and regions

std::uint64_t Machine::AllocateRegion(std::uint64_t size, std::uint32_t prot,
                                      const std::string& tag, bool dynamic,
                                      std::uint64_t preferred) {
  cached_region_high_ = 0;
  if (preferred != 0) {
    const Status s = memory_.MapAt(PageAlignDown(preferred), size + (preferred & (kPageSize - 1)),
                                   prot, tag, dynamic);
    if (s.ok()) return PageAlignDown(preferred);
    if (s.code() == StatusCode::kResourceExhausted) {
      End(analysis::v1::EMULATION_END_REASON_MEMORY_LIMIT, s.message());
      return 0;
    }
  }
  Result<std::uint64_t> at = memory_.Allocate(size, prot, tag, dynamic);
  if (!at) {
    if (at.error().code() == StatusCode::kResourceExhausted) {
      End(analysis::v1::EMULATION_END_REASON_MEMORY_LIMIT, at.error().message());
    }
    return 0;
  }
  return *at;
}

std::uint64_t Machine::HeapAlloc(std::uint64_t size, bool zero) {
  const std::uint64_t rounded = (std::max<std::uint64_t>(size, 1) + 15) & ~15ull;
  if (rounded > options_.limits.max_memory_bytes) {
    End(analysis::v1::EMULATION_END_REASON_MEMORY_LIMIT,
        "heap allocation of " + std::to_string(size) + " bytes exceeds the memory limit");
    return 0;
  }
  std::uint64_t block = 0;
  if (rounded >= kHeapArenaSize / 4) {
    block = AllocateRegion(rounded, kProtRead | kProtWrite, "heap", true);
  } else {
    if (heap_next_ + rounded > heap_end_) {
      const std::uint64_t arena = AllocateRegion(kHeapArenaSize, kProtRead | kProtWrite, "heap", true);
      if (arena == 0) return 0;
      heap_next_ = arena;
      heap_end_ = arena + kHeapArenaSize;
    }
    block = heap_next_;
    heap_next_ += rounded;
  }
  if (block == 0) return 0;
  heap_blocks_[block] = size;
  (void)zero;  // bump allocation never reuses memory, so every block is already zero
  return block;
}

bool Machine::HeapFree(std::uint64_t address) { return heap_blocks_.erase(address) > 0; }

std::uint64_t Machine::HeapSize(std::uint64_t address) const {
  auto it = heap_blocks_.find(address);
  return it == heap_blocks_.end() ? static_cast<std::uint64_t>(-1) : it->second;
}

// ---------------------------------------------------------------- modules

Module* Machine::FindModule(std::string_view name) {
  if (name.empty()) return &main_module();
  const std::string canonical = CanonicalDllName(name);
  for (Module& m : modules_) {
    if (m.name == canonical) return &m;
  }
  // The sample itself by its file name ("sample.exe").
  std::string lower = AsciiLower(name);
  lower = lower.substr(lower.find_last_of("\\/") + 1);
  if (lower == main_module().name) return &main_module();
  return nullptr;
}

Module* Machine::FindModuleByAddress(std::uint64_t address) {
  for (Module& m : modules_) {
    if (address >= m.base && address < m.base + m.size) return &m;
  }
  return nullptr;
}

Module* Machine::LoadDll(std::string_view name) {
  if (Module* m = FindModule(name)) return m;
  const std::string canonical = CanonicalDllName(name);
  if (decoys_.size() >= DecoyDllNames().size() + kMaxSynthesizedDlls) return nullptr;
  DecoyImage decoy = BuildDecoy(canonical, x64(), next_decoy_base_);
  if (decoy.base + decoy.image.size() > kDynamicStubs) return nullptr;
  if (!memory_.MapAt(decoy.base, decoy.image.size(), kProtAll, "decoy:" + canonical).ok()) {
    return nullptr;
  }
  cpu_->Write(decoy.base, decoy.image.data(), decoy.image.size());
  Module module;
  module.name = canonical;
  module.path = "C:\\Windows\\System32\\" + canonical;
  module.base = decoy.base;
  module.size = decoy.image.size();
  module.decoy = static_cast<int>(decoys_.size());
  next_decoy_base_ = (decoy.base + decoy.image.size() + 0xFFFF) & ~0xFFFFull;
  decoy.image.clear();
  decoys_.push_back(std::move(decoy));
  modules_.push_back(module);
  if (ldr_ != 0) LinkModuleIntoLdr(modules_.back());
  return &modules_.back();
}

std::uint64_t Machine::NewDynamicStub(const std::string& dll, const std::string& name) {
  for (const auto& [address, info] : stubs_) {
    if (address >= kDynamicStubs && info.module == dll && info.exp.name == name) return address;
  }
  if (next_dynamic_stub_ + kStubSize > kDynamicStubs + kDynamicStubsSize) return 0;
  const std::uint64_t address = next_dynamic_stub_;
  next_dynamic_stub_ += kStubSize;
  DecoyExport e;
  e.name = name;
  stubs_[address] = StubInfo{dll, e, true};
  return address;
}

std::uint64_t Machine::ResolveExport(Module& module, std::string_view name) {
  if (module.decoy >= 0) {
    const DecoyImage& decoy = decoys_[static_cast<std::size_t>(module.decoy)];
    for (const DecoyExport& e : decoy.exports) {
      if (e.name == name) return decoy.base + e.rva;
    }
    // A DLL Kensa has no table for: every name exists, and calls are recorded as unmodelled.
    if (decoy.exports.empty()) return NewDynamicStub(module.name, std::string(name));
    return 0;
  }
  // The sample's own images: walk their export directory in emulated memory.
  const std::uint64_t base = module.base;
  const std::uint32_t pe = Read32(base + 0x3C);
  const std::uint32_t dir = Read32(base + pe + (x64() ? 0x88 : 0x78));
  if (dir == 0) return 0;
  const std::uint32_t count = std::min<std::uint32_t>(Read32(base + dir + 24), 65536);
  const std::uint32_t functions = Read32(base + dir + 28);
  const std::uint32_t names = Read32(base + dir + 32);
  const std::uint32_t ordinals = Read32(base + dir + 36);
  for (std::uint32_t i = 0; i < count; ++i) {
    if (ReadAnsi(base + Read32(base + names + 4 * i), 512) != name) continue;
    std::uint16_t ordinal = 0;
    cpu_->Read(base + ordinals + 2 * i, &ordinal, 2);
    return base + Read32(base + functions + 4u * ordinal);
  }
  return 0;
}

std::uint64_t Machine::ResolveImport(Module& module, std::string_view name) {
  const std::uint64_t address = ResolveExport(module, name);
  if (address != 0) return address;
  return NewDynamicStub(module.name, std::string(name));
}

std::uint64_t Machine::ResolveExportByOrdinal(Module& module, std::uint32_t ordinal) {
  if (module.decoy >= 0) {
    const DecoyImage& decoy = decoys_[static_cast<std::size_t>(module.decoy)];
    for (const DecoyExport& e : decoy.exports) {
      if (e.ordinal == ordinal) return decoy.base + e.rva;
    }
    if (decoy.exports.empty()) return NewDynamicStub(module.name, "#" + std::to_string(ordinal));
    return 0;
  }
  const std::uint64_t base = module.base;
  const std::uint32_t pe = Read32(base + 0x3C);
  const std::uint32_t dir = Read32(base + pe + (x64() ? 0x88 : 0x78));
  if (dir == 0) return 0;
  const std::uint32_t first = Read32(base + dir + 16);
  const std::uint32_t count = Read32(base + dir + 20);
  if (ordinal < first || ordinal - first >= count) return 0;
  return base + Read32(base + Read32(base + dir + 28) + 4 * (ordinal - first));
}

// ---------------------------------------------------------------- handles, errors, events

std::uint32_t Machine::NewHandle(HandleObject object) {
  const std::uint32_t handle = next_handle_;
  next_handle_ += 4;
  handles_[handle] = std::move(object);
  return handle;
}

HandleObject* Machine::GetHandle(std::uint64_t handle) {
  auto it = handles_.find(static_cast<std::uint32_t>(handle));
  return it == handles_.end() ? nullptr : &it->second;
}

bool Machine::CloseHandle(std::uint64_t handle) {
  return handles_.erase(static_cast<std::uint32_t>(handle)) > 0;
}

void Machine::SetLastError(std::uint32_t error) {
  Write32(kTebAddress + (x64() ? 0x68 : 0x34), error);
}

std::uint32_t Machine::LastError() const { return Read32(kTebAddress + (x64() ? 0x68 : 0x34)); }

#define KENSA_EMU_EVENT(Method, field)                                                   \
  void Machine::Method(std::string op, std::string target, std::string details) {       \
    if (static_cast<std::uint32_t>(result_.field##_size()) >=                           \
        options_.limits.max_recorded_calls) {                                            \
      return;                                                                            \
    }                                                                                    \
    auto* e = result_.add_##field();                                                     \
    e->set_operation(ValidUtf8(op));                                                     \
    e->set_target(ValidUtf8(target));                                                    \
    e->set_details(ValidUtf8(details));                                                  \
    e->set_api_seq(current_seq_);                                                        \
  }
KENSA_EMU_EVENT(FileEvent, file_events)
KENSA_EMU_EVENT(RegistryEvent, registry_events)
KENSA_EMU_EVENT(NetworkEvent, network_events)
KENSA_EMU_EVENT(ProcessEvent, process_events)
KENSA_EMU_EVENT(MutexEvent, mutex_events)
KENSA_EMU_EVENT(ServiceEvent, service_events)
#undef KENSA_EMU_EVENT

void Machine::Console(std::string_view text) {
  std::string* out = result_.mutable_console_output();
  const std::size_t room = options_.limits.max_console_bytes > out->size()
                               ? options_.limits.max_console_bytes - out->size()
                               : 0;
  out->append(text.substr(0, room));
  if (room < text.size()) *out = ValidUtf8(*out);  // the cut may split a character
  else if (!IsAscii(text)) *out = ValidUtf8(*out);
}

void Machine::DumpRegion(Region& region, const std::string& found_by) {
  if (region.dumped) return;
  region.dumped = true;
  // Code run from an allocation may decode more of itself there: watched from now on.
  if (region.dynamic) WatchForRewrites(region.base, region.size);
  const std::uint64_t size = std::min(region.size, options_.limits.max_artifact_bytes);
  Artifact artifact;
  artifact.content = ReadBytes(region.base, static_cast<std::size_t>(size));
  artifact.sha256 = hashing::Sha256Hex(artifact.content);
  artifact.name = "memory_" + Hex(region.base);
  auto* r = result_.add_executed_memory_regions();
  r->set_address(region.base);
  r->set_size(region.size);
  r->set_sha256(artifact.sha256);
  r->set_found_by(found_by);
  memory_dumps_.push_back(std::move(artifact));
}

void Machine::DumpUnpackedImage(std::uint64_t entry) {
  WriteWatch& watch = memory_.write_watch();
  if (image_dumps_ >= options_.limits.max_image_dumps) return;
  ++image_dumps_;
  const std::uint64_t base = watch.base();
  const std::uint64_t size = std::min(watch.size(), options_.limits.max_artifact_bytes);
  Artifact artifact;
  artifact.content = ReadBytes(base, static_cast<std::size_t>(size));
  RebuildPeFromImage(artifact.content, static_cast<std::uint32_t>(entry - base));
  artifact.sha256 = hashing::Sha256Hex(artifact.content);
  artifact.name = "memory_" + Hex(base) + "_entry_" + Hex(entry);
  auto* r = result_.add_executed_memory_regions();
  r->set_address(base);
  r->set_size(watch.size());
  r->set_sha256(artifact.sha256);
  r->set_found_by("executed_written_image");
  memory_dumps_.push_back(std::move(artifact));
  // What was written is in this dump; a later layer written over it makes another one.
  watch.Capture(*cpu_);
}

void Machine::WatchForRewrites(std::uint64_t base, std::uint64_t size) {
  // A few regions (each costs a byte per byte), none larger than a dump can hold.
  constexpr std::size_t kMaxWatches = 4;
  if (rewrite_watches_.size() >= kMaxWatches || size == 0 || size > options_.limits.max_artifact_bytes) return;
  RewriteWatch watch;
  watch.base = base;
  watch.size = size;
  watch.written.assign(static_cast<std::size_t>(size), 0);
  rewrite_watches_.push_back(std::move(watch));
  // One hook over the span of every watched region; writes between them are ignored below.
  std::uint64_t low = ~0ull;
  std::uint64_t high = 0;
  for (const RewriteWatch& w : rewrite_watches_) {
    low = std::min(low, w.base);
    high = std::max(high, w.base + w.size);
  }
  cpu_->SetWriteHook([this](std::uint64_t address, int bytes) { OnGuestWrite(address, bytes); }, low, high - 1);
}

void Machine::StopWatchingRewrites(std::uint64_t base) {
  std::erase_if(rewrite_watches_, [base](const RewriteWatch& w) { return w.base == base; });
  rewrite_pending_ = std::any_of(rewrite_watches_.begin(), rewrite_watches_.end(),
                                 [](const RewriteWatch& w) { return w.pending; });
}

void Machine::OnGuestWrite(std::uint64_t address, int size) {
  for (RewriteWatch& watch : rewrite_watches_) {
    if (address >= watch.base + watch.size || address + static_cast<std::uint64_t>(size) <= watch.base) continue;
    const std::uint64_t begin = std::max(address, watch.base) - watch.base;
    const std::uint64_t end = std::min(address + static_cast<std::uint64_t>(size), watch.base + watch.size) - watch.base;
    for (std::uint64_t i = begin; i < end; ++i) watch.written[static_cast<std::size_t>(i)] = 1;
    watch.pending = true;
    rewrite_pending_ = true;
  }
}

void Machine::DumpRewrittenRegion(RewriteWatch& watch, std::uint64_t entry) {
  std::fill(watch.written.begin(), watch.written.end(), 0);
  watch.pending = false;
  rewrite_pending_ = std::any_of(rewrite_watches_.begin(), rewrite_watches_.end(),
                                 [](const RewriteWatch& w) { return w.pending; });
  if (rewrite_dumps_ >= options_.limits.max_image_dumps) return;
  ++rewrite_dumps_;
  ++watch.layers;
  Artifact artifact;
  artifact.content = ReadBytes(watch.base, static_cast<std::size_t>(watch.size));
  artifact.sha256 = hashing::Sha256Hex(artifact.content);
  artifact.name = "memory_" + Hex(watch.base) + "_layer_" + std::to_string(watch.layers) + "_entry_" + Hex(entry);
  auto* r = result_.add_executed_memory_regions();
  r->set_address(watch.base);
  r->set_size(watch.size);
  r->set_sha256(artifact.sha256);
  r->set_found_by("executed_rewritten_code");
  memory_dumps_.push_back(std::move(artifact));
}

void Machine::End(EmulationEndReason reason, std::string detail) {
  if (!ended_) {
    ended_ = true;
    result_.set_end_reason(reason);
    result_.set_end_detail(ValidUtf8(detail));
  }
  cpu_->Stop();
}

// ---------------------------------------------------------------- hooks

void Machine::OnInstruction(std::uint64_t address) {
  // Only API stubs are hooked (see SetCodeHook); the block hook counted this instruction.
  if (stop_pending_ || ended_) {
    cpu_->Stop();
    return;
  }
  const std::uint64_t stub = address & ~static_cast<std::uint64_t>(kStubSize - 1);
  if (stub == kThreadReturnStub) {
    OnThreadReturn();
  } else if (stub == kCallbackReturnStub) {
    OnCallbackReturn();
  } else if (stub == kSehReturnStub) {
    OnSehReturn();
  } else {
    DispatchApi(stub);
  }
}

std::uint32_t Machine::BlockInstructions(std::uint64_t address, std::uint32_t size) {
  // A loop runs the same block again and again: the last answer first, before any hashing.
  if (address == last_block_.address && size == last_block_.size) return last_block_.instructions;
  // unicorn knows each translated block's instruction count; a block rewritten since (new
  // size at the same address) is asked again.
  auto [it, inserted] = block_instructions_.try_emplace(address, size, 0);
  if (inserted || it->second.first != size || it->second.second == 0) {
    it->second = {size, cpu_->BlockInstructionCount(address)};
  }
  // Unknown: one instruction per four bytes, the x86 average, and at least one.
  const std::uint32_t count = it->second.second != 0 ? it->second.second : std::max<std::uint32_t>(1, size / 4);
  last_block_ = {address, size, count};
  return count;
}

void Machine::OnBlock(std::uint64_t address, std::uint32_t size) {
  // Stop requests from API models take effect here: the model rewrote the program counter, and
  // the block at the new address is the first chance to stop reliably (cpu_engine.h).
  if (stop_pending_ || ended_) {
    cpu_->Stop();
    return;
  }
  // Counted when the block starts: a block that would pass the limit does not run, and the
  // count reported is the limit itself.
  const std::uint64_t block = BlockInstructions(address, size);
  if (instructions_ + block > options_.limits.max_instructions) {
    instructions_ = options_.limits.max_instructions;
    End(EMULATION_END_REASON_INSTRUCTION_LIMIT,
        "instruction limit " + std::to_string(options_.limits.max_instructions) + " reached at " + Hex(address));
    return;
  }
  instructions_ += block;
  if (address >= kStubLow && address < kStubHigh) return;  // decoy code: nothing to watch
  // Code about to run over bytes the guest wrote into a rewrite-watched region.
  if (rewrite_pending_) {
    for (RewriteWatch& watch : rewrite_watches_) {
      if (!watch.pending || address < watch.base || address >= watch.base + watch.size) continue;
      const std::uint64_t begin = address - watch.base;
      const std::uint64_t end = std::min<std::uint64_t>(begin + std::max<std::uint32_t>(size, 1), watch.size);
      const auto first = watch.written.begin() + static_cast<std::ptrdiff_t>(begin);
      if (std::find(first, watch.written.begin() + static_cast<std::ptrdiff_t>(end), 1) !=
          watch.written.begin() + static_cast<std::ptrdiff_t>(end)) {
        DumpRewrittenRegion(watch, address);
      }
    }
  }
  // The sample's image: only a granule's first execution costs more than this test.
  WriteWatch& watch = memory_.write_watch();
  if (watch.Contains(address)) {
    if (watch.OnFirstExecution(address)) DumpUnpackedImage(address);
    return;
  }
  if (address >= cached_region_low_ && address < cached_region_high_) return;
  Region* region = memory_.Find(address);
  if (region == nullptr) return;
  if (region->dynamic && !region->dumped) DumpRegion(*region, "executed_dynamic_allocation");
  cached_region_low_ = region->base;
  cached_region_high_ = region->base + region->size;
}

bool Machine::OnFault(MemoryFault kind, bool unmapped, std::uint64_t address, int size) {
  // The first write to a watched granule of the image: recorded, allowed, retried.
  if (kind == MemoryFault::kWrite && !unmapped &&
      memory_.write_watch().OnWriteFault(*cpu_, address, size)) {
    return true;
  }
  const char* what = kind == MemoryFault::kRead    ? "read"
                     : kind == MemoryFault::kWrite ? "write"
                                                   : "execution";
  const std::string detail = std::string(what) + " of " + (unmapped ? "unmapped" : "protected") +
                             " memory at " + Hex(address) + " (" + std::to_string(size) +
                             " bytes) from " + Hex(cpu_->ReadReg(Reg::kIp));
  if (HasSehHandler()) {
    // EXCEPTION_ACCESS_VIOLATION with its two parameters: 0 read, 1 write, 8 execute; address.
    const std::uint64_t access = kind == MemoryFault::kRead ? 0 : kind == MemoryFault::kWrite ? 1 : 8;
    RaiseGuestException({0xC0000005, cpu_->ReadReg(Reg::kIp), {access, address}, "access violation: " + detail});
    return false;
  }
  End(EMULATION_END_REASON_INVALID_MEMORY, detail);
  return false;
}

void Machine::OnInterrupt(std::uint32_t number) {
  const char* name = "interrupt";
  std::uint32_t code = 0;
  std::uint64_t pc = cpu_->ReadReg(Reg::kIp);
  switch (number) {
    case 0: name = "integer divide by zero"; code = 0xC0000094; break;
    case 1: name = "single step"; code = 0x80000004; break;
    case 3: name = "breakpoint"; code = 0x80000003; --pc; break;  // Windows reports the int3
    case 6: name = "illegal instruction"; code = 0xC000001D; break;
    case 13: name = "privileged instruction or general protection"; code = 0xC0000096; break;
    default: break;
  }
  const std::string detail = Hex(code) + " (" + name + ", interrupt " + std::to_string(number) +
                             ") at " + Hex(pc);
  if (code != 0 && HasSehHandler()) {
    RaiseGuestException({code, pc, {}, detail});
    cpu_->Stop();
    return;
  }
  End(EMULATION_END_REASON_UNHANDLED_EXCEPTION, "unhandled exception " + detail);
}

bool Machine::HasSehHandler() {
  if (seh_dispatches_ >= kMaxSehDispatches) return false;
  if (x64()) return X64StackHasHandler(CaptureX64Registers());
  const std::uint32_t head = Read32(kTebAddress);
  return head != 0xFFFFFFFFu && head != 0;
}

void Machine::RaiseGuestException(PendingException exception) {
  if (!pending_exception_) pending_exception_ = std::move(exception);
}

bool Machine::RaiseSoftwareException(std::uint32_t code, const PendingReturn& caller,
                                     std::vector<std::uint64_t> parameters, std::string what) {
  if (seh_dispatches_ >= kMaxSehDispatches) return false;
  if (x64()) {
    // The stack is walked from the caller: the API stub is in no image.
    X64Registers frame = CaptureX64Registers();
    frame.rip = caller.return_address;
    frame.rsp() = caller.stack_after;
    if (!X64StackHasHandler(frame)) return false;
  } else if (!HasSehHandler()) {
    return false;
  }
  if (what.empty()) what = "RaiseException(" + Hex(code) + ")";
  RaiseGuestException({code, caller.return_address, std::move(parameters),
                       what + " from " + Hex(caller.return_address)});
  // Stopped where the API returns to, by OnBlock: a stop asked for in the hook itself does not
  // hold once the hook has moved RIP (cpu_engine.h).
  stop_pending_ = true;
  cpu_->Stop();
  return true;
}

void Machine::DispatchSeh() {
  PendingException e = std::move(*pending_exception_);
  pending_exception_.reset();
  ++seh_dispatches_;
  seh_description_ = e.description;
  if (x64()) {
    DispatchX64(e);
    return;
  }
  // Handlers run without the trap flag, and a single-step trap's CONTEXT has it cleared (as
  // Windows' trap handler does), so a handler that continues does not trap again at once.
  constexpr std::uint64_t kTrapFlag = 0x100;
  const std::uint64_t flags = cpu_->ReadReg(Reg::kFlags);
  if (e.code == 0x80000004) cpu_->WriteReg(Reg::kFlags, flags & ~kTrapFlag);
  // EXCEPTION_RECORD and CONTEXT (x86 layouts, winnt.h) below the faulting frame.
  const std::uint64_t esp = cpu_->ReadReg(Reg::kSp);
  seh_context_ = ((esp - 0x800) & ~0xFull);
  seh_record_ = seh_context_ + 0x300;
  WriteBytes(seh_context_, Bytes(0x2CC, 0));
  Write32(seh_context_, 0x1003F);  // CONTEXT_ALL
  const std::pair<std::uint32_t, Reg> registers[] = {
      {0x9C, Reg::kDi}, {0xA0, Reg::kSi}, {0xA4, Reg::kBx}, {0xA8, Reg::kDx}, {0xAC, Reg::kCx},
      {0xB0, Reg::kAx}, {0xB4, Reg::kBp}, {0xB8, Reg::kIp}, {0xC0, Reg::kFlags}, {0xC4, Reg::kSp}};
  for (const auto& [offset, reg] : registers) Write32(seh_context_ + offset, static_cast<std::uint32_t>(cpu_->ReadReg(reg)));
  Write32(seh_context_ + 0xB8, static_cast<std::uint32_t>(e.address));
  Write32(seh_context_ + 0xBC, 0x1B);
  Write32(seh_context_ + 0xC8, 0x23);
  WriteBytes(seh_record_, Bytes(0x50, 0));
  Write32(seh_record_, e.code);
  Write32(seh_record_ + 0x0C, static_cast<std::uint32_t>(e.address));
  Write32(seh_record_ + 0x10, static_cast<std::uint32_t>(e.parameters.size()));
  for (std::size_t i = 0; i < e.parameters.size() && i < 15; ++i) {
    Write32(seh_record_ + 0x14 + 4 * i, static_cast<std::uint32_t>(e.parameters[i]));
  }
  cpu_->WriteReg(Reg::kFlags, flags & ~kTrapFlag);
  CallSehHandler(Read32(kTebAddress));
}

void Machine::CallSehHandler(std::uint64_t registration) {
  bool ok = false;
  const std::uint32_t handler = Read32(registration + 4, &ok);
  if (registration == 0xFFFFFFFFu || registration == 0 || !ok) {
    End(EMULATION_END_REASON_UNHANDLED_EXCEPTION, "unhandled exception " + seh_description_);
    return;
  }
  seh_registration_ = registration;
  SetupCall(seh_context_ - 0x10, handler, {seh_record_, registration, seh_context_, 0}, kSehReturnStub);
}

void Machine::OnSehReturn() {
  if (x64()) {
    OnX64HandlerReturn();
    return;
  }
  const std::uint64_t disposition = cpu_->ReadReg(Reg::kAx);
  if (disposition == 0) {  // ExceptionContinueExecution: resume from the (edited) CONTEXT
    const std::pair<std::uint32_t, Reg> registers[] = {
        {0x9C, Reg::kDi}, {0xA0, Reg::kSi}, {0xA4, Reg::kBx}, {0xA8, Reg::kDx}, {0xAC, Reg::kCx},
        {0xB0, Reg::kAx}, {0xB4, Reg::kBp}, {0xC0, Reg::kFlags}, {0xC4, Reg::kSp}, {0xB8, Reg::kIp}};
    for (const auto& [offset, reg] : registers) cpu_->WriteReg(reg, Read32(seh_context_ + offset));
    return;
  }
  if (disposition == 1) {  // ExceptionContinueSearch: the next registration
    CallSehHandler(Read32(seh_registration_));
    return;
  }
  End(EMULATION_END_REASON_UNHANDLED_EXCEPTION,
      "unhandled exception " + seh_description_ + " (handler returned " + Hex(disposition) + ")");
}

void Machine::DispatchApi(std::uint64_t stub) {
  auto it = stubs_.find(stub);
  if (it == stubs_.end()) return;
  const StubInfo& info = it->second;
  if (api_calls_ >= options_.limits.max_api_calls) {
    End(analysis::v1::EMULATION_END_REASON_API_LIMIT,
        "API call limit " + std::to_string(options_.limits.max_api_calls) + " reached at " +
            info.module + "!" + info.exp.name);
    return;
  }
  current_seq_ = ++api_calls_;
  ApiInvocation inv(*this, info.module, info.exp, info.cdecl, current_seq_);
  const std::uint64_t sp = cpu_->ReadReg(Reg::kSp);
  inv.pending.return_address = ReadPtr(sp);
  inv.pending.stack_after =
      sp + pointer_size() + ((!x64() && !info.cdecl) ? 4u * info.exp.argc : 0u);
  const ApiHandler* handler = ApiRegistry::Get().Find(info.exp.name);
  std::uint64_t ret = 0;
  if (handler != nullptr) {
    ret = (*handler)(inv);
  } else {
    // Unmodelled: a plausible failure, so the sample takes its error path and goes on.
    const std::string& n = info.exp.name;
    if (n.rfind("Reg", 0) == 0) {
      ret = kErrorFileNotFound;
    } else if (n.rfind("Nt", 0) == 0 || n.rfind("Zw", 0) == 0 || n.rfind("Rtl", 0) == 0) {
      ret = 0xC0000002;  // STATUS_NOT_IMPLEMENTED
    } else if (n.find("CreateFile") != std::string::npos || n.find("FindFirst") != std::string::npos ||
               n.find("Snapshot") != std::string::npos) {
      ret = x64() ? ~0ull : 0xFFFFFFFFull;  // INVALID_HANDLE_VALUE
    }
    SetLastError(kErrorCallNotImplemented);
    ++unmodelled_counts_[info.module + "!" + n];
  }
  if (static_cast<std::uint32_t>(result_.api_calls_size()) < options_.limits.max_recorded_calls) {
    auto* call = result_.add_api_calls();
    call->set_seq(inv.seq);
    call->set_thread_id(threads_.empty() ? kMainThreadId : current().tid);
    call->set_module(ValidUtf8(info.module));
    call->set_name(ValidUtf8(info.exp.name));
    for (const std::string& a : inv.arg_text) call->add_args(ValidUtf8(a));
    call->set_return_value(ret);
    call->set_caller_address(inv.pending.return_address);
    call->set_unmodelled(handler == nullptr);
  }
  if (ended_ || thread_finished_ || inv.deferred) return;
  CompleteApi(inv.pending, ret);
}

void Machine::CompleteApi(const PendingReturn& pending, std::uint64_t value) {
  cpu_->WriteReg(Reg::kSp, pending.stack_after);
  cpu_->WriteReg(Reg::kAx, value);
  cpu_->WriteReg(Reg::kIp, pending.return_address);
}

void Machine::SetupCall(std::uint64_t stack_top, std::uint64_t function,
                        const std::vector<std::uint64_t>& args, std::uint64_t return_address) {
  if (!x64()) {
    std::uint64_t sp = (stack_top & ~3ull) - 4 * args.size();
    for (std::size_t i = 0; i < args.size(); ++i) Write32(sp + 4 * i, static_cast<std::uint32_t>(args[i]));
    sp -= 4;
    Write32(sp, static_cast<std::uint32_t>(return_address));
    cpu_->WriteReg(Reg::kSp, sp);
  } else {
    // Microsoft x64: four register arguments with their home space, the rest on the stack,
    // RSP 16-byte aligned before the call pushes the return address.
    const std::size_t slots = std::max<std::size_t>(4, args.size());
    std::uint64_t sp = (stack_top & ~15ull) - ((8 * slots + 15) & ~15ull);
    for (std::size_t i = 4; i < args.size(); ++i) WritePtr(sp + 8 * i, args[i]);
    const Reg regs[4] = {Reg::kCx, Reg::kDx, Reg::kR8, Reg::kR9};
    for (std::size_t i = 0; i < 4; ++i) cpu_->WriteReg(regs[i], i < args.size() ? args[i] : 0);
    sp -= 8;
    WritePtr(sp, return_address);
    cpu_->WriteReg(Reg::kSp, sp);
  }
  cpu_->WriteReg(Reg::kIp, function);
}

void Machine::PushCallFrame(std::uint64_t function, const std::vector<std::uint64_t>& args,
                            std::function<void(std::uint64_t)> then) {
  const std::uint64_t sp = cpu_->ReadReg(Reg::kSp);
  current().frames.push_back(CallbackFrame{sp, std::move(then)});
  // Below the caller's frame, leaving room for anything the API's own frame would hold.
  SetupCall(sp - 0x40, function, args, kCallbackReturnStub);
}

namespace {
struct SequenceState {
  std::vector<Machine::GuestCall> calls;
  std::size_t next = 0;
  std::function<void()> done;
};
}  // namespace

void Machine::CallGuestSequence(std::vector<GuestCall> calls, std::function<void()> done) {
  auto state = std::make_shared<SequenceState>();
  state->calls = std::move(calls);
  state->done = std::move(done);
  // Each step pushes one call; its return runs the next step.
  auto step = std::make_shared<std::function<void(std::shared_ptr<SequenceState>)>>();
  std::weak_ptr<std::function<void(std::shared_ptr<SequenceState>)>> weak = step;
  *step = [this, weak](std::shared_ptr<SequenceState> s) {
    if (s->next >= s->calls.size()) {
      std::function<void()> finish = std::move(s->done);
      finish();
      return;
    }
    const GuestCall& c = s->calls[s->next++];
    auto self = weak.lock();
    PushCallFrame(c.function, c.args, [self, s](std::uint64_t) {
      if (self) (*self)(s);
    });
  };
  // The frames hold the step alive (through `self`) until the sequence ends.
  (*step)(state);
}

void Machine::OnCallbackReturn() {
  GuestThread& t = current();
  if (t.frames.empty()) {
    End(EMULATION_END_REASON_ERROR, "return to the callback trampoline with no call pending");
    return;
  }
  CallbackFrame frame = std::move(t.frames.back());
  t.frames.pop_back();
  const std::uint64_t value = cpu_->ReadReg(Reg::kAx);
  cpu_->WriteReg(Reg::kSp, frame.saved_sp);
  frame.then(value);
}

void Machine::OnThreadReturn() { ExitCurrentThread(cpu_->ReadReg(Reg::kAx)); }

void Machine::ExitCurrentThread(std::uint64_t) {
  thread_finished_ = true;
  cpu_->Stop();
}

std::uint32_t Machine::CreateThread(std::uint64_t start, std::uint64_t param) {
  if (threads_.size() >= options_.limits.max_threads) return 0;
  const std::uint64_t stack =
      AllocateRegion(kThreadStackSize, kProtRead | kProtWrite, "stack", false);
  if (stack == 0) return 0;
  GuestThread t;
  t.tid = kMainThreadId + 4 * static_cast<std::uint32_t>(threads_.size());
  t.start = start;
  t.param = param;
  t.stack_top = stack + kThreadStackSize - 0x100;
  threads_.push_back(std::move(t));
  ready_.push_back(threads_.size() - 1);
  return threads_.back().tid;
}

bool Machine::ThreadFinished(std::uint32_t tid) const {
  for (const GuestThread& t : threads_) {
    if (t.tid == tid) return t.finished;
  }
  return true;
}

void Machine::RequestYield() {
  if (ready_.empty()) return;  // nobody else to run
  yield_requested_ = true;
  stop_pending_ = true;
}

std::uint32_t Machine::current_thread_id() const {
  return threads_.empty() ? kMainThreadId : threads_[current_].tid;
}

std::uint64_t Machine::TickCountMs() const {
  // Five hours of uptime, plus 1 ms per 200,000 instructions, plus every Sleep.
  return 5ull * 3600 * 1000 + instructions_ / 200000 + slept_ms_;
}

std::uint64_t Machine::tls_slot_base() const { return kTebAddress + (x64() ? 0x1480 : 0xE10); }

// ---------------------------------------------------------------- the run loop

void Machine::RunAll() {
  started_ = std::chrono::steady_clock::now();
  const auto deadline = started_ + std::chrono::milliseconds(options_.limits.timeout_ms);
  ready_.push_front(0);
  while (!ended_) {
    if (ready_.empty()) {
      End(EMULATION_END_REASON_EXITED, "all threads returned");
      break;
    }
    current_ = ready_.front();
    ready_.pop_front();
    GuestThread& t = threads_[current_];
    if (resume_live_) {
      resume_live_ = false;  // an SEH handler call was set up on this thread's CPU state
    } else if (t.context) {
      cpu_->RestoreContext(*t.context);
      t.context.reset();
    } else if (current_ == 0) {
      if (main_runs_.empty()) {
        t.finished = true;
        continue;
      }
      RunItem item = std::move(main_runs_.front());
      main_runs_.pop_front();
      t.frames.clear();
      SetupCall(t.stack_top, item.function, item.args, kThreadReturnStub);
    } else {
      SetupCall(t.stack_top, t.start, {t.param}, kThreadReturnStub);
    }
    WritePtr(kTebAddress + (x64() ? 0x48 : 0x24), t.tid);
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      End(EMULATION_END_REASON_TIMEOUT,
          "timeout of " + std::to_string(options_.limits.timeout_ms) + " ms reached");
      break;
    }
    const auto remaining =
        std::chrono::duration_cast<std::chrono::microseconds>(deadline - now).count();
    yield_requested_ = false;
    stop_pending_ = false;
    thread_finished_ = false;
    const Status status = cpu_->Run(cpu_->ReadReg(Reg::kIp), static_cast<std::uint64_t>(remaining));
    if (ended_) break;
    GuestThread& ran = threads_[current_];
    if (pending_exception_) {
      DispatchSeh();
      if (ended_) break;
      resume_live_ = true;
      ready_.push_front(current_);
      continue;
    }
    if (!status.ok()) {
      End(EMULATION_END_REASON_ERROR,
          "emulation stopped: " + status.message() + " at " + Hex(cpu_->ReadReg(Reg::kIp)));
      break;
    }
    if (thread_finished_) {
      if (current_ == 0 && !main_runs_.empty()) {
        ready_.push_front(0);
      } else {
        ran.finished = true;
      }
      continue;
    }
    if (yield_requested_) {
      ran.context = cpu_->SaveContext();
      ready_.push_back(current_);
      continue;
    }
    End(EMULATION_END_REASON_TIMEOUT,
        "timeout of " + std::to_string(options_.limits.timeout_ms) + " ms reached at " +
            Hex(cpu_->ReadReg(Reg::kIp)));
  }
  result_.set_instruction_count(instructions_);
  result_.set_api_call_count(api_calls_);
  result_.set_duration_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  for (const auto& [name, count] : unmodelled_counts_) {
    auto* u = result_.add_unmodelled_apis();
    u->set_name(ValidUtf8(name));
    u->set_count(count);
  }
}

void Machine::CollectArtifacts(EmulationOutput& output) {
  for (const VirtualFileSystem::File* file : vfs_.Written()) {
    Artifact artifact;
    artifact.name = ValidUtf8(file->path);
    const std::size_t keep =
        static_cast<std::size_t>(std::min<std::uint64_t>(file->data.size(), options_.limits.max_artifact_bytes));
    artifact.content.assign(file->data.begin(), file->data.begin() + static_cast<std::ptrdiff_t>(keep));
    artifact.sha256 = hashing::Sha256Hex(file->data);
    auto* d = result_.add_dropped_files();
    d->set_path(artifact.name);
    d->set_sha256(artifact.sha256);
    d->set_size(file->data.size());
    output.dropped_files.push_back(std::move(artifact));
  }
  output.memory_regions = std::move(memory_dumps_);
  output.behavior = std::move(result_);
}

}  // namespace kensa::emulator::internal
