#include "kensa/ole/word_document.h"

#include <algorithm>

#include "code_page.h"

namespace kensa::ole {
namespace {

// [MS-DOC] 2.5.2 FibBase.
constexpr std::uint16_t kWordIdent = 0xA5EC;
constexpr std::uint64_t kFlagsOffset = 0x0A;
constexpr std::uint16_t kFibEncrypted = 0x0100;
constexpr std::uint16_t kFibWhichTable = 0x0200;
// [MS-DOC] 2.5.1: FibBase is 32 bytes; csw, fibRgW, cslw, fibRgLw, cbRgFcLcb, fibRgFcLcbBlob
// follow, each count giving the size of the part after it.
constexpr std::uint64_t kFibBaseSize = 32;
// [MS-DOC] 2.5.5 FibRgFcLcb97: fcClx/lcbClx is its 34th pair.
constexpr std::uint64_t kClxPairIndex = 33;
// [MS-DOC] 2.9.38 Clx: Prc entries (clxt 1) then one Pcdt (clxt 2).
constexpr std::uint8_t kClxtPrc = 0x01;
constexpr std::uint8_t kClxtPcdt = 0x02;
// [MS-DOC] 2.9.177 PlcPcd: (n + 1) CPs of 4 bytes, then n Pcd of 8 bytes.
constexpr std::uint64_t kCpSize = 4;
constexpr std::uint64_t kPcdSize = 8;
// [MS-DOC] 2.9.73 FcCompressed: bit 30 says 8-bit text at fc / 2.
constexpr std::uint32_t kFcCompressed = 0x40000000;
constexpr std::uint32_t kFcMask = 0x3FFFFFFF;

constexpr char kFieldBegin = 0x13;
constexpr char kFieldSeparator = 0x14;
constexpr char kFieldEnd = 0x15;

// Where fcClx/lcbClx is in the WordDocument stream, after the variable-size parts before it.
Result<std::uint64_t> ClxPairOffset(ByteSpan word) {
  std::uint64_t offset = kFibBaseSize;
  const auto csw = ReadLe<std::uint16_t>(word, offset);
  if (!csw) return InvalidArgumentError("Word FIB is truncated before csw");
  offset += 2 + std::uint64_t{*csw} * 2;
  const auto cslw = ReadLe<std::uint16_t>(word, offset);
  if (!cslw) return InvalidArgumentError("Word FIB is truncated before cslw");
  offset += 2 + std::uint64_t{*cslw} * 4;
  const auto pairs = ReadLe<std::uint16_t>(word, offset);
  if (!pairs) return InvalidArgumentError("Word FIB is truncated before cbRgFcLcb");
  if (*pairs <= kClxPairIndex) return InvalidArgumentError("Word FIB has no fcClx");
  return offset + 2 + kClxPairIndex * 8;
}

// The PlcPcd of the CLX at [fc, fc + lcb) of the table stream.
Result<ByteSpan> PieceTable(ByteSpan table, std::uint32_t fc, std::uint32_t lcb) {
  if (std::uint64_t{fc} + lcb > table.size()) return InvalidArgumentError("Word CLX is past the end of the table stream");
  const ByteSpan clx = SubSpan(table, fc, lcb);
  std::uint64_t offset = 0;
  // Each Prc takes at least 3 bytes: bounded by the CLX size.
  while (offset < clx.size() && clx[offset] == kClxtPrc) {
    const auto size = ReadLe<std::int16_t>(clx, offset + 1);
    if (!size || *size < 0) return InvalidArgumentError("Word CLX has a malformed Prc");
    offset += 3 + static_cast<std::uint64_t>(*size);
  }
  if (offset >= clx.size() || clx[offset] != kClxtPcdt) return InvalidArgumentError("Word CLX has no Pcdt");
  const auto size = ReadLe<std::uint32_t>(clx, offset + 1);
  if (!size || offset + 5 + *size > clx.size()) return InvalidArgumentError("Word Pcdt is past the end of the CLX");
  return SubSpan(clx, offset + 5, *size);
}

}  // namespace

Result<std::string> ReadWordText(const CompoundFile& file, const WordLimits& limits) {
  auto word = file.ReadStream("WordDocument");
  if (!word) return InvalidArgumentError("no WordDocument stream");
  if (ReadLe<std::uint16_t>(*word, 0) != kWordIdent) return InvalidArgumentError("WordDocument has no Word FIB");
  const std::uint16_t flags = ReadLe<std::uint16_t>(*word, kFlagsOffset).value_or(0);
  if ((flags & kFibEncrypted) != 0) return FailedPreconditionError("the Word document is encrypted");
  KENSA_ASSIGN_OR_RETURN(const std::uint64_t pair, ClxPairOffset(*word));
  const auto fc = ReadLe<std::uint32_t>(*word, pair);
  const auto lcb = ReadLe<std::uint32_t>(*word, pair + 4);
  if (!fc || !lcb) return InvalidArgumentError("Word FIB is truncated before fcClx");
  auto table = file.ReadStream((flags & kFibWhichTable) != 0 ? "1Table" : "0Table");
  if (!table) return InvalidArgumentError("the Word table stream is missing");
  KENSA_ASSIGN_OR_RETURN(const ByteSpan plc, PieceTable(*table, *fc, *lcb));
  if (plc.size() < kCpSize) return InvalidArgumentError("Word piece table is empty");
  const std::uint64_t pieces = (plc.size() - kCpSize) / (kCpSize + kPcdSize);
  const std::uint64_t descriptors = (pieces + 1) * kCpSize;

  std::string text;
  for (std::uint64_t i = 0; i < pieces && text.size() < limits.max_text_bytes; ++i) {
    const std::uint32_t first = ReadLe<std::uint32_t>(plc, i * kCpSize).value_or(0);
    const std::uint32_t last = ReadLe<std::uint32_t>(plc, (i + 1) * kCpSize).value_or(0);
    const std::uint32_t fc_value = ReadLe<std::uint32_t>(plc, descriptors + i * kPcdSize + 2).value_or(0);
    if (last <= first) continue;  // an empty or inverted piece holds no text
    const bool compressed = (fc_value & kFcCompressed) != 0;
    const std::uint64_t start = compressed ? (fc_value & kFcMask) / 2 : (fc_value & kFcMask);
    // Characters beyond the text budget are never decoded (a piece may claim 4 G of them).
    const std::uint64_t budget = limits.max_text_bytes - text.size();
    const std::uint64_t characters = std::min<std::uint64_t>(last - first, budget);
    const ByteSpan bytes = SubSpan(*word, start, compressed ? characters : characters * 2);
    text += internal::DecodeCodePage(bytes, compressed ? 1252 : 1200);
  }
  if (text.size() > limits.max_text_bytes) {
    // Cut on a character boundary: never inside a UTF-8 sequence.
    std::size_t cut = limits.max_text_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
  }
  return text;
}

std::vector<std::string> WordFieldCodes(std::string_view text, const WordLimits& limits) {
  struct OpenField {
    std::string code;
    bool in_code = true;
  };
  std::vector<std::string> codes;
  std::vector<OpenField> open;
  // Real fields nest a few levels; past this depth marks are counted, not kept.
  constexpr std::size_t kMaxDepth = 64;
  std::size_t overflow = 0;
  const auto emit = [&](std::string code) {
    if (codes.size() < limits.max_fields) codes.push_back(std::move(code));
  };
  // Whole UTF-8 sequences only: a code cut at its byte limit stays valid UTF-8.
  const auto append = [&](OpenField& field, std::string_view sequence) {
    if (field.code.size() + sequence.size() <= limits.max_field_code_bytes) field.code.append(sequence);
  };
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    const std::string_view sequence = text.substr(i, length);
    i += sequence.size();
    const char c = sequence.front();
    if (c == kFieldBegin) {
      if (open.size() >= kMaxDepth) {
        ++overflow;
      } else {
        open.push_back({});
      }
    } else if (c == kFieldSeparator) {
      if (overflow == 0 && !open.empty()) open.back().in_code = false;
    } else if (c == kFieldEnd) {
      if (overflow > 0) {
        --overflow;
      } else if (!open.empty()) {
        OpenField field = std::move(open.back());
        open.pop_back();
        emit(std::move(field.code));
      }
    } else if (overflow == 0 && !open.empty()) {
      // A character of the innermost field's code, or of its result, which is part of the
      // enclosing field's code when that one is still in its code.
      if (open.back().in_code) {
        append(open.back(), sequence);
      } else if (open.size() >= 2 && open[open.size() - 2].in_code) {
        append(open[open.size() - 2], sequence);
      }
    }
  }
  while (!open.empty()) {
    emit(std::move(open.back().code));
    open.pop_back();
  }
  return codes;
}

}  // namespace kensa::ole
