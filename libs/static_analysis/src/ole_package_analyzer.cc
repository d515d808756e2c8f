#include "ole_package_analyzer.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "embedded_names.h"
#include "kensa/hashing/hashes.h"
#include "kensa/ole/compound_file.h"
#include "kensa/ole/powerpoint.h"
#include "kensa/rtf/ole_native.h"
#include "kensa/strings/string_extractor.h"

namespace kensa::static_analysis {
namespace {

constexpr std::string_view kOrigin = "ole package";
// Embedded objects PowerPoint keeps compressed in its records, unpacked as compound files.
constexpr std::string_view kEmbeddedObjectOrigin = "embedded object";
constexpr std::string_view kOle10Native = "\x01Ole10Native";
constexpr std::string_view kCompObj = "\x01" "CompObj";
// Packages and objects reported per document: real documents embed a handful; a generated
// one with thousands would only repeat itself.
constexpr std::size_t kMaxPackages = 64;
constexpr std::size_t kMaxEmbeddedObjects = 256;
// CompObj strings are class names and user types (tens of bytes).
constexpr std::uint32_t kMaxCompObjString = 1024;
// Child names: the file system's limit.
constexpr std::size_t kMaxChildNameBytes = 200;

// Extensions Windows runs (or hands to a script host) when the packaged file is opened.
constexpr std::array<std::string_view, 24> kExecutableExtensions = {
    ".exe", ".scr", ".com", ".pif", ".bat", ".cmd", ".vbs", ".vbe", ".js",  ".jse", ".wsf", ".wsh",
    ".hta", ".ps1", ".lnk", ".dll", ".cpl", ".msi", ".jar", ".reg", ".url", ".sct", ".inf", ".chm",
};

void AddAnomaly(analysis::v1::StaticResult* result, const std::string& code,
                const std::string& detail) {
  auto* anomaly = result->add_anomalies();
  anomaly->set_code(code);
  anomaly->set_detail(detail);
}

bool HasExecutableExtension(const std::string& name) {
  const std::string lower = AsciiLower(name);
  return std::any_of(kExecutableExtensions.begin(), kExecutableExtensions.end(),
                     [&](std::string_view ext) { return lower.ends_with(ext); });
}

// The storage part of "ObjectPool/_1572084892/\1Ole10Native".
std::string ParentPath(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

// [MS-OLEDS] 2.3.8 CompObjStream: header, AnsiUserType, AnsiClipboardFormat, then the ProgID
// (the field the specification calls Reserved1).
struct CompObj {
  std::string user_type;
  std::string prog_id;
};

// A LengthPrefixedAnsiString at `*offset`, advancing it; nullopt past the data.
std::optional<std::string> LengthPrefixed(ByteSpan data, std::uint64_t* offset) {
  const auto length = ReadLe<std::uint32_t>(data, *offset);
  if (!length || *length > kMaxCompObjString || *offset + 4 + *length > data.size()) {
    return std::nullopt;
  }
  std::string text = ReadCString(data, *offset + 4, *length);
  *offset += 4u + *length;
  return text;
}

CompObj ParseCompObj(ByteSpan data) {
  CompObj out;
  std::uint64_t offset = 28;  // Reserved1, Version, Reserved2
  auto user_type = LengthPrefixed(data, &offset);
  if (!user_type) return out;
  out.user_type = *user_type;
  // ClipboardFormatOrAnsiString: 0 none; 0xFFFFFFFF/0xFFFFFFFE a 4-byte format id; else a string.
  const auto marker = ReadLe<std::uint32_t>(data, offset);
  if (!marker) return out;
  if (*marker == 0xFFFFFFFFu || *marker == 0xFFFFFFFEu) {
    offset += 8;
  } else if (*marker == 0) {
    offset += 4;
  } else if (!LengthPrefixed(data, &offset)) {
    return out;
  }
  if (auto prog_id = LengthPrefixed(data, &offset)) out.prog_id = *prog_id;
  return out;
}

// Packages and embedded objects found so far in one sample, against the per-document limits.
struct Found {
  std::size_t packages = 0;
  std::size_t objects = 0;
};

// The storage path as reported: `prefix` names the storage a PowerPoint record held.
std::string Qualified(const std::string& prefix, const std::string& storage) {
  if (prefix.empty()) return storage;
  return storage.empty() ? prefix : prefix + "/" + storage;
}

// OLE Package and CompObj streams of one compound file. `root_is_object`: the root's CompObj
// describes an embedded object (a storage PowerPoint keeps in a record is the object itself);
// in a document the root's CompObj is the document's own class.
void ScanCompoundFile(const ole::CompoundFile& file, const std::string& prefix, bool root_is_object,
                      std::uint32_t code_page, Found* found, analysis::v1::StaticResult* result,
                      std::vector<ExtractedChild>* children) {
  for (const ole::DirectoryEntry& entry : file.entries()) {
    if (entry.type != ole::EntryType::kStream) continue;
    const std::string storage = ParentPath(entry.path);
    if (entry.name == kCompObj && (entry.parent_id != 0 || root_is_object) &&
        found->objects < kMaxEmbeddedObjects) {
      ++found->objects;
      auto* object = result->mutable_office()->add_embedded_objects();
      object->set_storage_path(Qualified(prefix, storage));
      if (const ole::DirectoryEntry* parent = file.Find(storage)) object->set_clsid(parent->clsid);
      if (auto stream = file.ReadEntry(entry)) {
        const CompObj comp_obj = ParseCompObj(*stream);
        object->set_prog_id(AnsiToUtf8(comp_obj.prog_id, code_page));
        object->set_user_type(AnsiToUtf8(comp_obj.user_type, code_page));
      }
      continue;
    }
    if (entry.name != kOle10Native || found->packages >= kMaxPackages) continue;
    auto stream = file.ReadEntry(entry);
    if (!stream) continue;
    auto package = rtf::ParseOle10Native(*stream);
    if (!package) continue;
    ++found->packages;
    auto* info = result->mutable_office()->add_packages();
    info->set_storage_path(Qualified(prefix, storage));
    const auto pick = [&](const std::string& unicode, const std::string& ansi) {
      return unicode.empty() ? AnsiToUtf8(ansi, code_page) : unicode;
    };
    info->set_label(pick(package->label_unicode_utf8, package->label));
    info->set_source_path(pick(package->source_path_unicode_utf8, package->source_path));
    info->set_temp_path(pick(package->temp_path_unicode_utf8, package->temp_path));
    info->set_size(package->data.size());
    info->set_sha256(hashing::Sha256Hex(package->data));
    info->set_truncated(package->truncated);

    const std::string where =
        (info->storage_path().empty() ? std::string("root") : info->storage_path()) + ": ";
    std::string name = FileNameOf(info->label());
    if (name.empty()) name = FileNameOf(info->temp_path());
    if (name.empty()) name = FileNameOf(info->source_path());
    if (name.empty()) name = "package-" + info->sha256().substr(0, 16);
    AddAnomaly(result, "ole_package_object",
               where + name + " (" + std::to_string(package->data.size()) + " bytes) from " +
                   info->source_path());
    const bool executable_name = HasExecutableExtension(info->label()) ||
                                 HasExecutableExtension(info->temp_path()) ||
                                 HasExecutableExtension(info->source_path());
    const bool executable_content = HasBytesAt(package->data, 0, "MZ");
    if (executable_name || executable_content) {
      AddAnomaly(result, "ole_package_executable",
                 where + name + (executable_content ? " (a PE program)" : " (runs when opened)") +
                     ", dropped to " + info->temp_path());
    }
    if (package->truncated) {
      AddAnomaly(result, "ole_package_truncated",
                 where + name + ": " + std::to_string(package->declared_size) +
                     " bytes declared, " + std::to_string(package->data.size()) + " present");
    }
    analysis::v1::ExtractedFile child;
    child.set_name(name);
    child.set_sha256(info->sha256());
    child.set_size(package->data.size());
    child.set_origin(std::string(kOrigin));
    *result->add_extracted_files() = child;
    if (children != nullptr) {
      children->push_back({std::move(child), Bytes(package->data.begin(), package->data.end())});
    }
  }
}

// "Excel.Sheet.8" -> "Excel.Sheet.8"; anything but letters, digits, '.', '_' and '-' becomes '_'.
std::string SafeName(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxChildNameBytes)) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    out.push_back(keep ? c : '_');
  }
  return out;
}

