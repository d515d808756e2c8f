// Formula token streams to text: [MS-XLS] 2.5.198.104 Rgce (BIFF8; BIFF5 per the older
// "Excel 97 Developer's Kit" token layouts) and [MS-XLSB] 2.5.97.89 Rgce. Tokens are in reverse
// Polish order: operands push text, operators and functions pop their arguments.
#include <algorithm>
#include <charconv>
#include <cstring>

#include "function_table.h"
#include "kensa/xlm/xlm_analysis.h"
#include "text.h"

namespace kensa::xlm {
namespace {

using Dialect = FormulaDialect;

// Excel's columns end at XFD (16384); BIFF8 stores 8 bits of them, XLSB 14.
constexpr std::uint32_t kColumnMask = 0x3FFF;
// Text built while decoding one formula, in units of its output limit: a real formula builds
// its text about once over; 32 times leaves room for deep nesting and bounds hostile chains.
constexpr std::size_t kMaxWorkPerMaxText = 32;

std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    out.push_back(c);
    if (c == '"') out.push_back('"');
  }
  out.push_back('"');
  return out;
}

// A sheet name as a formula writes it: quoted when it holds anything but letters, digits,
// '_' and '.', or brackets of an external reference ("[1]Sheet1").
std::string SheetPrefix(std::string_view name) {
  bool plain = !name.empty();
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '[' || c == ']' ||
                    static_cast<unsigned char>(c) >= 0x80;
    plain = plain && ok;
  }
  if (plain) return std::string(name) + "!";
  std::string out = "'";
  for (char c : name) {
    out.push_back(c);
    if (c == '\'') out.push_back('\'');
  }
  return out + "'!";
}

std::string ErrorText(std::uint8_t code) {
  switch (code) {  // [MS-XLS] 2.5.99 BErr
    case 0x00:
      return "#NULL!";
    case 0x07:
      return "#DIV/0!";
    case 0x0F:
      return "#VALUE!";
    case 0x17:
      return "#REF!";
    case 0x1D:
      return "#NAME?";
    case 0x24:
      return "#NUM!";
    case 0x2A:
      return "#N/A";
    default:
      return "#ERR" + std::to_string(code) + "!";
  }
}

std::string NumberText(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (result.ec != std::errc()) return "0";
  return std::string(buffer, result.ptr);
}

class Decoder {
 public:
  Decoder(ByteSpan rgce, Dialect dialect, const FormulaContext& context, std::size_t max_text)
      : rgce_(rgce), dialect_(dialect), context_(context), max_text_(max_text) {}

  DecodedFormula Run() {
    // Each token consumes at least one byte, so the loop ends within rgce.size() steps.
    while (pos_ < rgce_.size()) {
      // Operators copy their operands: a long chain of them over long strings would copy
      // max_text bytes per token. Past this much text built, the rest is not decoded.
      if (!Step() || work_ > kMaxWorkPerMaxText * max_text_) {
        out_.complete = false;
        break;
      }
    }
    std::string text = "=";
    for (std::size_t i = 0; i < stack_.size(); ++i) {
      if (i > 0) text += " ";
      text += stack_[i];
    }
    if (!out_.complete) text += " [...]";
    out_.text = CleanText(text, max_text_);
    return std::move(out_);
  }

 private:
  bool Biff5() const { return dialect_ == Dialect::kBiff5; }
  bool Xlsb() const { return dialect_ == Dialect::kXlsb; }

  template <typename T>
  std::optional<T> Read() {
    const auto value = ReadLe<T>(rgce_, pos_);
    if (value) pos_ += sizeof(T);
    return value;
  }
  bool Skip(std::size_t count) {
    if (rgce_.size() - pos_ < count) return false;
    pos_ += count;
    return true;
  }
  // Picks the size of a field by dialect: BIFF8, BIFF5, XLSB.
  std::size_t BySize(std::size_t biff8, std::size_t biff5, std::size_t xlsb) const {
    return Biff5() ? biff5 : Xlsb() ? xlsb : biff8;
  }

