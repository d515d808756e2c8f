#include "document_view.h"

#include <cstdio>
#include <initializer_list>
#include <string_view>

#include "display.h"
#include "report_view.h"

namespace kensa::report::internal {
namespace {

namespace av1 = analysis::v1;

// Rows of one kind (VBA modules, scripts, objects, layers...) shown per file; the JSON report
// has them all.
constexpr std::size_t kMaxRowsPerKind = 8;
// Blocks in one report: the sample's and those of the first files inside it. An archive of
// fifty shortcuts is described by the first few; the JSON report has every one.
constexpr std::size_t kMaxBlocks = 8;
// A value is cut at this many columns: an argument string can be kilobytes of padding.
constexpr std::size_t kMaxValueColumns = 240;
// The final command of a script gets more room: it is what the analyst came for.
constexpr std::size_t kMaxCommandColumns = 600;
// What ScriptInfo.deobfuscated puts before each decoded text after the first
// (libs/static_analysis/src/script_analyzer.cc).
constexpr std::string_view kDecodedTextHeader = "\n\n#### text ";

std::string VolumeSerial(std::uint32_t serial) {
  char text[16];
  std::snprintf(text, sizeof text, "%04X-%04X", static_cast<unsigned>(serial >> 16),
                static_cast<unsigned>(serial & 0xFFFFu));
  return text;
}

// The text the de-obfuscation ended with: the last decoded text of ScriptInfo.deobfuscated.
std::string_view FinalText(std::string_view deobfuscated) {
  const auto header = deobfuscated.rfind(kDecodedTextHeader);
  if (header == std::string_view::npos) return deobfuscated;
  const auto body = deobfuscated.find('\n', header + kDecodedTextHeader.size());
  return body == std::string_view::npos ? std::string_view() : deobfuscated.substr(body + 1);
}

class Builder {
 public:
  explicit Builder(Language lang) : lang_(lang) {}

  std::vector<FactBlock> Blocks(const av1::StaticResult& result, const std::string& file) const {
    std::vector<FactBlock> blocks;
    FactBlock document{Msg::kDocument, file, {}};
    if (result.has_pdf()) Pdf(result.pdf(), &document.rows);
    if (result.has_rtf()) Rtf(result.rtf(), &document.rows);
    if (result.has_ooxml()) Ooxml(result.ooxml(), &document.rows);
    if (result.has_office()) Office(result.office(), &document.rows);
    if (!document.rows.empty()) blocks.push_back(std::move(document));
    if (result.has_lnk()) {
      FactBlock shortcut{Msg::kShortcut, file, {}};
      Lnk(result.lnk(), &shortcut.rows);
      if (!shortcut.rows.empty()) blocks.push_back(std::move(shortcut));
    }
    // A script block only when something was decoded or found: the language alone repeats the
    // file type (and a shortcut's plain command line is already in its block).
    if (result.has_script() && (result.script().layers_size() > 0 || result.script().findings_size() > 0)) {
      FactBlock script{Msg::kScript, file, {}};
      Script(result.script(), &script.rows);
      if (!script.rows.empty()) blocks.push_back(std::move(script));
    }
    return blocks;
  }

 private:
  std::string_view T(Msg id) const { return Tr(id, lang_); }
  std::string F(Msg id, std::initializer_list<std::string_view> args) const {
    return TrFormat(id, lang_, args);
  }
  std::string Join(std::string_view a, std::string_view b) const {
    if (a.empty()) return std::string(b);
    if (b.empty()) return std::string(a);
    return std::string(a) + std::string(T(Msg::kListSeparator)) + std::string(b);
  }

  static void Add(std::vector<FactRow>* rows, Msg label, std::string_view value,
                  std::size_t max_columns = kMaxValueColumns) {
    if (value.empty()) return;
    rows->push_back({label, Elide(OneLine(value), max_columns)});
  }
  // The "(+N more)" row after a bounded list.
  void AddMore(std::vector<FactRow>* rows, Msg label, std::size_t total) const {
    if (total > kMaxRowsPerKind) Add(rows, label, F(Msg::kMore, {std::to_string(total - kMaxRowsPerKind)}));
  }

