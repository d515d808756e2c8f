#include "kensa/identify/file_identifier.h"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "kensa/identify/script_classifier.h"

namespace kensa::identify {
namespace {

using sample::v1::FileType;

FileType Make(std::string format, std::string description, std::string extension,
              std::string mime_type) {
  FileType type;
  type.set_format(std::move(format));
  type.set_description(std::move(description));
  type.set_extension(std::move(extension));
  type.set_mime_type(std::move(mime_type));
  return type;
}

// Microsoft PE/COFF specification: DOS header e_lfanew at 0x3C, "PE\0\0", COFF header (20
// bytes), optional header whose magic is 0x10B (PE32) or 0x20B (PE32+).
FileType IdentifyMz(ByteSpan data) {
  const auto e_lfanew = ReadLe<std::uint32_t>(data, 0x3C);
  if (!e_lfanew || !HasBytesAt(data, *e_lfanew, std::string_view("PE\0\0", 4))) {
    return Make("dos", "MS-DOS executable (no PE header)", "exe", "application/x-dosexec");
  }
  const std::uint64_t coff = std::uint64_t{*e_lfanew} + 4;
  const std::uint16_t characteristics = ReadLe<std::uint16_t>(data, coff + 18).value_or(0);
  const std::uint64_t optional = coff + 20;
  const std::uint16_t magic = ReadLe<std::uint16_t>(data, optional).value_or(0);
  const bool is_64 = magic == 0x20B;
  const std::uint16_t subsystem = ReadLe<std::uint16_t>(data, optional + 68).value_or(0);
  // Data directory 14 (CLR runtime header) marks .NET assemblies.
  const std::uint64_t directories = optional + (is_64 ? 112 : 96);
  const std::uint32_t directory_count =
      ReadLe<std::uint32_t>(data, optional + (is_64 ? 108 : 92)).value_or(0);
  const bool is_dotnet =
      directory_count > 14 && ReadLe<std::uint32_t>(data, directories + 14 * 8).value_or(0) != 0 &&
      ReadLe<std::uint32_t>(data, directories + 14 * 8 + 4).value_or(0) != 0;
  constexpr std::uint16_t kImageFileDll = 0x2000;
  constexpr std::uint16_t kImageFileSystem = 0x1000;
  constexpr std::uint16_t kSubsystemNative = 1;
  const bool is_dll = (characteristics & kImageFileDll) != 0;
  const bool is_driver = subsystem == kSubsystemNative &&
                         ((characteristics & kImageFileSystem) != 0 || !is_dll);

  FileType type = Make("pe", "", is_dll ? "dll" : (is_driver ? "sys" : "exe"),
                       "application/vnd.microsoft.portable-executable");
  type.add_tags(is_64 ? "pe32+" : "pe32");
  std::string kind = is_driver ? "driver" : (is_dll ? "dll" : "exe");
  type.add_tags(kind);
  if (is_dotnet) type.add_tags("dotnet");
  std::string description = is_64 ? "PE32+ " : "PE32 ";
  description += is_driver ? "driver" : (is_dll ? "DLL" : "executable");
  if (is_dotnet) description += " (.NET)";
  type.set_description(description);
  return type;
}

FileType IdentifyElf(ByteSpan data) {
  const std::uint8_t elf_class = data.size() > 4 ? data[4] : 0;
  const bool big_endian = data.size() > 5 && data[5] == 2;
  const auto e_type = big_endian ? ReadBe<std::uint16_t>(data, 16) : ReadLe<std::uint16_t>(data, 16);
  FileType type = Make("elf", "", "", "application/x-elf");
  type.add_tags(elf_class == 2 ? "elf64" : "elf32");
  std::string kind = "unknown";
  switch (e_type.value_or(0)) {
    case 1: kind = "relocatable"; break;
    case 2: kind = "executable"; break;
    case 3: kind = "shared_object"; break;
    case 4: kind = "core"; break;
    default: break;
  }
  type.add_tags(kind);
  type.set_description(std::string(elf_class == 2 ? "ELF 64-bit " : "ELF 32-bit ") + kind);
  return type;
}

// Mach-O (thin) magics in both byte orders; fat binaries share 0xCAFEBABE with Java class files,
// which carry a version >= 45 where a fat header carries a small architecture count.
bool IsMachO(ByteSpan data, bool* is_fat) {
  const auto magic = ReadBe<std::uint32_t>(data, 0).value_or(0);
  *is_fat = false;
  switch (magic) {
    case 0xFEEDFACE: case 0xFEEDFACF: case 0xCEFAEDFE: case 0xCFFAEDFE:
      return true;
    case 0xCAFEBABE: {
      constexpr std::uint32_t kMaxFatArchitectures = 20;  // real universal binaries hold 2-4
      const auto count = ReadBe<std::uint32_t>(data, 4).value_or(0);
      *is_fat = count > 0 && count < kMaxFatArchitectures;
      return *is_fat;
    }
    default:
      return false;
  }
}

// Searches the first `limit` bytes for `needle`.
bool Contains(ByteSpan data, std::string_view needle, std::size_t limit) {
  const ByteSpan head = SubSpan(data, 0, limit);
  const auto* begin = reinterpret_cast<const char*>(head.data());
  return std::string_view(begin, head.size()).find(needle) != std::string_view::npos;
}

// MS-CFB: directory entry names are UTF-16LE. The streams that name the application sit in the
// directory, which may be anywhere; bound the search to the first megabytes.
std::string Utf16Needle(std::string_view ascii) {
  std::string out;
  for (char c : ascii) {
    out.push_back(c);
    out.push_back('\0');
  }
  return out;
}

FileType IdentifyOle2(ByteSpan data) {
  constexpr std::size_t kDirectorySearchLimit = 8 * 1024 * 1024;  // directory sectors of real documents
  FileType type = Make("ole2", "OLE2 compound file", "", "application/x-ole-storage");
  struct Kind {
    const char* stream;
    const char* tag;
    const char* description;
    const char* extension;
    const char* mime;
  };
  static constexpr std::array<Kind, 7> kKinds = {{
      {"EncryptedPackage", "encrypted_ooxml", "Encrypted Office Open XML document", "docx",
       "application/encrypted"},
      {"WordDocument", "word", "Microsoft Word 97-2003 document", "doc", "application/msword"},
      {"Workbook", "excel", "Microsoft Excel 97-2003 workbook", "xls", "application/vnd.ms-excel"},
      {"Book", "excel", "Microsoft Excel 5.0 workbook", "xls", "application/vnd.ms-excel"},
      {"PowerPoint Document", "powerpoint", "Microsoft PowerPoint 97-2003 presentation", "ppt",
       "application/vnd.ms-powerpoint"},
      {"__substg1.0_", "outlook", "Microsoft Outlook message", "msg", "application/vnd.ms-outlook"},
      {"VisioDocument", "visio", "Microsoft Visio drawing", "vsd", "application/vnd.visio"},
  }};
  for (const Kind& kind : kKinds) {
    if (Contains(data, Utf16Needle(kind.stream), kDirectorySearchLimit)) {
      type = Make("ole2", kind.description, kind.extension, kind.mime);
      type.add_tags(kind.tag);
      break;
    }
  }
  if (type.tags().empty() && Contains(data, Utf16Needle("SummaryInformation"), kDirectorySearchLimit) &&
      Contains(data, "Installer", kDirectorySearchLimit)) {
    type = Make("ole2", "Windows Installer package", "msi", "application/x-msi");
    type.add_tags("msi");
  }
  if (Contains(data, Utf16Needle("_VBA_PROJECT"), kDirectorySearchLimit) ||
      Contains(data, Utf16Needle("VBA"), kDirectorySearchLimit)) {
    type.add_tags("vba");
  }
  return type;
}

// Zip-based formats are told apart by member names in local file headers (APPNOTE 4.3.7).
FileType IdentifyZip(ByteSpan data) {
  constexpr std::size_t kMemberNameSearchLimit = 4 * 1024 * 1024;
  auto has = [&](std::string_view name) { return Contains(data, name, kMemberNameSearchLimit); };
  if (has("[Content_Types].xml")) {
    const bool macros = has("vbaProject.bin");
    FileType type;
    if (has("word/")) {
      type = Make("ooxml", macros ? "Word macro-enabled document" : "Word document",
                  macros ? "docm" : "docx",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
      type.add_tags("word");
    } else if (has("xl/")) {
      type = Make("ooxml", macros ? "Excel macro-enabled workbook" : "Excel workbook",
                  macros ? "xlsm" : "xlsx",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
      type.add_tags("excel");
      if (has("xl/macrosheets/")) type.add_tags("xlm");
    } else if (has("ppt/")) {
      type = Make("ooxml", macros ? "PowerPoint macro-enabled presentation" : "PowerPoint presentation",
                  macros ? "pptm" : "pptx",
                  "application/vnd.openxmlformats-officedocument.presentationml.presentation");
      type.add_tags("powerpoint");
    } else {
      type = Make("ooxml", "Office Open XML package", "zip", "application/zip");
    }
    if (macros) type.add_tags("vba");
    return type;
  }
  if (has("mimetypeapplication/vnd.oasis.opendocument")) {
    return Make("odf", "OpenDocument file", "odt", "application/vnd.oasis.opendocument.text");
  }
  if (has("AndroidManifest.xml") && has("classes.dex")) {
    return Make("apk", "Android package", "apk", "application/vnd.android.package-archive");
  }
  if (has("META-INF/MANIFEST.MF")) {
    return Make("jar", "Java archive", "jar", "application/java-archive");
  }
  return Make("zip", "ZIP archive", "zip", "application/zip");
}

bool IsIso9660(ByteSpan data) {
  // ECMA-119: the primary volume descriptor at sector 16 (offset 0x8000) carries "CD001".
  return HasBytesAt(data, 0x8001, "CD001") || HasBytesAt(data, 0x8801, "CD001") ||
         HasBytesAt(data, 0x9001, "CD001");
}

}  // namespace

FileType Identify(ByteSpan data) {
  if (data.empty()) return Make("empty", "empty file", "", "application/x-empty");

  if (HasBytesAt(data, 0, "MZ")) return IdentifyMz(data);
  if (HasBytesAt(data, 0, "\x7F" "ELF")) return IdentifyElf(data);
  bool is_fat = false;
  if (IsMachO(data, &is_fat)) {
    FileType type = Make("macho", is_fat ? "Mach-O universal binary" : "Mach-O binary", "",
                         "application/x-mach-binary");
    if (is_fat) type.add_tags("fat");
    return type;
  }
  if (HasBytesAt(data, 0, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) return IdentifyOle2(data);
  if (HasBytesAt(data, 0, "PK\x03\x04") || HasBytesAt(data, 0, "PK\x05\x06")) return IdentifyZip(data);
  // RTF readers accept "{\rt" followed by anything; exploit documents rely on that.
  if (HasBytesAt(data, 0, "{\\rt")) return Make("rtf", "Rich Text Format document", "rtf", "text/rtf");
  // PDF readers look for the header within the first 1024 bytes (PDF 32000 annex H.3 note).
  if (Contains(data, "%PDF-", 1024)) return Make("pdf", "PDF document", "pdf", "application/pdf");
  if (HasBytesAt(data, 0, "7z\xBC\xAF\x27\x1C")) return Make("7z", "7-Zip archive", "7z", "application/x-7z-compressed");
  if (HasBytesAt(data, 0, std::string_view("Rar!\x1A\x07\x00", 7))) {
    return Make("rar", "RAR archive (v4)", "rar", "application/vnd.rar");
  }
  if (HasBytesAt(data, 0, "Rar!\x1A\x07\x01")) return Make("rar", "RAR archive (v5)", "rar", "application/vnd.rar");
  if (HasBytesAt(data, 0, "\x1F\x8B")) return Make("gzip", "gzip compressed data", "gz", "application/gzip");
  if (HasBytesAt(data, 0, "BZh")) return Make("bzip2", "bzip2 compressed data", "bz2", "application/x-bzip2");
  if (HasBytesAt(data, 0, std::string_view("\xFD" "7zXZ\x00", 6))) return Make("xz", "xz compressed data", "xz", "application/x-xz");
  if (HasBytesAt(data, 0, "MSCF")) return Make("cab", "Microsoft Cabinet archive", "cab", "application/vnd.ms-cab-compressed");
  if (HasBytesAt(data, 257, "ustar")) return Make("tar", "tar archive", "tar", "application/x-tar");
  if (IsIso9660(data)) return Make("iso", "ISO 9660 disk image", "iso", "application/x-iso9660-image");
  // MS-SHLLINK 2.1: HeaderSize 0x4C and LinkCLSID 00021401-0000-0000-C000-000000000046.
  if (HasBytesAt(data, 0, std::string_view("\x4C\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xC0\x00\x00\x00\x00\x00\x00\x46", 20))) {
    return Make("lnk", "Windows shortcut (LNK)", "lnk", "application/x-ms-shortcut");
  }
  // MS-ONESTORE 2.3.1: the revision store file header GUID.
  if (HasBytesAt(data, 0, "\xE4\x52\x5C\x7B\x8C\xD8\xA7\x4D\xAE\xB1\x53\x78\xD0\x29\x96\xD3")) {
    return Make("onenote", "Microsoft OneNote section", "one", "application/onenote");
  }
  if (HasBytesAt(data, 0, "ITSF")) return Make("chm", "Compiled HTML Help", "chm", "application/vnd.ms-htmlhelp");
  if (HasBytesAt(data, 0, "dex\n")) return Make("dex", "Dalvik executable", "dex", "application/x-dex");
  if (HasBytesAt(data, 0, "\xCA\xFE\xBA\xBE")) return Make("java_class", "Java class file", "class", "application/java-vm");

  return ClassifyText(data);
}

}  // namespace kensa::identify