  void Push(std::string text) {
    if (text.size() > max_text_) text.resize(max_text_);
    work_ += text.size();
    stack_.push_back(std::move(text));
  }
  bool Pop(std::string* text) {
    if (stack_.empty()) return false;
    *text = std::move(stack_.back());
    stack_.pop_back();
    return true;
  }

  // One cell reference; `relative_offsets` for ptgRefN (shared formulas store offsets).
  std::optional<std::string> ReadCell(bool relative_offsets) {
    std::uint32_t row = 0;
    std::uint32_t column = 0;
    bool row_relative = false;
    bool column_relative = false;
    if (Biff5()) {
      const auto rw = Read<std::uint16_t>();
      const auto col = Read<std::uint8_t>();
      if (!rw || !col) return std::nullopt;
      row = *rw & 0x3FFFu;
      column = *col;
      column_relative = (*rw & 0x4000u) != 0;
      row_relative = (*rw & 0x8000u) != 0;
    } else {
      std::optional<std::uint32_t> rw;
      if (Xlsb()) {
        rw = Read<std::uint32_t>();
      } else if (const auto rw16 = Read<std::uint16_t>()) {
        rw = *rw16;
      }
      const auto col = Read<std::uint16_t>();
      if (!rw || !col) return std::nullopt;
      row = *rw;
      column = *col & kColumnMask;
      column_relative = (*col & 0x4000u) != 0;
      row_relative = (*col & 0x8000u) != 0;
    }
    if (relative_offsets) {
      return "R[" + std::to_string(row) + "]C[" + std::to_string(column) + "]";
    }
    std::string cell = CellName(row, column);
    // CellName gives "A1": split the letters from the digits to place the '$' marks.
    std::size_t digits = 0;
    while (digits < cell.size() && (cell[digits] < '0' || cell[digits] > '9')) ++digits;
    return (column_relative ? "" : "$") + cell.substr(0, digits) + (row_relative ? "" : "$") +
           cell.substr(digits);
  }

  std::optional<std::string> ReadArea(bool relative_offsets) {
    // Areas store both rows first, then both columns.
    std::uint32_t rows[2] = {0, 0};
    std::uint32_t columns[2] = {0, 0};
    std::uint32_t flags[2] = {0, 0};  // bit 14 column relative, bit 15 row relative
    for (auto& row : rows) {
      if (Xlsb()) {
        const auto value = Read<std::uint32_t>();
        if (!value) return std::nullopt;
        row = *value;
      } else {
        const auto value = Read<std::uint16_t>();
        if (!value) return std::nullopt;
        row = *value;
      }
    }
    for (std::size_t i = 0; i < 2; ++i) {
      if (Biff5()) {
        const auto value = Read<std::uint8_t>();
        if (!value) return std::nullopt;
        columns[i] = *value;
        flags[i] = rows[i] & 0xC000u;
        rows[i] &= 0x3FFFu;
      } else {
        const auto value = Read<std::uint16_t>();
        if (!value) return std::nullopt;
        columns[i] = *value & kColumnMask;
        flags[i] = *value & 0xC000u;
      }
    }
    std::string text;
    for (std::size_t i = 0; i < 2; ++i) {
      if (i == 1) text += ":";
      if (relative_offsets) {
        text += "R[" + std::to_string(rows[i]) + "]C[" + std::to_string(columns[i]) + "]";
        continue;
      }
      std::string cell = CellName(rows[i], columns[i]);
      std::size_t digits = 0;
      while (digits < cell.size() && (cell[digits] < '0' || cell[digits] > '9')) ++digits;
      text += ((flags[i] & 0x4000u) ? "" : "$") + cell.substr(0, digits) +
              ((flags[i] & 0x8000u) ? "" : "$") + cell.substr(digits);
    }
    return text;
  }