  void Lnk(const av1::LnkInfo& lnk, std::vector<FactRow>* rows) const {
    Add(rows, Msg::kLnkTarget, lnk.target_path());
    Add(rows, Msg::kArguments, lnk.arguments());
    Add(rows, Msg::kWorkingDir, lnk.working_dir());
    std::string icon = lnk.icon_location();
    if (!icon.empty() && lnk.icon_index() != 0) icon += "," + std::to_string(lnk.icon_index());
    Add(rows, Msg::kIconLocation, icon);
    Add(rows, Msg::kMachineId, lnk.tracker().machine_id());
    std::string mac = lnk.tracker().mac_address();
    if (!lnk.tracker().birth_mac_address().empty() && lnk.tracker().birth_mac_address() != mac) {
      mac = Join(mac, lnk.tracker().birth_mac_address());
    }
    Add(rows, Msg::kMacAddress, mac);
    if (lnk.has_volume() && lnk.volume().drive_serial_number() != 0) {
      std::string serial = VolumeSerial(lnk.volume().drive_serial_number());
      if (!lnk.volume().drive_type().empty()) serial += " (" + lnk.volume().drive_type() + ")";
      Add(rows, Msg::kVolumeSerial, serial);
    }
    Add(rows, Msg::kCommandLine, lnk.command_line(), kMaxCommandColumns);
  }

  void Script(const av1::ScriptInfo& script, std::vector<FactRow>* rows) const {
    std::string language = script.language();
    if (!script.source().empty() && script.source() != "sample") language += " (" + script.source() + ")";
    Add(rows, Msg::kLanguage, language);
    std::size_t shown = 0;
    for (const auto& layer : script.layers()) {
      if (shown == kMaxRowsPerKind) break;
      ++shown;
      Add(rows, Msg::kLayers,
          F(Msg::kLayerValue, {layer.kind(), std::to_string(layer.count()), layer.language(),
                               OneLine(layer.excerpt())}));
    }
    AddMore(rows, Msg::kLayers, static_cast<std::size_t>(script.layers_size()));
    // Only when something was peeled off: otherwise the final command is the sample itself.
    if (!script.layers().empty()) Add(rows, Msg::kFinalCommand, FinalText(script.deobfuscated()), kMaxCommandColumns);
    shown = 0;
    for (const auto& finding : script.findings()) {
      if (shown == kMaxRowsPerKind) break;
      ++shown;
      Add(rows, Msg::kBehaviour, finding.kind() + ": " + finding.keyword());
    }
    AddMore(rows, Msg::kBehaviour, static_cast<std::size_t>(script.findings_size()));
  }

  void Pdf(const av1::PdfInfo& pdf, std::vector<FactRow>* rows) const {
    Add(rows, Msg::kKind, F(Msg::kPdfKind, {pdf.version(), std::to_string(pdf.page_count())}));
    std::size_t shown = 0;
    for (const auto& script : pdf.scripts()) {
      if (shown == kMaxRowsPerKind) break;
      ++shown;
      std::string value = F(Msg::kObjectSize, {script.location(), std::to_string(script.object_number()),
                                               GroupThousands(script.size())});
      if (script.offset() != 0) value += " @" + HexNumber(script.offset());
      if (script.automatic()) value = Join(value, T(Msg::kRunsOnOpen));
      Add(rows, Msg::kJavaScript, value);
    }
    AddMore(rows, Msg::kJavaScript, static_cast<std::size_t>(pdf.scripts_size()));
    std::string findings;
    shown = 0;
    for (const auto& finding : pdf.javascript_findings()) {
      if (shown == kMaxRowsPerKind) break;
      ++shown;
      std::string item = finding.keyword().empty() ? finding.kind() : finding.keyword();
      if (!finding.cve().empty()) item += " (" + finding.cve() + ")";
      findings = Join(findings, item);
    }
    Add(rows, Msg::kJavaScriptFindings, findings);
    shown = 0;
    for (const auto& action : pdf.actions()) {
      if (shown == kMaxRowsPerKind) break;
      ++shown;
      std::string value = action.type() + ": " + action.target();
      if (!action.parameters().empty()) value += " " + action.parameters();
      value += " (" + action.location() + ")";
      if (action.automatic()) value = Join(value, T(Msg::kRunsOnOpen));
      Add(rows, Msg::kActions, value);
    }
    AddMore(rows, Msg::kActions, static_cast<std::size_t>(pdf.actions_size()));
    shown = 0;
    for (const auto& file : pdf.embedded_files()) {
      if (shown == kMaxRowsPerKind) break;
      ++shown;
      Add(rows, Msg::kEmbeddedFiles,
          file.name() + " (" + F(Msg::kBytes, {GroupThousands(file.size())}) + ", " + file.origin() + ")");
    }
    AddMore(rows, Msg::kEmbeddedFiles, static_cast<std::size_t>(pdf.embedded_files_size()));
    const auto& encryption = pdf.encryption();
    if (encryption.encrypted()) {
      std::string value = encryption.method() + " (R" + std::to_string(encryption.revision()) + ")";
      if (encryption.opens_without_password()) value = Join(value, T(Msg::kOpensWithoutPassword));
      Add(rows, Msg::kEncryption, value);
    } else {
      Add(rows, Msg::kEncryption, T(Msg::kNone));
    }
  }

