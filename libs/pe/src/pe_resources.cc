// The resource tree (type / name / language) and the RT_VERSION resource.

#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kensa/hashing/hashes.h"
#include "pe_directories.h"

namespace kensa::pe::internal {
namespace {

constexpr std::size_t kDirectoryHeaderSize = 16;
constexpr std::size_t kDirectoryEntrySize = 8;
constexpr std::size_t kDataEntrySize = 16;
// Directory entries visited over the whole tree, shared subtrees included: a DAG of directories
// that all point at one another could otherwise make the walk exponential.
constexpr std::uint32_t kMaxResourceEntriesVisited = 1u << 16;
// Longest resource name kept (the on-disk length field allows 65535 UTF-16 units).
constexpr std::size_t kMaxResourceNameUnits = 256;
// VS_VERSIONINFO nesting: root, StringFileInfo, StringTable, String.
constexpr int kMaxVersionDepth = 4;
constexpr std::uint32_t kRtVersion = 16;
constexpr std::uint32_t kFixedFileInfoSignature = 0xFEEF04BD;

std::string TypeName(std::uint32_t id) {
  switch (id) {
    case 1: return "RT_CURSOR";
    case 2: return "RT_BITMAP";
    case 3: return "RT_ICON";
    case 4: return "RT_MENU";
    case 5: return "RT_DIALOG";
    case 6: return "RT_STRING";
    case 7: return "RT_FONTDIR";
    case 8: return "RT_FONT";
    case 9: return "RT_ACCELERATOR";
    case 10: return "RT_RCDATA";
    case 11: return "RT_MESSAGETABLE";
    case 12: return "RT_GROUP_CURSOR";
    case 14: return "RT_GROUP_ICON";
    case 16: return "RT_VERSION";
    case 17: return "RT_DLGINCLUDE";
    case 19: return "RT_PLUGPLAY";
    case 20: return "RT_VXD";
    case 21: return "RT_ANICURSOR";
    case 22: return "RT_ANIICON";
    case 23: return "RT_HTML";
    case 24: return "RT_MANIFEST";
    default: return std::to_string(id);
  }
}

// Unambiguous leading magics only; the identification stage knows many more formats.
std::string ContentFormat(ByteSpan d) {
  if (HasBytesAt(d, 0, "MZ")) return "pe";
  if (HasBytesAt(d, 0, "PK\x03\x04")) return "zip";
  if (HasBytesAt(d, 0, "\x89PNG\r\n\x1a\n")) return "png";
  if (HasBytesAt(d, 0, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) return "ole2";
  if (HasBytesAt(d, 0, "%PDF-")) return "pdf";
  if (HasBytesAt(d, 0, "GIF87a") || HasBytesAt(d, 0, "GIF89a")) return "gif";
  if (HasBytesAt(d, 0, "\xFF\xD8\xFF")) return "jpeg";
  if (HasBytesAt(d, 0, "Rar!\x1A\x07")) return "rar";
  if (HasBytesAt(d, 0, "7z\xBC\xAF\x27\x1C")) return "7z";
  if (HasBytesAt(d, 0, "\x1F\x8B\x08")) return "gzip";
  if (HasBytesAt(d, 0, "MSCF\0\0\0\0")) return "cab";
  if (HasBytesAt(d, 0, "<?xml") || HasBytesAt(d, 0, "\xEF\xBB\xBF<?xml")) return "xml";
  return {};
}

class ResourceWalker {
 public:
  ResourceWalker(const PeImage& image, const PeLimits& limits, AnomalySink& sink,
                 HashBudget& budget, analysis::v1::PeInfo& info)
      : image_(image), limits_(limits), sink_(sink), budget_(budget), info_(info) {
    root_ = image.directory(kDirResource).rva;
  }

  void Walk() { WalkDirectory(0, 0); }
  ByteSpan version_data() const { return version_data_; }

 private:
  // `path_` holds the type and name strings of the entries above the current directory.
  void WalkDirectory(std::uint32_t offset, std::uint32_t depth) {
    if (std::find(stack_.begin(), stack_.end(), offset) != stack_.end()) {
      sink_.Add("pe_resource_loop", "resource directory at +" + std::to_string(offset) +
                                        " contains itself (a loop in the tree)");
      return;
    }
    const std::uint64_t dir_rva = std::uint64_t{root_} + offset;
    std::array<std::uint8_t, kDirectoryHeaderSize> header{};
    if (!image_.ReadRva(dir_rva, header.size(), header.data())) {
      sink_.Add("pe_resource_parse_error",
                "resource directory at +" + std::to_string(offset) + " lies outside the image");
      return;
    }
    // IMAGE_RESOURCE_DIRECTORY: NumberOfNamedEntries and NumberOfIdEntries at 12 and 14.
    const std::uint32_t entries = std::uint32_t{*ReadLe<std::uint16_t>(ByteSpan(header), 12)} +
                                  *ReadLe<std::uint16_t>(ByteSpan(header), 14);
    stack_.push_back(offset);
    for (std::uint32_t i = 0; i < entries; ++i) {
      if (visited_entries_++ >= kMaxResourceEntriesVisited ||
          static_cast<std::uint32_t>(info_.resources_size()) >= limits_.max_resources) {
        sink_.Add("pe_resource_count_exceeds_limit",
                  "more than " + std::to_string(limits_.max_resources) +
                      " resources; the rest are skipped");
        break;
      }
      const std::uint64_t entry_rva = dir_rva + kDirectoryHeaderSize + kDirectoryEntrySize * i;
      const auto name_field = image_.ReadRvaU32(entry_rva);
      const auto offset_field = image_.ReadRvaU32(entry_rva + 4);
      if (!name_field || !offset_field) {
        sink_.Add("pe_resource_parse_error", "resource directory entries run outside the image");
        break;
      }
      // Bit 31 of the name field: a counted UTF-16 string at that offset from the root, else
      // an integer id. Bit 31 of the offset field: a subdirectory, else a data entry.
      std::string label;
      std::uint32_t id = 0;
      if ((*name_field & 0x80000000u) != 0) {
        label = ReadName(*name_field & 0x7FFFFFFFu);
      } else {
        id = *name_field & 0xFFFF;
      }
      if (depth == 0) {
        path_[0] = label.empty() ? TypeName(id) : label;
        type_id_ = label.empty() ? id : 0;
      } else if (depth == 1) {
        path_[1] = label.empty() ? std::to_string(id) : label;
      }
      const std::uint32_t target = *offset_field & 0x7FFFFFFFu;
      if ((*offset_field & 0x80000000u) != 0) {
        if (depth + 1 >= limits_.max_resource_depth) {
          if (std::find(stack_.begin(), stack_.end(), target) != stack_.end()) {
            sink_.Add("pe_resource_loop", "resource directory at +" + std::to_string(target) +
                                              " is its own ancestor (a loop in the tree)");
          } else {
            sink_.Add("pe_resource_too_deep", "resource tree deeper than " +
                                                  std::to_string(limits_.max_resource_depth) +
                                                  " levels at +" + std::to_string(target));
          }
          continue;
        }
        WalkDirectory(target, depth + 1);
      } else {
        AddLeaf(target, depth, depth == 2 ? id : 0);
      }
    }
    stack_.pop_back();
  }

  std::string ReadName(std::uint32_t offset) {
    const std::uint64_t rva = std::uint64_t{root_} + offset;
    const auto length = image_.ReadRvaU16(rva);
    if (!length) return "?";
    const std::size_t units = std::min<std::size_t>(*length, kMaxResourceNameUnits);
    std::vector<std::uint8_t> buffer(units * 2);
    if (!image_.ReadRva(rva + 2, buffer.size(), buffer.data())) return "?";
    return ReadUtf16Le(buffer, 0, units);
  }

  void AddLeaf(std::uint32_t entry_offset, std::uint32_t depth, std::uint32_t language) {
    std::array<std::uint8_t, kDataEntrySize> raw{};
    if (!image_.ReadRva(std::uint64_t{root_} + entry_offset, raw.size(), raw.data())) {
      sink_.Add("pe_resource_parse_error",
                "resource data entry at +" + std::to_string(entry_offset) +
                    " lies outside the image");
      return;
    }
    // IMAGE_RESOURCE_DATA_ENTRY: OffsetToData (an RVA), Size, CodePage, Reserved.
    const std::uint32_t data_rva = *ReadLe<std::uint32_t>(ByteSpan(raw), 0);
    const std::uint32_t size = *ReadLe<std::uint32_t>(ByteSpan(raw), 4);
    auto* r = info_.add_resources();
    r->set_type(path_[0]);
    r->set_name(depth >= 1 ? path_[1] : std::string());
    r->set_language_id(language);
    r->set_language(LanguageTag(language));
    r->set_size(size);
    const RvaMapping m = image_.MapRva(data_rva);
    if (m.kind == RvaMapping::Kind::kFile) r->set_offset(m.offset);
    const ByteSpan bytes = image_.FileSpanAtRva(data_rva, size);
    if (bytes.size() < size) {
      sink_.Add("pe_resource_data_truncated",
                r->type() + "/" + r->name() + " claims " + std::to_string(size) + " bytes; " +
                    std::to_string(bytes.size()) + " are in the file");
    }
    r->set_content_format(ContentFormat(bytes));
    // Leaves that share their data (icons reused per language, or a crafted tree) are hashed once.
    const auto key = std::make_pair(data_rva, size);
    if (const auto it = hashed_.find(key); it != hashed_.end()) {
      r->set_entropy(info_.resources(it->second).entropy());
      r->set_sha256(info_.resources(it->second).sha256());
    } else if (budget_.Take(bytes.size())) {
      hashed_.emplace(key, info_.resources_size() - 1);
      r->set_entropy(ShannonEntropy(bytes));
      r->set_sha256(hashing::Sha256Hex(bytes));
    } else {
      sink_.Add("pe_hash_budget_exceeded", "resources overlap so much that " + r->type() + "/" +
                                               r->name() + " was not hashed");
    }
    if (depth >= 1 && type_id_ == kRtVersion && version_data_.empty()) version_data_ = bytes;
  }

  const PeImage& image_;
  const PeLimits& limits_;
  AnomalySink& sink_;
  HashBudget& budget_;
  analysis::v1::PeInfo& info_;
  std::uint32_t root_ = 0;
  std::vector<std::uint32_t> stack_;
  std::array<std::string, 2> path_;
  std::uint32_t type_id_ = 0;
  std::uint32_t visited_entries_ = 0;
  ByteSpan version_data_;
  std::map<std::pair<std::uint32_t, std::uint32_t>, int> hashed_;  // (RVA, size) -> resource
};

// One node of a VS_VERSIONINFO tree: wLength, wValueLength, wType, szKey (UTF-16, NUL
// terminated), padding to 4, Value, padding to 4, Children (VS_VERSIONINFO, StringFileInfo,
// StringTable, String, VarFileInfo and Var all share this layout).
struct VersionBlock {
  std::size_t begin = 0;
  std::size_t end = 0;  // clipped to the parent
  std::uint16_t value_length = 0;
  std::uint16_t type = 0;
  std::string key;
  std::size_t value_offset = 0;
};

std::size_t Align4(std::size_t v) { return (v + 3) & ~std::size_t{3}; }

std::optional<VersionBlock> ReadVersionBlock(ByteSpan data, std::size_t at, std::size_t limit) {
  const auto length = ReadLe<std::uint16_t>(data, at);
  if (!length || *length < 6) return std::nullopt;
  VersionBlock b;
  b.begin = at;
  b.end = std::min<std::size_t>(at + *length, limit);
  b.value_length = ReadLe<std::uint16_t>(data, at + 2).value_or(0);
  b.type = ReadLe<std::uint16_t>(data, at + 4).value_or(0);
  std::size_t p = at + 6;
  std::size_t units = 0;
  while (p + 2 <= b.end) {
    const std::uint16_t unit = *ReadLe<std::uint16_t>(data, p);
    p += 2;
    if (unit == 0) break;
    ++units;
  }
  b.key = ReadUtf16Le(data, at + 6, units);
  b.value_offset = Align4(p);
  return b;
}

std::string VersionString(std::uint32_t ms, std::uint32_t ls) {
  return std::to_string(ms >> 16) + "." + std::to_string(ms & 0xFFFF) + "." +
         std::to_string(ls >> 16) + "." + std::to_string(ls & 0xFFFF);
}

class VersionParser {
 public:
  VersionParser(ByteSpan data, const PeLimits& limits, AnomalySink& sink,
                analysis::v1::PeVersionInfo& out)
      : data_(data), limits_(limits), sink_(sink), out_(out) {}

  void Parse() {
    const auto root = ReadVersionBlock(data_, 0, data_.size());
    if (!root || root->key != "VS_VERSION_INFO") {
      sink_.Add("pe_version_info_invalid", "RT_VERSION does not start with VS_VERSION_INFO");
      return;
    }
    // VS_FIXEDFILEINFO: dwSignature, dwStrucVersion, dwFileVersionMS/LS, dwProductVersionMS/LS.
    const std::size_t v = root->value_offset;
    if (root->value_length >= 24 &&
        ReadLe<std::uint32_t>(data_, v) == kFixedFileInfoSignature) {
      const auto fms = ReadLe<std::uint32_t>(data_, v + 8);
      const auto fls = ReadLe<std::uint32_t>(data_, v + 12);
      const auto pms = ReadLe<std::uint32_t>(data_, v + 16);
      const auto pls = ReadLe<std::uint32_t>(data_, v + 20);
      if (fms && fls) out_.set_file_version(VersionString(*fms, *fls));
      if (pms && pls) out_.set_product_version(VersionString(*pms, *pls));
    }
    Children(*root, Align4(v + root->value_length), 1);
  }

 private:
  void Children(const VersionBlock& parent, std::size_t at, int depth) {
    if (depth > kMaxVersionDepth) return;
    while (at + 6 <= parent.end) {
      if (budget_++ >= limits_.max_version_strings) return;
      const auto block = ReadVersionBlock(data_, at, parent.end);
      if (!block) return;
      Visit(parent, *block, depth);
      at = Align4(block->end);
      if (block->end <= block->begin) return;
    }
  }

  void Visit(const VersionBlock& parent, const VersionBlock& block, int depth) {
    if (depth == 1) {
      // StringFileInfo and VarFileInfo carry no value of their own.
      if (block.key == "StringFileInfo" || block.key == "VarFileInfo") {
        Children(block, Align4(block.value_offset + (block.type == 0 ? block.value_length : 0)),
                 depth + 1);
      }
      return;
    }
    if (depth == 2 && parent.key == "StringFileInfo") {
      Children(block, block.value_offset, depth + 1);  // a StringTable ("040904b0")
      return;
    }
    if (depth == 2 && parent.key == "VarFileInfo" && block.key == "Translation") {
      for (std::size_t p = block.value_offset;
           p + 4 <= block.end && p + 4 <= block.value_offset + block.value_length; p += 4) {
        const std::uint16_t language = *ReadLe<std::uint16_t>(data_, p);
        const std::uint16_t code_page = *ReadLe<std::uint16_t>(data_, p + 2);
        out_.add_translations((std::uint32_t{language} << 16) | code_page);
      }
      return;
    }
    if (depth == 3) {
      // A String: wValueLength counts UTF-16 units (some tools write bytes; the NUL stops us).
      std::size_t units = 0;
      for (std::size_t p = block.value_offset; p + 2 <= block.end; p += 2) {
        if (*ReadLe<std::uint16_t>(data_, p) == 0) break;
        ++units;
      }
      if (block.value_offset >= block.end) units = 0;
      const std::string value = ReadUtf16Le(data_, block.value_offset, units);
      if (!block.key.empty()) out_.mutable_strings()->insert({block.key, value});
    }
  }

  ByteSpan data_;
  const PeLimits& limits_;
  AnomalySink& sink_;
  analysis::v1::PeVersionInfo& out_;
  std::uint32_t budget_ = 0;
};

}  // namespace

void ParseResources(const PeImage& image, const PeLimits& limits, AnomalySink& sink,
                    HashBudget& budget, analysis::v1::PeInfo& info) {
  if (image.directory(kDirResource).rva == 0) return;
  ResourceWalker walker(image, limits, sink, budget, info);
  walker.Walk();
  if (!walker.version_data().empty()) {
    VersionParser(walker.version_data(), limits, sink, *info.mutable_version_info()).Parse();
  }
}

}  // namespace kensa::pe::internal
