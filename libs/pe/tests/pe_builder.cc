#include "pe_builder.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace kensa::pe::testing {
namespace {

constexpr std::uint32_t kSectionAlignment = 0x1000;
constexpr std::uint32_t kFileAlignment = 0x200;
constexpr std::uint32_t kLfanew = 0x80;

std::uint64_t AlignUp(std::uint64_t v, std::uint64_t a) { return (v + a - 1) / a * a; }

void Put(Bytes& out, std::size_t at, std::uint64_t value, std::size_t width) {
  if (out.size() < at + width) out.resize(at + width);
  for (std::size_t i = 0; i < width; ++i) {
    out[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
  }
}
void Put16(Bytes& out, std::size_t at, std::uint64_t v) { Put(out, at, v, 2); }
void Put32(Bytes& out, std::size_t at, std::uint64_t v) { Put(out, at, v, 4); }
void Put64(Bytes& out, std::size_t at, std::uint64_t v) { Put(out, at, v, 8); }

// Appends a NUL-terminated string and returns its offset.
std::size_t AppendString(Bytes& out, const std::string& s) {
  const std::size_t at = out.size();
  out.insert(out.end(), s.begin(), s.end());
  out.push_back(0);
  return at;
}

void Pad(Bytes& out, std::size_t alignment) {
  while (out.size() % alignment != 0) out.push_back(0);
}

struct DataDir {
  std::uint32_t rva = 0;
  std::uint32_t size = 0;
};

// PE Format, "The .idata Section" and "Delay-Load Import Tables".
Bytes BuildImports(const PeSpec& spec, std::uint32_t va, DataDir& import_dir, DataDir& iat_dir,
                   DataDir& delay_dir) {
  const std::size_t thunk = spec.pe32_plus ? 8 : 4;
  const std::uint64_t ordinal_flag = spec.pe32_plus ? (1ULL << 63) : (1ULL << 31);
  std::vector<const BuilderImport*> normal, delayed;
  for (const auto& imp : spec.imports) (imp.delay_loaded ? delayed : normal).push_back(&imp);
  Bytes out;
  const std::size_t descriptors = 0;
  const std::size_t delay_descriptors = descriptors + 20 * (normal.size() + 1);
  std::size_t cursor = delay_descriptors + 32 * (delayed.size() + 1);
  out.resize(cursor);
  // Tables: ILT then IAT for each DLL, in order (normal first, then delayed).
  struct Tables {
    std::size_t ilt, iat;
  };
  std::vector<Tables> tables;
  std::size_t iat_begin = 0, iat_end = 0;
  std::vector<const BuilderImport*> all = normal;
  all.insert(all.end(), delayed.begin(), delayed.end());
  for (const BuilderImport* imp : all) {
    const std::size_t size = thunk * (imp->functions.size() + 1);
    Tables t{cursor, cursor + size};
    cursor += 2 * size;
    tables.push_back(t);
  }
  if (!normal.empty()) {
    iat_begin = tables.front().iat;
    iat_end = tables[normal.size() - 1].iat + thunk * (normal.back()->functions.size() + 1);
  }
  out.resize(cursor + 8);  // and a module-handle slot for delay-load descriptors
  const std::size_t module_handle = cursor;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const BuilderImport& imp = *all[i];
    for (std::size_t k = 0; k < imp.functions.size(); ++k) {
      const BuilderFunction& f = imp.functions[k];
      std::uint64_t value = 0;
      if (f.name.empty()) {
        value = ordinal_flag | f.ordinal;
      } else {
        Pad(out, 2);
        const std::size_t hint = out.size();
        Put16(out, hint, 0);
        AppendString(out, f.name);
        value = va + hint;
      }
      Put(out, tables[i].ilt + thunk * k, value, thunk);
      Put(out, tables[i].iat + thunk * k, value, thunk);
    }
    const std::size_t name = AppendString(out, imp.dll);
    if (i < normal.size()) {
      const std::size_t d = descriptors + 20 * i;
      Put32(out, d + 0, va + tables[i].ilt);  // OriginalFirstThunk
      Put32(out, d + 12, va + name);
      Put32(out, d + 16, va + tables[i].iat);  // FirstThunk
    } else {
      const std::size_t d = delay_descriptors + 32 * (i - normal.size());
      Put32(out, d + 0, 1);  // dlattrRva
      Put32(out, d + 4, va + name);
      Put32(out, d + 8, va + module_handle);
      Put32(out, d + 12, va + tables[i].iat);
      Put32(out, d + 16, va + tables[i].ilt);
    }
  }
  if (!normal.empty()) {
    import_dir = {va, static_cast<std::uint32_t>(20 * (normal.size() + 1))};
    iat_dir = {static_cast<std::uint32_t>(va + iat_begin),
               static_cast<std::uint32_t>(iat_end - iat_begin)};
  }
  if (!delayed.empty()) {
    delay_dir = {static_cast<std::uint32_t>(va + delay_descriptors),
                 static_cast<std::uint32_t>(32 * (delayed.size() + 1))};
  }
  return out;
}

// PE Format, "The .edata Section (Image Only)".
Bytes BuildExports(const PeSpec& spec, std::uint32_t va, DataDir& dir) {
  const std::size_t n = spec.exports.size();
  Bytes out(40);
  const std::size_t eat = out.size();
  out.resize(eat + 4 * n);
  std::vector<std::pair<std::string, std::size_t>> named;
  for (std::size_t i = 0; i < n; ++i) {
    if (!spec.exports[i].name.empty()) named.emplace_back(spec.exports[i].name, i);
  }
  std::sort(named.begin(), named.end());  // the name table is sorted for binary search
  const std::size_t names = out.size();
  out.resize(names + 4 * named.size());
  const std::size_t ordinals = out.size();
  out.resize(ordinals + 2 * named.size());
  const std::size_t dll_name = AppendString(out, spec.export_name);
  for (std::size_t i = 0; i < named.size(); ++i) {
    Put32(out, names + 4 * i, va + AppendString(out, named[i].first));
    Put16(out, ordinals + 2 * i, named[i].second);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const BuilderExport& e = spec.exports[i];
    const std::uint64_t rva = e.forwarder.empty() ? e.rva : va + AppendString(out, e.forwarder);
    Put32(out, eat + 4 * i, rva);
  }
  Put32(out, 12, va + dll_name);
  Put32(out, 16, spec.export_base);
  Put32(out, 20, n);
  Put32(out, 24, named.size());
  Put32(out, 28, va + eat);
  Put32(out, 32, va + names);
  Put32(out, 36, va + ordinals);
  dir = {va, static_cast<std::uint32_t>(out.size())};
  return out;
}

// PE Format, "The .tls Section".
Bytes BuildTls(const PeSpec& spec, std::uint32_t va, std::uint64_t image_base, DataDir& dir) {
  const std::size_t width = spec.pe32_plus ? 8 : 4;
  const std::size_t dir_size = spec.pe32_plus ? 40 : 24;
  Bytes out(dir_size);
  const std::size_t index_slot = out.size();
  out.resize(index_slot + 8);
  const std::size_t callbacks = out.size();
  for (std::size_t i = 0; i < spec.tls_callback_rvas.size(); ++i) {
    Put(out, callbacks + width * i, image_base + spec.tls_callback_rvas[i], width);
  }
  Put(out, callbacks + width * spec.tls_callback_rvas.size(), 0, width);
  Put(out, 0, image_base + va + index_slot, width);      // StartAddressOfRawData
  Put(out, width, image_base + va + index_slot + 4, width);  // EndAddressOfRawData
  Put(out, 2 * width, image_base + va + index_slot, width);  // AddressOfIndex
  Put(out, 3 * width, image_base + va + callbacks, width);   // AddressOfCallBacks
  dir = {va, static_cast<std::uint32_t>(dir_size)};
  return out;
}

// PE Format, "The .rsrc Section": type, name and language directories, data entries, strings,
// then the data.
Bytes BuildResources(const PeSpec& spec, std::uint32_t va, DataDir& dir) {
  using NameKey = std::pair<int, std::string>;  // (0, name) sorts named entries before ids
  std::map<std::uint16_t, std::map<NameKey, std::map<std::uint16_t, const BuilderResource*>>>
      tree;
  for (const auto& r : spec.resources) {
    // Ids as zero-padded text so that the map orders them numerically.
    const std::string id = std::to_string(r.name_id);
    NameKey key = r.name.empty() ? NameKey{1, std::string(5 - id.size(), '0') + id}
                                 : NameKey{0, r.name};
    tree[r.type][key][r.language] = &r;
  }
  auto dir_size = [](std::size_t entries) { return 16 + 8 * entries; };
  // First pass: offsets of every directory.
  std::size_t cursor = dir_size(tree.size());
  std::map<std::uint16_t, std::size_t> type_dirs;
  std::map<std::pair<std::uint16_t, NameKey>, std::size_t> name_dirs;
  for (const auto& [type, names] : tree) {
    type_dirs[type] = cursor;
    cursor += dir_size(names.size());
  }
  for (const auto& [type, names] : tree) {
    for (const auto& [name, langs] : names) {
      name_dirs[{type, name}] = cursor;
      cursor += dir_size(langs.size());
    }
  }
  Bytes out(cursor);
  auto write_dir = [&](std::size_t at, std::size_t named, std::size_t ids) {
    Put16(out, at + 12, named);
    Put16(out, at + 14, ids);
  };
  std::vector<std::pair<std::size_t, const BuilderResource*>> data_entries;
  write_dir(0, 0, tree.size());
  std::size_t i = 0;
  for (const auto& [type, names] : tree) {
    Put32(out, 16 + 8 * i, type);
    Put32(out, 16 + 8 * i + 4, 0x80000000u | type_dirs[type]);
    ++i;
    std::size_t named = 0;
    for (const auto& entry : names) named += entry.first.first == 0 ? 1 : 0;
    write_dir(type_dirs[type], named, names.size() - named);
    std::size_t j = 0;
    for (const auto& [name, langs] : names) {
      const std::size_t entry = type_dirs[type] + 16 + 8 * j;
      if (name.first == 0) {
        Pad(out, 2);
        const std::size_t at = out.size();
        Put16(out, at, name.second.size());
        for (std::size_t c = 0; c < name.second.size(); ++c) {
          Put16(out, at + 2 + 2 * c, static_cast<std::uint8_t>(name.second[c]));
        }
        Put32(out, entry, 0x80000000u | at);
      } else {
        Put32(out, entry, std::stoul(name.second));
      }
      Put32(out, entry + 4, 0x80000000u | name_dirs[{type, name}]);
      ++j;
      write_dir(name_dirs[{type, name}], 0, langs.size());
      std::size_t k = 0;
      for (const auto& [lang, resource] : langs) {
        const std::size_t lang_entry = name_dirs[{type, name}] + 16 + 8 * k;
        Put32(out, lang_entry, lang);
        Pad(out, 4);
        const std::size_t data_entry = out.size();
        out.resize(data_entry + 16);
        Put32(out, lang_entry + 4, data_entry);
        data_entries.emplace_back(data_entry, resource);
        ++k;
      }
    }
  }
  for (const auto& [entry, resource] : data_entries) {
    Pad(out, 8);
    const std::size_t at = out.size();
    out.insert(out.end(), resource->data.begin(), resource->data.end());
    Put32(out, entry, va + at);
    Put32(out, entry + 4, resource->data.size());
  }
  dir = {va, static_cast<std::uint32_t>(out.size())};
  return out;
}

// CheckSumMappedFile's algorithm, written independently of the parser's (16-bit words).
std::uint32_t Checksum(const Bytes& file, std::size_t field) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < file.size(); i += 2) {
    if (i >= field && i < field + 4) continue;
    std::uint32_t word = file[i];
    if (i + 1 < file.size()) word |= static_cast<std::uint32_t>(file[i + 1]) << 8;
    sum += word;
    sum = (sum & 0xFFFF) + (sum >> 16);
  }
  sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint32_t>(sum + file.size());
}

