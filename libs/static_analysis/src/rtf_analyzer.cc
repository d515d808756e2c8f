#include "rtf_analyzer.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "kensa/hashing/hashes.h"
#include "kensa/ole/compound_file.h"
#include "kensa/rtf/equation_native.h"
#include "kensa/rtf/ole_native.h"
#include "kensa/rtf/rtf_parser.h"
#include "embedded_names.h"
#include "kensa/strings/string_extractor.h"

namespace kensa::static_analysis {
namespace {

constexpr std::string_view kOrigin = "rtf object";
constexpr std::string_view kCompoundFileMagic = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
// Streams read from an object's compound file; Equation Native and \1Ole are a few KiB.
constexpr std::uint64_t kMaxObjectStreamBytes = 16ull << 20;
// Font names shown in the result, escaped: exploit names are shellcode.
constexpr std::size_t kMaxShownFontBytes = 160;
// Child names: the file system's limit, and the class part of made-up names.
constexpr std::size_t kMaxClassInName = 64;

// CLSIDs of Equation Editor 3.0 and its predecessors (the ones EQNEDT32.EXE serves).
constexpr std::array<std::string_view, 3> kEquationClsids = {
    "0002ce02-0000-0000-c000-000000000046",  // Microsoft Equation 3.0
    "00021700-0000-0000-c000-000000000046",  // Microsoft Equation 2.0
    "0003000b-0000-0000-c000-000000000046",  // Microsoft Equation (OLE1)
};

// kensa::rtf findings that are tricks rather than damage: Word never writes them.
constexpr std::array<std::string_view, 12> kObfuscationCodes = {
    "rtf_nonstandard_header",
    "rtf_oversized_control_word",
    "rtf_huge_parameter",
    "rtf_objdata_hex_junk",
    "rtf_objdata_embedded_groups",
    "rtf_objdata_bin",
    "rtf_objdata_hex_escape",
    "rtf_objdata_odd_digits",
    "rtf_objdata_outside_object",
    "rtf_nested_object",
    "rtf_bin_past_end",
    "rtf_depth_limit",
};

void AddAnomaly(analysis::v1::StaticResult* result, const std::string& code,
                const std::string& detail) {
  auto* anomaly = result->add_anomalies();
  anomaly->set_code(code);
  anomaly->set_detail(detail);
}

std::string Lower(std::string_view text) { return AsciiLower(text); }

// Printable ASCII kept, the rest as \xNN, bounded: how a shellcode font name is shown.
std::string Escaped(ByteSpan bytes, std::size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < max_bytes; ++i) {
    const std::uint8_t c = bytes[i];
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  if (bytes.size() > max_bytes) out += "...";
  return out;
}

std::string ClassForName(const std::string& class_name) {
  std::string out;
  for (char c : class_name) {
    if (out.size() >= kMaxClassInName) break;
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-' || c == '_';
    out.push_back(keep ? c : '_');
  }
  return out.empty() ? "unknown" : out;
}

bool IsRemoteLocation(std::string_view target) {
  const std::string lower = AsciiLower(target);
  return lower.find("http://") != std::string::npos ||
         lower.find("https://") != std::string::npos || lower.find("ftp://") != std::string::npos ||
         lower.find("file://") != std::string::npos || lower.find("\\\\") != std::string::npos ||
         lower.find("//") == 0 || lower.find("soap:") != std::string::npos ||
         lower.find("script:") != std::string::npos;
}

std::string FieldName(std::string_view instruction) {
  std::string name;
  for (char c : instruction) {
    if (c == ' ' || c == '\\' || c == '"') break;
    name.push_back(c);
  }
  return AsciiLower(name);
}

// What the static stage makes of one decoded object.
class ObjectAnalysis {
 public:
  ObjectAnalysis(std::size_t index, const rtf::RtfObject& object, std::uint32_t code_page,
                 analysis::v1::RtfObject* info, analysis::v1::StaticResult* result,
                 std::vector<std::pair<std::string, std::string>>* decoded_texts)
      : index_(index),
        object_(object),
        code_page_(code_page),
        info_(info),
        result_(result),
        decoded_texts_(decoded_texts) {}

