// The one adapter that includes pugixml. Part names, content types and relationships follow
// [ECMA-376] Part 2 (Open Packaging Conventions); Word fields [ECMA-376] Part 1, 17.16; the
// workbook [ECMA-376] Part 1, 18.2; binary workbooks [MS-XLSB].
//
// Why pugixml is safe here: it expands only the five predefined entities and character
// references. A DOCTYPE is skipped as text (its internal subset is scanned iteratively), so a
// billion-laughs entity stays the literal text "&lol9;" and an external entity (XXE) is never
// resolved or loaded: pugixml never opens a file or URL for an entity. Its parser is not
// recursive, and its memory comes through BudgetedAllocate below, so a part of a million empty
// elements ends with "out of memory" instead of taking the process with it.
#include "kensa/static_analysis/ooxml_analyzer.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <pugixml.hpp>
#include <set>
#include <unordered_map>

#include "kensa/hashing/hashes.h"
#include "word_fields.h"

namespace kensa::static_analysis {
namespace {

using analysis::v1::Anomaly;
using analysis::v1::OoxmlRelationship;

// ---------------------------------------------------------------------------------------------
// pugixml's memory, bounded per thread. pugixml takes one process-wide pair of functions; only
// this file uses pugixml, and every document is created and destroyed on one thread.

constexpr std::size_t kAllocationHeader = alignof(std::max_align_t);
thread_local std::size_t t_xml_used = 0;
thread_local std::size_t t_xml_budget = std::numeric_limits<std::size_t>::max();

void* BudgetedAllocate(std::size_t size) {
  if (t_xml_used > t_xml_budget || size > t_xml_budget - t_xml_used ||
      size > std::numeric_limits<std::size_t>::max() - kAllocationHeader) {
    return nullptr;  // pugixml turns this into status_out_of_memory
  }
  auto* block = static_cast<unsigned char*>(std::malloc(size + kAllocationHeader));
  if (block == nullptr) return nullptr;
  std::memcpy(block, &size, sizeof size);
  t_xml_used += size;
  return block + kAllocationHeader;
}

void BudgetedDeallocate(void* pointer) {
  if (pointer == nullptr) return;
  auto* block = static_cast<unsigned char*>(pointer) - kAllocationHeader;
  std::size_t size = 0;
  std::memcpy(&size, block, sizeof size);
  t_xml_used -= std::min(size, t_xml_used);
  std::free(block);
}

void InstallXmlAllocator() {
  static std::once_flag once;
  std::call_once(
      once, [] { pugi::set_memory_management_functions(BudgetedAllocate, BudgetedDeallocate); });
}

// ---------------------------------------------------------------------------------------------
// Text helpers.

// Valid UTF-8 of at most `max` bytes: invalid sequences become U+FFFD, the cut never splits a
// character. Proto3 strings must be UTF-8, and XML text in a hostile part need not be.
std::string CleanText(std::string_view text, std::size_t max) {
  std::string out;
  out.reserve(std::min(text.size(), max));
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t cp = 0;
    if (lead < 0x80) {
      length = 1;
      cp = lead;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      cp = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      cp = lead & 0x0Fu;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      cp = lead & 0x07u;
    }
    bool valid = length > 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0u) == 0x80u;
      cp = (cp << 6) | (next & 0x3Fu);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    if (valid && ((length == 3 && cp < 0x800) || (length == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
                  (cp >= 0xD800 && cp <= 0xDFFF))) {
      valid = false;
    }
    const std::size_t needed = valid ? length : 3;
    if (out.size() + needed > max) break;
    if (valid) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      AppendUtf8(out, 0xFFFD);
      ++i;
    }
  }
  return out;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// "http://schemas.openxmlformats.org/.../relationships/oleObject" -> "oleObject". Transitional
// and Strict ([ECMA-376] Part 1, purl.oclc.org) URIs end alike.
std::string_view LastSegment(std::string_view uri) {
  const auto slash = uri.find_last_of('/');
  return slash == std::string_view::npos ? uri : uri.substr(slash + 1);
}

std::string_view BaseName(std::string_view path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view Extension(std::string_view name) {
  const std::string_view base = BaseName(name);
  const auto dot = base.find_last_of('.');
  return dot == std::string_view::npos ? std::string_view() : base.substr(dot + 1);
}

// A zip member name as a part name: '/'-separated, without a leading '/'.
std::string PartName(std::string_view name) {
  std::string part(name);
  std::replace(part.begin(), part.end(), '\\', '/');
  const auto first = part.find_first_not_of('/');
  part.erase(0, first == std::string::npos ? part.size() : first);
  return part;
}

// Part names are compared without case ([ECMA-376] Part 2, 9.1.1).
std::string PartKey(std::string_view name) { return AsciiLower(PartName(name)); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

// An internal relationship target resolved against the folder of its source part
// ([ECMA-376] Part 2, 9.3, and RFC 3986 5.2): "../embeddings/x.bin" from "xl/worksheets/".
std::string ResolveTarget(std::string_view source_part, std::string_view target) {
  std::string path(target.substr(0, target.find('#')));
  path = PercentDecode(path);
  std::replace(path.begin(), path.end(), '\\', '/');
  if (!path.starts_with('/')) {
    const auto slash = source_part.find_last_of('/');
    const std::string base(slash == std::string_view::npos ? "" : source_part.substr(0, slash + 1));
    path = base + path;
  }
  std::vector<std::string_view> segments;
  std::string_view rest = path;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.push_back(segment);
  }
  std::string resolved;
  for (const auto segment : segments) {
    if (!resolved.empty()) resolved.push_back('/');
    resolved.append(segment);
  }
  return resolved;
}


// ---------------------------------------------------------------------------------------------
// XML helpers. pugixml is not namespace-aware; names are matched by local name, so a document
// that binds the WordprocessingML namespace to another prefix reads the same.

std::string_view LocalName(const char* name) {
  const std::string_view full(name);
  const auto colon = full.find(':');
  return colon == std::string_view::npos ? full : full.substr(colon + 1);
}

std::string_view Attribute(const pugi::xml_node& node, std::string_view local_name) {
  for (const pugi::xml_attribute& attribute : node.attributes()) {
    if (LocalName(attribute.name()) == local_name) return attribute.value();
  }
  return {};
}

// The element's text: its PCDATA and CDATA children joined.
std::string ElementText(const pugi::xml_node& node, std::size_t max) {
  std::string text;
  for (const pugi::xml_node& child : node.children()) {
    if (child.type() != pugi::node_pcdata && child.type() != pugi::node_cdata) continue;
    text.append(child.value());
    if (text.size() >= max) break;
  }
  return text;
}

pugi::xml_node FirstChildNamed(const pugi::xml_node& node, std::string_view local_name) {
  for (const pugi::xml_node& child : node.children()) {
    if (child.type() == pugi::node_element && LocalName(child.name()) == local_name) return child;
  }
  return {};
}

// Calls visit(element) for every element under `root` in document order, without recursion:
// nesting depth is whatever the part says.
template <typename Visit>
void ForEachElement(const pugi::xml_node& root, Visit&& visit) {
  pugi::xml_node node = root.first_child();
  while (node) {
    if (node.type() == pugi::node_element) visit(node);
    if (pugi::xml_node child = node.first_child()) {
      node = child;
      continue;
    }
    while (node && node != root && !node.next_sibling()) node = node.parent();
    if (!node || node == root) break;
    node = node.next_sibling();
  }
}

// ---------------------------------------------------------------------------------------------
// [MS-XLSB] 2.1.4 records: type and size are little-endian base-128 numbers, 7 bits a byte,
// the high bit saying "more"; at most 2 bytes of type and 4 of size.

struct XlsbRecord {
  std::uint32_t type = 0;
  ByteSpan body;
};

std::optional<std::uint32_t> ReadXlsbNumber(ByteSpan data, std::size_t* offset,
                                            std::size_t max_bytes) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < max_bytes; ++i) {
    if (*offset >= data.size()) return std::nullopt;
    const std::uint8_t byte = data[(*offset)++];
    value |= static_cast<std::uint32_t>(byte & 0x7Fu) << (7 * i);
    if ((byte & 0x80u) == 0) return value;
  }
  return value;
}

