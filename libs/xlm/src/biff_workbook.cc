// BIFF8 ([MS-XLS]) and BIFF5 workbook streams: the globals substream (BOUNDSHEET, NAME, SST,
// SUPBOOK / EXTERNNAME / EXTERNSHEET, FILEPASS) and each sheet's substream (FORMULA, STRING,
// LABEL, LABELSST).
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "findings.h"
#include "kensa/xlm/xlm_analysis.h"
#include "text.h"

namespace kensa::xlm {
namespace {

// [MS-XLS] 2.3 record types.
constexpr std::uint16_t kFormula = 0x0006;
constexpr std::uint16_t kEof = 0x000A;
constexpr std::uint16_t kExternSheet = 0x0017;
constexpr std::uint16_t kName = 0x0018;
constexpr std::uint16_t kExternName = 0x0023;
constexpr std::uint16_t kFilePass = 0x002F;
constexpr std::uint16_t kContinue = 0x003C;
constexpr std::uint16_t kBoundSheet = 0x0085;
constexpr std::uint16_t kSst = 0x00FC;
constexpr std::uint16_t kLabelSst = 0x00FD;
constexpr std::uint16_t kSupBook = 0x01AE;
constexpr std::uint16_t kLabel = 0x0204;
constexpr std::uint16_t kString = 0x0207;
constexpr std::uint16_t kBof = 0x0809;
// BOF.vers ([MS-XLS] 2.4.21): BIFF8 0x0600, BIFF5/7 0x0500.
constexpr std::uint16_t kBiff8Version = 0x0600;
constexpr std::uint16_t kBiff5Version = 0x0500;
// BOF.dt: a macro sheet's substream.
constexpr std::uint16_t kBofMacroSheet = 0x0040;
// SUPBOOK.cch markers ([MS-XLS] 2.4.271): this workbook, an add-in's functions.
constexpr std::uint16_t kSupBookSelf = 0x0401;
constexpr std::uint16_t kSupBookAddIn = 0x3A01;
// NAME.grbit fBuiltin ([MS-XLS] 2.4.150): the name is one character, an index into the list of
// built-in names.
constexpr std::uint16_t kNameBuiltin = 0x0020;
// Substreams nested in a sheet (a chart on a worksheet) go this deep in real files.
constexpr int kMaxBofDepth = 8;

struct Record {
  std::uint16_t type = 0;
  std::size_t offset = 0;
  ByteSpan body;
};

// [MS-XLS] 2.5.128 built-in names, by their one-character code.
std::string BuiltinName(std::uint8_t code) {
  static constexpr const char* kNames[] = {
      "Consolidate_Area", "Auto_Open",       "Auto_Close",   "Extract",        "Database",
      "Criteria",         "Print_Area",      "Print_Titles", "Recorder",       "Data_Form",
      "Auto_Activate",    "Auto_Deactivate", "Sheet_Title",  "_FilterDatabase"};
  if (code < std::size(kNames)) return kNames[code];
  return "Builtin#" + std::to_string(code);
}

// Reads across a record and the CONTINUE records after it, as SST and long strings require:
// a string's characters may go on in the next record, which then starts with a new flags byte.
class FragmentReader {
 public:
  explicit FragmentReader(std::vector<ByteSpan> fragments) : fragments_(std::move(fragments)) {}