void AppendUtf16(Bytes& out, const std::string& ascii) {
  for (char c : ascii) {
    out.push_back(static_cast<std::uint8_t>(c));
    out.push_back(0);
  }
  out.push_back(0);
  out.push_back(0);
}

// One VS_VERSIONINFO-family node: wLength, wValueLength, wType, szKey, padding, Value,
// padding, Children.
Bytes VersionNode(const std::string& key, const Bytes& value, std::uint16_t value_length,
                  std::uint16_t type, const std::vector<Bytes>& children) {
  Bytes out(6);
  AppendUtf16(out, key);
  Pad(out, 4);
  out.insert(out.end(), value.begin(), value.end());
  for (const Bytes& child : children) {
    Pad(out, 4);
    out.insert(out.end(), child.begin(), child.end());
  }
  Put16(out, 0, out.size());
  Put16(out, 2, value_length);
  Put16(out, 4, type);
  return out;
}

}  // namespace

Bytes BuildVersionInfo(std::uint64_t file_version, std::uint64_t product_version,
                       const std::string& table_key,
                       const std::vector<std::pair<std::string, std::string>>& strings,
                       std::uint16_t language, std::uint16_t code_page) {
  std::vector<Bytes> string_nodes;
  for (const auto& [key, value] : strings) {
    Bytes text;
    AppendUtf16(text, value);
    string_nodes.push_back(
        VersionNode(key, text, static_cast<std::uint16_t>(value.size() + 1), 1, {}));
  }
  const Bytes table = VersionNode(table_key, {}, 0, 1, string_nodes);
  const Bytes string_file_info = VersionNode("StringFileInfo", {}, 0, 1, {table});
  Bytes translation(4);
  Put16(translation, 0, language);
  Put16(translation, 2, code_page);
  const Bytes var = VersionNode("Translation", translation, 4, 0, {});
  const Bytes var_file_info = VersionNode("VarFileInfo", {}, 0, 1, {var});
  Bytes fixed(52);
  Put32(fixed, 0, 0xFEEF04BD);
  Put32(fixed, 4, 0x00010000);
  Put32(fixed, 8, file_version >> 32);
  Put32(fixed, 12, file_version & 0xFFFFFFFF);
  Put32(fixed, 16, product_version >> 32);
  Put32(fixed, 20, product_version & 0xFFFFFFFF);
  return VersionNode("VS_VERSION_INFO", fixed, 52, 0, {string_file_info, var_file_info});
}