// Reads records until the end, a broken record, or `max_records` (then *truncated is set).
std::vector<XlsbRecord> ReadXlsbRecords(ByteSpan data, std::size_t max_records, bool* truncated) {
  std::vector<XlsbRecord> records;
  std::size_t offset = 0;
  while (offset < data.size()) {
    if (records.size() >= max_records) {
      *truncated = true;
      break;
    }
    const auto type = ReadXlsbNumber(data, &offset, 2);
    const auto size = ReadXlsbNumber(data, &offset, 4);
    if (!type || !size || *size > data.size() - offset) break;
    records.push_back({*type, data.subspan(offset, *size)});
    offset += *size;
  }
  return records;
}

// XLWideString ([MS-XLSB]): a 32-bit count of UTF-16 units, then the units. A count of
// 0xFFFFFFFF is XLNullableWideString's null. Returns nullopt when it does not fit.
std::optional<std::string> ReadXlsbString(ByteSpan body, std::size_t* offset, std::size_t max) {
  const auto units = ReadLe<std::uint32_t>(body, *offset);
  if (!units) return std::nullopt;
  *offset += 4;
  if (*units == 0xFFFFFFFFu) return std::string();
  if (*units > (body.size() - *offset) / 2) return std::nullopt;
  const std::size_t kept = std::min<std::size_t>(*units, max);
  std::string text = ReadUtf16Le(body, *offset, kept);
  *offset += 2u * *units;
  return text;
}

constexpr std::uint32_t kBrtName = 39;               // [MS-XLSB] BrtName
constexpr std::uint32_t kBrtBundleSh = 156;          // [MS-XLSB] BrtBundleSh
constexpr std::uint32_t kBrtBeginSupBook = 360;      // [MS-XLSB] BrtBeginSupBook
constexpr std::uint32_t kBrtNameBuiltinFlag = 0x20;  // BrtName.fBuiltin: Excel's own name
constexpr std::uint16_t kSupBookDde = 0x0001;        // BrtBeginSupBook.sbt: a DDE link

// ---------------------------------------------------------------------------------------------
// Knowledge used by the analysis.

struct KnownClsid {
  std::string_view clsid;  // upper case, no braces
  std::string_view name;
  bool exploited;  // delivered exploits in Office documents
};

// ActiveX controls seen in documents (oletools' common/clsid.py, Microsoft Forms 2.0).
constexpr std::array kKnownClsids = {
    KnownClsid{"D27CDB6E-AE6D-11CF-96B8-444553540000",
               "Shockwave Flash Object (CVE-2018-4878, CVE-2018-15982)", true},
    KnownClsid{"BDD1F04B-858B-11D1-B16A-00C0F0283628", "MSCOMCTL.ListViewCtrl (CVE-2012-0158)",
               true},
    KnownClsid{"996BF5E0-8044-4650-ADEB-0B013914E99C", "MSCOMCTL.ListViewCtrl (CVE-2012-0158)",
               true},
    KnownClsid{"C74190B6-8589-11D1-B16A-00C0F0283628", "MSCOMCTL.TreeCtrl (CVE-2012-0158)", true},
    KnownClsid{"9181DC5F-E07D-418A-ACA6-8EEA1ECB8E9E", "MSCOMCTL.TreeCtrl (CVE-2012-0158)", true},
    KnownClsid{"1EFB6596-857C-11D1-B16A-00C0F0283628", "MSCOMCTL.TabStrip (CVE-2012-1856)", true},
    KnownClsid{"66833FE6-8583-11D1-B16A-00C0F0283628", "MSCOMCTL.Toolbar (CVE-2012-1856)", true},
    KnownClsid{"DD9DA666-8594-11D1-B16A-00C0F0283628", "MSCOMCTL.ImageComboCtrl (CVE-2014-1761)",
               true},
    KnownClsid{"D7053240-CE69-11CD-A777-00DD01143C57", "Microsoft Forms 2.0 CommandButton", false},
    KnownClsid{"8BD21D10-EC42-11CE-9E0D-00AA006002F3", "Microsoft Forms 2.0 TextBox", false},
    KnownClsid{"978C9E23-D4B0-11CE-BF2D-00AA003F40D0", "Microsoft Forms 2.0 Label", false},
    KnownClsid{"4C599241-6926-101B-9992-00000B65C6F9", "Microsoft Forms 2.0 Image", false},
    KnownClsid{"8856F961-340A-11D0-A96B-00C04FD705A2", "Microsoft Web Browser (Shell.Explorer.2)",
               false},
    KnownClsid{"6BF52A52-394A-11D3-B153-00C04F79FAA6", "Windows Media Player", false},
};

