// Imports, delay-load imports and exports.

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "pe_directories.h"

namespace kensa::pe::internal {
namespace {

constexpr std::size_t kImportDescriptorSize = 20;
constexpr std::size_t kDelayDescriptorSize = 32;
constexpr std::size_t kExportDirectorySize = 40;

// pefile keeps an import name only when every character is alphanumeric or one of "._?@$()<>"
// (is_valid_function_name); other names are dropped, and so they are from the imphash.
bool IsValidImportName(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '?' || c == '@' || c == '$' || c == '(' || c == ')' ||
           c == '<' || c == '>';
  });
}

// Reads one thunk table (import lookup table or IAT) into `import`. PE Format, "Import Lookup
// Table": bit 31 (63 for PE32+) selects import by ordinal (low 16 bits), otherwise bits 0-30
// are the RVA of a hint/name entry: a 2-byte hint then the NUL-terminated name.
void ReadThunks(const PeImage& image, const PeLimits& limits, AnomalySink& sink,
                std::uint64_t table_rva, const std::string& dll, std::uint32_t& thunks_read,
                NameBudget& names, analysis::v1::PeImport& import) {
  const std::uint64_t thunk_size = image.is_64() ? 8 : 4;
  const std::uint64_t ordinal_flag = image.is_64() ? (1ULL << 63) : (1ULL << 31);
  std::uint32_t invalid_names = 0;
  std::string first_invalid;
  for (std::uint32_t i = 0;; ++i) {
    if (thunks_read++ >= limits.max_total_imports) {
      sink.Add("pe_import_count_exceeds_limit",
               "more than " + std::to_string(limits.max_total_imports) +
                   " imported functions in all; the rest are skipped");
      break;
    }
    if (i >= limits.max_imports_per_dll) {
      sink.Add("pe_import_count_exceeds_limit",
               dll + " imports more than " + std::to_string(limits.max_imports_per_dll) +
                   " functions; the rest are skipped");
      break;
    }
    const std::uint64_t rva = table_rva + thunk_size * i;
    std::optional<std::uint64_t> thunk;
    if (image.is_64()) {
      thunk = image.ReadRvaU64(rva);
    } else if (auto v32 = image.ReadRvaU32(rva)) {
      thunk = *v32;
    }
    if (!thunk) {
      sink.Add("pe_import_parse_error",
               "thunk table of " + dll + " runs outside the image at RVA " + HexNumber(rva));
      break;
    }
    if (*thunk == 0) break;
    if ((*thunk & ordinal_flag) != 0) {
      auto* function = import.add_functions();
      const auto ordinal = static_cast<std::uint32_t>(*thunk & 0xFFFF);
      function->set_ordinal(ordinal);
      function->set_by_ordinal(true);
      function->set_name(OrdinalName(dll, ordinal));
      continue;
    }
    const std::uint64_t hint_name_rva = *thunk & (ordinal_flag - 1);
    const std::optional<std::uint16_t> hint = image.ReadRvaU16(hint_name_rva);
    const std::optional<std::string> name =
        image.ReadRvaCString(hint_name_rva + 2, limits.max_name_length);
    if (!hint || !name) {
      sink.Add("pe_import_parse_error", "import " + std::to_string(i) + " of " + dll +
                                            " names RVA " + HexNumber(hint_name_rva) +
                                            ", outside the image");
      break;
    }
    if (name->empty() || !IsValidImportName(*name)) {
      if (invalid_names++ == 0) first_invalid = Printable(*name);
      continue;
    }
    if (!names.Take(name->size())) {
      sink.Add("pe_name_budget_exceeded", "import names past " +
                                              std::to_string(limits.max_total_name_bytes) +
                                              " bytes in all; the rest of " + dll + " is skipped");
      break;
    }
    // The hint is only a lookup guess into the DLL's name table, not the ordinal.
    import.add_functions()->set_name(*name);
  }
  if (invalid_names > 0) {
    sink.Add("pe_import_invalid_name", std::to_string(invalid_names) + " import(s) of " + dll +
                                           " have an empty or invalid name (first: \"" +
                                           first_invalid + "\"); skipped");
  }
}

}  // namespace