Bytes BuildPe(const PeSpec& spec) {
  const std::uint64_t image_base = spec.pe32_plus ? kImageBase64 : kImageBase32;
  std::vector<BuilderSection> sections = spec.sections;
  std::uint32_t next_va = kSectionAlignment;
  std::vector<std::uint32_t> vas;
  auto place = [&](const BuilderSection& s) {
    vas.push_back(next_va);
    const std::uint64_t size = std::max<std::uint64_t>(
        s.virtual_size != 0 ? s.virtual_size : s.content.size(), 1);
    next_va = static_cast<std::uint32_t>(next_va + AlignUp(size, kSectionAlignment));
  };
  for (const auto& s : sections) place(s);
  DataDir dirs[16];
  if (!spec.imports.empty()) {
    BuilderSection s{".idata", kDataFlags,
                     BuildImports(spec, next_va, dirs[1], dirs[12], dirs[13]), 0};
    sections.push_back(s);
    place(s);
  }
  if (!spec.exports.empty()) {
    BuilderSection s{".edata", kScnInitData | kScnRead, BuildExports(spec, next_va, dirs[0]), 0};
    sections.push_back(s);
    place(s);
  }
  if (!spec.tls_callback_rvas.empty()) {
    BuilderSection s{".tls", kDataFlags, BuildTls(spec, next_va, image_base, dirs[9]), 0};
    sections.push_back(s);
    place(s);
  }
  if (!spec.resources.empty()) {
    BuilderSection s{".rsrc", kScnInitData | kScnRead, BuildResources(spec, next_va, dirs[2]), 0};
    sections.push_back(s);
    place(s);
  }

  const std::size_t optional_size = spec.pe32_plus ? 0xF0 : 0xE0;
  const std::size_t table = kLfanew + 24 + optional_size;
  const std::uint64_t header_size = std::max<std::uint64_t>(
      0x400, AlignUp(table + 40 * sections.size(), kFileAlignment));
  Bytes out(header_size);
  // DOS header: "MZ", e_lfanew.
  out[0] = 'M';
  out[1] = 'Z';
  Put32(out, 0x3C, kLfanew);
  // PE signature and COFF header.
  out[kLfanew] = 'P';
  out[kLfanew + 1] = 'E';
  const std::size_t coff = kLfanew + 4;
  Put16(out, coff, spec.pe32_plus ? 0x8664 : 0x014C);
  Put16(out, coff + 2, sections.size());
  Put32(out, coff + 4, spec.timestamp);
  Put16(out, coff + 16, optional_size);
  Put16(out, coff + 18, spec.characteristics | (spec.pe32_plus ? 0x0020 : 0));
  // Optional header.
  const std::size_t opt = coff + 20;
  Put16(out, opt, spec.pe32_plus ? 0x20B : 0x10B);
  out[opt + 2] = 14;  // linker 14.29
  out[opt + 3] = 29;
  std::uint32_t entry = spec.entry_rva;
  if (entry == 0 && spec.entry_section < vas.size()) {
    entry = vas[spec.entry_section] + spec.entry_offset;
  }
  Put32(out, opt + 16, entry);
  Put32(out, opt + 20, kSectionAlignment);  // BaseOfCode
  if (spec.pe32_plus) {
    Put64(out, opt + 24, image_base);
  } else {
    Put32(out, opt + 28, image_base);
  }
  Put32(out, opt + 32, kSectionAlignment);
  Put32(out, opt + 36, kFileAlignment);
  Put16(out, opt + 40, 6);  // OS 6.0
  Put16(out, opt + 48, 6);  // subsystem 6.0
  Put32(out, opt + 56, next_va);  // SizeOfImage
  Put32(out, opt + 60, header_size);
  Put32(out, opt + 64, spec.checksum);
  Put16(out, opt + 68, spec.subsystem);
  Put16(out, opt + 70, spec.dll_characteristics);
  const std::size_t count_at = opt + (spec.pe32_plus ? 108 : 92);
  Put32(out, count_at, 16);
  for (std::size_t i = 0; i < 16; ++i) {
    Put32(out, count_at + 4 + 8 * i, dirs[i].rva);
    Put32(out, count_at + 8 + 8 * i, dirs[i].size);
  }
  // Section table and raw data.
  for (std::size_t i = 0; i < sections.size(); ++i) {
    const BuilderSection& s = sections[i];
    const std::size_t h = table + 40 * i;
    for (std::size_t c = 0; c < s.name.size() && c < 8; ++c) {
      out[h + c] = static_cast<std::uint8_t>(s.name[c]);
    }
    Put32(out, h + 8, s.virtual_size != 0 ? s.virtual_size : s.content.size());
    Put32(out, h + 12, vas[i]);
    const std::uint64_t raw_size = AlignUp(s.content.size(), kFileAlignment);
    Put32(out, h + 16, raw_size);
    Put32(out, h + 20, raw_size == 0 ? 0 : out.size());
    Put32(out, h + 36, s.characteristics);
    out.insert(out.end(), s.content.begin(), s.content.end());
    out.resize(AlignUp(out.size(), kFileAlignment));
  }
  out.insert(out.end(), spec.overlay.begin(), spec.overlay.end());
  if (spec.fix_checksum) Put32(out, opt + 64, Checksum(out, opt + 64));
  return out;
}

}  // namespace kensa::pe::testing
