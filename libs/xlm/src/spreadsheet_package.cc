// OOXML spreadsheets: XML parts ([ECMA-376] SpreadsheetML, [MS-XLSX] macro sheets) and the XLSB
// binary parts ([MS-XLSB]). The package's workbook part names the sheets; relationships name
// their parts and say which are macro sheets.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <pugixml.hpp>

#include "findings.h"
#include "kensa/xlm/xlm_analysis.h"
#include "text.h"

namespace kensa::xlm {
namespace {

// [MS-XLSB] 2.3.2 record types.
constexpr std::uint32_t kBrtRowHdr = 0;
constexpr std::uint32_t kBrtCellSt = 6;
constexpr std::uint32_t kBrtCellIsst = 7;
constexpr std::uint32_t kBrtFmlaString = 8;
constexpr std::uint32_t kBrtFmlaNum = 9;
constexpr std::uint32_t kBrtFmlaBool = 10;
constexpr std::uint32_t kBrtFmlaError = 11;
constexpr std::uint32_t kBrtSstItem = 19;
constexpr std::uint32_t kBrtName = 39;
constexpr std::uint32_t kBrtBundleSh = 156;
constexpr std::uint32_t kBrtExternSheet = 362;
// Bytes of a cell or XML text value kept for a macro-sheet text.
constexpr std::size_t kMaxCellText = 32768;

std::string_view LocalName(const char* name) {
  std::string_view text(name);
  const std::size_t colon = text.find(':');
  return colon == std::string_view::npos ? text : text.substr(colon + 1);
}

std::string_view Attribute(const pugi::xml_node& node, std::string_view local_name) {
  for (const pugi::xml_attribute& attribute : node.attributes()) {
    if (LocalName(attribute.name()) == local_name) return attribute.value();
  }
  return {};
}

pugi::xml_node Child(const pugi::xml_node& node, std::string_view local_name) {
  for (const pugi::xml_node& child : node.children()) {
    if (child.type() == pugi::node_element && LocalName(child.name()) == local_name) return child;
  }
  return {};
}

// All text below a node (<si><r><t>a</t></r><r><t>b</t></r></si> -> "ab"), bounded. Iterative:
// a hostile part nests elements deep enough to overflow a recursive walk.
std::string InnerText(const pugi::xml_node& node, std::size_t max) {
  std::string out;
  for (pugi::xml_node current = node.first_child(); current && current != node;) {
    if (current.type() == pugi::node_pcdata || current.type() == pugi::node_cdata) {
      out += current.value();
      if (out.size() >= max) break;
    }
    if (current.first_child()) {
      current = current.first_child();
      continue;
    }
    while (current && current != node && !current.next_sibling()) current = current.parent();
    if (current && current != node) current = current.next_sibling();
  }
  return out;
}

std::string Directory(std::string_view part) {
  const std::size_t slash = part.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(part.substr(0, slash + 1));
}

// A relationship target resolved against its source part's folder ("../x" and "/x" handled).
std::string Resolve(std::string_view source_part, std::string_view target) {
  std::string path = target.starts_with('/') ? std::string(target.substr(1))
                                             : Directory(source_part) + std::string(target);
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  for (const auto& segment : segments) out += (out.empty() ? "" : "/") + segment;
  return AsciiLower(out);
}

struct Relationship {
  std::string type;  // last segment of the type URI: "worksheet", "xlMacrosheet"...
  std::string part;  // resolved, lower case
};

struct XlsbRecord {
  std::uint32_t type = 0;
  ByteSpan body;
};

// [MS-XLSB] 2.1.4: type and size are 7-bit groups with a continuation bit. Calls `visit` for
// each record in order; returns false when the stream is cut or longer than `max_records`.
template <typename Visit>
bool ForEachXlsbRecord(ByteSpan data, std::size_t max_records, Visit&& visit) {
  std::size_t at = 0;
  std::size_t count = 0;
  // Every record takes at least two bytes: bounded by the data and by max_records.
  while (at < data.size()) {
    if (++count > max_records) return false;
    std::uint32_t type = 0;
    std::uint32_t size = 0;
    bool ok = false;
    for (int i = 0; i < 2 && at < data.size(); ++i) {
      const std::uint8_t b = data[at++];
      type |= std::uint32_t{b & 0x7Fu} << (7 * i);
      ok = (b & 0x80u) == 0;
      if (ok) break;
    }
    if (!ok) return false;
    ok = false;
    for (int i = 0; i < 4 && at < data.size(); ++i) {
      const std::uint8_t b = data[at++];
      size |= std::uint32_t{b & 0x7Fu} << (7 * i);
      ok = (b & 0x80u) == 0;
      if (ok) break;
    }
    if (!ok || size > data.size() - at) return false;
    visit(XlsbRecord{type, data.subspan(at, size)});
    at += size;
  }
  return true;
}

// XLWideString ([MS-XLSB] 2.5.171): cch (4 bytes), UTF-16LE characters.
std::optional<std::string> ReadWideString(ByteSpan body, std::size_t* offset) {
  const auto count = ReadLe<std::uint32_t>(body, *offset);
  if (!count) return std::nullopt;
  if (*count == 0xFFFFFFFFu) {  // XLNullableWideString's null
    *offset += 4;
    return std::string();
  }
  const std::uint64_t bytes = std::uint64_t{*count} * 2;
  if (*offset + 4 > body.size() || bytes > body.size() - *offset - 4) return std::nullopt;
  std::string text = ReadUtf16Le(body, *offset + 4, *count);
  *offset += 4 + static_cast<std::size_t>(bytes);
  return text;
}

class PackageReader {
 public:
  PackageReader(const std::vector<PackagePart>& parts, const XlmLimits& limits)
      : builder_("xlsx", limits) {
    for (const auto& part : parts) {
      std::string name = AsciiLower(part.name);
      if (name.starts_with('/')) name.erase(0, 1);
      parts_.emplace(std::move(name), part.data);
    }
  }