  void Rtf(const av1::RtfInfo& rtf, std::vector<FactRow>* rows) const {
    std::string kind = F(Msg::kRtfKind, {std::to_string(rtf.object_count())});
    if (rtf.code_page() != 0) kind = Join(kind, std::string(T(Msg::kCodePage)) + " " + std::to_string(rtf.code_page()));
    Add(rows, Msg::kKind, kind);
    std::size_t shown = 0;
    for (const auto& object : rtf.objects()) {
      if (shown == kMaxRowsPerKind) break;
      ++shown;
      std::string name = !object.objclass().empty() ? object.objclass() : object.class_name();
      if (name.empty()) name = "?";
      std::string value = F(Msg::kRtfObjectValue, {name, HexNumber(object.offset()),
                                                   GroupThousands(object.decoded_size())});
      if (!object.package_file_name().empty()) value = Join(value, "Package " + object.package_file_name());
      for (const auto& target : object.link_targets()) value = Join(value, target);
      for (const auto& exploit : object.equation().exploits()) {
        value = Join(value, F(Msg::kExploitShape, {exploit.cve()}));
      }
      Add(rows, Msg::kEmbeddedObjects, value);
    }
    AddMore(rows, Msg::kEmbeddedObjects, static_cast<std::size_t>(rtf.objects_size()));
    Add(rows, Msg::kTemplate, rtf.template_());
    shown = 0;
    for (const auto& field : rtf.field_instructions()) {
      if (shown == kMaxRowsPerKind) break;
      ++shown;
      Add(rows, Msg::kFieldCodes, field);
    }
  }

  void Ooxml(const av1::OoxmlInfo& ooxml, std::vector<FactRow>* rows) const {
    std::string kind = F(Msg::kOoxmlKind, {ooxml.document_kind().empty() ? "OPC" : ooxml.document_kind(),
                                           std::to_string(ooxml.part_count())});
    if (ooxml.macro_enabled()) kind = Join(kind, T(Msg::kMacroEnabled));
    Add(rows, Msg::kKind, kind);
    std::size_t shown = 0;
    for (const auto& relationship : ooxml.external_relationships()) {
      if (shown == kMaxRowsPerKind) break;
      ++shown;
      Add(rows, Msg::kExternalLinks, relationship.type() + " \xE2\x86\x92 " + relationship.target());
    }
    AddMore(rows, Msg::kExternalLinks, static_cast<std::size_t>(ooxml.external_relationships_size()));
    DdeLinks(ooxml.dde_links(), rows);
    shown = 0;
    for (const auto& part : ooxml.embedded_parts()) {
      if (shown == kMaxRowsPerKind) break;
      ++shown;
      Add(rows, Msg::kEmbeddedObjects,
          part.part() + " (" + part.kind() + ", " + F(Msg::kBytes, {GroupThousands(part.size())}) + ")");
    }
    AddMore(rows, Msg::kEmbeddedObjects, static_cast<std::size_t>(ooxml.embedded_parts_size()));
    shown = 0;
    for (const auto& control : ooxml.activex_controls()) {
      if (shown == kMaxRowsPerKind) break;
      ++shown;
      std::string value = control.clsid_name().empty() ? control.clsid() : control.clsid_name() + " " + control.clsid();
      Add(rows, Msg::kActiveX, value + " (" + control.part() + ")");
    }
    AddMore(rows, Msg::kActiveX, static_cast<std::size_t>(ooxml.activex_controls_size()));
  }