  // The child sample's name and bytes; empty bytes when nothing was decoded.
  std::pair<std::string, ByteSpan> Run() {
    info_->set_offset(object_.offset);
    if (object_.object_group_offset) {
      info_->set_has_object_group(true);
      info_->set_object_group_offset(*object_.object_group_offset);
    }
    info_->set_objclass(AnsiToUtf8(object_.objclass, code_page_));
    for (const auto& flag : object_.flags) info_->add_flags(flag);
    info_->set_decoded_size(object_.data.size());

    ByteSpan native;
    auto ole1 = rtf::ParseOle1Object(object_.data);
    if (ole1) {
      info_->set_ole1_header(true);
      info_->set_ole1_format_id(ole1->format_id);
      class_name_ = AnsiToUtf8(ole1->class_name, code_page_);
      info_->set_class_name(class_name_);
      info_->set_topic_name(AnsiToUtf8(ole1->topic_name, code_page_));
      info_->set_item_name(AnsiToUtf8(ole1->item_name, code_page_));
      info_->set_native_declared_size(ole1->declared_native_size);
      info_->set_native_size(ole1->native_data.size());
      native = ole1->native_data;
      if (ole1->truncated) {
        AddAnomaly(result_, "rtf_ole1_truncated",
                   Where() + ": the OLE1 header declares " +
                       std::to_string(ole1->declared_native_size) + " bytes of native data, " +
                       std::to_string(ole1->native_data.size()) + " are there");
      }
      if (ole1->format_id == 1 && !ole1->topic_name.empty()) AddLink(info_->topic_name());
    } else if (HasBytesAt(object_.data, 0, kCompoundFileMagic)) {
      native = object_.data;  // a compound file without the OLE1 header Word writes
    }
    if (class_name_.empty()) class_name_ = info_->objclass();

    std::pair<std::string, ByteSpan> child = {DefaultName(),
                                              native.empty() ? ByteSpan(object_.data) : native};
    if (HasBytesAt(native, 0, kCompoundFileMagic)) {
      info_->set_native_format("ole2");
      CompoundFile(native, child);
    } else if (Lower(class_name_) == "package") {
      info_->set_native_format("package");
      if (auto package = rtf::ParseOlePackage(native)) Package(*package, child);
    } else if (!native.empty()) {
      info_->set_native_format("raw");
    }

    const std::string lower_class = Lower(class_name_);
    if (lower_class.starts_with("equation") ||
        std::find(kEquationClsids.begin(), kEquationClsids.end(), info_->clsid()) !=
            kEquationClsids.end()) {
      info_->set_equation_editor(true);
    }
    Report();
    return child;
  }

 private:
  std::string Where() const {
    return "object " + std::to_string(index_) + " at offset " + HexNumber(object_.offset);
  }

  std::string DefaultName() const {
    return ClassForName(class_name_) + "_object_" + std::to_string(index_) + ".bin";
  }

  void AddLink(const std::string& target) {
    info_->add_link_targets(target);
    decoded_texts_->emplace_back("rtf.link", target);
  }

  void CompoundFile(ByteSpan native, std::pair<std::string, ByteSpan>& child) {
    ole::OleLimits limits;
    limits.max_stream_size = kMaxObjectStreamBytes;
    auto cf = ole::CompoundFile::Open(native, limits);
    if (!cf) return;
    if (!cf->entries().empty()) info_->set_clsid(cf->entries()[0].clsid);
    for (const auto& entry : cf->entries()) {
      if (entry.type != ole::EntryType::kStream) continue;
      const std::string name = Lower(entry.name);
      if (name == "equation native" && !info_->has_equation()) {
        auto stream = cf->ReadEntry(entry);
        if (stream) Equation(*stream);
      } else if (name == "\x01ole" && entry.parent_id == 0) {
        auto stream = cf->ReadEntry(entry);
        if (!stream) continue;
        if (auto ole_stream = rtf::ParseOleStream(*stream)) {
          for (const auto& moniker : ole_stream->monikers) {
            if (!moniker.target.empty()) AddLink(moniker.target);
          }
        }
      } else if (name == "\x01ole10native" && package_data_.empty()) {
        auto stream = cf->ReadEntry(entry);
        if (!stream) continue;
        ole10native_ = std::move(*stream);
        if (auto package = rtf::ParseOle10Native(ole10native_)) Package(*package, child);
      }
    }
  }