void ParseImports(const PeImage& image, const PeLimits& limits, AnomalySink& sink,
                  std::uint32_t& thunks_read, NameBudget& names, analysis::v1::PeInfo& info) {
  const DataDirectory& dir = image.directory(kDirImport);
  if (dir.rva == 0) return;
  for (std::uint32_t i = 0;; ++i) {
    const std::uint64_t desc_rva = std::uint64_t{dir.rva} + kImportDescriptorSize * i;
    std::array<std::uint8_t, kImportDescriptorSize> raw{};
    if (!image.ReadRva(desc_rva, raw.size(), raw.data())) {
      sink.Add("pe_import_parse_error",
               "import descriptor " + std::to_string(i) + " at RVA " + HexNumber(desc_rva) +
                   " lies outside the image");
      return;
    }
    const ByteSpan desc(raw);
    // IMAGE_IMPORT_DESCRIPTOR: OriginalFirstThunk, TimeDateStamp, ForwarderChain, Name,
    // FirstThunk. The loader stops at the first descriptor without a name or IAT.
    const std::uint32_t original_first_thunk = *ReadLe<std::uint32_t>(desc, 0);
    const std::uint32_t name_rva = *ReadLe<std::uint32_t>(desc, 12);
    const std::uint32_t first_thunk = *ReadLe<std::uint32_t>(desc, 16);
    if (name_rva == 0 || first_thunk == 0) return;
    if (i >= limits.max_import_dlls) {
      sink.Add("pe_import_count_exceeds_limit",
               "more than " + std::to_string(limits.max_import_dlls) +
                   " import descriptors; the rest are skipped");
      return;
    }
    const std::optional<std::string> dll_raw =
        image.ReadRvaCString(name_rva, limits.max_name_length);
    if (!dll_raw) {
      sink.Add("pe_import_parse_error", "the DLL name of import descriptor " + std::to_string(i) +
                                            " is at RVA " + HexNumber(name_rva) +
                                            ", outside the image");
      continue;
    }
    const std::string dll = Printable(*dll_raw);
    auto* import = info.add_imports();
    import->set_dll(dll);
    // The import lookup table keeps the names even when the IAT was bound or overwritten;
    // without a usable one (corkami imports_noint) the IAT holds them, as pefile also assumes.
    std::uint64_t table = first_thunk;
    if (original_first_thunk != 0) {
      const auto first_entry = image.ReadRvaU32(original_first_thunk);
      if (first_entry && *first_entry != 0) table = original_first_thunk;
    }
    ReadThunks(image, limits, sink, table, dll, thunks_read, names, *import);
  }
}

void ParseDelayImports(const PeImage& image, const PeLimits& limits, AnomalySink& sink,
                       std::uint32_t& thunks_read, NameBudget& names,
                       analysis::v1::PeInfo& info) {
  const DataDirectory& dir = image.directory(kDirDelayImport);
  if (dir.rva == 0) return;
  for (std::uint32_t i = 0;; ++i) {
    const std::uint64_t desc_rva = std::uint64_t{dir.rva} + kDelayDescriptorSize * i;
    std::array<std::uint8_t, kDelayDescriptorSize> raw{};
    if (!image.ReadRva(desc_rva, raw.size(), raw.data())) {
      sink.Add("pe_import_parse_error", "delay-load descriptor " + std::to_string(i) +
                                            " at RVA " + HexNumber(desc_rva) +
                                            " lies outside the image");
      return;
    }
    const ByteSpan desc(raw);
    // ImgDelayDescr: Attributes, DllNameRVA, ModuleHandleRVA, ImportAddressTableRVA,
    // ImportNameTableRVA, BoundImportAddressTableRVA, UnloadInformationTableRVA, TimeDateStamp.
    const std::uint32_t attributes = *ReadLe<std::uint32_t>(desc, 0);
    std::uint64_t name_rva = *ReadLe<std::uint32_t>(desc, 4);
    std::uint64_t name_table = *ReadLe<std::uint32_t>(desc, 16);
    if (name_rva == 0) return;
    if (i >= limits.max_import_dlls) {
      sink.Add("pe_import_count_exceeds_limit",
               "more than " + std::to_string(limits.max_import_dlls) +
                   " delay-load descriptors; the rest are skipped");
      return;
    }
    // Visual C++ 6 wrote virtual addresses here (attribute bit 0 clear), later linkers RVAs.
    if ((attributes & 1) == 0) {
      const std::uint64_t base = image.image_base();
      name_rva = name_rva >= base ? name_rva - base : name_rva;
      name_table = name_table >= base ? name_table - base : name_table;
    }
    const std::optional<std::string> dll_raw =
        image.ReadRvaCString(name_rva, limits.max_name_length);
    if (!dll_raw) {
      sink.Add("pe_import_parse_error", "the DLL name of delay-load descriptor " +
                                            std::to_string(i) + " lies outside the image");
      continue;
    }
    const std::string dll = Printable(*dll_raw);
    auto* import = info.add_imports();
    import->set_dll(dll);
    import->set_delay_loaded(true);
    if (name_table != 0) {
      ReadThunks(image, limits, sink, name_table, dll, thunks_read, names, *import);
    }
  }
}