  // DDE links of an OOXML package or a Word 97-2003 document: the command each starts.
  void DdeLinks(const google::protobuf::RepeatedPtrField<av1::OoxmlDdeLink>& links,
                std::vector<FactRow>* rows) const {
    std::size_t shown = 0;
    for (const auto& dde : links) {
      if (shown == kMaxRowsPerKind) break;
      ++shown;
      std::string value = dde.command().empty() ? dde.field_code() : dde.command();
      value += dde.automatic() ? " (DDEAUTO, " + dde.part() + ")" : " (" + dde.part() + ")";
      Add(rows, Msg::kDde, value);
    }
    AddMore(rows, Msg::kDde, static_cast<std::size_t>(links.size()));
  }

  void Office(const av1::OfficeInfo& office, std::vector<FactRow>* rows) const {
    if (office.metadata().code_page() != 0) Add(rows, Msg::kCodePage, std::to_string(office.metadata().code_page()));
    std::size_t shown = 0;
    std::string auto_exec;
    std::size_t auto_exec_count = 0;
    for (const auto& module : office.vba_modules()) {
      for (const auto& finding : module.findings()) {
        if (finding.kind() != "auto_exec") continue;
        if (++auto_exec_count > kMaxRowsPerKind) continue;
        auto_exec = Join(auto_exec, finding.keyword() + " (" +
                                        F(Msg::kLineOf, {module.name(), std::to_string(finding.line())}) + ")");
      }
      if (shown == kMaxRowsPerKind) continue;
      ++shown;
      Add(rows, Msg::kVbaModules, F(Msg::kVbaModuleValue, {module.name(), GroupThousands(module.source_size())}));
    }
    AddMore(rows, Msg::kVbaModules, static_cast<std::size_t>(office.vba_modules_size()));
    if (auto_exec_count > kMaxRowsPerKind) {
      auto_exec += " " + F(Msg::kMore, {std::to_string(auto_exec_count - kMaxRowsPerKind)});
    }
    Add(rows, Msg::kAutoExec, auto_exec);
    DdeLinks(office.dde_links(), rows);
    shown = 0;
    for (const auto& object : office.embedded_objects()) {
      if (shown == kMaxRowsPerKind) break;
      ++shown;
      std::string value = object.prog_id().empty() ? object.clsid() : object.prog_id();
      if (!object.user_type().empty()) value += " \"" + object.user_type() + "\"";
      Add(rows, Msg::kEmbeddedObjects, value + " (" + object.storage_path() + ")");
    }
    AddMore(rows, Msg::kEmbeddedObjects, static_cast<std::size_t>(office.embedded_objects_size()));
    shown = 0;
    for (const auto& package : office.packages()) {
      if (shown == kMaxRowsPerKind) break;
      ++shown;
      std::string value = package.label() + " (" + F(Msg::kBytes, {GroupThousands(package.size())}) + ")";
      if (!package.source_path().empty()) value = Join(value, package.source_path());
      Add(rows, Msg::kEmbeddedFiles, value);
    }
    AddMore(rows, Msg::kEmbeddedFiles, static_cast<std::size_t>(office.packages_size()));
    if (!office.encrypted()) {
      Add(rows, Msg::kEncryption, T(Msg::kNone));
      return;
    }
    std::string encryption = office.encryption_method().empty() ? std::string(T(Msg::kEncrypted))
                                                                 : office.encryption_method();
    if (!office.encryption_detail().empty()) encryption += " (" + office.encryption_detail() + ")";
    if (office.decrypted()) encryption = Join(encryption, F(Msg::kDecryptedWith, {office.password_kind()}));
    Add(rows, Msg::kEncryption, encryption);
  }

  Language lang_;
};

}  // namespace

std::vector<FactBlock> DocumentFacts(const report::v1::Report& report, Language lang) {
  const Builder builder(lang);
  std::vector<FactBlock> blocks = builder.Blocks(report.static_result(), {});
  for (const auto& view : ChildrenInTreeOrder(report)) {
    if (blocks.size() >= kMaxBlocks) break;
    const auto& child = *view.child;
    for (auto& block : builder.Blocks(child.static_result(), child.submission().sample().file_name())) {
      if (blocks.size() >= kMaxBlocks) break;
      blocks.push_back(std::move(block));
    }
  }
  return blocks;
}

}  // namespace kensa::report::internal
