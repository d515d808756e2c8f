#include "kensa/rtf/equation_native.h"

#include <algorithm>
#include <cstdio>

namespace kensa::rtf {
namespace {

// EQNOLEFILEHDR is 28 bytes; a header claiming more than this is not from Equation Editor.
constexpr std::size_t kEqnOleFileHeader = 0x1C;
constexpr std::size_t kMaxEqnOleFileHeader = 0x100;
constexpr std::size_t kMtefHeaderSize = 5;
// Records read from one equation; EQNEDT32 equations have tens to a few thousand.
constexpr std::size_t kMaxRecords = 100000;
// FONT records and MATRIX records kept per equation.
constexpr std::size_t kMaxFonts = 64;
constexpr std::size_t kMaxMatrices = 64;
// Equation Editor's matrix dialog builds small matrices; partition data for more rows or
// columns than this overruns the fixed buffer EQNEDT32 copies it into (CVE-2018-0798 shape).
constexpr std::uint8_t kMaxPlausibleMatrixDimension = 32;
// Strings kept from the stream for indicator extraction.
constexpr std::size_t kMinStringLength = 8;
constexpr std::size_t kMaxStrings = 16;
constexpr std::size_t kMaxStringBytes = 2048;

// MTEF v3 record types (low nibble of the tag) and option bits (high nibble).
enum RecordType : std::uint8_t {
  kEnd = 0,
  kLine = 1,
  kChar = 2,
  kTmpl = 3,
  kPile = 4,
  kMatrix = 5,
  kEmbell = 6,
  kRuler = 7,
  kFont = 8,
  kSize = 9,
  kLastSimple = 14,  // FULL, SUB, SUB2, SYM, SUBSYM: no fields
};
constexpr std::uint8_t kOptionNudge = 0x8;      // xfLMOVE
constexpr std::uint8_t kOptionLineSpace = 0x4;  // xfLSPACE (LINE)
constexpr std::uint8_t kOptionEmbell = 0x2;     // xfEMBELL (CHAR)
constexpr std::uint8_t kOptionNull = 0x1;       // xfNULL (LINE: no object list)

bool IsPrintable(std::uint8_t c) { return c >= 0x20 && c < 0x7F; }

std::string Hex32(std::uint32_t value) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "0x%08x", value);
  return buffer;
}

class MtefReader {
 public:
  MtefReader(ByteSpan data, std::size_t start, EquationNative& out)
      : data_(data), pos_(start), out_(out) {}

  void Run() {
    std::size_t depth = 0;
    while (out_.records_read < kMaxRecords) {
      if (pos_ >= data_.size()) {
        out_.stop_reason = "the stream ended inside the equation";
        return;
      }
      const std::uint64_t record_offset = pos_;
      const std::uint8_t tag = data_[pos_++];
      const std::uint8_t type = tag & 0x0F;
      const std::uint8_t options = static_cast<std::uint8_t>(tag >> 4);
      ++out_.records_read;
      bool opens_list = false;
      bool ok = true;
      switch (type) {
        case kEnd:
          if (depth == 0) return;  // the equation's outermost list ended
          --depth;
          continue;
        case kLine:
          ok = Nudge(options) && (!(options & kOptionLineSpace) || Skip(2));
          opens_list = !(options & kOptionNull);
          break;
        case kChar:
          // typeface, then a 16-bit character; embellishments follow as a list.
          ok = Nudge(options) && Skip(3);
          opens_list = (options & kOptionEmbell) != 0;
          break;
        case kTmpl:
          ok = Nudge(options) && Skip(3);  // selector, variation, template options
          opens_list = true;
          break;
        case kPile:
          ok = Nudge(options) && Skip(2);  // halign, valign
          opens_list = true;
          break;
        case kMatrix:
          ok = Nudge(options) && Matrix(record_offset);
          opens_list = true;
          break;
        case kEmbell:
          ok = Nudge(options) && Skip(1);
          break;
        case kRuler:
          ok = Ruler();
          break;
        case kFont:
          ok = Font(record_offset);
          break;
        case kSize:
          ok = Size();
          break;
        default:
          if (type > kLastSimple) {
            out_.stop_reason = "unknown record type " + std::to_string(type) + " at offset " +
                               std::to_string(record_offset);
            return;
          }
          break;
      }
      if (!ok) {
        out_.stop_reason =
            "record at offset " + std::to_string(record_offset) + " runs past the stream";
        return;
      }
      if (opens_list) ++depth;
    }
    out_.stop_reason = "record limit reached";
  }