  // The sheet prefix of a 3-D reference; BIFF5 carries the sheet index itself.
  std::optional<std::string> ReadSheetPrefix() {
    if (Biff5()) {
      const auto ixals = Read<std::int16_t>();
      if (!ixals || !Skip(8)) return std::nullopt;
      const auto first = Read<std::int16_t>();
      if (!first || !Skip(2)) return std::nullopt;
      if (*ixals >= 0) return std::string("[") + std::to_string(*ixals) + "]!";
      return PrefixAt(static_cast<std::size_t>(static_cast<std::uint16_t>(*first)));
    }
    const auto ixti = Read<std::uint16_t>();
    if (!ixti) return std::nullopt;
    return PrefixAt(*ixti);
  }
  std::string PrefixAt(std::size_t index) const {
    if (index < context_.sheet_prefixes.size()) return SheetPrefix(context_.sheet_prefixes[index]);
    return "[" + std::to_string(index) + "]!";
  }

  std::optional<std::string> ReadString() {
    if (Xlsb()) {
      const auto count = Read<std::uint16_t>();
      if (!count) return std::nullopt;
      const std::size_t bytes = std::size_t{*count} * 2;
      if (rgce_.size() - pos_ < bytes) return std::nullopt;
      std::string text = ReadUtf16Le(rgce_, pos_, *count);
      pos_ += bytes;
      return text;
    }
    const auto count = Read<std::uint8_t>();
    if (!count) return std::nullopt;
    bool wide = false;
    if (!Biff5()) {
      const auto flags = Read<std::uint8_t>();
      if (!flags) return std::nullopt;
      wide = (*flags & 0x01u) != 0;
    }
    const std::size_t bytes = std::size_t{*count} * (wide ? 2 : 1);
    if (rgce_.size() - pos_ < bytes) return std::nullopt;
    std::string text =
        wide ? ReadUtf16Le(rgce_, pos_, *count) : Latin1ToUtf8(rgce_.subspan(pos_, bytes));
    pos_ += bytes;
    return text;
  }

  bool Call(const std::string& name, std::size_t argument_count, bool user_defined) {
    if (stack_.size() < argument_count) return false;
    std::vector<std::string> arguments(
        std::make_move_iterator(stack_.end() - static_cast<std::ptrdiff_t>(argument_count)),
        std::make_move_iterator(stack_.end()));
    stack_.resize(stack_.size() - argument_count);
    std::string function = name;
    std::size_t first = 0;
    if (user_defined && !arguments.empty()) {
      function = arguments[0];
      first = 1;
    }
    std::string text = function + "(";
    for (std::size_t i = first; i < arguments.size(); ++i) {
      if (i > first) text += ",";
      text += arguments[i];
      if (text.size() > max_text_) break;
    }
    Push(text + ")");
    return true;
  }