  std::optional<std::uint8_t> Byte() {
    while (index_ < fragments_.size() && pos_ >= fragments_[index_].size()) Next();
    if (index_ >= fragments_.size()) return std::nullopt;
    return fragments_[index_][pos_++];
  }
  template <typename T>
  std::optional<T> Read() {
    T value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      const auto b = Byte();
      if (!b) return std::nullopt;
      value = static_cast<T>(value | (static_cast<T>(*b) << (8 * i)));
    }
    return value;
  }
  bool Skip(std::uint64_t count) {
    while (count > 0) {
      if (index_ >= fragments_.size()) return false;
      const std::size_t available = fragments_[index_].size() - pos_;
      const std::size_t step = static_cast<std::size_t>(std::min<std::uint64_t>(available, count));
      pos_ += step;
      count -= step;
      if (count > 0) Next();
    }
    return true;
  }
  // `count` characters, 1 or 2 bytes each per `wide`; a character run that crosses into the
  // next record continues after that record's flags byte ([MS-XLS] 2.5.293 remarks).
  std::optional<std::string> Characters(std::size_t count, bool wide, std::size_t max_bytes) {
    std::string out;
    while (count > 0) {
      if (index_ >= fragments_.size()) return std::nullopt;
      if (pos_ >= fragments_[index_].size()) {
        Next();
        const auto flags = Byte();
        if (!flags) return std::nullopt;
        wide = (*flags & 0x01u) != 0;
        continue;
      }
      const std::size_t width = wide ? 2 : 1;
      const std::size_t available = (fragments_[index_].size() - pos_) / width;
      if (available == 0) return std::nullopt;  // half a UTF-16 unit at a record's end
      const std::size_t take = std::min(available, count);
      const ByteSpan bytes = fragments_[index_].subspan(pos_, take * width);
      if (out.size() < max_bytes) {
        out += wide ? ReadUtf16Le(bytes, 0, take) : Latin1ToUtf8(bytes);
      }
      pos_ += take * width;
      count -= take;
    }
    return out;
  }
  bool AtEnd() const {
    for (std::size_t i = index_; i < fragments_.size(); ++i) {
      if ((i == index_ ? pos_ : 0) < fragments_[i].size()) return false;
    }
    return true;
  }

 private:
  void Next() {
    ++index_;
    pos_ = 0;
  }
  std::vector<ByteSpan> fragments_;
  std::size_t index_ = 0;
  std::size_t pos_ = 0;
};

struct SheetEntry {
  std::string name;
  std::string type;
  std::string visibility;
  std::uint32_t offset = 0;  // lbPlyPos: the sheet's BOF in the stream
};

struct SupBook {
  enum class Kind { kSelf, kAddIn, kExternal, kDdeOrOle } kind = Kind::kExternal;
  std::string path;    // external workbook path, or "server\x03topic" for DDE / OLE
  std::string server;  // DDE / OLE: before the 0x03 separator
  std::string topic;
  struct Name {
    std::string text;
    bool ole = false;
  };
  std::vector<Name> names;
};

struct DefinedName {
  std::string name;
  Bytes rgce;
};

class BiffReader {
 public:
  BiffReader(ByteSpan stream, const XlmLimits& limits)
      : stream_(stream), builder_("biff8", limits) {}

  XlmAnalysis Run();

 private:
  bool Biff5() const { return version_ == kBiff5Version; }
  const XlmLimits& limits() const { return builder_.limits(); }
  // The record at `offset`, or nullopt at the end of the stream (or where a record runs past it).
  std::optional<Record> RecordAt(std::size_t offset);
  // The body of `record` with its CONTINUE records appended, for records whose fields may run
  // on (NAME, FORMULA, SUPBOOK). A copy only when there are CONTINUE records.
  ByteSpan Joined(const Record& record, Bytes* storage) const;
  std::vector<ByteSpan> Fragments(const Record& record) const;
  void ReadBoundSheet(ByteSpan body);
  void ReadSst(const Record& record);
  void ReadName(ByteSpan body);
  void ReadSupBook(ByteSpan body);
  void ReadExternName(ByteSpan body);
  void ReadExternSheet(ByteSpan body);
  void FinishGlobals();
  void ReadFormula(ByteSpan body, const SheetEntry& sheet);
  void ReadCachedString(ByteSpan body);
  void ReadLabel(ByteSpan body, const SheetEntry& sheet, bool shared);
  std::optional<std::string> ReadShortString(ByteSpan body, std::size_t offset) const;
  std::optional<std::string> ReadLongString(ByteSpan body, std::size_t offset) const;