 private:
  bool Skip(std::size_t count) {
    if (data_.size() - pos_ < count) return false;
    pos_ += count;
    return true;
  }

  // Nudge: dx and dy as bytes biased by 128; both 128 means two 16-bit values follow.
  bool Nudge(std::uint8_t options) {
    if (!(options & kOptionNudge)) return true;
    if (data_.size() - pos_ < 2) return false;
    const bool wide = data_[pos_] == 128 && data_[pos_ + 1] == 128;
    pos_ += 2;
    return !wide || Skip(4);
  }

  bool Matrix(std::uint64_t record_offset) {
    if (data_.size() - pos_ < 5) return false;
    const std::uint8_t rows = data_[pos_ + 3];
    const std::uint8_t columns = data_[pos_ + 4];
    pos_ += 5;
    if (out_.matrices.size() < kMaxMatrices)
      out_.matrices.push_back({record_offset, rows, columns});
    if (rows > kMaxPlausibleMatrixDimension || columns > kMaxPlausibleMatrixDimension) {
      out_.exploits.push_back({"CVE-2018-0798", record_offset,
                               "MATRIX record with " + std::to_string(rows) + " rows and " +
                                   std::to_string(columns) + " columns (more than " +
                                   std::to_string(kMaxPlausibleMatrixDimension) +
                                   "): its partition data overruns EQNEDT32's stack buffer"});
    }
    // Row and column partition lines: 2 bits for each of rows+1 and columns+1, byte-padded.
    const std::size_t row_parts = (2 * (std::size_t{rows} + 1) + 7) / 8;
    const std::size_t column_parts = (2 * (std::size_t{columns} + 1) + 7) / 8;
    return Skip(row_parts + column_parts);
  }

  bool Ruler() {
    if (pos_ >= data_.size()) return false;
    const std::uint8_t stops = data_[pos_++];
    return Skip(std::size_t{stops} * 3);  // type and 16-bit offset per tab stop
  }

  bool Size() {
    if (pos_ >= data_.size()) return false;
    const std::uint8_t first = data_[pos_++];
    if (first == 101) return Skip(2);  // an explicit point size
    if (first == 100) return Skip(3);  // size class and a 16-bit delta
    return Skip(1);                    // size class and an 8-bit delta
  }

  bool Font(std::uint64_t record_offset) {
    if (data_.size() - pos_ < 2) return false;
    EquationFont font;
    font.offset = record_offset;
    font.typeface = data_[pos_];
    font.style = data_[pos_ + 1];
    pos_ += 2;
    const std::size_t name_start = pos_;
    while (pos_ < data_.size() && data_[pos_] != 0) ++pos_;
    font.terminated = pos_ < data_.size();
    font.name.assign(data_.begin() + static_cast<std::ptrdiff_t>(name_start),
                     data_.begin() + static_cast<std::ptrdiff_t>(pos_));
    if (font.terminated) ++pos_;
    font.non_printable = static_cast<std::size_t>(std::count_if(
        font.name.begin(), font.name.end(), [](std::uint8_t c) { return !IsPrintable(c); }));
    Classify(font);
    if (out_.fonts.size() < kMaxFonts) out_.fonts.push_back(std::move(font));
    return true;
  }