  void Package(const rtf::OlePackage& package, std::pair<std::string, ByteSpan>& child) {
    const std::string label = !package.label_unicode_utf8.empty()
                                  ? package.label_unicode_utf8
                                  : AnsiToUtf8(package.label, code_page_);
    const std::string source = !package.source_path_unicode_utf8.empty()
                                   ? package.source_path_unicode_utf8
                                   : AnsiToUtf8(package.source_path, code_page_);
    const std::string temp = !package.temp_path_unicode_utf8.empty()
                                 ? package.temp_path_unicode_utf8
                                 : AnsiToUtf8(package.temp_path, code_page_);
    std::string name = FileNameOf(label);
    if (name.empty()) name = FileNameOf(source);
    if (name.empty()) name = FileNameOf(temp);
    info_->set_package_file_name(name);
    info_->set_package_source_path(source);
    info_->set_package_temp_path(temp);
    package_data_ = package.data;
    if (!package.data.empty()) child = {name.empty() ? DefaultName() : name, package.data};
    std::string paths = source;
    if (!temp.empty()) paths += "\n" + temp;
    if (!paths.empty()) decoded_texts_->emplace_back("rtf.package", paths);
  }

  void Equation(ByteSpan stream) {
    const rtf::EquationNative eq = rtf::AnalyzeEquationNative(stream);
    info_->set_equation_editor(true);
    auto* out = info_->mutable_equation();
    out->set_stream_size(stream.size());
    out->set_header_size(eq.header_size);
    out->set_version(eq.version);
    out->set_clipboard_format(eq.clipboard_format);
    out->set_mtef_size(eq.mtef_size);
    out->set_mtef_version(eq.mtef_version);
    out->set_mtef_platform(eq.platform);
    out->set_mtef_product(eq.product);
    out->set_mtef_product_version(eq.product_version);
    out->set_mtef_product_subversion(eq.product_subversion);
    out->set_records_read(static_cast<std::uint32_t>(eq.records_read));
    for (const auto& font : eq.fonts) {
      auto* f = out->add_fonts();
      f->set_offset(font.offset);
      f->set_typeface(font.typeface);
      f->set_style(font.style);
      f->set_name_length(static_cast<std::uint32_t>(font.name.size()));
      f->set_name(Escaped(font.name, kMaxShownFontBytes));
      f->set_non_printable_bytes(static_cast<std::uint32_t>(font.non_printable));
    }
    for (const auto& exploit : eq.exploits) {
      auto* e = out->add_exploits();
      e->set_cve(exploit.cve);
      e->set_offset(exploit.offset);
      e->set_evidence(exploit.evidence);
      AddAnomaly(result_, "rtf_equation_editor_exploit",
                 exploit.cve + ": " + Where() + " (" + class_name_ +
                     "), Equation Native record at stream offset " +
                     std::to_string(exploit.offset) + ": " + exploit.evidence);
    }
    for (const auto& text : eq.strings) decoded_texts_->emplace_back("rtf.equation", text);
  }

  void Report() {
    const std::string what =
        class_name_.empty() ? std::string("an object of no class") : class_name_;
    if (!object_.data.empty()) {
      if (info_->native_format() == "package" || !info_->package_file_name().empty()) {
        AddAnomaly(result_, "rtf_embedded_package",
                   Where() + ": Package '" + info_->package_file_name() + "' (" +
                       std::to_string(package_data_.size()) + " bytes) from " +
                       info_->package_source_path());
      } else {
        AddAnomaly(
            result_, "rtf_embedded_ole_object",
            Where() + ": " + what + ", " + std::to_string(object_.data.size()) + " bytes decoded");
      }
    }
    if (info_->equation_editor()) {
      AddAnomaly(result_, "rtf_equation_editor_object",
                 Where() + ": Equation Editor object (" + what +
                     (info_->clsid().empty() ? std::string() : ", CLSID " + info_->clsid()) + ")");
    }
    const bool update =
        std::find(object_.flags.begin(), object_.flags.end(), "objupdate") != object_.flags.end();
    const bool autolink =
        std::find(object_.flags.begin(), object_.flags.end(), "objautlink") != object_.flags.end();
    if (update || autolink) {
      AddAnomaly(result_, "rtf_object_autoupdate",
                 Where() + ": " + what + " loads when the document opens (" +
                     (update && autolink ? "\\objupdate, \\objautlink"
                      : update           ? "\\objupdate"
                                         : "\\objautlink") +
                     ")");
    }
    for (const auto& target : info_->link_targets()) {
      if (IsRemoteLocation(target)) {
        AddAnomaly(result_, "rtf_object_remote_link",
                   Where() + ": " + what + " links to " + target);
      }
    }
  }

