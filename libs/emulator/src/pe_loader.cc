// The PE loader: maps an image as the Windows loader does (PE Format, "Section Table",
// ".reloc", ".idata", ".tls"), reading the sample's hostile headers with bounds everywhere.
#include <algorithm>
#include <cstring>

#include "machine.h"

namespace kensa::emulator::internal {
namespace {

// Images bigger than this are refused: real executables are far smaller, and SizeOfImage is a
// field any file can set to 4 GiB.
constexpr std::uint64_t kMaxImageSize = 256ull << 20;
// Bounds on tables driven by counts in the file (the PE parser's limits, PeLimits).
constexpr std::uint32_t kMaxImportDlls = 512;
constexpr std::uint32_t kMaxImportsPerDll = 8192;
constexpr std::uint32_t kMaxRelocationBlocks = 65536;

struct Headers {
  std::uint64_t image_base = 0;
  std::uint32_t size_of_image = 0;
  std::uint32_t size_of_headers = 0;
  std::uint32_t entry = 0;
  std::uint32_t import_rva = 0;
  std::uint32_t reloc_rva = 0;
  std::uint32_t reloc_size = 0;
  std::uint32_t tls_rva = 0;
};

std::optional<Headers> ReadHeaders(ByteSpan file, bool x64) {
  const auto lfanew = ReadLe<std::uint32_t>(file, 0x3C);
  if (!lfanew) return std::nullopt;
  const std::uint64_t opt = std::uint64_t{*lfanew} + 24;
  Headers h;
  const auto base = x64 ? ReadLe<std::uint64_t>(file, opt + 24)
                        : std::optional<std::uint64_t>(ReadLe<std::uint32_t>(file, opt + 28).value_or(0));
  const auto size = ReadLe<std::uint32_t>(file, opt + 56);
  const auto headers = ReadLe<std::uint32_t>(file, opt + 60);
  const auto entry = ReadLe<std::uint32_t>(file, opt + 16);
  if (!base || !size || !headers || !entry) return std::nullopt;
  h.image_base = *base;
  h.size_of_image = *size;
  h.size_of_headers = *headers;
  h.entry = *entry;
  const std::uint64_t dirs = opt + (x64 ? 112 : 96);
  const std::uint32_t count = ReadLe<std::uint32_t>(file, dirs - 4).value_or(0);
  auto dir = [&](std::uint32_t index, std::uint32_t* rva, std::uint32_t* dir_size) {
    if (index >= count) return;
    *rva = ReadLe<std::uint32_t>(file, dirs + 8 * index).value_or(0);
    if (dir_size != nullptr) *dir_size = ReadLe<std::uint32_t>(file, dirs + 8 * index + 4).value_or(0);
  };
  dir(1, &h.import_rva, nullptr);
  dir(5, &h.reloc_rva, &h.reloc_size);
  dir(9, &h.tls_rva, nullptr);
  return h;
}

template <typename T>
T Get(const Bytes& image, std::uint64_t offset) {
  T v{};
  if (offset + sizeof(T) <= image.size()) std::memcpy(&v, &image[offset], sizeof(T));
  return v;
}

template <typename T>
void Put(Bytes& image, std::uint64_t offset, T v) {
  if (offset + sizeof(T) <= image.size()) std::memcpy(&image[offset], &v, sizeof(T));
}

std::string CString(const Bytes& image, std::uint64_t offset, std::size_t max = 256) {
  std::string s;
  for (std::uint64_t i = offset; i < image.size() && s.size() < max && image[i] != 0; ++i) {
    s.push_back(static_cast<char>(image[i]));
  }
  return s;
}

// Base relocations (PE Format, "The .reloc Section"): add `delta` to every HIGHLOW / DIR64
// slot.
void ApplyRelocations(Bytes& image, const Headers& h, std::uint64_t delta) {
  std::uint64_t at = h.reloc_rva;
  const std::uint64_t end = std::min<std::uint64_t>(std::uint64_t{h.reloc_rva} + h.reloc_size, image.size());
  for (std::uint32_t block = 0; block < kMaxRelocationBlocks && at + 8 <= end; ++block) {
    const std::uint32_t page = Get<std::uint32_t>(image, at);
    const std::uint32_t size = Get<std::uint32_t>(image, at + 4);
    if (size < 8) break;
    for (std::uint64_t e = at + 8; e + 2 <= at + size && e + 2 <= end; e += 2) {
      const std::uint16_t entry = Get<std::uint16_t>(image, e);
      const std::uint64_t slot = std::uint64_t{page} + (entry & 0xFFFu);
      switch (entry >> 12) {
        case 3:  // IMAGE_REL_BASED_HIGHLOW
          Put<std::uint32_t>(image, slot,
                             static_cast<std::uint32_t>(Get<std::uint32_t>(image, slot) + delta));
          break;
        case 10:  // IMAGE_REL_BASED_DIR64
          Put<std::uint64_t>(image, slot, Get<std::uint64_t>(image, slot) + delta);
          break;
        default:
          break;
      }
    }
    at += size;
  }
}

// Import directory (PE Format, "The .idata Section"): every IAT slot gets the decoy export's
// address, as the Windows loader binds them.
void BindImports(Machine& machine, Bytes& image, const Headers& h) {
  if (h.import_rva == 0) return;
  const std::uint32_t ps = machine.pointer_size();
  for (std::uint32_t d = 0; d < kMaxImportDlls; ++d) {
    const std::uint64_t desc = std::uint64_t{h.import_rva} + 20ull * d;
    if (desc + 20 > image.size()) break;
    const std::uint32_t lookup = Get<std::uint32_t>(image, desc);
    const std::uint32_t name_rva = Get<std::uint32_t>(image, desc + 12);
    const std::uint32_t iat = Get<std::uint32_t>(image, desc + 16);
    if (name_rva == 0 && iat == 0) break;
    const std::string dll = CString(image, name_rva);
    if (dll.empty()) continue;
    Module* module = machine.LoadDll(dll);
    if (module == nullptr) continue;
    const std::uint64_t names = lookup != 0 ? lookup : iat;
    for (std::uint32_t i = 0; i < kMaxImportsPerDll; ++i) {
      const std::uint64_t thunk = ps == 8 ? Get<std::uint64_t>(image, names + 8ull * i)
                                          : Get<std::uint32_t>(image, names + 4ull * i);
      if (thunk == 0) break;
      const bool by_ordinal = ps == 8 ? (thunk >> 63) != 0 : (thunk >> 31) != 0;
      std::uint64_t address = 0;
      if (by_ordinal) {
        address = machine.ResolveExportByOrdinal(*module, static_cast<std::uint32_t>(thunk & 0xFFFF));
      } else {
        address = machine.ResolveImport(*module, CString(image, (thunk & 0x7FFFFFFF) + 2));
      }
      if (ps == 8) {
        Put<std::uint64_t>(image, iat + 8ull * i, address);
      } else {
        Put<std::uint32_t>(image, iat + 4ull * i, static_cast<std::uint32_t>(address));
      }
    }
  }
}

}  // namespace

Status LoadPe(Machine& machine, ByteSpan file, const analysis::v1::PeInfo& info) {
  const std::optional<Headers> headers = ReadHeaders(file, machine.x64());
  if (!headers) return InvalidArgumentError("PE optional header is truncated");
  const Headers& h = *headers;
  const std::uint64_t size_of_image = PageAlignUp(h.size_of_image);
  if (size_of_image == 0 || size_of_image > kMaxImageSize) {
    return InvalidArgumentError("SizeOfImage " + std::to_string(h.size_of_image) +
                                " is not emulated (limit " + std::to_string(kMaxImageSize) + ")");
  }
  // The image as the loader maps it: headers, then each section's raw data at its RVA.
  Bytes image(size_of_image, 0);
  const std::size_t header_bytes = static_cast<std::size_t>(
      std::min<std::uint64_t>({h.size_of_headers == 0 ? 0x1000 : h.size_of_headers, file.size(), size_of_image}));
  std::copy_n(file.begin(), header_bytes, image.begin());
  for (const auto& section : info.sections()) {
    if (section.raw_offset() >= file.size() || section.virtual_address() >= size_of_image) continue;
    std::uint64_t length = std::min<std::uint64_t>(section.raw_size(), file.size() - section.raw_offset());
    if (section.virtual_size() != 0) length = std::min<std::uint64_t>(length, PageAlignUp(section.virtual_size()));
    length = std::min<std::uint64_t>(length, size_of_image - section.virtual_address());
    std::copy_n(file.begin() + static_cast<std::ptrdiff_t>(section.raw_offset()), length,
                image.begin() + static_cast<std::ptrdiff_t>(section.virtual_address()));
  }

  // Preferred base when free and plausible; otherwise anywhere, with relocations applied.
  std::uint64_t base = h.image_base;
  const bool base_usable = base >= 0x10000 && (base & 0xFFFF) == 0 &&
                           base + size_of_image <= (machine.x64() ? (1ull << 47) : 0xFFFFFFFFull) &&
                           (base + size_of_image <= kStubLow || base >= 0x80000000ull) &&
                           machine.memory().IsFree(base, size_of_image);
  std::string name = machine.options().environment.sample_path;
  name = AsciiLower(name.substr(name.find_last_of('\\') + 1));
  // Mapped in granules for the write watch (self-unpacking into the image, write_watch.h).
  const std::uint64_t granule = WriteWatch::GranuleFor(size_of_image);
  if (base_usable) {
    KENSA_RETURN_IF_ERROR(machine.memory().MapAt(base, size_of_image, kProtAll, "image:" + name,
                                                 false, granule));
  } else {
    KENSA_ASSIGN_OR_RETURN(base, machine.memory().Allocate(size_of_image, kProtAll, "image:" + name,
                                                           false, 0x10000000, kStubLow, 0x10000,
                                                           granule));
    if (h.reloc_rva != 0) ApplyRelocations(image, h, base - h.image_base);
  }
  // The loader writes the actual base into the mapped header.
  const std::uint32_t lfanew = Get<std::uint32_t>(image, 0x3C);
  if (machine.x64()) {
    Put<std::uint64_t>(image, std::uint64_t{lfanew} + 24 + 24, base);
  } else {
    Put<std::uint32_t>(image, std::uint64_t{lfanew} + 24 + 28, static_cast<std::uint32_t>(base));
  }

  Module module;
  module.name = name;
  module.path = machine.options().environment.sample_path;
  module.base = base;
  module.size = size_of_image;
  module.entry = h.entry != 0 ? base + h.entry : 0;
  machine.AddMainModule(module);
  BindImports(machine, image, h);

  // Static TLS: a copy of the template for the main thread and index 0 (PE Format, "The .tls
  // Section"); mingw's CRT reads both.
  if (h.tls_rva != 0 && h.tls_rva + 24u <= image.size()) {
    const std::uint32_t ps = machine.pointer_size();
    auto field = [&](int i) {
      return ps == 8 ? Get<std::uint64_t>(image, h.tls_rva + 8ull * static_cast<unsigned>(i))
                     : Get<std::uint32_t>(image, h.tls_rva + 4ull * static_cast<unsigned>(i));
    };
    const std::uint64_t start = field(0) - h.image_base;
    const std::uint64_t end = field(1) - h.image_base;
    const std::uint64_t index_rva = field(2) - h.image_base;
    Put<std::uint32_t>(image, index_rva, 0);
    const std::uint64_t size = end > start && end - start < (1u << 20) ? end - start : 0;
    const std::uint64_t block = machine.HeapAlloc(size + 16, true);
    const std::uint64_t array = machine.HeapAlloc(16 * ps, true);
    if (block != 0 && array != 0) {
      if (size > 0 && start + size <= image.size()) {
        machine.WriteBytes(block, ByteSpan(image).subspan(start, size));
      }
      machine.WritePtr(array, block);
      machine.WritePtr(kTebAddress + (machine.x64() ? 0x58 : 0x2C), array);
    }
  }
  machine.cpu().Write(base, image.data(), image.size());
  // From here on, writes into the image are the sample's own.
  KENSA_RETURN_IF_ERROR(machine.memory().WatchWrites(base));

  for (std::uint64_t callback : info.tls_callbacks()) {
    machine.AddRun(callback - h.image_base + base, {base, 1, 0}, "tls_callback");
  }
  if (!info.is_dll()) {
    if (module.entry != 0) machine.AddRun(module.entry, {kPebAddress}, "entry_point");
    return Status::Ok();
  }
  if (module.entry != 0) machine.AddRun(module.entry, {base, 1, 0}, "dll_main");
  std::vector<std::string> exports = machine.options().dll_exports;
  if (exports.empty()) {
    for (const auto& e : info.exports()) {
      if (exports.size() >= machine.options().limits.max_dll_exports) break;
      if (!e.name().empty() && e.forwarder().empty()) exports.push_back(e.name());
    }
  }
  for (const std::string& e : exports) {
    Module& self = machine.main_module();
    const std::uint64_t address = machine.ResolveExport(self, e);
    if (address != 0) machine.AddRun(address, {}, "export:" + e);
  }
  return Status::Ok();
}

Status LoadShellcode(Machine& machine, ByteSpan code) {
  const Bytes host = BuildHostImage(machine.x64(), kShellcodeHostBase, 0x1000);
  std::string name = machine.options().environment.sample_path;
  name = AsciiLower(name.substr(name.find_last_of('\\') + 1));
  KENSA_RETURN_IF_ERROR(
      machine.memory().MapAt(kShellcodeHostBase, host.size(), kProtRead, "image:" + name));
  machine.cpu().Write(kShellcodeHostBase, host.data(), host.size());
  Module module;
  module.name = name;
  module.path = machine.options().environment.sample_path;
  module.base = kShellcodeHostBase;
  module.size = host.size();
  machine.AddMainModule(module);
  KENSA_ASSIGN_OR_RETURN(const std::uint64_t at,
                         machine.memory().Allocate(code.size() + kPageSize, kProtAll, "shellcode",
                                                   false, 0x00600000, kStubLow));
  machine.WriteBytes(at, code);
  // A decoder stub decodes the payload that follows it in place (msfvenom's encoders).
  machine.WatchForRewrites(at, code.size());
  machine.AddRun(at, {}, "shellcode");
  return Status::Ok();
}

}  // namespace kensa::emulator::internal