const KnownClsid* FindClsid(std::string_view clsid) {
  std::string key;
  for (char c : clsid) {
    if (c == '{' || c == '}' || c == ' ') continue;
    key.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  for (const KnownClsid& known : kKnownClsids) {
    if (known.clsid == key) return &known;
  }
  return nullptr;
}

// Extensions whose documents cannot carry macros; Office refuses or ignores VBA under them.
constexpr std::array<std::string_view, 8> kMacroFreeExtensions = {"docx", "dotx", "xlsx", "xltx",
                                                                  "pptx", "potx", "ppsx", "sldx"};

// Word fields that fetch content from a path or URL when the document updates them.

// ---------------------------------------------------------------------------------------------

struct Relationship {
  std::string rels_part;
  std::string source_part;  // "" for the package
  std::string id;
  std::string type_uri;
  std::string type;    // last segment of type_uri
  std::string target;  // as written, bounded
  bool external = false;
  std::string resolved;  // internal targets: the part name
};

class OoxmlReader {
 public:
  OoxmlReader(const archive::ArchiveListing& listing, std::string_view file_name,
              const OoxmlLimits& limits)
      : listing_(listing), file_name_(file_name), limits_(limits) {}

  OoxmlAnalysis Run();

 private:
  const archive::ArchiveMember* FindPart(std::string_view name) const {
    const auto it = parts_.find(PartKey(name));
    return it == parts_.end() ? nullptr : &listing_.members[it->second];
  }
  std::string ContentType(std::string_view part) const;
  void AddAnomaly(const std::string& code, std::string_view detail);
  std::unique_ptr<pugi::xml_document> ParseXml(const archive::ArchiveMember& member,
                                               unsigned int extra_options = 0);
  const Relationship* FindRelationship(std::string_view source_part, std::string_view id) const;
  std::vector<std::string> RelatedParts(std::string_view source_part,
                                        std::initializer_list<std::string_view> types) const;

  void ReadContentTypes();
  void ReadRelationships();
  void ReadMainPart();
  void CheckExternalRelationships();
  void ReadWordFields(const std::string& part);
  void AddWordField(const std::string& part, std::string_view code);
  void ReadWorkbook();
  void ReadWorkbookXml(const archive::ArchiveMember& member);
  void ReadWorkbookBin(const archive::ArchiveMember& member);
  void AddSheet(std::string_view name, std::string_view state, std::string_view rel_id);
  void AddDefinedName(std::string_view name, std::string_view value);
  void ReadExternalLinks();
  void ReadActiveX();
  void CollectEmbeddedParts();
  void ReadVbaProject();
  void ReadProperties();
  void CheckExtension();
  void AddDecodedText(std::string label, std::string_view text);

  const archive::ArchiveListing& listing_;
  std::string file_name_;
  const OoxmlLimits& limits_;
  OoxmlAnalysis out_;
  std::unordered_map<std::string, std::size_t> parts_;  // PartKey -> listing_.members index
  std::map<std::string, std::string> default_types_;    // lower-case extension -> content type
  std::map<std::string, std::string> override_types_;   // PartKey -> content type
  std::vector<Relationship> relationships_;
  // (PartKey of the source part, id) -> relationships_ index; the first of duplicate ids wins,
  // and a workbook of many sheets looks each one up.
  std::map<std::pair<std::string, std::string>, std::size_t> relationship_index_;
  std::map<std::string, std::size_t> anomaly_counts_;
  std::set<std::pair<std::string, std::string>> anomalies_seen_;  // (code, detail)
  std::set<std::pair<std::string, std::string>> dde_seen_;        // (part, field code)
  std::set<std::string> macro_sheets_;                            // PartKey
};

std::string OoxmlReader::ContentType(std::string_view part) const {
  const std::string key = PartKey(part);
  if (const auto it = override_types_.find(key); it != override_types_.end()) return it->second;
  if (const auto it = default_types_.find(AsciiLower(Extension(key))); it != default_types_.end()) {
    return it->second;
  }
  return {};
}

void OoxmlReader::AddDecodedText(std::string label, std::string_view text) {
  if (out_.decoded_texts.size() >= limits_.max_decoded_texts) return;
  out_.decoded_texts.emplace_back(CleanText(label, limits_.max_text), std::string(text));
}

void OoxmlReader::AddAnomaly(const std::string& code, std::string_view detail) {
  std::string clean_detail = CleanText(detail, limits_.max_text);
  std::size_t& count = anomaly_counts_[code];
  if (count >= limits_.max_anomalies_per_code) return;
  // The same finding twice (a field in both branches of mc:AlternateContent) says nothing more.
  if (!anomalies_seen_.insert({code, clean_detail}).second) return;
  ++count;
  Anomaly anomaly;
  anomaly.set_code(code);
  anomaly.set_detail(std::move(clean_detail));
  out_.anomalies.push_back(std::move(anomaly));
}

std::unique_ptr<pugi::xml_document> OoxmlReader::ParseXml(const archive::ArchiveMember& member,
                                                          unsigned int extra_options) {
  if (!member.extracted) return nullptr;  // kensa::archive already reported why
  if (member.data.size() > limits_.max_xml_part_size) {
    AddAnomaly("ooxml_part_too_large",
               member.name + ": " + std::to_string(member.data.size()) + " bytes, not parsed");
    return nullptr;
  }
  auto document = std::make_unique<pugi::xml_document>();
  t_xml_budget = t_xml_used + limits_.max_xml_memory;
  const pugi::xml_parse_result parsed = document->load_buffer(
      member.data.data(), member.data.size(),
      pugi::parse_default | pugi::parse_doctype | extra_options, pugi::encoding_auto);
  t_xml_budget = std::numeric_limits<std::size_t>::max();
  if (!parsed) {
    AddAnomaly("ooxml_xml_malformed", member.name + ": " + parsed.description() + " at offset " +
                                          std::to_string(parsed.offset));
    return nullptr;
  }
  for (const pugi::xml_node& node : document->children()) {
    if (node.type() == pugi::node_doctype) {
      AddAnomaly("ooxml_xml_doctype",
                 member.name + ": <!DOCTYPE " + CleanText(node.value(), 200) + ">");
      break;
    }
  }
  return document;
}

const Relationship* OoxmlReader::FindRelationship(std::string_view source_part,
                                                  std::string_view id) const {
  const auto it = relationship_index_.find({PartKey(source_part), std::string(id)});
  return it == relationship_index_.end() ? nullptr : &relationships_[it->second];
}

// Internal targets of `source_part`'s relationships of the given types.
std::vector<std::string> OoxmlReader::RelatedParts(
    std::string_view source_part, std::initializer_list<std::string_view> types) const {
  std::vector<std::string> related;
  const std::string source = PartKey(source_part);
  for (const Relationship& relationship : relationships_) {
    if (relationship.external || PartKey(relationship.source_part) != source) continue;
    if (std::find(types.begin(), types.end(), relationship.type) == types.end()) continue;
    related.push_back(relationship.resolved);
  }
  return related;
}

void OoxmlReader::ReadContentTypes() {
  const archive::ArchiveMember* member = FindPart("[Content_Types].xml");
  if (member == nullptr) {
    AddAnomaly("ooxml_content_types_missing", "no [Content_Types].xml part");
    return;
  }
  const auto document = ParseXml(*member);
  if (!document) return;
  const pugi::xml_node types = document->document_element();
  for (const pugi::xml_node& entry : types.children()) {
    if (entry.type() != pugi::node_element) continue;
    const std::string content_type = CleanText(Attribute(entry, "ContentType"), limits_.max_text);
    const std::string_view kind = LocalName(entry.name());
    if (kind == "Default") {
      default_types_[AsciiLower(Attribute(entry, "Extension"))] = content_type;
    } else if (kind == "Override") {
      override_types_[PartKey(Attribute(entry, "PartName"))] = content_type;
    }
  }
}

void OoxmlReader::ReadRelationships() {
  bool limit_reported = false;
  for (const archive::ArchiveMember& member : listing_.members) {
    const std::string key = PartKey(member.name);
    const auto rels_folder = key.rfind("_rels/");
    if (!EndsWith(key, ".rels") || rels_folder == std::string::npos ||
        (rels_folder != 0 && key[rels_folder - 1] != '/')) {
      continue;
    }
    if (limit_reported) break;
    // [ECMA-376] Part 2, 9.3: "a/_rels/b.xml.rels" holds the relationships of "a/b.xml";
    // "_rels/.rels" those of the package itself.
    const std::string name = PartName(member.name);
    std::string source_name(BaseName(name));
    source_name.resize(source_name.size() - 5);  // ".rels"
    const std::string source_part =
        source_name.empty() ? std::string() : name.substr(0, rels_folder) + source_name;
    const auto document = ParseXml(member);
    if (!document) continue;
    for (const pugi::xml_node& entry : document->document_element().children()) {
      if (entry.type() != pugi::node_element || LocalName(entry.name()) != "Relationship") continue;
      if (relationships_.size() >= limits_.max_relationships) {
        AddAnomaly("ooxml_relationship_limit", "more than " +
                                                   std::to_string(limits_.max_relationships) +
                                                   " relationships; the rest are not read");
        limit_reported = true;
        break;
      }
      Relationship relationship;
      relationship.rels_part = CleanText(member.name, limits_.max_text);
      relationship.source_part = CleanText(source_part, limits_.max_text);
      relationship.id = CleanText(Attribute(entry, "Id"), limits_.max_text);
      relationship.type_uri = CleanText(Attribute(entry, "Type"), limits_.max_text);
      relationship.type = std::string(LastSegment(relationship.type_uri));
      relationship.target = CleanText(Attribute(entry, "Target"), limits_.max_text);
      relationship.external = AsciiLower(Attribute(entry, "TargetMode")) == "external";
      if (!relationship.external) {
        relationship.resolved = ResolveTarget(relationship.source_part, relationship.target);
      }
      relationship_index_.emplace(
          std::make_pair(PartKey(relationship.source_part), relationship.id),
          relationships_.size());
      relationships_.push_back(std::move(relationship));
    }
  }
  out_.info.set_relationship_count(static_cast<std::uint32_t>(relationships_.size()));
}

void OoxmlReader::ReadMainPart() {
  auto& info = out_.info;
  for (const Relationship& relationship : relationships_) {
    if (relationship.source_part.empty() && !relationship.external &&
        relationship.type == "officeDocument") {
      info.set_main_part(relationship.resolved);
      break;
    }
  }
  const std::string content_type = AsciiLower(ContentType(info.main_part()));
  info.set_main_content_type(ContentType(info.main_part()));
  info.set_macro_enabled(content_type.find("macroenabled") != std::string::npos);
  const std::string main = PartKey(info.main_part());
  if (content_type.find("wordprocessingml") != std::string::npos ||
      content_type.find("ms-word") != std::string::npos || main.starts_with("word/")) {
    info.set_document_kind("word");
  } else if (content_type.find("spreadsheetml") != std::string::npos ||
             content_type.find("ms-excel") != std::string::npos || main.starts_with("xl/")) {
    info.set_document_kind("excel");
  } else if (content_type.find("presentationml") != std::string::npos ||
             content_type.find("ms-powerpoint") != std::string::npos || main.starts_with("ppt/")) {
    info.set_document_kind("powerpoint");
  }
}

void OoxmlReader::CheckExternalRelationships() {
  for (const Relationship& relationship : relationships_) {
    if (!relationship.external) continue;
    const std::string kind = TargetKind(relationship.target);
    if (static_cast<std::size_t>(out_.info.external_relationships_size()) < limits_.max_listed) {
      OoxmlRelationship* kept = out_.info.add_external_relationships();
      kept->set_rels_part(relationship.rels_part);
      kept->set_id(relationship.id);
      kept->set_type(relationship.type);
      kept->set_type_uri(relationship.type_uri);
      kept->set_target(relationship.target);
      kept->set_external(true);
      kept->set_target_kind(kind);
      if (kind != "relative") {
        AddDecodedText("ooxml.relationship:" + relationship.type, relationship.target);
      }
    }
    // Hyperlinks open on a click, in the browser; everything else Office fetches by itself.
    if (relationship.type == "hyperlink" || !IsRemoteKind(kind)) continue;
    const std::string detail =
        relationship.target + " (" + relationship.type + " in " + relationship.rels_part + ")";
    if (relationship.type == "attachedTemplate") {
      AddAnomaly("ooxml_remote_template", detail);
    } else if (relationship.type == "oleObject") {
      AddAnomaly("ooxml_external_ole_object", detail);
    } else if (relationship.type == "frame" || relationship.type == "subDocument") {
      AddAnomaly("ooxml_remote_frame", detail);
    } else {
      AddAnomaly("ooxml_external_remote_resource", detail);
    }
    if (kind == "unc") AddAnomaly("ooxml_unc_target", detail);
  }
}

// Word fields ([ECMA-376] Part 1, 17.16): a complex field is fldChar begin, the field code in
// instrText runs (split wherever Word or an obfuscator likes), fldChar separate, the result,
// fldChar end; fields nest. A simple field is fldSimple with the code in w:instr.
void OoxmlReader::ReadWordFields(const std::string& part) {
  const archive::ArchiveMember* member = FindPart(part);
  if (member == nullptr) return;
  // Whitespace-only runs are part of the field code ("DDE" + " " + "AUTO ...").
  const auto document = ParseXml(*member, pugi::parse_ws_pcdata);
  if (!document) return;
  // Fields nest a few levels in real documents; deeper ones are joined into the innermost kept.
  constexpr std::size_t kMaxFieldDepth = 64;
  struct OpenField {
    std::string code;
    bool in_code = true;
  };
  std::vector<OpenField> open;
  std::size_t overflow = 0;  // begins past kMaxFieldDepth not yet ended
  auto finish = [&] {
    if (overflow > 0) {
      --overflow;
      return;
    }
    if (open.empty()) return;
    AddWordField(member->name, open.back().code);
    open.pop_back();
  };
  ForEachElement(*document, [&](const pugi::xml_node& node) {
    const std::string_view name = LocalName(node.name());
    if (name == "fldSimple") {
      AddWordField(member->name, Attribute(node, "instr"));
    } else if (name == "fldChar") {
      const std::string_view type = Attribute(node, "fldCharType");
      if (type == "begin") {
        if (open.size() >= kMaxFieldDepth) {
          ++overflow;
        } else {
          open.push_back({});
        }
      } else if (type == "separate") {
        if (overflow == 0 && !open.empty()) open.back().in_code = false;
      } else if (type == "end") {
        finish();
      }
    } else if (name == "instrText") {
      // An instrText outside any field still reaches Word's field parser in damaged files;
      // treat it as the code of a field of its own.
      if (open.empty()) open.push_back({});
      OpenField& field = open.back();
      if (field.in_code && field.code.size() < limits_.max_text) {
        field.code += ElementText(node, limits_.max_text - field.code.size());
      }
    }
  });
  while (!open.empty()) {
    AddWordField(member->name, open.back().code);
    open.pop_back();
  }
}

void OoxmlReader::AddWordField(const std::string& part, std::string_view raw_code) {
  const WordField field = ParseWordField(raw_code);
  const std::string command = CleanText(field.command, limits_.max_text);
  const std::string clean_code = CleanText(TrimSpaces(raw_code), limits_.max_text);

  if (IsDdeField(field.name)) {
    if (!dde_seen_.insert({part, clean_code}).second) return;  // mc:AlternateContent repeats
    if (static_cast<std::size_t>(out_.info.dde_links_size()) < limits_.max_listed) {
      auto* link = out_.info.add_dde_links();
      link->set_part(CleanText(part, limits_.max_text));
      link->set_field_code(clean_code);
      link->set_command(command);
      link->set_automatic(field.name == "ddeauto");
    }
    AddAnomaly("ooxml_dde_field", part + ": " + clean_code);
    AddDecodedText("ooxml.dde:" + part, command);
    return;
  }
  if (IsIncludeField(field.name)) {
    const std::string_view target = FieldTarget(command);
    const std::string kind = TargetKind(target);
    if (!IsRemoteKind(kind)) return;
    const std::string detail = std::string(target) + " (" + field.name + " field in " + part + ")";
    AddAnomaly("ooxml_external_remote_resource", detail);
    if (kind == "unc") AddAnomaly("ooxml_unc_target", detail);
    AddDecodedText("ooxml.field:" + part, target);
  }
}

void OoxmlReader::AddSheet(std::string_view name, std::string_view state, std::string_view rel_id) {
  const std::string clean_name = CleanText(name, limits_.max_text);
  std::string kind;
  std::string part;
  if (const Relationship* relationship = FindRelationship(out_.info.main_part(), rel_id)) {
    part = relationship->resolved;
    const std::string& type = relationship->type;
    if (type == "worksheet") kind = "worksheet";
    if (type == "xlMacrosheet" || type == "xlIntlMacrosheet") kind = "macrosheet";
    if (type == "dialogsheet") kind = "dialogsheet";
    if (type == "chartsheet") kind = "chartsheet";
  }
  if (static_cast<std::size_t>(out_.info.sheets_size()) < limits_.max_listed) {
    auto* sheet = out_.info.add_sheets();
    sheet->set_name(clean_name);
    sheet->set_state(CleanText(state, limits_.max_text));
    sheet->set_kind(kind);
    sheet->set_part(part);
  }
  if (kind == "macrosheet" && !part.empty()) macro_sheets_.insert(PartKey(part));
  const std::string detail = clean_name + (kind.empty() ? "" : " (" + kind + ")");
  if (state == "hidden") AddAnomaly("ooxml_hidden_sheet", detail);
  if (state == "veryHidden") AddAnomaly("ooxml_very_hidden_sheet", detail);
}

void OoxmlReader::AddDefinedName(std::string_view name, std::string_view value) {
  std::string lower = AsciiLower(name);
  if (lower.starts_with("_xlnm.")) lower.erase(0, 6);
  // Excel runs a macro named Auto_Open on open, and so any name that starts with it
  // ("Auto_Open2", "auto_openAbc"): XLM droppers rely on that to look unremarkable.
  if (!lower.starts_with("auto_open") && !lower.starts_with("auto_close")) return;
  const std::string clean_name = CleanText(name, limits_.max_text);
  const std::string clean_value = CleanText(value, limits_.max_text);
  if (static_cast<std::size_t>(out_.info.auto_run_names_size()) < limits_.max_listed) {
    auto* kept = out_.info.add_auto_run_names();
    kept->set_name(clean_name);
    kept->set_value(clean_value);
  }
  AddAnomaly("ooxml_excel4_auto_run_name",
             clean_value.empty() ? clean_name : clean_name + " = " + clean_value);
}

void OoxmlReader::ReadWorkbookXml(const archive::ArchiveMember& member) {
  const auto document = ParseXml(member);
  if (!document) return;
  const pugi::xml_node workbook = document->document_element();
  for (const pugi::xml_node& sheet : FirstChildNamed(workbook, "sheets").children()) {
    if (sheet.type() != pugi::node_element || LocalName(sheet.name()) != "sheet") continue;
    std::string_view state = Attribute(sheet, "state");
    if (state.empty()) state = "visible";
    AddSheet(Attribute(sheet, "name"), state, Attribute(sheet, "id"));
  }
  for (const pugi::xml_node& name : FirstChildNamed(workbook, "definedNames").children()) {
    if (name.type() != pugi::node_element || LocalName(name.name()) != "definedName") continue;
    AddDefinedName(Attribute(name, "name"), ElementText(name, limits_.max_text));
  }
}

void OoxmlReader::ReadWorkbookBin(const archive::ArchiveMember& member) {
  if (!member.extracted) return;
  if (member.data.size() > limits_.max_xml_part_size) {
    AddAnomaly("ooxml_part_too_large",
               member.name + ": " + std::to_string(member.data.size()) + " bytes, not parsed");
    return;
  }
  bool truncated = false;
  for (const XlsbRecord& record :
       ReadXlsbRecords(member.data, limits_.max_xlsb_records, &truncated)) {
    std::size_t offset = 0;
    if (record.type == kBrtBundleSh) {
      // hsState (4), iTabID (4), strRelID (XLNullableWideString), strName (XLWideString).
      const auto state = ReadLe<std::uint32_t>(record.body, 0);
      offset = 8;
      const auto rel_id = ReadXlsbString(record.body, &offset, limits_.max_text);
      const auto name =
          rel_id ? ReadXlsbString(record.body, &offset, limits_.max_text) : std::nullopt;
      if (!state || !name) continue;
      const std::string_view state_name = *state == 1   ? "hidden"
                                          : *state == 2 ? "veryHidden"
                                                        : "visible";
      AddSheet(*name, state_name, *rel_id);
    } else if (record.type == kBrtName) {
      // flags (4), chKey (1), itab (4), name (XLNameWideString); the formula is not read here.
      const auto flags = ReadLe<std::uint32_t>(record.body, 0);
      offset = 9;
      const auto name = ReadXlsbString(record.body, &offset, limits_.max_text);
      if (!flags || !name) continue;
      AddDefinedName(((*flags & kBrtNameBuiltinFlag) != 0 ? "_xlnm." : "") + *name, "");
    }
  }
  if (truncated) {
    AddAnomaly(
        "ooxml_xlsb_record_limit",
        member.name + ": more than " + std::to_string(limits_.max_xlsb_records) + " records");
  }
}

void OoxmlReader::ReadWorkbook() {
  if (out_.info.document_kind() != "excel") return;
  if (const archive::ArchiveMember* member = FindPart(out_.info.main_part())) {
    if (AsciiLower(Extension(member->name)) == "bin") {
      ReadWorkbookBin(*member);
    } else {
      ReadWorkbookXml(*member);
    }
  }
  // Macro sheets by content type too: a sheet can be left out of workbook.xml and still sit in
  // the package for a later Workbook.Sheets.Add or an XLM loader.
  for (const archive::ArchiveMember& member : listing_.members) {
    const std::string type = AsciiLower(ContentType(member.name));
    if (type.find("macrosheet") != std::string::npos) macro_sheets_.insert(PartKey(member.name));
  }
  for (const archive::ArchiveMember& member : listing_.members) {
    if (!macro_sheets_.contains(PartKey(member.name))) continue;
    if (static_cast<std::size_t>(out_.info.macro_sheet_parts_size()) < limits_.max_listed) {
      out_.info.add_macro_sheet_parts(CleanText(member.name, limits_.max_text));
    }
    std::string sheet_name;
    for (const auto& sheet : out_.info.sheets()) {
      if (PartKey(sheet.part()) == PartKey(member.name))
        sheet_name = sheet.name() + ", " + sheet.state();
    }
    AddAnomaly("ooxml_excel4_macro_sheet",
               member.name + (sheet_name.empty() ? "" : " (" + sheet_name + ")"));
  }
}

// Excel external link parts: a ddeLink (XML) or a BrtBeginSupBook with sbt = DDE (binary) is
// a DDE link: service and topic are the program and its command line ("cmd" "/c calc.exe").
void OoxmlReader::ReadExternalLinks() {
  std::set<std::string> link_parts;
  for (const Relationship& relationship : relationships_) {
    if (!relationship.external && relationship.type == "externalLink") {
      link_parts.insert(PartKey(relationship.resolved));
    }
  }
  for (const archive::ArchiveMember& member : listing_.members) {
    if (AsciiLower(ContentType(member.name)).find("externallink") != std::string::npos) {
      link_parts.insert(PartKey(member.name));
    }
  }
  auto add_link = [&](const std::string& part, std::string_view service, std::string_view topic) {
    const std::string code =
        CleanText(std::string(service) + " " + std::string(topic), limits_.max_text);
    if (!dde_seen_.insert({part, code}).second) return;
    if (static_cast<std::size_t>(out_.info.dde_links_size()) < limits_.max_listed) {
      auto* link = out_.info.add_dde_links();
      link->set_part(CleanText(part, limits_.max_text));
      link->set_field_code(code);
      link->set_command(code);
      link->set_automatic(true);
    }
    AddAnomaly("ooxml_dde_field", part + ": " + code);
    AddDecodedText("ooxml.dde:" + part, code);
  };
  for (const archive::ArchiveMember& member : listing_.members) {
    if (!link_parts.contains(PartKey(member.name)) || !member.extracted) continue;
    if (AsciiLower(Extension(member.name)) == "bin") {
      if (member.data.size() > limits_.max_xml_part_size) continue;
      bool truncated = false;
      for (const XlsbRecord& record :
           ReadXlsbRecords(member.data, limits_.max_xlsb_records, &truncated)) {
        if (record.type != kBrtBeginSupBook) continue;
        // sbt (2), then link source and topic as XLWideStrings ([MS-XLSB] BrtBeginSupBook).
        if (ReadLe<std::uint16_t>(record.body, 0) != kSupBookDde) continue;
        std::size_t offset = 2;
        const auto service = ReadXlsbString(record.body, &offset, limits_.max_text);
        const auto topic =
            service ? ReadXlsbString(record.body, &offset, limits_.max_text) : std::nullopt;
        if (service && topic) add_link(member.name, *service, *topic);
      }
      continue;
    }
    const auto document = ParseXml(member);
    if (!document) continue;
    ForEachElement(*document, [&](const pugi::xml_node& node) {
      if (LocalName(node.name()) != "ddeLink") return;
      add_link(member.name, Attribute(node, "ddeService"), Attribute(node, "ddeTopic"));
    });
  }
}

void OoxmlReader::ReadActiveX() {
  std::set<std::string> control_parts;
  for (const Relationship& relationship : relationships_) {
    if (!relationship.external && relationship.type == "control" &&
        AsciiLower(Extension(relationship.resolved)) == "xml") {
      control_parts.insert(PartKey(relationship.resolved));
    }
  }
  for (const archive::ArchiveMember& member : listing_.members) {
    if (AsciiLower(ContentType(member.name)) == "application/vnd.ms-office.activex+xml") {
      control_parts.insert(PartKey(member.name));
    }
  }
  for (const archive::ArchiveMember& member : listing_.members) {
    if (!control_parts.contains(PartKey(member.name))) continue;
    const auto document = ParseXml(member);
    if (!document) continue;
    const pugi::xml_node ocx = document->document_element();
    if (LocalName(ocx.name()) != "ocx") continue;
    const std::string clsid = CleanText(Attribute(ocx, "classid"), limits_.max_text);
    const KnownClsid* known = FindClsid(clsid);
    std::string binary_part;
    if (const Relationship* binary = FindRelationship(member.name, Attribute(ocx, "id"))) {
      binary_part = binary->resolved;
    }
    if (static_cast<std::size_t>(out_.info.activex_controls_size()) < limits_.max_listed) {
      auto* control = out_.info.add_activex_controls();
      control->set_part(CleanText(member.name, limits_.max_text));
      control->set_clsid(clsid);
      control->set_clsid_name(known != nullptr ? std::string(known->name) : std::string());
      control->set_persistence(CleanText(Attribute(ocx, "persistence"), limits_.max_text));
      control->set_binary_part(binary_part);
    }
    const std::string detail =
        member.name + ": " + clsid + (known != nullptr ? " " + std::string(known->name) : "");
    AddAnomaly("ooxml_activex_control", detail);
    if (known != nullptr && known->exploited) AddAnomaly("ooxml_activex_exploit_clsid", detail);
  }
}

void OoxmlReader::CollectEmbeddedParts() {
  // Which parts are files of their own, by the relationships that point at them.
  std::map<std::string, std::string> kind_by_part;  // PartKey -> OoxmlEmbeddedPart.kind
  for (const Relationship& relationship : relationships_) {
    if (relationship.external) continue;
    const std::string key = PartKey(relationship.resolved);
    if (relationship.type == "oleObject") kind_by_part.emplace(key, "ole_object");
    if (relationship.type == "package") kind_by_part.emplace(key, "package");
    if (relationship.type == "activeXControlBinary") kind_by_part.emplace(key, "activex_binary");
    if (relationship.type == "vbaProject") kind_by_part.emplace(key, "vba_project");
    // altChunk: Word imports the part (RTF, HTML, MHT) into the document as it opens it.
    if (relationship.type == "aFChunk") kind_by_part.emplace(key, "alt_chunk");
  }
  for (const archive::ArchiveMember& member : listing_.members) {
    const std::string key = PartKey(member.name);
    const std::string type = AsciiLower(ContentType(member.name));
    std::string kind;
    if (const auto it = kind_by_part.find(key); it != kind_by_part.end()) {
      kind = it->second;
    } else if (type == "application/vnd.ms-office.vbaproject" ||
               BaseName(key) == "vbaproject.bin") {
      kind = "vba_project";
    } else if (type == "application/vnd.openxmlformats-officedocument.oleobject") {
      kind = "ole_object";
    } else if (type == "application/vnd.ms-office.activex") {
      kind = "activex_binary";
    } else if (key.find("/embeddings/") != std::string::npos) {
      kind = AsciiLower(Extension(key)) == "bin" ? "ole_object" : "package";
    } else if (key.find("/activex/") != std::string::npos && AsciiLower(Extension(key)) == "bin") {
      kind = "activex_binary";
    }
    if (kind.empty()) continue;
    if (!member.extracted) continue;  // too large or damaged: kensa::archive reported it

    const std::string part = CleanText(member.name, limits_.max_text);
    analysis::v1::ExtractedFile file;
    file.set_name(part);
    file.set_sha256(hashing::Sha256Hex(member.data));
    file.set_size(member.data.size());
    file.set_origin(kind == "activex_binary" ? "ooxml activex"
                    : kind == "vba_project"  ? "ooxml vba project"
                                             : "ooxml embedding");
    auto* embedded = out_.info.add_embedded_parts();
    embedded->set_part(part);
    embedded->set_content_type(ContentType(member.name));
    embedded->set_size(member.data.size());
    embedded->set_sha256(file.sha256());
    embedded->set_kind(kind);
    out_.children.push_back({std::move(file), member.data});

    const std::string detail = part + " (" + std::to_string(member.data.size()) + " bytes)";
    if (kind == "ole_object") AddAnomaly("ooxml_embedded_ole_object", detail);
    if (kind == "package") AddAnomaly("ooxml_embedded_package", detail);
    if (kind == "alt_chunk") {
      AddAnomaly("ooxml_alt_chunk", part + " (" + ContentType(member.name) + ")");
    }
    if (kind == "vba_project" && out_.info.vba_project_part().empty()) {
      out_.info.set_vba_project_part(part);
    }
  }
}

void OoxmlReader::ReadVbaProject() {
  if (out_.info.vba_project_part().empty()) return;
  const archive::ArchiveMember* member = FindPart(out_.info.vba_project_part());
  if (member == nullptr) return;
  auto office = AnalyzeOffice(member->data, limits_.office);
  if (!office) {
    AddAnomaly("ooxml_vba_project_unreadable", member->name + ": " + office.error().message());
    return;
  }
  out_.vba = std::move(*office);
}

void OoxmlReader::ReadProperties() {
  auto* properties = out_.info.mutable_properties();
  auto read = [&](std::string_view relationship_type, std::string_view fallback, auto&& apply) {
    std::string part(fallback);
    for (const Relationship& relationship : relationships_) {
      if (relationship.source_part.empty() && !relationship.external &&
          relationship.type == relationship_type) {
        part = relationship.resolved;
        break;
      }
    }
    const archive::ArchiveMember* member = FindPart(part);
    if (member == nullptr) return;
    const auto document = ParseXml(*member);
    if (!document) return;
    for (const pugi::xml_node& node : document->document_element().children()) {
      if (node.type() != pugi::node_element) continue;
      apply(LocalName(node.name()),
            CleanText(ElementText(node, limits_.max_text), limits_.max_text));
    }
  };
  read("core-properties", "docProps/core.xml", [&](std::string_view name, std::string value) {
    if (name == "title") properties->set_title(std::move(value));
    if (name == "subject") properties->set_subject(std::move(value));
    if (name == "creator") properties->set_creator(std::move(value));
    if (name == "lastModifiedBy") properties->set_last_modified_by(std::move(value));
    if (name == "created") properties->set_created(std::move(value));
    if (name == "modified") properties->set_modified(std::move(value));
    if (name == "revision") properties->set_revision(std::move(value));
  });
  read("extended-properties", "docProps/app.xml", [&](std::string_view name, std::string value) {
    if (name == "Application") properties->set_application(std::move(value));
    if (name == "AppVersion") properties->set_app_version(std::move(value));
    if (name == "Template") properties->set_template_(std::move(value));
    if (name == "Company") properties->set_company(std::move(value));
  });
}

void OoxmlReader::CheckExtension() {
  const std::string extension = AsciiLower(Extension(file_name_));
  if (std::find(kMacroFreeExtensions.begin(), kMacroFreeExtensions.end(), extension) ==
      kMacroFreeExtensions.end()) {
    return;
  }
  if (out_.info.macro_enabled()) {
    AddAnomaly(
        "ooxml_macro_extension_mismatch",
        std::string(BaseName(file_name_)) + ": main content type " + out_.info.main_content_type());
  } else if (!out_.info.vba_project_part().empty()) {
    AddAnomaly("ooxml_macro_extension_mismatch",
               std::string(BaseName(file_name_)) + ": holds " + out_.info.vba_project_part());
  }
}

OoxmlAnalysis OoxmlReader::Run() {
  for (const auto& finding : listing_.findings) {
    // Embedded documents are zips by design; every other container finding stands.
    if (finding.code == "archive_nested_archive") continue;
    AddAnomaly(finding.code, finding.detail);
  }
  for (std::size_t i = 0; i < listing_.members.size(); ++i) {
    parts_.emplace(PartKey(listing_.members[i].name), i);
  }
  out_.info.set_part_count(static_cast<std::uint32_t>(listing_.members.size()));

  ReadContentTypes();
  ReadRelationships();
  ReadMainPart();
  CheckExternalRelationships();
  if (out_.info.document_kind() == "word") {
    std::vector<std::string> word_parts;
    if (!out_.info.main_part().empty()) word_parts.push_back(out_.info.main_part());
    if (word_parts.empty() && FindPart("word/document.xml") != nullptr) {
      word_parts.emplace_back("word/document.xml");
    }
    const auto related =
        RelatedParts(out_.info.main_part(),
                     {"header", "footer", "footnotes", "endnotes", "comments", "glossaryDocument"});
    word_parts.insert(word_parts.end(), related.begin(), related.end());
    std::set<std::string> done;
    for (const std::string& part : word_parts) {
      if (done.insert(PartKey(part)).second) ReadWordFields(part);
    }
  }
  ReadWorkbook();
  ReadExternalLinks();
  ReadActiveX();
  CollectEmbeddedParts();
  ReadVbaProject();
  ReadProperties();
  CheckExtension();
  return std::move(out_);
}

}  // namespace