  std::size_t index_;
  const rtf::RtfObject& object_;
  std::uint32_t code_page_;
  analysis::v1::RtfObject* info_;
  analysis::v1::StaticResult* result_;
  std::vector<std::pair<std::string, std::string>>* decoded_texts_;
  std::string class_name_;
  Bytes ole10native_;  // owns the bytes a package from \1Ole10Native points into
  ByteSpan package_data_;
};

}  // namespace

void AnalyzeRtf(ByteSpan data, analysis::v1::StaticResult* result,
                std::vector<ExtractedChild>* children,
                std::vector<std::pair<std::string, std::string>>* decoded_texts) {
  const rtf::RtfDocument doc = rtf::ParseRtf(data);
  auto* info = result->mutable_rtf();
  info->set_header(AnsiToUtf8(doc.header, 0));
  info->set_code_page(doc.code_page);
  info->set_object_count(static_cast<std::uint32_t>(doc.objects.size()));
  info->set_max_group_depth(doc.max_group_depth);
  info->set_unclosed_groups(doc.unclosed_groups);
  info->set_control_word_count(doc.control_words);

  std::string tricks;
  for (const auto& finding : doc.findings) {
    AddAnomaly(result, finding.code, finding.detail);
    if (std::find(kObfuscationCodes.begin(), kObfuscationCodes.end(), finding.code) ==
        kObfuscationCodes.end()) {
      continue;
    }
    info->add_obfuscations(finding.code);
    tricks += (tricks.empty() ? "" : "; ") + finding.detail;
  }
  if (!tricks.empty()) AddAnomaly(result, "rtf_obfuscated", tricks);

  if (!doc.template_path.empty()) {
    const std::string path = AnsiToUtf8(doc.template_path, doc.code_page);
    info->set_template_(path);
    decoded_texts->emplace_back("rtf.template", path);
    if (IsRemoteLocation(path))
      AddAnomaly(result, "rtf_remote_template", "the attached template is " + path);
  }
  for (const auto& field : doc.fields) {
    const std::string instruction = AnsiToUtf8(field.instruction, doc.code_page);
    info->add_field_instructions(instruction);
    decoded_texts->emplace_back("rtf.field", instruction);
    const std::string name = FieldName(instruction);
    if (name == "dde" || name == "ddeauto") {
      AddAnomaly(result, "rtf_dde_field",
                 "field at offset " + HexNumber(field.offset) + ": " + instruction);
    }
  }

  for (std::size_t i = 0; i < doc.objects.size(); ++i) {
    auto* object_info = info->add_objects();
    ObjectAnalysis analysis(i, doc.objects[i], doc.code_page, object_info, result, decoded_texts);
    const auto [name, bytes] = analysis.Run();
    if (bytes.empty()) continue;
    analysis::v1::ExtractedFile file;
    file.set_name(name);
    file.set_sha256(hashing::Sha256Hex(bytes));
    file.set_size(bytes.size());
    file.set_origin(std::string(kOrigin));
    object_info->set_child_name(file.name());
    object_info->set_child_sha256(file.sha256());
    *result->add_extracted_files() = file;
    if (children != nullptr)
      children->push_back({std::move(file), Bytes(bytes.begin(), bytes.end())});
  }
}

}  // namespace kensa::static_analysis
