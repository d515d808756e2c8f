#include "kensa/pe/pe_analyzer.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "pe_directories.h"
#include "kensa/core/time.h"
#include "kensa/hashing/hashes.h"
#include "pe_image.h"

namespace kensa::pe {
namespace {

using internal::AnomalySink;
using internal::HashBudget;
using internal::PeImage;
using internal::SectionHeader;

// IMAGE_FILE_* characteristics (PE Format, "Characteristics").
constexpr std::uint16_t kFileSystem = 0x1000;
constexpr std::uint16_t kFileDll = 0x2000;
// IMAGE_DLLCHARACTERISTICS_WDM_DRIVER.
constexpr std::uint16_t kDllCharWdmDriver = 0x2000;
constexpr std::uint16_t kSubsystemNative = 1;
// Entropy above which packed or encrypted content is the likely explanation (compressed code
// sits near 7.5-8.0, ordinary code near 6.0-6.5), and the least raw size where it means much.
constexpr double kHighEntropy = 7.2;
constexpr std::uint64_t kHighEntropyMinSize = 1024;

std::string MachineName(std::uint16_t machine) {
  switch (machine) {
    case 0x014C: return "i386";
    case 0x8664: return "amd64";
    case 0xAA64: return "arm64";
    case 0xA641: return "arm64ec";
    case 0x01C0: return "arm";
    case 0x01C2: return "thumb";
    case 0x01C4: return "armnt";
    case 0x0200: return "ia64";
    case 0x0EBC: return "efi_byte_code";
    case 0x0166: return "mips";
    case 0x01F0: return "powerpc";
    case 0x5032: return "riscv32";
    case 0x5064: return "riscv64";
    case 0x6232: return "loongarch32";
    case 0x6264: return "loongarch64";
    case 0x0000: return "unknown";
    default: return HexNumber(machine);
  }
}

std::string SubsystemName(std::uint16_t subsystem) {
  switch (subsystem) {
    case 0: return "unknown";
    case 1: return "native";
    case 2: return "windows_gui";
    case 3: return "windows_cui";
    case 5: return "os2_cui";
    case 7: return "posix_cui";
    case 8: return "native_windows";
    case 9: return "windows_ce_gui";
    case 10: return "efi_application";
    case 11: return "efi_boot_service_driver";
    case 12: return "efi_runtime_driver";
    case 13: return "efi_rom";
    case 14: return "xbox";
    case 16: return "windows_boot_application";
    default: return std::to_string(subsystem);
  }
}

// Section names that packers and protectors leave behind, and who leaves them.
struct PackerSection {
  std::string_view section;
  std::string_view packer;
};
constexpr PackerSection kPackerSections[] = {
    {"UPX0", "UPX"}, {"UPX1", "UPX"}, {"UPX2", "UPX"}, {"UPX3", "UPX"}, {".UPX0", "UPX"},
    {".UPX1", "UPX"}, {".aspack", "ASPack"}, {".adata", "ASPack"}, {"ASPack", "ASPack"},
    {".MPRESS1", "MPRESS"}, {".MPRESS2", "MPRESS"}, {".nsp0", "NsPack"}, {".nsp1", "NsPack"},
    {".nsp2", "NsPack"}, {"nsp0", "NsPack"}, {"nsp1", "NsPack"}, {"nsp2", "NsPack"},
    {".petite", "Petite"}, {".themida", "Themida"}, {"Themida", "Themida"},
    {".winlice", "WinLicense"}, {".vmp0", "VMProtect"}, {".vmp1", "VMProtect"},
    {".vmp2", "VMProtect"}, {".enigma1", "Enigma Protector"}, {".enigma2", "Enigma Protector"},
    {"PEC2", "PECompact"}, {"PEC2TO", "PECompact"}, {"PEC2MO", "PECompact"},
    {"PECompact2", "PECompact"}, {"pec1", "PECompact"}, {"pec2", "PECompact"},
    {"MEW", "MEW"}, {".packed", "RLPack"}, {".RLPack", "RLPack"}, {"FSG!", "FSG"},
    {".perplex", "Perplex PE-Protector"}, {".spack", "Simple Pack"}, {".yP", "Y0da Protector"},
    {".y0da", "Y0da Protector"}, {"ProCrypt", "ProCrypt"}, {".svkp", "SVKP"},
    {"kkrunchy", "kkrunchy"}, {"PELOCKnt", "PELock"}, {".neolit", "NeoLite"},
    {".neolite", "NeoLite"}, {"BitArts", "Crunch"}, {".ccg", "CCG Packer"},
    {".boom", "The Boomerang"}, {".sforce3", "StarForce"}, {".shrink1", "Shrinker"},
    {".shrink2", "Shrinker"}, {".MaskPE", "MaskPE"}, {".Upack", "Upack"},
    {".ByDwing", "Upack"}, {"PEBundle", "PEBundle"}, {"PEPACK!!", "PEPack"},
    {"!EPack", "EPack"}, {"ExeS", "EXE Stealth"}, {".taz", "PESpin"}, {".pelock", "PELock"},
    {".ASPack", "ASPack"}, {"lz32.dll", "Crinkler"}, {".epack", "EPack"},
};

std::string_view PackerOf(std::string_view section) {
  for (const PackerSection& p : kPackerSections) {
    if (p.section == section) return p.packer;
  }
  return {};
}

// Modules only kernel-mode code imports.
constexpr std::string_view kKernelModules[] = {
    "ntoskrnl.exe", "ntkrnlpa.exe", "ntkrnlmp.exe", "ntkrpamp.exe", "hal.dll",
    "ndis.sys",     "bootvid.dll",  "kdcom.dll",    "wdfldr.sys",   "fltmgr.sys",
    "clfs.sys",     "ksecdd.sys",   "tdi.sys",      "netio.sys",    "storport.sys",
    "scsiport.sys", "videoprt.sys", "win32k.sys",   "ks.sys",       "portcls.sys",
};

bool ImportsKernelModule(const analysis::v1::PeInfo& info) {
  for (const auto& import : info.imports()) {
    const std::string dll = AsciiLower(import.dll());
    for (std::string_view module : kKernelModules) {
      if (dll == module) return true;
    }
  }
  return false;
}

std::string Permissions(std::uint32_t characteristics) {
  std::string p;
  if ((characteristics & internal::kScnMemRead) != 0) p += 'r';
  if ((characteristics & internal::kScnMemWrite) != 0) p += 'w';
  if ((characteristics & internal::kScnMemExecute) != 0) p += 'x';
  return p;
}

bool Overlaps(std::uint64_t a, std::uint64_t a_size, std::uint64_t b, std::uint64_t b_size) {
  return a_size != 0 && b_size != 0 && a < b + b_size && b < a + a_size;
}

// The section's bytes in the file as pefile's get_data returns them (so that md5 agrees with
// it): SizeOfRawData bytes from PointerToRawData rounded down to a 512-byte sector, as the
// loader reads it; low-alignment images whose raw offset equals the RVA keep the offset.
ByteSpan SectionRawBytes(const PeImage& image, const SectionHeader& s) {
  std::uint64_t start = s.raw_offset & ~std::uint64_t{0x1FF};
  if (image.low_alignment() && s.raw_offset == s.virtual_address) start = s.raw_offset;
  return SubSpan(image.data(), start, s.raw_size);
}

void AnalyzeSections(const PeImage& image, AnomalySink& sink, HashBudget& budget,
                     analysis::v1::PeInfo& info) {
  const ByteSpan data = image.data();
  const auto& sections = image.sections();
  if (sections.empty()) {
    sink.Add("pe_no_sections", "the image has no section table entries");
  }
  std::uint64_t virtual_end = 0;
  for (const SectionHeader& s : sections) {
    auto* out = info.add_sections();
    out->set_name(s.name);
    out->set_virtual_address(s.virtual_address);
    out->set_virtual_size(s.virtual_size);
    out->set_raw_offset(s.raw_offset);
    out->set_raw_size(s.raw_size);
    out->set_characteristics(s.characteristics);
    out->set_permissions(Permissions(s.characteristics));
    const ByteSpan raw = SectionRawBytes(image, s);
    if (budget.Take(raw.size())) {
      out->set_entropy(ShannonEntropy(raw));
      out->set_md5(hashing::Md5Hex(raw));
    } else {
      sink.Add("pe_hash_budget_exceeded",
               "sections overlap so much that \"" + s.name + "\" was not hashed");
    }
    virtual_end = std::max(virtual_end, std::uint64_t{s.virtual_address} + s.virtual_extent);

    const bool writable = (s.characteristics & internal::kScnMemWrite) != 0;
    const bool executable = (s.characteristics & internal::kScnMemExecute) != 0;
    if (writable && executable) {
      sink.Add("pe_writable_executable_section",
               "section \"" + s.name + "\" is writable and executable");
    }
    if (const std::string_view packer = PackerOf(s.name); !packer.empty()) {
      sink.Add("pe_known_packer_section",
               "section \"" + s.name + "\" is the mark of " + std::string(packer));
    }
    if (raw.size() >= kHighEntropyMinSize && out->entropy() > kHighEntropy) {
      char entropy[16];
      std::snprintf(entropy, sizeof entropy, "%.2f", out->entropy());
      sink.Add("pe_high_entropy_section", "section \"" + s.name + "\" has entropy " + entropy +
                                              " over " + std::to_string(raw.size()) +
                                              " bytes (packed or encrypted)");
    }
    if (executable && s.raw_size == 0 && s.virtual_size != 0) {
      sink.Add("pe_zero_size_raw_section_executable",
               "executable section \"" + s.name +
                   "\" has no bytes in the file: its code is written at run time");
    }
    if (s.raw_offset != 0 && s.raw_size != 0 &&
        std::uint64_t{s.raw_offset} + s.raw_size > data.size()) {
      sink.Add("pe_truncated", "section \"" + s.name + "\" raw data (" + HexNumber(s.raw_offset) + ", " +
                                   std::to_string(s.raw_size) +
                                   " bytes) runs past the end of the file (" +
                                   std::to_string(data.size()) + " bytes)");
    }
  }
  for (std::size_t i = 0; i < sections.size(); ++i) {
    for (std::size_t j = i + 1; j < sections.size(); ++j) {
      const SectionHeader& a = sections[i];
      const SectionHeader& b = sections[j];
      if (Overlaps(a.virtual_address, a.virtual_extent, b.virtual_address, b.virtual_extent)) {
        sink.Add("pe_sections_overlap",
                 "sections \"" + a.name + "\" and \"" + b.name + "\" overlap in memory");
      }
      if (a.raw_offset != 0 && b.raw_offset != 0 &&
          Overlaps(a.raw_offset, a.raw_size, b.raw_offset, b.raw_size)) {
        sink.Add("pe_sections_overlap",
                 "sections \"" + a.name + "\" and \"" + b.name + "\" share bytes of the file");
      }
    }
  }
  if (!sections.empty() && image.section_alignment() != 0) {
    const std::uint64_t alignment = image.section_alignment();
    const std::uint64_t expected = (virtual_end + alignment - 1) / alignment * alignment;
    const std::uint64_t declared =
        (std::uint64_t{image.size_of_image()} + alignment - 1) / alignment * alignment;
    if (declared != expected) {
      sink.Add("pe_size_of_image_mismatch", "SizeOfImage " + HexNumber(image.size_of_image()) +
                                                " but the sections end at " + HexNumber(expected));
    }
  }
}

void AnalyzeEntryPoint(const PeImage& image, AnomalySink& sink, analysis::v1::PeInfo& info) {
  const std::uint32_t entry = image.entry_point();
  // A DLL without DllMain has entry point 0, which is never called.
  if (entry == 0 && info.is_dll()) return;
  const int index = image.SectionIndexOfRva(entry);
  if (index < 0) {
    sink.Add("pe_entry_point_outside_sections",
             "entry point " + HexNumber(entry) + " is in no section" +
                 (entry < image.size_of_headers() ? std::string(" (it is in the headers)") : ""));
    return;
  }
  const SectionHeader& s = image.sections()[static_cast<std::size_t>(index)];
  info.set_entry_section(s.name);
  if ((s.characteristics & internal::kScnMemExecute) == 0) {
    sink.Add("pe_entry_point_outside_code",
             "entry point " + HexNumber(entry) + " is in section \"" + s.name +
                 "\", which is not executable");
  }
}

void AnalyzeTimestamp(std::uint32_t timestamp, AnomalySink& sink) {
  if (timestamp == 0) {
    sink.Add("pe_timestamp_zero", "the COFF header timestamp is zero");
    return;
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  if (static_cast<std::int64_t>(timestamp) > now) {
    sink.Add("pe_timestamp_in_future",
             "compile time " + FormatRfc3339(timestamp) + " is in the future (forged, or a "
                                                    "reproducible-build hash)");
  }
}

}  // namespace

Result<PeAnalysis> AnalyzePe(ByteSpan data, const PeLimits& limits) {
  AnomalySink sink(limits.max_anomalies_per_code);
  PeImage image;
  if (!image.Parse(data, limits, sink)) {
    return InvalidArgumentError("not a PE file: no MZ header or no PE signature at e_lfanew");
  }
  PeAnalysis result;
  analysis::v1::PeInfo& info = result.info;
  info.set_machine(MachineName(image.machine()));
  info.set_is_64bit(image.is_64());
  info.set_is_dll((image.characteristics() & kFileDll) != 0);
  info.set_subsystem(SubsystemName(image.subsystem()));
  info.set_timestamp(image.timestamp());
  info.set_compile_time(FormatRfc3339(image.timestamp()));
  info.set_image_base(image.image_base());
  info.set_entry_point(image.entry_point());
  info.set_characteristics(image.characteristics());
  info.set_dll_characteristics(image.dll_characteristics());
  info.set_checksum(image.checksum());
  info.set_computed_checksum(internal::ComputePeChecksum(data, image.checksum_offset()));
  info.set_linker_major(image.linker_major());
  info.set_linker_minor(image.linker_minor());
  info.set_os_major(image.os_major());
  info.set_os_minor(image.os_minor());
  info.set_size_of_image(image.size_of_image());
  info.set_header_size(image.size_of_headers());

  // One budget for section and resource hashing (PeLimits::max_hashed_bytes_factor).
  HashBudget budget(std::uint64_t{limits.max_hashed_bytes_factor} * data.size() + (1u << 20));
  AnalyzeSections(image, sink, budget, info);
  AnalyzeEntryPoint(image, sink, info);
  AnalyzeTimestamp(image.timestamp(), sink);
  if (info.checksum() != 0 && info.checksum() != info.computed_checksum()) {
    sink.Add("pe_checksum_mismatch", "header checksum " + HexNumber(info.checksum()) +
                                         " but the file sums to " +
                                         HexNumber(info.computed_checksum()));
  }

  std::uint32_t thunks_read = 0;
  internal::NameBudget names(limits.max_total_name_bytes);
  internal::ParseImports(image, limits, sink, thunks_read, names, info);
  const bool has_imports = info.imports_size() > 0;
  internal::ParseDelayImports(image, limits, sink, thunks_read, names, info);
  internal::ParseExports(image, limits, sink, names, info);
  internal::ParseResources(image, limits, sink, budget, info);
  internal::ParseRichHeader(image, sink, info);
  internal::ParseTls(image, limits, sink, info);
  internal::ParseDebug(image, limits, sink, info);
  internal::ParseDotNet(image, sink, info);
  internal::ParseSecurity(image, limits, sink, info);
  if (!has_imports) {
    sink.Add("pe_no_imports", "the image imports nothing: it resolves its APIs itself "
                              "(packed, shellcode-like) or is resource-only");
  }

  // Kernel drivers: IMAGE_FILE_SYSTEM, a WDM native image, or imports only kernel-mode code has.
  info.set_is_driver((image.characteristics() & kFileSystem) != 0 ||
                     (image.subsystem() == kSubsystemNative &&
                      (image.dll_characteristics() & kDllCharWdmDriver) != 0) ||
                     ImportsKernelModule(info));

  const std::uint64_t overlay = internal::OverlayStart(image);
  if (overlay < data.size()) {
    const ByteSpan bytes = data.subspan(overlay);
    info.set_overlay_offset(overlay);
    info.set_overlay_size(bytes.size());
    info.set_overlay_entropy(ShannonEntropy(bytes));
    sink.Add("pe_overlay_present", std::to_string(bytes.size()) + " bytes appended at " +
                                       HexNumber(overlay) + " after the image");
  }

  result.imphash = ComputeImphash(info);
  result.anomalies = sink.Take();
  return result;
}

}  // namespace kensa::pe