Result<OoxmlAnalysis> AnalyzeOoxml(ByteSpan data, std::string_view file_name,
                                   const OoxmlLimits& limits) {
  InstallXmlAllocator();
  // An encrypted OOXML document is a compound file, not a zip: no password applies here.
  auto listing = archive::ReadArchive(data, {}, limits.archive);
  if (!listing) return listing.error();
  return AnalyzeOoxml(*listing, file_name, limits);
}

OoxmlAnalysis AnalyzeOoxml(const archive::ArchiveListing& package, std::string_view file_name,
                           const OoxmlLimits& limits) {
  InstallXmlAllocator();
  OoxmlReader reader(package, file_name, limits);
  return reader.Run();
}

void AddOoxmlToResult(OoxmlAnalysis analysis, analysis::v1::StaticResult* result,
                      std::vector<ExtractedChild>* children,
                      std::vector<std::pair<std::string, std::string>>* decoded_texts) {
  for (auto& anomaly : analysis.anomalies) *result->add_anomalies() = std::move(anomaly);
  if (analysis.vba) {
    OfficeAnalysis& vba = *analysis.vba;
    for (std::size_t i = 0;
         i < vba.module_sources.size() && i < static_cast<std::size_t>(vba.info.vba_modules_size());
         ++i) {
      decoded_texts->emplace_back("office.vba:" + vba.info.vba_modules(static_cast<int>(i)).name(),
                                  std::move(vba.module_sources[i]));
    }
    for (auto& anomaly : vba.anomalies) *result->add_anomalies() = std::move(anomaly);
    *result->mutable_office() = std::move(vba.info);
  }
  for (auto& child : analysis.children) {
    *result->add_extracted_files() = child.info;
    if (children != nullptr) children->push_back(std::move(child));
  }
  for (auto& text : analysis.decoded_texts) decoded_texts->push_back(std::move(text));
  *result->mutable_ooxml() = std::move(analysis.info);
}

}  // namespace kensa::static_analysis