  ByteSpan stream_;
  XlmBuilder builder_;
  std::uint16_t version_ = kBiff8Version;
  std::vector<SheetEntry> sheets_;
  std::vector<std::string> sst_;
  std::vector<DefinedName> names_;
  std::vector<SupBook> supbooks_;
  struct Xti {
    std::uint16_t supbook = 0;
    std::int16_t first = 0;
  };
  std::vector<Xti> xtis_;
  FormulaContext context_;
  bool globals_done_ = false;
  // The kept formula whose cached string the next STRING record carries.
  analysis::v1::XlmFormula* pending_string_ = nullptr;
};

std::optional<Record> BiffReader::RecordAt(std::size_t offset) {
  if (offset > stream_.size() || stream_.size() - offset < 4) return std::nullopt;
  const std::uint16_t type = *ReadLe<std::uint16_t>(stream_, offset);
  const std::uint16_t size = *ReadLe<std::uint16_t>(stream_, offset + 2);
  if (size > stream_.size() - offset - 4) {
    // Streams are padded to their sector size with zeros; a zero "record" there is padding.
    if (type != 0) {
      builder_.AddAnomaly("xlm_malformed", "record 0x" + HexNumber(type).substr(2) + " at offset " +
                                               std::to_string(offset) +
                                               " runs past the end of the stream");
    }
    return std::nullopt;
  }
  return Record{type, offset, stream_.subspan(offset + 4, size)};
}

std::vector<ByteSpan> BiffReader::Fragments(const Record& record) const {
  std::vector<ByteSpan> fragments = {record.body};
  std::size_t offset = record.offset + 4 + record.body.size();
  // Each CONTINUE is at least 4 bytes: bounded by the stream.
  while (stream_.size() - offset >= 4 && ReadLe<std::uint16_t>(stream_, offset) == kContinue) {
    const std::uint16_t size = *ReadLe<std::uint16_t>(stream_, offset + 2);
    if (size > stream_.size() - offset - 4) break;
    fragments.push_back(stream_.subspan(offset + 4, size));
    offset += 4u + size;
  }
  return fragments;
}

ByteSpan BiffReader::Joined(const Record& record, Bytes* storage) const {
  const std::size_t next = record.offset + 4 + record.body.size();
  if (ReadLe<std::uint16_t>(stream_, next) != kContinue) return record.body;
  storage->clear();
  for (const ByteSpan fragment : Fragments(record)) {
    storage->insert(storage->end(), fragment.begin(), fragment.end());
  }
  return *storage;
}

// ShortXLUnicodeString ([MS-XLS] 2.5.240): cch (1 byte), fHighByte (BIFF8 only), characters.
std::optional<std::string> BiffReader::ReadShortString(ByteSpan body, std::size_t offset) const {
  const auto count = ReadLe<std::uint8_t>(body, offset);
  if (!count) return std::nullopt;
  std::size_t at = offset + 1;
  bool wide = false;
  if (!Biff5()) {
    const auto flags = ReadLe<std::uint8_t>(body, at++);
    if (!flags) return std::nullopt;
    wide = (*flags & 0x01u) != 0;
  }
  const std::size_t bytes = std::size_t{*count} * (wide ? 2 : 1);
  if (at > body.size() || body.size() - at < bytes) return std::nullopt;
  return wide ? ReadUtf16Le(body, at, *count) : Latin1ToUtf8(body.subspan(at, bytes));
}

// XLUnicodeString ([MS-XLS] 2.5.294): cch (2 bytes), fHighByte (BIFF8 only), characters.
std::optional<std::string> BiffReader::ReadLongString(ByteSpan body, std::size_t offset) const {
  const auto count = ReadLe<std::uint16_t>(body, offset);
  if (!count) return std::nullopt;
  std::size_t at = offset + 2;
  bool wide = false;
  if (!Biff5()) {
    const auto flags = ReadLe<std::uint8_t>(body, at++);
    if (!flags) return std::nullopt;
    wide = (*flags & 0x01u) != 0;
  }
  const std::size_t units =
      std::min<std::size_t>(*count, (body.size() - std::min(at, body.size())) / (wide ? 2 : 1));
  return wide ? ReadUtf16Le(body, at, units) : Latin1ToUtf8(body.subspan(at, units));
}

void BiffReader::ReadBoundSheet(ByteSpan body) {
  // lbPlyPos (4), hsState (1), dt (1), stName (ShortXLUnicodeString).
  const auto position = ReadLe<std::uint32_t>(body, 0);
  const auto state = ReadLe<std::uint8_t>(body, 4);
  const auto type = ReadLe<std::uint8_t>(body, 5);
  const auto name = ReadShortString(body, 6);
  if (!position || !state || !type || !name) {
    builder_.AddAnomaly("xlm_malformed", "BOUNDSHEET record too short");
    return;
  }
  if (sheets_.size() >= limits().max_sheets) return;
  SheetEntry sheet;
  sheet.name = CleanText(*name, 256);
  sheet.offset = *position;
  switch (*type) {
    case 0x00:
      sheet.type = "worksheet";
      break;
    case 0x01:
      sheet.type = "macrosheet";
      break;
    case 0x02:
      sheet.type = "chart";
      break;
    case 0x06:
      sheet.type = "vbmodule";
      break;
    default:
      sheet.type = "unknown_" + std::to_string(*type);
      break;
  }
  switch (*state & 0x03u) {
    case 0x00:
      sheet.visibility = "visible";
      break;
    case 0x01:
      sheet.visibility = "hidden";
      break;
    case 0x02:
      sheet.visibility = "very_hidden";
      break;
    default:
      sheet.visibility = "invalid_3";
      break;  // Excel treats it as very hidden
  }
  sheets_.push_back(std::move(sheet));
}

void BiffReader::ReadSst(const Record& record) {
  FragmentReader reader(Fragments(record));
  const auto total = reader.Read<std::uint32_t>();
  const auto unique = reader.Read<std::uint32_t>();
  if (!total || !unique) return;
  const std::size_t count = std::min<std::size_t>(*unique, limits().max_shared_strings);
  constexpr std::size_t kMaxStringBytes = 32768;  // Excel's cell limit is 32767 characters
  for (std::size_t i = 0; i < count && !reader.AtEnd(); ++i) {
    // XLUnicodeRichExtendedString ([MS-XLS] 2.5.293).
    const auto chars = reader.Read<std::uint16_t>();
    const auto flags = reader.Read<std::uint8_t>();
    if (!chars || !flags) break;
    std::uint16_t runs = 0;
    std::int32_t extended = 0;
    if ((*flags & 0x08u) != 0) runs = reader.Read<std::uint16_t>().value_or(0);
    if ((*flags & 0x04u) != 0) extended = reader.Read<std::int32_t>().value_or(0);
    auto text = reader.Characters(*chars, (*flags & 0x01u) != 0, kMaxStringBytes);
    if (!text) break;
    sst_.push_back(std::move(*text));
    if (!reader.Skip(std::uint64_t{runs} * 4) ||
        !reader.Skip(static_cast<std::uint64_t>(std::max(extended, 0)))) {
      break;
    }
  }
}

void BiffReader::ReadName(ByteSpan body) {
  // grbit (2), chKey (1), cch (1), cce (2), reserved (2), itab (2), 4 reserved bytes, then the
  // name (BIFF8: flags byte + characters) and the formula (cce bytes).
  const auto flags = ReadLe<std::uint16_t>(body, 0);
  const auto length = ReadLe<std::uint8_t>(body, 3);
  const auto formula_size = ReadLe<std::uint16_t>(body, 4);
  if (!flags || !length || !formula_size || body.size() < 14) {
    builder_.AddAnomaly("xlm_malformed", "NAME record too short");
    return;
  }
  std::size_t at = 14;
  bool wide = false;
  if (!Biff5()) {
    wide = (ReadLe<std::uint8_t>(body, at++).value_or(0) & 0x01u) != 0;
  }
  const std::size_t name_bytes = std::size_t{*length} * (wide ? 2 : 1);
  if (at > body.size() || body.size() - at < name_bytes) {
    builder_.AddAnomaly("xlm_malformed", "NAME record shorter than its name");
    return;
  }
  DefinedName name;
  if ((*flags & kNameBuiltin) != 0 && *length >= 1) {
    name.name = BuiltinName(body[at]);
    if (*length > 1) {  // "Auto_Open" followed by more: Excel's own names are one character
      name.name += wide ? ReadUtf16Le(body, at + 2, *length - 1u)
                        : Latin1ToUtf8(body.subspan(at + 1, *length - 1u));
    }
  } else {
    name.name = wide ? ReadUtf16Le(body, at, *length) : Latin1ToUtf8(body.subspan(at, name_bytes));
  }
  name.name = CleanText(name.name, 256);
  at += name_bytes;
  const ByteSpan rgce = SubSpan(body, at, *formula_size);
  name.rgce.assign(rgce.begin(), rgce.end());
  if (names_.size() < limits().max_names) names_.push_back(std::move(name));
}

void BiffReader::ReadSupBook(ByteSpan body) {
  const auto sheet_count = ReadLe<std::uint16_t>(body, 0);
  const auto marker = ReadLe<std::uint16_t>(body, 2);
  if (!sheet_count || !marker) {
    builder_.AddAnomaly("xlm_malformed", "SUPBOOK record too short");
    return;
  }
  SupBook book;
  if (*marker == kSupBookSelf) {
    book.kind = SupBook::Kind::kSelf;
  } else if (*marker == kSupBookAddIn) {
    book.kind = SupBook::Kind::kAddIn;
  } else {
    // virtPath: XLUnicodeStringNoCch of `marker` characters.
    const bool wide = (ReadLe<std::uint8_t>(body, 4).value_or(0) & 0x01u) != 0;
    const std::size_t units =
        std::min<std::size_t>(*marker, body.size() > 5 ? (body.size() - 5) / (wide ? 2 : 1) : 0);
    book.path = wide ? ReadUtf16Le(body, 5, units) : Latin1ToUtf8(SubSpan(body, 5, units));
    // [MS-XLS] 2.4.271: a SUPBOOK without sheets is a DDE or OLE data source, its virtPath
    // the server and the topic separated by U+0003.
    const std::size_t separator = book.path.find('\x03');
    if (*sheet_count == 0 && separator != std::string::npos) {
      book.kind = SupBook::Kind::kDdeOrOle;
      book.server = book.path.substr(0, separator);
      book.topic = book.path.substr(separator + 1);
    }
  }
  if (supbooks_.size() < limits().max_names) supbooks_.push_back(std::move(book));
}

void BiffReader::ReadExternName(ByteSpan body) {
  if (supbooks_.empty()) return;
  SupBook& book = supbooks_.back();
  if (book.names.size() >= limits().max_names) return;
  // flags (2), then 4 bytes (ixals + reserved, or reserved), then the name as a
  // ShortXLUnicodeString, for every kind of external name ([MS-XLS] 2.4.105).
  const auto flags = ReadLe<std::uint16_t>(body, 0);
  const auto name = ReadShortString(body, 6);
  if (!flags || !name) {
    builder_.AddAnomaly("xlm_malformed", "EXTERNNAME record too short");
    return;
  }
  book.names.push_back({CleanText(*name, 256), (*flags & 0x0010u) != 0 || (*flags & 0x0008u) != 0});
}

void BiffReader::ReadExternSheet(ByteSpan body) {
  if (Biff5()) return;  // BIFF5's EXTERNSHEET is a path per record; 3-D tokens carry the sheet
  const auto count = ReadLe<std::uint16_t>(body, 0);
  if (!count) return;
  for (std::size_t i = 0; i < *count && xtis_.size() < limits().max_names; ++i) {
    const auto supbook = ReadLe<std::uint16_t>(body, 2 + i * 6);
    const auto first = ReadLe<std::int16_t>(body, 4 + i * 6);
    if (!supbook || !first) {
      builder_.AddAnomaly("xlm_malformed", "EXTERNSHEET shorter than its count");
      return;
    }
    xtis_.push_back({*supbook, *first});
  }
}

// Names, sheet prefixes and external names are known once the globals end: decode the names'
// formulas (Auto_Open's target) and set up the context for the sheets' formulas.
void BiffReader::FinishGlobals() {
  if (globals_done_) return;
  globals_done_ = true;
  const FormulaDialect dialect = Biff5() ? FormulaDialect::kBiff5 : FormulaDialect::kBiff8;
  for (const auto& name : names_) context_.names.push_back(name.name);
  if (Biff5()) {
    for (const auto& sheet : sheets_) context_.sheet_prefixes.push_back(sheet.name);
  }
  for (std::size_t i = 0; i < xtis_.size(); ++i) {
    const Xti& xti = xtis_[i];
    std::string prefix = "[" + std::to_string(xti.supbook) + "]";
    if (xti.supbook < supbooks_.size()) {
      const SupBook& book = supbooks_[xti.supbook];
      if (book.kind == SupBook::Kind::kSelf && xti.first >= 0 &&
          static_cast<std::size_t>(xti.first) < sheets_.size()) {
        prefix = sheets_[static_cast<std::size_t>(xti.first)].name;
      } else if (book.kind == SupBook::Kind::kExternal) {
        prefix = "[" + book.path + "]";
      }
      for (std::size_t n = 0; n < book.names.size(); ++n) {
        if (context_.external_names.size() >= limits().max_names) break;
        FormulaContext::ExternalName external;
        external.xti = static_cast<std::uint32_t>(i);
        external.index = static_cast<std::uint32_t>(n + 1);
        const std::string& item = book.names[n].text;
        switch (book.kind) {
          case SupBook::Kind::kDdeOrOle:
            external.dde = !book.names[n].ole;
            external.dde_server = book.server;
            external.dde_topic = book.topic;
            external.dde_item = item;
            external.text = book.server + "|'" + book.topic + "'!" + item;
            break;
          case SupBook::Kind::kSelf:
            external.text = n < names_.size() ? names_[n].name : item;
            break;
          case SupBook::Kind::kAddIn:
            external.text = item;
            break;
          case SupBook::Kind::kExternal:
            external.text = "[" + book.path + "]" + item;
            break;
        }
        context_.external_names.push_back(std::move(external));
      }
    }
    context_.sheet_prefixes.push_back(prefix);
  }
  for (const auto& name : names_) {
    if (!IsAutoRunName(name.name)) continue;
    const DecodedFormula target =
        DecodeFormula(name.rgce, dialect, context_, limits().max_formula_text);
    builder_.AddDefinedName(name.name, target.text.size() > 1 ? target.text.substr(1) : "");
  }
  for (const auto& sheet : sheets_) builder_.AddSheet(sheet.name, sheet.type, sheet.visibility);
  // DDE links declared in the workbook; the formulas that use them add their cells below.
  for (const auto& book : supbooks_) {
    if (book.kind != SupBook::Kind::kDdeOrOle) continue;
    for (const auto& name : book.names) {
      if (!name.ole) builder_.AddDdeLink(book.server, book.topic, name.text, "SUPBOOK");
    }
  }
}

void BiffReader::ReadFormula(ByteSpan body, const SheetEntry& sheet) {
  pending_string_ = nullptr;
  // rw (2), col (2), ixfe (2), FormulaValue (8), grbit (2), chn (4), cce (2), rgce.
  const auto row = ReadLe<std::uint16_t>(body, 0);
  const auto column = ReadLe<std::uint16_t>(body, 2);
  const auto formula_size = ReadLe<std::uint16_t>(body, 20);
  if (!row || !column || !formula_size) {
    builder_.AddAnomaly("xlm_malformed", "FORMULA record too short on sheet " + sheet.name);
    return;
  }
  const ByteSpan rgce = SubSpan(body, 22, *formula_size);
  const bool macro = sheet.type == "macrosheet";
  // Worksheets hold ordinary formulas by the thousand: decode only what can carry DDE there.
  if (!macro) {
    bool name_x = false;
    for (std::size_t i = 0; i < rgce.size(); ++i) {
      name_x = name_x || (rgce[i] & 0x1Fu) == 0x19u;
    }
    if (!name_x || context_.external_names.empty()) return;
  }
  const FormulaDialect dialect = Biff5() ? FormulaDialect::kBiff5 : FormulaDialect::kBiff8;
  const DecodedFormula decoded = DecodeFormula(rgce, dialect, context_, limits().max_formula_text);
  if (!macro && decoded.dde_links.empty()) return;
  const std::string cell = CellName(*row, *column & 0x3FFFu);
  std::string cached;
  bool string_follows = false;
  const ByteSpan value = SubSpan(body, 6, 8);
  if (value.size() == 8 && ReadLe<std::uint16_t>(value, 6) == 0xFFFF) {
    switch (value[0]) {  // [MS-XLS] 2.5.133 FormulaValue
      case 0x00:
        string_follows = true;
        break;
      case 0x01:
        cached = value[2] != 0 ? "TRUE" : "FALSE";
        break;
      case 0x02:
        cached = "#ERROR" + std::to_string(value[2]);
        break;
      default:
        break;
    }
  } else if (value.size() == 8) {
    double number = 0;
    std::memcpy(&number, value.data(), sizeof(number));
    char buffer[64];
    const int written = std::snprintf(buffer, sizeof(buffer), "%.15g", number);
    if (written > 0)
      cached.assign(buffer,
                    std::min<std::size_t>(static_cast<std::size_t>(written), sizeof(buffer) - 1));
  }
  analysis::v1::XlmFormula* kept = builder_.AddFormula(sheet.name, cell, decoded.text, cached);
  if (string_follows) pending_string_ = kept;
  for (const auto* link : decoded.dde_links) {
    builder_.AddDdeLink(link->dde_server, link->dde_topic, link->dde_item, sheet.name + "!" + cell);
  }
  if (!decoded.complete) {
    builder_.AddNote("formula at " + sheet.name + "!" + cell + " has tokens Kensa does not decode");
  }
}

void BiffReader::ReadCachedString(ByteSpan body) {
  if (pending_string_ == nullptr) return;
  if (const auto text = ReadLongString(body, 0)) {
    pending_string_->set_cached_value(CleanText(*text, 4096));
  }
  pending_string_ = nullptr;
}

void BiffReader::ReadLabel(ByteSpan body, const SheetEntry& sheet, bool shared) {
  if (sheet.type != "macrosheet") return;
  const auto row = ReadLe<std::uint16_t>(body, 0);
  const auto column = ReadLe<std::uint16_t>(body, 2);
  if (!row || !column) return;
  std::optional<std::string> text;
  if (shared) {
    const auto index = ReadLe<std::uint32_t>(body, 6);
    if (index && *index < sst_.size()) text = sst_[*index];
  } else {
    text = ReadLongString(body, 6);
  }
  if (text && !text->empty())
    builder_.AddText(sheet.name, CellName(*row, *column & 0x3FFFu), *text);
}

XlmAnalysis BiffReader::Run() {
  const std::optional<Record> first = RecordAt(0);
  if (!first || first->type != kBof) {
    builder_.AddNote("the stream does not start with a BIFF5/BIFF8 BOF record");
    return builder_.Finish();
  }
  version_ = ReadLe<std::uint16_t>(first->body, 0).value_or(0);
  if (version_ != kBiff8Version && version_ != kBiff5Version) {
    builder_.AddNote("BOF version 0x" + HexNumber(version_).substr(2) +
                     " is not BIFF5 or BIFF8; not decoded");
    return builder_.Finish();
  }
  if (Biff5()) builder_.info().set_container("biff5");

  int depth = 0;
  const SheetEntry globals{"(globals)", "globals", "visible", 0};
  SheetEntry unknown{"(unlisted sheet)", "worksheet", "visible", 0};
  const SheetEntry* current = &globals;
  Bytes joined;
  std::size_t record_count = 0;
  // Every record is at least 4 bytes: the loop ends within stream.size() / 4 steps, or at
  // max_records.
  for (std::optional<Record> next = first; next;
       next = RecordAt(next->offset + 4 + next->body.size())) {
    const Record& record = *next;
    if (++record_count > limits().max_records) {
      builder_.AddAnomaly("xlm_limit", "more than " + std::to_string(limits().max_records) +
                                           " BIFF records; the rest are not read");
      break;
    }
    const bool first_record = record.offset == 0;
    switch (record.type) {
      case kBof: {
        ++depth;
        if (depth > kMaxBofDepth) {
          builder_.AddAnomaly("xlm_malformed",
                              "BOF records nested deeper than " + std::to_string(kMaxBofDepth));
          return builder_.Finish();
        }
        if (depth != 1 || first_record) break;
        FinishGlobals();
        current = &unknown;
        for (const auto& sheet : sheets_) {
          if (sheet.offset == record.offset) current = &sheet;
        }
        if (current == &unknown) {
          // A substream no BOUNDSHEET points at: Excel never reaches it, a scanner might.
          const auto type = ReadLe<std::uint16_t>(record.body, 2).value_or(0);
          unknown.type = type == kBofMacroSheet ? "macrosheet" : "worksheet";
          builder_.AddAnomaly("xlm_malformed", "substream at offset " +
                                                   std::to_string(record.offset) +
                                                   " is not listed in BOUNDSHEET");
        } else if (ReadLe<std::uint16_t>(record.body, 2) == kBofMacroSheet &&
                   current->type != "macrosheet") {
          // The BOF says macro sheet where the directory says otherwise: treat it as one.
          for (auto& sheet : sheets_) {
            if (&sheet == current) sheet.type = "macrosheet";
          }
        }
        break;
      }
      case kEof:
        if (depth > 0) --depth;
        if (depth == 0) {
          FinishGlobals();
          current = &globals;
        }
        break;
      case kFilePass:
        if (current != &globals) break;
        builder_.info().set_encrypted(true);
        builder_.AddAnomaly("xlm_encrypted_workbook",
                            "FILEPASS at offset " + std::to_string(record.offset) +
                                ": records after it are encrypted; formulas not decoded");
        FinishGlobals();
        return builder_.Finish();
      default:
        break;
    }
    if (depth != 1) continue;  // nested chart substreams hold no formulas of interest
    if (current == &globals) {
      switch (record.type) {
        case kBoundSheet:
          ReadBoundSheet(record.body);
          break;
        case kSst:
          ReadSst(record);
          break;
        case kName:
          ReadName(Joined(record, &joined));
          break;
        case kSupBook:
          ReadSupBook(Joined(record, &joined));
          break;
        case kExternName:
          ReadExternName(Joined(record, &joined));
          break;
        case kExternSheet:
          ReadExternSheet(Joined(record, &joined));
          break;
        default:
          break;
      }
      continue;
    }
    switch (record.type) {
      case kFormula:
        ReadFormula(Joined(record, &joined), *current);
        break;
      case kString:
        ReadCachedString(Joined(record, &joined));
        break;
      case kLabel:
        ReadLabel(Joined(record, &joined), *current, false);
        break;
      case kLabelSst:
        ReadLabel(record.body, *current, true);
        break;
      default:
        break;
    }
  }
  FinishGlobals();
  return builder_.Finish();
}

}  // namespace

XlmAnalysis AnalyzeBiffWorkbook(ByteSpan stream, const XlmLimits& limits) {
  return BiffReader(stream, limits).Run();
}

}  // namespace kensa::xlm