  bool Step() {
    const std::uint8_t token = rgce_[pos_++];
    if (token >= 0x03 && token <= 0x11) {
      static constexpr const char* kBinary[] = {
          "+", "-", "*", "/", "^", "&", "<", "<=", "=", ">=", ">", "<>", " ", ",", ":"};
      std::string right;
      std::string left;
      if (!Pop(&right) || !Pop(&left)) return false;
      Push(left + kBinary[token - 0x03] + right);
      return true;
    }
    std::string operand;
    switch (token) {
      case 0x01:    // ptgExp: the cell holds part of a shared formula or array formula
      case 0x02: {  // ptgTbl
        if (Xlsb()) {
          if (!Skip(4)) return false;
          Push("{shared formula}");
          return true;
        }
        const auto cell = ReadCell(false);
        if (!cell) return false;
        Push("{shared formula " + *cell + "}");
        return true;
      }
      case 0x12:
        if (!Pop(&operand)) return false;
        Push("+" + operand);
        return true;
      case 0x13:
        if (!Pop(&operand)) return false;
        Push("-" + operand);
        return true;
      case 0x14:
        if (!Pop(&operand)) return false;
        Push(operand + "%");
        return true;
      case 0x15:
        if (!Pop(&operand)) return false;
        Push("(" + operand + ")");
        return true;
      case 0x16:
        Push("");
        return true;  // ptgMissArg: an omitted argument
      case 0x17: {
        const auto text = ReadString();
        if (!text) return false;
        Push(Quoted(*text));
        return true;
      }
      case 0x19:
        return Attribute();
      case 0x1C: {
        const auto code = Read<std::uint8_t>();
        if (!code) return false;
        Push(ErrorText(*code));
        return true;
      }
      case 0x1D: {
        const auto value = Read<std::uint8_t>();
        if (!value) return false;
        Push(*value != 0 ? "TRUE" : "FALSE");
        return true;
      }
      case 0x1E: {
        const auto value = Read<std::uint16_t>();
        if (!value) return false;
        Push(std::to_string(*value));
        return true;
      }
      case 0x1F: {
        const auto bits = Read<std::uint64_t>();
        if (!bits) return false;
        double value = 0;
        std::memcpy(&value, &*bits, sizeof(value));
        Push(NumberText(value));
        return true;
      }
      default:
        break;
    }
    if (token < 0x20) return false;  // ptgExtend (0x18) and the unused BIFF2-4 codes
    // Operand and function tokens come in three classes (reference, value, array): 0x2N,
    // 0x4N and 0x6N name the same token.
    switch (static_cast<std::uint8_t>((token & 0x1Fu) | 0x20u)) {
      case 0x20:  // ptgArray: the values follow the formula in rgcb
        if (!Skip(BySize(7, 7, 14))) return false;
        Push("{array}");
        return true;
      case 0x21: {  // ptgFunc: fixed argument count, known from the function
        const auto index = Read<std::uint16_t>();
        if (!index) return false;
        const auto function = FindFunction(*index);
        if (!function || function->fixed_arguments < 0) return false;
        return Call(function->name, static_cast<std::size_t>(function->fixed_arguments), false);
      }
      case 0x22: {  // ptgFuncVar
        const auto count = Read<std::uint8_t>();
        const auto tab = Read<std::uint16_t>();
        if (!count || !tab) return false;
        const std::uint16_t index = *tab & 0x7FFFu;
        const bool command = (*tab & 0x8000u) != 0;
        const auto function = command ? FindCommand(index) : FindFunction(index);
        std::string name;
        if (function) {
          name = function->name;
        } else {
          name = (command ? "CMD" : "FUNC") + std::to_string(index);
        }
        return Call(name, *count & 0x7Fu, !command && index == kUserDefinedFunction);
      }
      case 0x23: {  // ptgName
        std::optional<std::uint32_t> index;
        if (Biff5()) {
          const auto value = Read<std::uint16_t>();
          if (value && Skip(12)) index = *value;
        } else {
          index = Read<std::uint32_t>();
          if (index && !Xlsb()) *index &= 0xFFFFu;  // BIFF8: 2 bytes of index, 2 unused
        }
        if (!index) return false;
        if (*index >= 1 && *index <= context_.names.size()) {
          Push(context_.names[*index - 1]);
        } else {
          Push("Name#" + std::to_string(*index));
        }
        return true;
      }
      case 0x24: {
        const auto cell = ReadCell(false);
        if (!cell) return false;
        Push(*cell);
        return true;
      }
      case 0x25: {
        const auto area = ReadArea(false);
        if (!area) return false;
        Push(*area);
        return true;
      }
      case 0x26:  // ptgMemArea, ptgMemErr, ptgMemNoMem: a subexpression follows
      case 0x27:
      case 0x28:
        return Skip(6);
      case 0x29:  // ptgMemFunc
        return Skip(2);
      case 0x2A:
        if (!Skip(BySize(4, 3, 6))) return false;
        Push("#REF!");
        return true;
      case 0x2B:
        if (!Skip(BySize(8, 6, 12))) return false;
        Push("#REF!");
        return true;
      case 0x2C: {
        const auto cell = ReadCell(true);
        if (!cell) return false;
        Push(*cell);
        return true;
      }
      case 0x2D: {
        const auto area = ReadArea(true);
        if (!area) return false;
        Push(*area);
        return true;
      }
      case 0x39:
        return ExternalName();
      case 0x3A:
      case 0x3B: {
        const auto prefix = ReadSheetPrefix();
        if (!prefix) return false;
        const auto reference = (token & 0x1Fu) == 0x1Au ? ReadCell(false) : ReadArea(false);
        if (!reference) return false;
        Push(*prefix + *reference);
        return true;
      }
      case 0x3C:
      case 0x3D: {
        const auto prefix = ReadSheetPrefix();
        if (!prefix) return false;
        const bool area = (token & 0x1Fu) == 0x1Du;
        if (!Skip(area ? BySize(8, 6, 12) : BySize(4, 3, 6))) return false;
        Push(*prefix + "#REF!");
        return true;
      }
      default:
        return false;
    }
  }