// PowerPoint keeps each embedded object (and ActiveX control) as a compressed compound file in
// an ExOleObjStg record ([MS-PPT] 2.10.34): read like an ObjectPool storage of a Word document.
// A packaged file is the payload and becomes the child; any other object (a workbook, a Word
// document, a control) is a compound file nothing else would open, so it becomes the child.
void ScanPowerPointStorages(const ole::CompoundFile& file, std::uint32_t code_page, Found* found,
                            analysis::v1::StaticResult* result,
                            std::vector<ExtractedChild>* children) {
  const ole::PptStorages ppt = ole::ReadPptStorages(file);  // its anomalies: the office analyzer's
  for (const ole::PptStorage& storage : ppt.storages) {
    if (storage.vba_project) continue;  // the office analyzer reads the presentation's macros
    const std::string id = storage.persist_id != 0 ? std::to_string(storage.persist_id)
                                                   : "at " + std::to_string(storage.offset);
    const std::string path = "PowerPoint Document/ExOleObjStg " + id;
    auto inner = ole::CompoundFile::Open(storage.data);
    const std::size_t packages_before = found->packages;
    const std::size_t objects_before = found->objects;
    if (inner) ScanCompoundFile(*inner, path, true, code_page, found, result, children);
    if (found->objects == objects_before && found->objects < kMaxEmbeddedObjects) {
      ++found->objects;
      auto* object = result->mutable_office()->add_embedded_objects();
      object->set_storage_path(path);
      // A compound file with no directory entry opens; it has no root and so no CLSID.
      if (inner && !inner->entries().empty()) object->set_clsid(inner->entries().front().clsid);
      object->set_prog_id(storage.prog_id);
    }
    if (found->packages > packages_before || storage.data.empty()) continue;
    analysis::v1::ExtractedFile child;
    child.set_name(SafeName(storage.prog_id.empty() ? "ExOleObjStg" : storage.prog_id) + "-" +
                   SafeName(id) + ".bin");
    child.set_sha256(hashing::Sha256Hex(storage.data));
    child.set_size(storage.data.size());
    child.set_origin(std::string(kEmbeddedObjectOrigin));
    *result->add_extracted_files() = child;
    if (children != nullptr) children->push_back({std::move(child), storage.data});
  }
}

}  // namespace

void AnalyzeOlePackages(ByteSpan data, analysis::v1::StaticResult* result,
                        std::vector<ExtractedChild>* children) {
  auto file = ole::CompoundFile::Open(data);
  if (!file) return;
  const std::uint32_t code_page = result->office().metadata().code_page();
  Found found;
  ScanCompoundFile(*file, "", false, code_page, &found, result, children);
  ScanPowerPointStorages(*file, code_page, &found, result, children);
}

}  // namespace kensa::static_analysis