  void Classify(const EquationFont& font) {
    const std::size_t length = font.name.size();
    if (length <= kEquationFontBuffer) return;
    std::string evidence = "FONT record name of " + std::to_string(length) + " bytes (" +
                           std::to_string(font.non_printable) +
                           " not printable) at stream offset " + std::to_string(font.offset + 3) +
                           " overflows the 0x28-byte name buffer";
    if (length >= kCve20180802MinNameLength) {
      // The copy stops at the NUL: the last bytes of the name and the NUL replace the low bytes
      // of the return address (ASLR leaves the high ones valid).
      const std::uint8_t last = font.name[length - 1];
      const std::uint8_t before = font.name[length - 2];
      char bytes[64];
      std::snprintf(bytes, sizeof(bytes),
                    "; it ends with %02x %02x 00, a partial return address overwrite", before,
                    last);
      out_.exploits.push_back({"CVE-2018-0802", font.offset, evidence + bytes});
      return;
    }
    constexpr std::size_t kReturnAddressOffset = 0x2C;
    if (length >= kReturnAddressOffset + 4) {
      const auto address = ReadLe<std::uint32_t>(font.name, kReturnAddressOffset);
      evidence += "; return address " + Hex32(*address) + " at name offset 0x2c";
    } else if (length > kReturnAddressOffset) {
      // Fewer than 4 bytes: the NUL completes the address (0x00402114 from "14 21 40").
      std::uint32_t address = 0;
      for (std::size_t i = kReturnAddressOffset; i < length; ++i) {
        address |= static_cast<std::uint32_t>(font.name[i]) << (8 * (i - kReturnAddressOffset));
      }
      evidence += "; return address " + Hex32(address) + " at name offset 0x2c";
    }
    out_.exploits.push_back({"CVE-2017-11882", font.offset, evidence});
  }

  ByteSpan data_;
  std::size_t pos_;
  EquationNative& out_;
};

void CollectStrings(ByteSpan data, std::vector<std::string>& out) {
  std::size_t run_start = 0;
  for (std::size_t i = 0; i <= data.size() && out.size() < kMaxStrings; ++i) {
    if (i < data.size() && IsPrintable(data[i])) continue;
    const std::size_t length = i - run_start;
    if (length >= kMinStringLength) {
      out.emplace_back(reinterpret_cast<const char*>(data.data() + run_start),
                       std::min(length, kMaxStringBytes));
    }
    run_start = i + 1;
  }
}

}  // namespace

EquationNative AnalyzeEquationNative(ByteSpan stream) {
  EquationNative out;
  CollectStrings(stream, out.strings);
  if (stream.size() < kEqnOleFileHeader) {
    out.stop_reason = "shorter than the 28-byte EQNOLEFILEHDR";
    return out;
  }
  out.header_present = true;
  out.header_size = *ReadLe<std::uint16_t>(stream, 0);
  out.version = *ReadLe<std::uint32_t>(stream, 2);
  out.clipboard_format = *ReadLe<std::uint16_t>(stream, 6);
  out.mtef_size = *ReadLe<std::uint32_t>(stream, 8);
  // EQNEDT32 trusts cbHdr to find the MTEF data; one that makes no sense falls back to 28.
  out.mtef_offset = out.header_size >= kEqnOleFileHeader && out.header_size <= kMaxEqnOleFileHeader
                        ? out.header_size
                        : kEqnOleFileHeader;
  if (stream.size() < out.mtef_offset + kMtefHeaderSize) {
    out.stop_reason = "no MTEF header after EQNOLEFILEHDR";
    return out;
  }
  const std::size_t mtef = static_cast<std::size_t>(out.mtef_offset);
  out.mtef_version = stream[mtef];
  out.platform = stream[mtef + 1];
  out.product = stream[mtef + 2];
  out.product_version = stream[mtef + 3];
  out.product_subversion = stream[mtef + 4];
  MtefReader(stream, mtef + kMtefHeaderSize, out).Run();
  return out;
}

}  // namespace kensa::rtf
