#include "kensa/rtf/rtf_parser.h"

#include <algorithm>
#include <array>
#include <limits>
#include <string_view>

namespace kensa::rtf {
namespace {

// Word reads at most this many characters of a control word's name and parameter together;
// the digits after them are text (rtfobj measured it; exploit kits hide hex digits there).
constexpr std::size_t kMaxControlWordChars = 253;
// The specification's longest control word; Word's own output stays below it.
constexpr std::size_t kSpecMaxControlWordLetters = 32;
// Parameters are 16- or 32-bit signed integers; more digits than this are padding or a trick.
constexpr std::size_t kMaxParameterDigits = 10;

// Destination control words of the RTF 1.9.1 specification (the list rtfobj uses, which Word's
// behaviour confirmed): text after one of them belongs to it until its group closes. \rtf,
// \private and \pxe are not destinations for Word.
// clang-format off
constexpr std::string_view kDestinations[] = {
    "aftncn", "aftnsep", "aftnsepc", "annotation", "atnauthor", "atndate", "atnid", "atnparent",
    "atnref", "atrfend", "atrfstart", "author", "background", "bkmkend", "bkmkstart", "blipuid",
    "buptim", "category", "colorschememapping", "colortbl", "comment", "company", "creatim",
    "datafield", "datastore", "defchp", "defpap", "do", "doccomm", "docvar", "dptxbxtext", "ebcend",
    "ebcstart", "factoidname", "falt", "fchars", "ffdeftext", "ffentrymcr", "ffexitmcr", "ffformat",
    "ffhelptext", "ffl", "ffname", "ffstattext", "field", "file", "filetbl", "fldinst", "fldrslt",
    "fldtype", "fontemb", "fonttbl", "footer", "footerf", "footerl", "footerr", "footnote",
    "formfield", "ftncn", "ftnsep", "ftnsepc", "g", "generator", "gridtbl", "header", "headerf",
    "headerl", "headerr", "hl", "hlfr", "hlinkbase", "hlloc", "hlsrc", "hsv", "info", "keywords",
    "latentstyles", "lchars", "levelnumbers", "leveltext", "lfolevel", "linkval", "list",
    "listlevel", "listname", "listoverride", "listoverridetable", "listpicture", "liststylename",
    "listtable", "listtext", "lsdlockedexcept", "macc", "maccPr", "mailmerge", "malnScr", "manager",
    "margPr", "margSz", "mbar", "mbarPr", "mbaseJc", "mbegChr", "mborderBox", "mborderBoxPr",
    "mbox", "mboxPr", "mchr", "mcount", "mctrlPr", "md", "mdPr", "mdeg", "mdegHide", "mden",
    "mdiff", "me", "mendChr", "meqArr", "meqArrPr", "mf", "mfName", "mfPr", "mfunc", "mfuncPr",
    "mgroupChr", "mgroupChrPr", "mgrow", "mhideBot", "mhideLeft", "mhideRight", "mhideTop", "mlim",
    "mlimLoc", "mlimLow", "mlimLowPr", "mlimUpp", "mlimUppPr", "mm", "mmPr", "mmaddfieldname",
    "mmathPict", "mmaxDist", "mmc", "mmcJc", "mmcPr", "mmconnectstr", "mmconnectstrdata", "mmcs",
    "mmdatasource", "mmheadersource", "mmmailsubject", "mmodso", "mmodsofilter", "mmodsofldmpdata",
    "mmodsomappedname", "mmodsoname", "mmodsorecipdata", "mmodsosort", "mmodsosrc", "mmodsotable",
    "mmodsoudl", "mmodsoudldata", "mmodsouniquetag", "mmquery", "mmr", "mnary", "mnaryPr",
    "mnoBreak", "mnum", "moMath", "moMathPara", "moMathParaPr", "mobjDist", "mopEmu", "mphant",
    "mphantPr", "mplcHide", "mpos", "mr", "mrPr", "mrad", "mradPr", "msPre", "msPrePr", "msSub",
    "msSubPr", "msSubSup", "msSubSupPr", "msSup", "msSupPr", "msepChr", "mshow", "mshp",
    "mstrikeBLTR", "mstrikeH", "mstrikeTLBR", "mstrikeV", "msub", "msubHide", "msup", "msupHide",
    "mtransp", "mtype", "mvertJc", "mvfmf", "mvfml", "mvtof", "mvtol", "mzeroAsc", "mzeroDesc",
    "mzeroWid", "nesttableprops", "nonesttables", "objalias", "objclass", "objdata", "object",
    "objname", "objsect", "oldcprops", "oldpprops", "oldsprops", "oldtprops", "oleclsid",
    "operator", "panose", "password", "passwordhash", "pgp", "pgptbl", "picprop", "pict", "pn",
    "pnaiu", "pnaiud", "pnseclvl", "pntext", "pntxta", "pntxtb", "printim", "propname", "protend",
    "protstart", "protusertbl", "result", "revtbl", "revtim", "rxe", "shp", "shpgrp", "shpinst",
    "shppict", "shprslt", "shptxt", "sn", "sp", "staticval", "stylesheet", "subject", "sv", "svb",
    "tc", "template", "themedata", "title", "txe", "ud", "upr", "userprops", "wgrffmtfilter",
    "windowcaption", "writereservation", "writereservhash", "xe", "xform", "xmlattrname",
    "xmlattrvalue", "xmlclose", "xmlname", "xmlnstbl", "xmlopen",
};
// clang-format on

// Control words of an \object group that say how the object is linked and when it updates.
constexpr std::array<std::string_view, 9> kObjectFlags = {"objemb",  "objlink", "objautlink",
                                                          "objsub",  "objpub",  "objicemb",
                                                          "objhtml", "objocx",  "objupdate"};

bool IsLetter(std::uint8_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(std::uint8_t c) { return c >= '0' && c <= '9'; }
bool IsRtfSpace(std::uint8_t c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}
int HexValue(std::uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

enum class DestinationKind {
  kDocument,
  kObject,
  kObjdata,
  kObjclass,
  kTemplate,
  kFieldInstruction,
  kOther
};

struct Destination {
  DestinationKind kind = DestinationKind::kDocument;
  std::uint64_t level = 0;  // group depth it was opened at
  std::size_t index = 0;    // into objects_/groups_/texts_ by kind
};

struct ObjectGroup {
  std::uint64_t offset = 0;
  std::string objclass;
  std::vector<std::string> flags;
};

struct OpenObject {
  RtfObject object;
  int pending_nibble = -1;
  std::optional<std::size_t> group;  // index into groups_
};

struct OpenText {
  DestinationKind kind = DestinationKind::kOther;
  std::uint64_t offset = 0;
  std::string text;
  std::optional<std::size_t> group;  // objclass: the \object group it names
};

class Parser {
 public:
  Parser(ByteSpan data, const RtfLimits& limits) : data_(data), limits_(limits) {
    destinations_.push_back({DestinationKind::kDocument, 0, 0});
  }

  RtfDocument Run() {
    if (!HasBytesAt(data_, 0, "{\\rt")) {
      AddFinding("rtf_nonstandard_header", "the file does not start with {\\rt", 0);
    }
    while (pos_ < data_.size()) {
      const std::uint8_t c = data_[pos_];
      if (c == '{') {
        OpenGroup();
        ++pos_;
      } else if (c == '}') {
        CloseGroup();
        ++pos_;
      } else if (c == '\\') {
        ControlWordOrSymbol();
      } else {
        Text(c);
        ++pos_;
      }
    }
    doc_.unclosed_groups = depth_;
    // Word closes what is still open at the end of the file; so do we, innermost first.
    while (destinations_.size() > 1) CloseDestination();
    Finish();
    return std::move(doc_);
  }

 private:
  Destination& Current() { return destinations_.back(); }

  OpenObject* CurrentObjdata() {
    return Current().kind == DestinationKind::kObjdata ? &open_objects_[Current().index] : nullptr;
  }

  void AddFinding(std::string code, std::string detail, std::uint64_t offset) {
    for (const auto& finding : doc_.findings) {
      if (finding.code == code) return;
    }
    doc_.findings.push_back({std::move(code), std::move(detail), offset});
  }

  void OpenGroup() {
    ++depth_;
    doc_.max_group_depth = std::max(doc_.max_group_depth, depth_);
    if (auto* open = CurrentObjdata()) ++open->object.embedded_groups;
  }

  void CloseGroup() {
    if (depth_ == 0) {
      ++unbalanced_closes_;
      if (unbalanced_closes_ == 1) first_unbalanced_close_ = pos_;
      return;
    }
    if (destinations_.size() > 1 && Current().level == depth_) CloseDestination();
    --depth_;
  }

  // Innermost open \object group, if any.
  std::optional<std::size_t> InnermostObjectGroup() const {
    for (auto it = destinations_.rbegin(); it != destinations_.rend(); ++it) {
      if (it->kind == DestinationKind::kObject) return it->index;
    }
    return std::nullopt;
  }

  bool InsideObjdata() const {
    return std::any_of(destinations_.begin(), destinations_.end(),
                       [](const Destination& d) { return d.kind == DestinationKind::kObjdata; });
  }

  void OpenDestination(std::string_view word, std::uint64_t word_offset, std::uint64_t after_word) {
    // A new destination in the same group replaces the current one (rtfobj, Word).
    if (destinations_.size() > 1 && Current().level == depth_) CloseDestination();
    if (destinations_.size() >= limits_.max_destination_depth) {
      ++depth_limit_hits_;
      if (depth_limit_hits_ == 1) {
        AddFinding("rtf_depth_limit",
                   "more than " + std::to_string(limits_.max_destination_depth) +
                       " nested destinations at offset " + HexNumber(word_offset),
                   word_offset);
      }
      return;
    }
    Destination destination{DestinationKind::kOther, depth_, 0};
    if (word == "objdata") {
      if (doc_.objects.size() + open_objects_.size() >= limits_.max_objects) {
        ++objects_over_limit_;
      } else {
        OpenObject open;
        open.object.offset = after_word;
        open.object.nested = InsideObjdata();
        open.group = InnermostObjectGroup();
        destination.kind = DestinationKind::kObjdata;
        destination.index = open_objects_.size();
        open_objects_.push_back(std::move(open));
      }
    } else if (word == "object") {
      if (groups_.size() < limits_.max_objects) {
        destination.kind = DestinationKind::kObject;
        destination.index = groups_.size();
        groups_.push_back({word_offset, {}, {}});
      }
    } else if (word == "objclass" || word == "template" || word == "fldinst") {
      OpenText text;
      text.kind = word == "objclass"   ? DestinationKind::kObjclass
                  : word == "template" ? DestinationKind::kTemplate
                                       : DestinationKind::kFieldInstruction;
      text.offset = after_word;
      text.group = InnermostObjectGroup();
      destination.kind = text.kind;
      destination.index = open_texts_.size();
      open_texts_.push_back(std::move(text));
    }
    destinations_.push_back(destination);
  }

  void CloseDestination() {
    const Destination destination = Current();
    destinations_.pop_back();
    switch (destination.kind) {
      case DestinationKind::kObjdata: {
        OpenObject& open = open_objects_[destination.index];
        if (open.pending_nibble >= 0) open.object.odd_digit_dropped = true;
        open.object.end_offset = pos_;
        object_groups_.push_back(open.group);
        doc_.objects.push_back(std::move(open.object));
        open_objects_.pop_back();  // destinations close innermost first: it is the last one
        break;
      }
      case DestinationKind::kObjclass:
      case DestinationKind::kTemplate:
      case DestinationKind::kFieldInstruction: {
        OpenText& text = open_texts_[destination.index];
        if (text.kind == DestinationKind::kObjclass && text.group &&
            groups_[*text.group].objclass.empty()) {
          groups_[*text.group].objclass = Trim(text.text);
        } else if (text.kind == DestinationKind::kTemplate && doc_.template_path.empty()) {
          doc_.template_path = Trim(text.text);
        } else if (text.kind == DestinationKind::kFieldInstruction) {
          KeepField(text);
        }
        open_texts_.pop_back();
        break;
      }
      default:
        break;
    }
  }

  static std::string Trim(const std::string& text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
  }

  // Only fields that run something or fetch something from elsewhere are kept; ordinary
  // documents hold thousands of PAGE, REF and HYPERLINK fields.
  void KeepField(const OpenText& text) {
    if (doc_.fields.size() >= limits_.max_fields) return;
    const std::string instruction = Trim(text.text);
    std::string first_word;
    for (char c : instruction) {
      if (c == ' ' || c == '\\' || c == '"') break;
      first_word.push_back(static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c));
    }
    constexpr std::array<std::string_view, 6> kActiveFields = {
        "DDE", "DDEAUTO", "INCLUDEPICTURE", "INCLUDETEXT", "IMPORT", "LINK"};
    if (std::find(kActiveFields.begin(), kActiveFields.end(), first_word) == kActiveFields.end())
      return;
    doc_.fields.push_back({text.offset, instruction});
  }

  void AddNibble(OpenObject& open, int nibble) {
    ++open.object.hex_digits;
    if (open.pending_nibble < 0) {
      open.pending_nibble = nibble;
      return;
    }
    const auto byte = static_cast<std::uint8_t>((open.pending_nibble << 4) | nibble);
    open.pending_nibble = -1;
    if (open.object.data.size() >= limits_.max_object_bytes) {
      open.object.data_truncated = true;
      return;
    }
    open.object.data.push_back(byte);
  }

  void AppendText(std::uint8_t c) {
    if (Current().kind != DestinationKind::kObjclass &&
        Current().kind != DestinationKind::kTemplate &&
        Current().kind != DestinationKind::kFieldInstruction) {
      return;
    }
    OpenText& text = open_texts_[Current().index];
    if (text.text.size() < limits_.max_text_bytes) text.text.push_back(static_cast<char>(c));
  }

  void Text(std::uint8_t c) {
    if (auto* open = CurrentObjdata()) {
      const int nibble = HexValue(c);
      if (nibble >= 0) {
        AddNibble(*open, nibble);
      } else if (!IsRtfSpace(c)) {
        ++open->object.junk_bytes;
      }
      return;
    }
    // CR and LF are not text in RTF: writers wrap lines anywhere, even inside words.
    if (c == '\r' || c == '\n') return;
    AppendText(c);
  }

  void ControlWordOrSymbol() {
    const std::uint64_t start = pos_;
    if (pos_ + 1 >= data_.size()) {  // a lone backslash at the end
      pos_ = data_.size();
      return;
    }
    if (!IsLetter(data_[pos_ + 1])) {
      ControlSymbol(start);
      return;
    }
    std::size_t end = pos_ + 1;
    while (end < data_.size() && IsLetter(data_[end])) ++end;
    const std::size_t letters = end - (pos_ + 1);
    const std::string_view word(reinterpret_cast<const char*>(data_.data() + pos_ + 1), letters);

    // The parameter, within what is left of the 253 characters Word reads.
    std::size_t budget = letters >= kMaxControlWordChars ? 0 : kMaxControlWordChars - letters;
    std::optional<std::int64_t> parameter;
    std::size_t digits = 0;
    bool negative = false;
    std::size_t cursor = end;
    if (budget >= 2 && cursor + 1 < data_.size() && data_[cursor] == '-' &&
        IsDigit(data_[cursor + 1])) {
      negative = true;
      ++cursor;
      --budget;
    }
    std::int64_t value = 0;
    bool saturated = false;
    while (cursor < data_.size() && IsDigit(data_[cursor]) && digits < budget) {
      const int digit = data_[cursor] - '0';
      if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10) {
        saturated = true;
      } else {
        value = value * 10 + digit;
      }
      ++digits;
      ++cursor;
    }
    if (digits > 0) {
      if (saturated) value = std::numeric_limits<std::int64_t>::max();
      parameter = negative ? -value : value;
    } else if (negative) {
      cursor = end;  // "\word-" without digits: the '-' is text
    }
    const std::uint64_t after_word = cursor;
    if (cursor < data_.size() && data_[cursor] == ' ') ++cursor;  // the delimiter
    pos_ = cursor;
    ++doc_.control_words;

    if (letters > kSpecMaxControlWordLetters) {
      ++oversized_words_;
      if (oversized_words_ == 1) first_oversized_word_ = start;
      longest_word_ = std::max<std::uint64_t>(longest_word_, letters);
    }
    if (digits > kMaxParameterDigits ||
        (parameter && (*parameter > std::numeric_limits<std::int32_t>::max() ||
                       *parameter < std::numeric_limits<std::int32_t>::min()))) {
      ++huge_parameters_;
      if (huge_parameters_ == 1) {
        first_huge_parameter_ = start;
        first_huge_parameter_digits_ = digits;
      }
    }
    if (doc_.control_words == 1) {
      doc_.header = std::string(word) + (parameter ? std::to_string(*parameter) : "");
      if (!(word == "rtf" && parameter == 1) && HasBytesAt(data_, 0, "{\\rt")) {
        AddFinding("rtf_nonstandard_header",
                   "the document opens with \\" + doc_.header.substr(0, 40) + " instead of \\rtf1",
                   start);
      }
    }
    if (auto* open = CurrentObjdata(); open != nullptr && word != "objdata") {
      ++open->object.embedded_control_words;
    }

    if (IsDestinationControlWord(word)) OpenDestination(word, start, after_word);

    if (word == "bin") {
      Binary(start, parameter.value_or(0));
    } else if (word == "ansicpg" && doc_.code_page == 0 && parameter && *parameter > 0 &&
               *parameter <= std::numeric_limits<std::uint16_t>::max()) {
      doc_.code_page = static_cast<std::uint32_t>(*parameter);
    } else if (std::find(kObjectFlags.begin(), kObjectFlags.end(), word) != kObjectFlags.end()) {
      if (const auto group = InnermostObjectGroup()) {
        auto& flags = groups_[*group].flags;
        if (std::find(flags.begin(), flags.end(), word) == flags.end()) flags.emplace_back(word);
      }
    }
  }

  // \binN: N raw bytes follow the delimiter. Word treats a negative or missing N as 0.
  void Binary(std::uint64_t start, std::int64_t length) {
    const std::uint64_t wanted = length < 0 ? 0 : static_cast<std::uint64_t>(length);
    const std::uint64_t available = data_.size() - pos_;
    if (wanted > available) {
      AddFinding("rtf_bin_past_end",
                 "\\bin at offset " + HexNumber(start) + " declares " + std::to_string(wanted) +
                     " bytes, " + std::to_string(available) + " remain",
                 start);
    }
    const std::uint64_t taken = std::min(wanted, available);
    if (auto* open = CurrentObjdata()) {
      // rtfobj appends the bytes as hex digits, continuing an odd digit count: so does Word.
      for (std::uint64_t k = 0; k < taken; ++k) {
        const std::uint8_t byte = data_[pos_ + k];
        AddNibble(*open, byte >> 4);
        AddNibble(*open, byte & 0x0F);
      }
      open->object.bin_bytes += taken;
    }
    pos_ += taken;
  }

  void ControlSymbol(std::uint64_t start) {
    const std::uint8_t symbol = data_[start + 1];
    pos_ = start + 2;
    if (auto* open = CurrentObjdata()) {
      ++open->object.embedded_control_words;
      if (symbol == '\'') {
        // Word's parser drops the last digit read when their count is odd, then ignores the
        // two characters after \' whatever they are.
        ++open->object.hex_escapes;
        if (open->pending_nibble >= 0) {
          open->pending_nibble = -1;
          --open->object.hex_digits;
          open->object.odd_digit_dropped = true;
        }
        pos_ = std::min<std::uint64_t>(data_.size(), pos_ + 2);
      }
      return;
    }
    switch (symbol) {
      case '\'': {
        const int high = pos_ < data_.size() ? HexValue(data_[pos_]) : -1;
        const int low = pos_ + 1 < data_.size() ? HexValue(data_[pos_ + 1]) : -1;
        if (high >= 0 && low >= 0) AppendText(static_cast<std::uint8_t>((high << 4) | low));
        pos_ = std::min<std::uint64_t>(data_.size(), pos_ + 2);
        break;
      }
      case '\\':
      case '{':
      case '}':
        AppendText(symbol);
        break;
      case '~':
        AppendText(' ');
        break;
      default:
        break;
    }
  }

  void Finish() {
    for (std::size_t i = 0; i < doc_.objects.size() && i < object_groups_.size(); ++i) {
      if (!object_groups_[i]) continue;
      const ObjectGroup& group = groups_[*object_groups_[i]];
      doc_.objects[i].object_group_offset = group.offset;
      doc_.objects[i].objclass = group.objclass;
      doc_.objects[i].flags = group.flags;
    }
    if (oversized_words_ > 0) {
      AddFinding("rtf_oversized_control_word",
                 std::to_string(oversized_words_) + " control words longer than " +
                     std::to_string(kSpecMaxControlWordLetters) + " letters, the first at offset " +
                     HexNumber(first_oversized_word_) + ", the longest " +
                     std::to_string(longest_word_) + " letters",
                 first_oversized_word_);
    }
    if (huge_parameters_ > 0) {
      AddFinding("rtf_huge_parameter",
                 std::to_string(huge_parameters_) + " control word parameters beyond 32 bits or " +
                     std::to_string(kMaxParameterDigits) + " digits, the first at offset " +
                     HexNumber(first_huge_parameter_) + " (" +
                     std::to_string(first_huge_parameter_digits_) + " digits)",
                 first_huge_parameter_);
    }
    if (doc_.unclosed_groups > 0) {
      AddFinding("rtf_unclosed_groups",
                 std::to_string(doc_.unclosed_groups) + " groups still open at the end of the file",
                 data_.size());
    }
    if (unbalanced_closes_ > 0) {
      AddFinding("rtf_unbalanced_close",
                 std::to_string(unbalanced_closes_) +
                     " '}' with no group open, the first at offset " +
                     HexNumber(first_unbalanced_close_),
                 first_unbalanced_close_);
    }
    if (objects_over_limit_ > 0) {
      AddFinding("rtf_object_limit",
                 std::to_string(objects_over_limit_) + " objects past the limit of " +
                     std::to_string(limits_.max_objects) + " were not decoded",
                 0);
    }
    for (std::size_t i = 0; i < doc_.objects.size(); ++i) {
      const RtfObject& object = doc_.objects[i];
      const std::string where =
          "object " + std::to_string(i) + " at offset " + HexNumber(object.offset);
      if (object.junk_bytes > 0) {
        AddFinding("rtf_objdata_hex_junk",
                   where + ": " + std::to_string(object.junk_bytes) +
                       " characters that are not hex digits",
                   object.offset);
      }
      if (object.embedded_groups > 0 || object.embedded_control_words > object.hex_escapes) {
        AddFinding("rtf_objdata_embedded_groups",
                   where + ": " + std::to_string(object.embedded_groups) + " groups and " +
                       std::to_string(object.embedded_control_words - object.hex_escapes) +
                       " control words inside the hex data",
                   object.offset);
      }
      if (object.bin_bytes > 0) {
        AddFinding(
            "rtf_objdata_bin",
            where + ": " + std::to_string(object.bin_bytes) + " raw bytes inserted with \\bin",
            object.offset);
      }
      if (object.hex_escapes > 0) {
        AddFinding("rtf_objdata_hex_escape",
                   where + ": " + std::to_string(object.hex_escapes) +
                       " \\'hh escapes inside the hex data",
                   object.offset);
      }
      if (object.odd_digit_dropped) {
        AddFinding("rtf_objdata_odd_digits", where + ": an odd hex digit was dropped",
                   object.offset);
      }
      if (!object.object_group_offset) {
        AddFinding("rtf_objdata_outside_object", where + ": \\objdata outside any \\object group",
                   object.offset);
      }
      if (object.nested) {
        AddFinding("rtf_nested_object", where + ": \\objdata inside another object's data",
                   object.offset);
      }
      if (object.data_truncated) {
        AddFinding(
            "rtf_object_too_large",
            where + ": data clipped at " + std::to_string(limits_.max_object_bytes) + " bytes",
            object.offset);
      }
    }
  }

  ByteSpan data_;
  RtfLimits limits_;
  RtfDocument doc_;
  std::uint64_t pos_ = 0;
  std::uint64_t depth_ = 0;
  std::vector<Destination> destinations_;
  std::vector<ObjectGroup> groups_;
  std::vector<OpenObject> open_objects_;
  std::vector<OpenText> open_texts_;
  std::vector<std::optional<std::size_t>> object_groups_;  // per doc_.objects entry
  std::uint64_t oversized_words_ = 0;
  std::uint64_t first_oversized_word_ = 0;
  std::uint64_t longest_word_ = 0;
  std::uint64_t huge_parameters_ = 0;
  std::uint64_t first_huge_parameter_ = 0;
  std::size_t first_huge_parameter_digits_ = 0;
  std::uint64_t unbalanced_closes_ = 0;
  std::uint64_t first_unbalanced_close_ = 0;
  std::uint64_t depth_limit_hits_ = 0;
  std::uint64_t objects_over_limit_ = 0;
};

}  // namespace

bool IsDestinationControlWord(std::string_view word) {
  // Sorted once; the table is written in the specification's order, which is almost sorted.
  static const std::vector<std::string_view> sorted = [] {
    std::vector<std::string_view> words(std::begin(kDestinations), std::end(kDestinations));
    std::sort(words.begin(), words.end());
    return words;
  }();
  return std::binary_search(sorted.begin(), sorted.end(), word);
}

RtfDocument ParseRtf(ByteSpan data, const RtfLimits& limits) { return Parser(data, limits).Run(); }

}  // namespace kensa::rtf