  bool Attribute() {
    const auto kind = Read<std::uint8_t>();
    const auto data = Read<std::uint16_t>();
    if (!kind || !data) return false;
    if ((*kind & 0x04u) != 0) {  // tAttrChoose: a jump table of data + 1 offsets follows
      return Skip((std::size_t{*data} + 1) * 2);
    }
    if ((*kind & 0x10u) != 0) {  // tAttrSum: SUM of the operand on the stack
      std::string operand;
      if (!Pop(&operand)) return false;
      Push("SUM(" + operand + ")");
    }
    return true;  // if / goto / semi / space: evaluation hints, not text
  }

  bool ExternalName() {
    std::uint32_t xti = 0;
    std::uint32_t index = 0;
    if (Biff5()) {
      const auto ixals = Read<std::int16_t>();
      if (!ixals || !Skip(8)) return false;
      const auto ilbl = Read<std::uint16_t>();
      if (!ilbl || !Skip(12)) return false;
      xti = static_cast<std::uint16_t>(*ixals);
      index = *ilbl;
    } else {
      const auto ixti = Read<std::uint16_t>();
      const auto name = Read<std::uint32_t>();
      if (!ixti || !name) return false;
      xti = *ixti;
      index = Xlsb() ? *name : (*name & 0xFFFFu);
    }
    const auto& names = context_.external_names;
    const auto it = std::lower_bound(names.begin(), names.end(), std::pair{xti, index},
                                     [](const FormulaContext::ExternalName& name, const auto& key) {
                                       return std::pair{name.xti, name.index} < key;
                                     });
    if (it != names.end() && it->xti == xti && it->index == index) {
      if (it->dde) out_.dde_links.push_back(&*it);
      Push(it->text);
      return true;
    }
    Push("[" + std::to_string(xti) + "]!Name#" + std::to_string(index));
    return true;
  }

  ByteSpan rgce_;
  Dialect dialect_;
  const FormulaContext& context_;
  std::size_t max_text_;
  std::size_t pos_ = 0;
  std::vector<std::string> stack_;
  std::size_t work_ = 0;  // bytes of text built so far
  DecodedFormula out_;
};

}  // namespace

std::string CellName(std::uint32_t row, std::uint32_t column) {
  std::string letters;
  std::uint64_t n = std::uint64_t{column} + 1;
  while (n > 0) {
    const std::uint64_t digit = (n - 1) % 26;
    letters.insert(letters.begin(), static_cast<char>('A' + digit));
    n = (n - 1) / 26;
  }
  return letters + std::to_string(std::uint64_t{row} + 1);
}

DecodedFormula DecodeFormula(ByteSpan rgce, FormulaDialect dialect, const FormulaContext& context,
                             std::size_t max_text) {
  return Decoder(rgce, dialect, context, max_text).Run();
}

}  // namespace kensa::xlm