void ParseExports(const PeImage& image, const PeLimits& limits, AnomalySink& sink,
                  NameBudget& name_budget, analysis::v1::PeInfo& info) {
  const DataDirectory& dir = image.directory(kDirExport);
  if (dir.rva == 0) return;
  std::array<std::uint8_t, kExportDirectorySize> raw{};
  if (!image.ReadRva(dir.rva, raw.size(), raw.data())) {
    sink.Add("pe_export_parse_error",
             "the export directory at RVA " + HexNumber(dir.rva) + " lies outside the image");
    return;
  }
  const ByteSpan ed(raw);
  // IMAGE_EXPORT_DIRECTORY fields (PE Format, "Export Directory Table").
  const std::uint32_t name_rva = *ReadLe<std::uint32_t>(ed, 12);
  const std::uint32_t base = *ReadLe<std::uint32_t>(ed, 16);
  std::uint32_t function_count = *ReadLe<std::uint32_t>(ed, 20);
  std::uint32_t name_count = *ReadLe<std::uint32_t>(ed, 24);
  const std::uint32_t functions_rva = *ReadLe<std::uint32_t>(ed, 28);
  const std::uint32_t names_rva = *ReadLe<std::uint32_t>(ed, 32);
  const std::uint32_t ordinals_rva = *ReadLe<std::uint32_t>(ed, 36);
  if (name_rva != 0) {
    if (auto name = image.ReadRvaCString(name_rva, limits.max_name_length)) {
      info.set_export_dll_name(Printable(*name));
    }
  }
  if (function_count > limits.max_exports) {
    sink.Add("pe_export_count_exceeds_limit",
             std::to_string(function_count) + " exported functions; only the first " +
                 std::to_string(limits.max_exports) + " are read");
    function_count = limits.max_exports;
  }
  if (name_count > limits.max_exports) {
    sink.Add("pe_export_count_exceeds_limit",
             std::to_string(name_count) + " export names; only the first " +
                 std::to_string(limits.max_exports) + " are read");
    name_count = limits.max_exports;
  }
  // Names point to functions through the ordinal table (an index into the address table).
  std::vector<std::pair<std::uint32_t, std::string>> names;
  names.reserve(name_count);
  std::uint32_t bad_names = 0;
  for (std::uint32_t i = 0; i < name_count; ++i) {
    const auto name_ptr = image.ReadRvaU32(std::uint64_t{names_rva} + 4ULL * i);
    const auto index = image.ReadRvaU16(std::uint64_t{ordinals_rva} + 2ULL * i);
    if (!name_ptr || !index) {
      sink.Add("pe_export_parse_error",
               "export name table runs outside the image at entry " + std::to_string(i));
      break;
    }
    auto name = image.ReadRvaCString(*name_ptr, limits.max_name_length);
    if (!name) {
      ++bad_names;
      continue;
    }
    std::string kept = Utf8OrPrintable(*name);
    if (!name_budget.Take(kept.size())) {
      sink.Add("pe_name_budget_exceeded", "export names past " +
                                              std::to_string(limits.max_total_name_bytes) +
                                              " bytes in all; the rest are skipped");
      break;
    }
    names.emplace_back(*index, std::move(kept));
  }
  if (bad_names > 0) {
    sink.Add("pe_export_parse_error",
             std::to_string(bad_names) + " export name(s) lie outside the image");
  }
  std::stable_sort(names.begin(), names.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  auto next_name = names.begin();
  const std::uint64_t dir_end = std::uint64_t{dir.rva} + dir.size;
  for (std::uint32_t i = 0; i < function_count; ++i) {
    const auto rva = image.ReadRvaU32(std::uint64_t{functions_rva} + 4ULL * i);
    if (!rva) {
      sink.Add("pe_export_parse_error",
               "export address table runs outside the image at entry " + std::to_string(i));
      break;
    }
    while (next_name != names.end() && next_name->first < i) ++next_name;
    const bool named = next_name != names.end() && next_name->first == i;
    if (*rva == 0 && !named) continue;  // a hole in the ordinal range
    std::string forwarder;
    // An address inside the export directory is a forwarder string "DLL.Function".
    if (*rva >= dir.rva && *rva < dir_end) {
      if (auto text = image.ReadRvaCString(*rva, limits.max_name_length)) {
        std::string kept = Printable(*text);
        if (name_budget.Take(kept.size())) forwarder = std::move(kept);
      }
    }
    auto add = [&](std::string name) {
      auto* e = info.add_exports();
      e->set_name(std::move(name));
      e->set_ordinal(base + i);
      e->set_rva(*rva);
      e->set_forwarder(forwarder);
    };
    if (!named) {
      add({});
      continue;
    }
    for (; next_name != names.end() && next_name->first == i; ++next_name) {
      add(next_name->second);
    }
  }
}

}  // namespace kensa::pe::internal