  XlmAnalysis Run();

 private:
  const XlmLimits& limits() const { return builder_.limits(); }
  std::optional<ByteSpan> Part(const std::string& name) const {
    const auto it = parts_.find(name);
    if (it == parts_.end()) return std::nullopt;
    return it->second;
  }
  std::unique_ptr<pugi::xml_document> Parse(const std::string& name);
  std::map<std::string, Relationship> ReadRelationships(const std::string& source_part);
  void ReadXmlWorkbook(const std::string& workbook);
  void ReadSharedStringsXml(const std::string& part);
  void ReadExternalLinkXml(std::size_t index, const std::string& part);
  void ReadXmlSheet(const std::string& sheet, const std::string& part, bool macro);
  void ReadXlsbWorkbook(const std::string& workbook);
  void ReadXlsbSheet(const std::string& sheet, const std::string& part);
  template <typename Visit>
  void Records(const std::string& part, ByteSpan data, Visit&& visit);

  XlmBuilder builder_;
  std::map<std::string, ByteSpan> parts_;
  std::vector<std::string> shared_strings_;
  // externalReferences index (1-based, as "[1]" in formulas) -> DDE server and topic.
  struct DdeBook {
    std::string server;
    std::string topic;
    std::string part;
    bool used = false;  // a cell formula refers to it
  };
  std::map<std::size_t, DdeBook> dde_books_;
  FormulaContext context_;
};

std::unique_ptr<pugi::xml_document> PackageReader::Parse(const std::string& name) {
  const auto data = Part(name);
  if (!data) return nullptr;
  if (data->size() > limits().max_part_size) {
    builder_.AddAnomaly("xlm_limit", name + ": " + std::to_string(data->size()) +
                                         " bytes, larger than the part limit; not read");
    return nullptr;
  }
  const std::string_view raw(reinterpret_cast<const char*>(data->data()), data->size());
  if (static_cast<std::size_t>(std::count(raw.begin(), raw.end(), '<')) >
      limits().max_xml_elements) {
    builder_.AddAnomaly("xlm_limit", name + ": more than " +
                                         std::to_string(limits().max_xml_elements) +
                                         " XML elements; not read");
    return nullptr;
  }
  auto document = std::make_unique<pugi::xml_document>();
  // No DOCTYPE processing: pugixml never expands external entities.
  const auto result = document->load_buffer(data->data(), data->size(), pugi::parse_default);
  if (!result) {
    builder_.AddAnomaly("xlm_malformed", name + ": " + result.description());
    return nullptr;
  }
  return document;
}

std::map<std::string, Relationship> PackageReader::ReadRelationships(
    const std::string& source_part) {
  std::map<std::string, Relationship> out;
  const std::size_t slash = source_part.rfind('/');
  const std::string rels =
      Directory(source_part) + "_rels/" +
      (slash == std::string::npos ? source_part : source_part.substr(slash + 1)) + ".rels";
  const auto document = Parse(rels);
  if (!document) return out;
  for (const pugi::xml_node& node : document->document_element().children()) {
    if (node.type() != pugi::node_element || LocalName(node.name()) != "Relationship") continue;
    if (Attribute(node, "TargetMode") == "External") continue;
    const std::string_view type = Attribute(node, "Type");
    const std::size_t last = type.rfind('/');
    Relationship relationship;
    relationship.type = std::string(last == std::string_view::npos ? type : type.substr(last + 1));
    relationship.part = Resolve(source_part, Attribute(node, "Target"));
    out.emplace(std::string(Attribute(node, "Id")), std::move(relationship));
  }
  return out;
}

void PackageReader::ReadSharedStringsXml(const std::string& part) {
  const auto document = Parse(part);
  if (!document) return;
  for (const pugi::xml_node& item : document->document_element().children()) {
    if (item.type() != pugi::node_element || LocalName(item.name()) != "si") continue;
    if (shared_strings_.size() >= limits().max_shared_strings) break;
    shared_strings_.push_back(InnerText(item, kMaxCellText));
  }
}

void PackageReader::ReadExternalLinkXml(std::size_t index, const std::string& part) {
  const auto document = Parse(part);
  if (!document) return;
  const pugi::xml_node link = Child(document->document_element(), "ddeLink");
  if (!link) return;
  const std::string server(Attribute(link, "ddeService"));
  const std::string topic(Attribute(link, "ddeTopic"));
  dde_books_[index] = {server, topic, part, false};
}

void PackageReader::ReadXmlSheet(const std::string& sheet, const std::string& part, bool macro) {
  const auto data = Part(part);
  if (!data) return;
  // A worksheet matters here only for DDE: "server|topic!item" or "[n]!item" of a DDE book.
  // Big data sheets without either are not parsed at all.
  const std::string_view raw(reinterpret_cast<const char*>(data->data()), data->size());
  if (!macro && raw.find('|') == std::string_view::npos &&
      (dde_books_.empty() || raw.find("]!") == std::string_view::npos)) {
    return;
  }
  const auto document = Parse(part);
  if (!document) return;
  const pugi::xml_node sheet_data = Child(document->document_element(), "sheetData");
  for (const pugi::xml_node& row : sheet_data.children()) {
    if (row.type() != pugi::node_element || LocalName(row.name()) != "row") continue;
    for (const pugi::xml_node& cell : row.children()) {
      if (cell.type() != pugi::node_element || LocalName(cell.name()) != "c") continue;
      const std::string reference(Attribute(cell, "r"));
      const std::string_view type = Attribute(cell, "t");
      const pugi::xml_node formula_node = Child(cell, "f");
      std::string value = InnerText(Child(cell, "v"), kMaxCellText);
      if (type == "s") {
        char* end = nullptr;
        const unsigned long index = std::strtoul(value.c_str(), &end, 10);
        value = index < shared_strings_.size() ? shared_strings_[index] : std::string();
      } else if (type == "inlineStr") {
        value = InnerText(Child(cell, "is"), kMaxCellText);
      }
      const std::string formula = InnerText(formula_node, limits().max_formula_text);
      if (formula.empty()) {
        if (macro && !value.empty() && (type == "s" || type == "inlineStr" || type == "str")) {
          builder_.AddText(sheet, reference, value);
        }
        continue;
      }
      std::optional<DdeReference> dde = FindDdeReference(formula);
      if (!dde) {
        // "[1]!_xlbgnm.A1": a name of the first external book, a DDE link when that book is one.
        for (auto& [index, book] : dde_books_) {
          const std::string prefix = "[" + std::to_string(index) + "]!";
          const std::size_t at = formula.find(prefix);
          if (at == std::string::npos) continue;
          std::size_t end = at + prefix.size();
          while (end < formula.size() && formula[end] != ',' && formula[end] != ')' &&
                 formula[end] != '&') {
            ++end;
          }
          dde = DdeReference{book.server, book.topic,
                             formula.substr(at + prefix.size(), end - at - prefix.size())};
          book.used = true;
          break;
        }
      }
      if (!macro && !dde) continue;
      builder_.AddFormula(sheet, reference, "=" + formula, value);
      if (dde) builder_.AddDdeLink(dde->server, dde->topic, dde->item, sheet + "!" + reference);
    }
  }
}

void PackageReader::ReadXmlWorkbook(const std::string& workbook) {
  const auto relationships = ReadRelationships(workbook);
  for (const auto& [id, relationship] : relationships) {
    if (relationship.type == "sharedStrings") ReadSharedStringsXml(relationship.part);
  }
  const auto document = Parse(workbook);
  if (!document) return;
  const pugi::xml_node root = document->document_element();
  std::size_t external_index = 0;
  for (const pugi::xml_node& reference : Child(root, "externalReferences").children()) {
    if (reference.type() != pugi::node_element) continue;
    ++external_index;
    const auto it = relationships.find(std::string(Attribute(reference, "id")));
    if (it != relationships.end()) ReadExternalLinkXml(external_index, it->second.part);
  }
  for (const pugi::xml_node& name : Child(root, "definedNames").children()) {
    if (name.type() != pugi::node_element || LocalName(name.name()) != "definedName") continue;
    std::string text(Attribute(name, "name"));
    if (AsciiLower(text).starts_with("_xlnm.")) text.erase(0, 6);
    builder_.AddDefinedName(text, InnerText(name, limits().max_formula_text));
  }
  struct SheetPart {
    std::string name;
    std::string part;
    bool macro = false;
  };
  std::vector<SheetPart> sheet_parts;
  for (const pugi::xml_node& sheet : Child(root, "sheets").children()) {
    if (sheet.type() != pugi::node_element || LocalName(sheet.name()) != "sheet") continue;
    const std::string name = CleanText(Attribute(sheet, "name"), 256);
    std::string_view state = Attribute(sheet, "state");
    const std::string visibility = state == "hidden"       ? "hidden"
                                   : state == "veryHidden" ? "very_hidden"
                                                           : "visible";
    std::string type = "worksheet";
    std::string part;
    const auto it = relationships.find(std::string(Attribute(sheet, "id")));
    if (it != relationships.end()) {
      part = it->second.part;
      if (it->second.type == "xlMacrosheet" || it->second.type == "xlIntlMacrosheet") {
        type = "macrosheet";
      } else if (it->second.type == "chartsheet") {
        type = "chart";
      } else if (it->second.type == "dialogsheet") {
        type = "dialogsheet";
      }
    }
    builder_.AddSheet(name, type, visibility);
    if (!part.empty() && (type == "macrosheet" || type == "worksheet")) {
      sheet_parts.push_back({name, part, type == "macrosheet"});
    }
  }
  for (const auto& sheet : sheet_parts) ReadXmlSheet(sheet.name, sheet.part, sheet.macro);
  // A DDE link no cell uses still starts its program when Excel updates links on open.
  for (const auto& [index, book] : dde_books_) {
    if (!book.used) builder_.AddDdeLink(book.server, book.topic, "", book.part);
  }
}

template <typename Visit>
void PackageReader::Records(const std::string& part, ByteSpan data, Visit&& visit) {
  if (data.size() > limits().max_part_size) {
    builder_.AddAnomaly("xlm_limit", part + ": larger than the part limit; not read");
    return;
  }
  if (!ForEachXlsbRecord(data, limits().max_records, visit)) {
    builder_.AddAnomaly("xlm_malformed", part + ": record stream cut or over the record limit");
  }
}

void PackageReader::ReadXlsbSheet(const std::string& sheet, const std::string& part) {
  const auto data = Part(part);
  if (!data) return;
  std::uint32_t row = 0;
  Records(part, *data, [&](const XlsbRecord& record) {
    if (record.type == kBrtRowHdr) {
      row = ReadLe<std::uint32_t>(record.body, 0).value_or(row);
      return;
    }
    if (record.type != kBrtCellSt && record.type != kBrtCellIsst &&
        (record.type < kBrtFmlaString || record.type > kBrtFmlaError)) {
      return;
    }
    // Cell ([MS-XLSB] 2.5.9): column (4), iStyleRef and flags (4); then the value.
    const auto column = ReadLe<std::uint32_t>(record.body, 0);
    if (!column) return;
    const std::string cell = CellName(row, *column & 0x3FFFu);
    std::size_t at = 8;
    std::string cached;
    switch (record.type) {
      case kBrtCellSt:
        if (const auto text = ReadWideString(record.body, &at))
          builder_.AddText(sheet, cell, *text);
        return;
      case kBrtCellIsst:
        if (const auto index = ReadLe<std::uint32_t>(record.body, 8);
            index && *index < shared_strings_.size()) {
          builder_.AddText(sheet, cell, shared_strings_[*index]);
        }
        return;
      case kBrtFmlaString:
        cached = ReadWideString(record.body, &at).value_or("");
        break;
      case kBrtFmlaNum: {
        const auto bits = ReadLe<std::uint64_t>(record.body, 8);
        double number = 0;
        if (bits) std::memcpy(&number, &*bits, sizeof(number));
        char buffer[64];
        const int written = std::snprintf(buffer, sizeof(buffer), "%.15g", number);
        if (written > 0)
          cached.assign(
              buffer, std::min<std::size_t>(static_cast<std::size_t>(written), sizeof(buffer) - 1));
        at += 8;
        break;
      }
      case kBrtFmlaBool:
        cached = ReadLe<std::uint8_t>(record.body, 8).value_or(0) != 0 ? "TRUE" : "FALSE";
        at += 1;
        break;
      default:  // kBrtFmlaError
        cached = "#ERROR" + std::to_string(ReadLe<std::uint8_t>(record.body, 8).value_or(0));
        at += 1;
        break;
    }
    // grbitFlags (2), then CellParsedFormula: cce (4), rgce.
    const auto size = ReadLe<std::uint32_t>(record.body, at + 2);
    if (!size) return;
    const ByteSpan rgce = SubSpan(record.body, at + 6, *size);
    const DecodedFormula decoded =
        DecodeFormula(rgce, FormulaDialect::kXlsb, context_, limits().max_formula_text);
    builder_.AddFormula(sheet, cell, decoded.text, cached);
    if (!decoded.complete) {
      builder_.AddNote("formula at " + sheet + "!" + cell + " has tokens Kensa does not decode");
    }
  });
}

void PackageReader::ReadXlsbWorkbook(const std::string& workbook) {
  builder_.info().set_container("xlsb");
  const auto relationships = ReadRelationships(workbook);
  for (const auto& [id, relationship] : relationships) {
    if (relationship.type != "sharedStrings") continue;
    const auto data = Part(relationship.part);
    if (!data) continue;
    Records(relationship.part, *data, [&](const XlsbRecord& record) {
      if (record.type != kBrtSstItem || shared_strings_.size() >= limits().max_shared_strings)
        return;
      std::size_t at = 1;  // RichStr: flags (1), then the string
      if (auto text = ReadWideString(record.body, &at)) shared_strings_.push_back(std::move(*text));
    });
  }
  // DDE links ([MS-XLSB] BrtBeginSupBook with sbt 1: service and topic as XLWideStrings). The
  // cells of XLSB worksheets are not read, so each link is located at its part.
  constexpr std::uint32_t kBrtBeginSupBook = 360;
  constexpr std::uint16_t kSupBookDde = 1;
  for (const auto& [id, relationship] : relationships) {
    if (relationship.type != "externalLink") continue;
    const std::string part = relationship.part;  // clang 14 lambdas cannot capture a binding
    const auto link = Part(part);
    if (!link) continue;
    Records(part, *link, [&](const XlsbRecord& record) {
      if (record.type != kBrtBeginSupBook || ReadLe<std::uint16_t>(record.body, 0) != kSupBookDde) {
        return;
      }
      std::size_t at = 2;
      const auto server = ReadWideString(record.body, &at);
      const auto topic = server ? ReadWideString(record.body, &at) : std::nullopt;
      if (server && topic) builder_.AddDdeLink(*server, *topic, "", part);
    });
  }
  const auto data = Part(workbook);
  if (!data) return;
  struct SheetPart {
    std::string name;
    std::string part;
  };
  std::vector<SheetPart> macro_parts;
  std::vector<std::string> sheet_names;
  std::vector<std::pair<std::string, Bytes>> names;
  Records(workbook, *data, [&](const XlsbRecord& record) {
    if (record.type == kBrtBundleSh) {
      // hsState (4), iTabID (4), strRelID (XLNullableWideString), strName (XLWideString).
      const auto state = ReadLe<std::uint32_t>(record.body, 0);
      std::size_t at = 8;
      const auto rel_id = ReadWideString(record.body, &at);
      const auto name = rel_id ? ReadWideString(record.body, &at) : std::nullopt;
      if (!state || !name) {
        builder_.AddAnomaly("xlm_malformed", workbook + ": BrtBundleSh too short");
        return;
      }
      const std::string visibility = *state == 1   ? "hidden"
                                     : *state == 2 ? "very_hidden"
                                                   : "visible";
      std::string type = "worksheet";
      const auto it = relationships.find(*rel_id);
      if (it != relationships.end()) {
        if (it->second.type == "xlMacrosheet" || it->second.type == "xlIntlMacrosheet") {
          type = "macrosheet";
          macro_parts.push_back({CleanText(*name, 256), it->second.part});
        } else if (it->second.type == "chartsheet") {
          type = "chart";
        } else if (it->second.type == "dialogsheet") {
          type = "dialogsheet";
        }
      }
      builder_.AddSheet(*name, type, visibility);
      sheet_names.push_back(CleanText(*name, 256));
    } else if (record.type == kBrtName) {
      // flags (4), chKey (1), itab (4), name (XLNameWideString), formula: cce (4), rgce.
      const auto flags = ReadLe<std::uint32_t>(record.body, 0);
      std::size_t at = 9;
      const auto name = ReadWideString(record.body, &at);
      const auto size = ReadLe<std::uint32_t>(record.body, at);
      if (!flags || !name || !size) {
        builder_.AddAnomaly("xlm_malformed", workbook + ": BrtName too short");
        return;
      }
      const ByteSpan rgce = SubSpan(record.body, at + 4, *size);
      if (names.size() < limits().max_names) {
        names.emplace_back(CleanText(*name, 256), Bytes(rgce.begin(), rgce.end()));
      }
    } else if (record.type == kBrtExternSheet) {
      // cXti (4), then XTI: iSupBook (4), itabFirst (4), itabLast (4).
      const auto count = ReadLe<std::uint32_t>(record.body, 0);
      for (std::uint32_t i = 0; count && i < *count && i < limits().max_names; ++i) {
        const auto first = ReadLe<std::int32_t>(record.body, 4 + std::size_t{i} * 12 + 4);
        if (!first) break;
        context_.sheet_prefixes.push_back(*first >= 0 && static_cast<std::size_t>(*first) <
                                                             sheet_names.size()
                                              ? sheet_names[static_cast<std::size_t>(*first)]
                                              : "[" + std::to_string(i) + "]");
      }
    }
  });
  for (const auto& [name, rgce] : names) context_.names.push_back(name);
  for (const auto& [name, rgce] : names) {
    if (!IsAutoRunName(name)) continue;
    const DecodedFormula target =
        DecodeFormula(rgce, FormulaDialect::kXlsb, context_, limits().max_formula_text);
    builder_.AddDefinedName(name, target.text.size() > 1 ? target.text.substr(1) : "");
  }
  for (const auto& sheet : macro_parts) ReadXlsbSheet(sheet.name, sheet.part);
}

XlmAnalysis PackageReader::Run() {
  // The workbook part: the package's officeDocument relationship, else the usual names.
  std::string workbook;
  for (const auto& [id, relationship] : ReadRelationships("")) {
    if (relationship.type == "officeDocument") workbook = relationship.part;
  }
  if (workbook.empty() || !Part(workbook)) {
    workbook = Part("xl/workbook.bin") ? "xl/workbook.bin" : "xl/workbook.xml";
  }
  if (!Part(workbook)) return builder_.Finish();
  if (workbook.ends_with(".bin")) {
    ReadXlsbWorkbook(workbook);
  } else {
    ReadXmlWorkbook(workbook);
  }
  return builder_.Finish();
}

}  // namespace

XlmAnalysis AnalyzeSpreadsheetPackage(const std::vector<PackagePart>& parts,
                                      const XlmLimits& limits) {
  return PackageReader(parts, limits).Run();
}

}  // namespace kensa::xlm
