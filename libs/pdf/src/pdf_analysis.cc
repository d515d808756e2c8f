#include "kensa/pdf/pdf_analysis.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "kensa/core/bytes.h"
#include "kensa/hashing/hashes.h"
#include "kensa/identify/file_identifier.h"
#include "kensa/pdf/javascript_scan.h"
#include "kensa/pdf/keyword_scan.h"
#include "qpdf_reader.h"
#include "text.h"

namespace kensa::pdf {
namespace {

using analysis::v1::PdfInfo;

// One URL per link is normal in a brochure; the first ones say enough, the rest would bury
// the other findings.
constexpr std::size_t kMaxAnomaliesPerCode = 10;
constexpr std::size_t kDetailExcerptBytes = 160;
// Script findings kept in the result; a generated document repeats one script thousands of times.
constexpr int kMaxJavaScriptFindings = 500;
// Identification reads headers only.
constexpr std::size_t kIdentifyPrefixBytes = 64 * 1024;

// Names whose presence means active content or data leaving the document; the ones compared
// between the raw bytes and the parsed objects, and checked for #xx obfuscation.
constexpr std::array<std::string_view, 16> kActiveNames = {
    "/JS",       "/JavaScript", "/AA",          "/OpenAction", "/Launch", "/EmbeddedFile",
    "/EmbeddedFiles", "/URI",   "/SubmitForm",  "/RichMedia",  "/XFA",    "/AcroForm",
    "/GoToR",    "/GoToE",      "/ImportData",  "/JBIG2Decode"};

// Extensions Windows runs or opens as code on a double click.
constexpr std::array<std::string_view, 20> kExecutableExtensions = {
    ".exe", ".scr", ".dll", ".com", ".pif", ".cpl", ".bat", ".cmd", ".ps1", ".vbs",
    ".vbe", ".js",  ".jse", ".wsf", ".hta", ".lnk", ".msi", ".jar", ".iso", ".reg"};

// Identify codes of programs (docs/file-types.md).
constexpr std::array<std::string_view, 6> kExecutableFormats = {"pe", "elf", "macho", "lnk", "dex", "java_class"};

class Findings {
 public:
  explicit Findings(std::vector<analysis::v1::Anomaly>* anomalies) : anomalies_(anomalies) {}

  void Add(const std::string& code, const std::string& detail) {
    if (++per_code_[code] > kMaxAnomaliesPerCode) return;
    analysis::v1::Anomaly anomaly;
    anomaly.set_code(code);
    anomaly.set_detail(detail);
    anomalies_->push_back(std::move(anomaly));
  }

 private:
  std::vector<analysis::v1::Anomaly>* anomalies_;
  std::map<std::string, std::size_t> per_code_;
};

// "(object 5, offset 407)" or "(object 5 in an object stream)".
std::string Where(std::uint32_t object_number, std::uint64_t offset) {
  if (object_number == 0) return "(trailer)";
  std::string text = "(object " + std::to_string(object_number);
  text += offset > 0 ? ", offset " + std::to_string(offset) + ")" : " in an object stream)";
  return text;
}

std::string Excerpt(const std::string& text) { return internal::OneLine(text, kDetailExcerptBytes); }

bool HasExecutableExtension(const std::string& name) {
  const std::string lower = AsciiLower(name);
  return std::any_of(kExecutableExtensions.begin(), kExecutableExtensions.end(),
                     [&](std::string_view extension) { return lower.ends_with(extension); });
}

// A UNC or SMB path makes Windows authenticate to the named host (NTLM hash leak,
// CVE-2018-4993 in Acrobat's GoToE).
bool IsUncTarget(const std::string& target) {
  const std::string lower = AsciiLower(target);
  return lower.starts_with("\\\\") || lower.starts_with("//") || lower.starts_with("smb:") ||
         (lower.starts_with("file://") && !lower.starts_with("file:///"));
}

void AddJavaScriptFindings(const std::vector<std::string>& texts, PdfInfo* info, Findings* findings) {
  std::set<std::string> exploit_keywords;
  bool heap_spray_reported = false;
  bool obfuscation_reported = false;
  for (std::size_t i = 0; i < texts.size() && i < static_cast<std::size_t>(info->scripts_size()); ++i) {
    const auto& script = info->scripts(static_cast<int>(i));
    const std::string where = script.location() + " " + Where(script.object_number(), script.offset());
    std::set<std::string> kinds;
    for (auto& found : ScanJavaScript(texts[i])) {
      kinds.insert(found.kind);
      if (found.kind == "exploit_api" && exploit_keywords.insert(found.keyword).second) {
        findings->Add("pdf_exploit_api",
                      found.keyword + " (" + found.cve + ") in " + where + ": " + found.evidence);
      }
      if ((found.kind == "heap_spray" || found.kind == "shellcode_escapes") && !heap_spray_reported) {
        heap_spray_reported = true;
        findings->Add("pdf_heap_spray", found.keyword + " in " + where + ": " + found.evidence);
      }
      if (found.kind == "export_data_object" && info->embedded_files_size() > 0) {
        findings->Add("pdf_javascript_exports_attachment", "exportDataObject in " + where + ": " + found.evidence);
      }
      if (info->javascript_findings_size() >= kMaxJavaScriptFindings) continue;
      auto* finding = info->add_javascript_findings();
      finding->set_kind(found.kind);
      finding->set_keyword(found.keyword);
      finding->set_cve(found.cve);
      finding->set_script_index(static_cast<std::uint32_t>(i));
      finding->set_evidence(std::move(found.evidence));
    }
    const bool decoding_layers = kinds.contains("eval") && (kinds.contains("unescape") || kinds.contains("from_char_code"));
    if (!obfuscation_reported &&
        (decoding_layers || kinds.contains("many_from_char_code") || kinds.contains("long_string"))) {
      obfuscation_reported = true;
      std::string which;
      for (const auto* kind : {"eval", "unescape", "from_char_code", "many_from_char_code", "long_string"}) {
        if (kinds.contains(kind)) which += (which.empty() ? "" : ", ") + std::string(kind);
      }
      findings->Add("pdf_javascript_obfuscation", which + " in " + where);
    }
  }
}

void AddStructureFindings(const internal::QpdfFacts& facts, const KeywordScan& scan, PdfInfo* info,
                          const std::vector<Bytes>& embedded_data, Findings* findings) {
  const auto& scripts = info->scripts();
  if (!scripts.empty()) {
    const auto& first = scripts[0];
    findings->Add("pdf_javascript", std::to_string(scripts.size()) + " script(s); first at " + first.location() +
                                        " " + Where(first.object_number(), first.offset()) + ": " +
                                        Excerpt(first.text()));
  }
  for (const auto& script : scripts) {
    if (!script.automatic()) continue;
    findings->Add("pdf_javascript_auto_run", script.location() + " " + Where(script.object_number(), script.offset()) +
                                                 ": " + Excerpt(script.text()));
  }

  for (const auto& action : info->actions()) {
    const std::string where = action.location() + " " + Where(action.object_number(), action.offset());
    const std::string target = action.target().empty() ? "(no target)" : action.target();
    if (action.type() == "Launch") {
      std::string detail = target;
      if (!action.parameters().empty()) detail += " " + Excerpt(action.parameters());
      detail += " at " + where;
      findings->Add("pdf_launch_action", detail);
      if (action.automatic()) findings->Add("pdf_launch_action_auto_run", detail);
    } else if (action.type() == "URI") {
      findings->Add("pdf_uri", target + " at " + where);
    } else if (action.type() == "SubmitForm") {
      findings->Add("pdf_submitform", target + " at " + where);
    } else {
      findings->Add("pdf_remote_action", action.type() + " " + target + " at " + where);
    }
    if (IsUncTarget(action.target())) findings->Add("pdf_unc_target", action.type() + " " + target + " at " + where);
  }

  for (int i = 0; i < info->embedded_files_size(); ++i) {
    const auto& file = info->embedded_files(i);
    const std::string detail = file.name() + " (" + std::to_string(file.size()) + " bytes, sha256 " + file.sha256() +
                               ") from the " + file.origin() + " (object " + std::to_string(file.object_number()) + ")";
    findings->Add("pdf_embedded_file", detail);
    const ByteSpan data = static_cast<std::size_t>(i) < embedded_data.size() ? ByteSpan(embedded_data[static_cast<std::size_t>(i)]) : ByteSpan();
    const std::string format = identify::Identify(SubSpan(data, 0, kIdentifyPrefixBytes)).format();
    const bool executable_format =
        std::find(kExecutableFormats.begin(), kExecutableFormats.end(), format) != kExecutableFormats.end();
    if (executable_format || HasExecutableExtension(file.name())) {
      findings->Add("pdf_embedded_executable",
                    file.name() + (executable_format ? " is a " + format + " file" : " has an executable extension") +
                        " (sha256 " + file.sha256() + ")");
    }
  }

  std::string obfuscated;
  for (const auto name : kActiveNames) {
    const auto escaped = scan.HexEscaped(name);
    if (escaped == 0) continue;
    obfuscated += (obfuscated.empty() ? "" : ", ") + std::string(name) + " " + std::to_string(escaped) + " of " +
                  std::to_string(scan.Count(name)) + " times";
  }
  if (!obfuscated.empty()) findings->Add("pdf_name_obfuscation", "written with #xx escapes: " + obfuscated);

  std::uint32_t jbig2_streams = 0;
  for (const auto& filter : info->filters()) {
    if (filter.filter() == "JBIG2Decode") jbig2_streams = filter.streams();
  }
  if (jbig2_streams > 0 || scan.Count("/JBIG2Decode") > 0) {
    findings->Add("pdf_jbig2", std::to_string(std::max(jbig2_streams, scan.Count("/JBIG2Decode"))) +
                                   " stream(s) use the JBIG2Decode filter");
  }

  const auto parsed = [&](std::string_view name) {
    const auto it = facts.parsed_names.find(std::string(name));
    return it == facts.parsed_names.end() ? 0u : it->second;
  };
  if (parsed("/RichMedia") > 0 || scan.Count("/RichMedia") > 0) {
    findings->Add("pdf_rich_media", "RichMedia (Flash, video) content: " +
                                        std::to_string(std::max(parsed("/RichMedia"), scan.Count("/RichMedia"))) +
                                        " occurrence(s)");
  }

  const auto& encryption = info->encryption();
  if (encryption.encrypted()) {
    std::string detail = facts.password_required ? "a user password is needed to open it"
                                                 : encryption.method() + ", revision " + std::to_string(encryption.revision());
    if (encryption.opens_without_password()) detail += "; opens without a password (empty user password)";
    findings->Add("pdf_encrypted", detail);
  }
  if (facts.password_required) {
    findings->Add("pdf_password_protected", "qpdf: " + facts.error + "; contents could not be inspected");
  }

  if (info->recovered()) {
    findings->Add("pdf_recovered", info->parser_warnings().empty() ? "qpdf repaired the file"
                                                                    : "qpdf repaired the file: " + info->parser_warnings(0));
  }
  if (info->xref_reconstructed()) {
    findings->Add("pdf_xref_reconstructed",
                  "the cross-reference table is missing or wrong; qpdf rebuilt it by scanning for objects");
  }
  if (!facts.opened && !facts.password_required && !facts.error.empty()) {
    findings->Add("pdf_unparseable", "qpdf: " + facts.error);
  }
  if (facts.password_required) return;  // nothing parsed to compare with

  std::string hidden;
  std::string outside;
  for (const auto name : kActiveNames) {
    const std::uint32_t in_objects = parsed(name);
    if (in_objects > 0 && scan.Count(name) == 0) {
      hidden += (hidden.empty() ? "" : ", ") + std::string(name);
    }
    if (in_objects == 0 && scan.CountStructural(name) > 0) {
      outside += (outside.empty() ? "" : ", ") + std::string(name) + " (" +
                 std::to_string(scan.CountStructural(name)) + " in the bytes)";
    }
  }
  if (!hidden.empty()) {
    findings->Add("pdf_keywords_hidden_from_raw_scan",
                  hidden + " found in parsed objects but never spelled in the raw bytes (" +
                      std::to_string(info->object_stream_count()) + " compressed object stream(s))");
  }
  // A walk cut short by a bound has not seen every object: no claim about what it missed.
  if (!outside.empty() && info->limits_reached().empty()) {
    findings->Add("pdf_keywords_outside_structure",
                  outside + (facts.opened ? " in the raw bytes but in no object the cross-reference table leads to"
                                          : " in the raw bytes of a file qpdf could not parse"));
  }
}

}  // namespace

PdfAnalysis AnalyzePdf(ByteSpan data, const PdfLimits& limits) {
  PdfAnalysis analysis;
  const KeywordScan scan = ScanKeywords(data);

  internal::QpdfFacts facts;
  if (data.size() > limits.max_input_bytes) {
    facts.info.add_limits_reached("input_size");
    analysis::v1::Anomaly anomaly;
    anomaly.set_code("pdf_too_large");
    anomaly.set_detail(std::to_string(data.size()) + " bytes; only the raw keyword scan ran (bound " +
                       std::to_string(limits.max_input_bytes) + ")");
    facts.anomalies.push_back(std::move(anomaly));
  } else if (data.empty()) {
    facts.error = "empty file";
  } else {
    for (const auto name : kActiveNames) facts.parsed_names.emplace(std::string(name), 0);
    internal::ReadWithQpdf(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()), limits, &facts);
  }

  PdfInfo& info = analysis.info;
  info = std::move(facts.info);
  for (std::size_t i = 0; i < kRawKeywords.size(); ++i) {
    const auto& tally = scan.tallies()[i];
    if (tally.count == 0) continue;
    auto* keyword = info.add_keywords();
    keyword->set_keyword(std::string(kRawKeywords[i]));
    keyword->set_count(tally.count);
    keyword->set_hex_escaped(tally.hex_escaped);
  }
  info.set_hex_escaped_names(scan.hex_escaped_names());

  for (auto& file : facts.embedded_file_data) {
    analysis.embedded_file_data.emplace_back(file.begin(), file.end());
    std::string().swap(file);  // one copy at a time: files may be tens of MiB
  }
  for (int i = 0; i < info.embedded_files_size() && static_cast<std::size_t>(i) < analysis.embedded_file_data.size(); ++i) {
    info.mutable_embedded_files(i)->set_sha256(hashing::Sha256Hex(analysis.embedded_file_data[static_cast<std::size_t>(i)]));
  }

  analysis.anomalies = std::move(facts.anomalies);
  Findings findings(&analysis.anomalies);
  AddStructureFindings(facts, scan, &info, analysis.embedded_file_data, &findings);
  AddJavaScriptFindings(facts.script_texts, &info, &findings);

  for (std::size_t i = 0; i < facts.script_texts.size() && i < static_cast<std::size_t>(info.scripts_size()); ++i) {
    analysis.decoded_texts.emplace_back("pdf.javascript:" + info.scripts(static_cast<int>(i)).location(),
                                        std::move(facts.script_texts[i]));
  }
  for (const auto& action : info.actions()) {
    if (action.target().empty()) continue;
    std::string text = action.target();
    if (!action.parameters().empty()) text += " " + action.parameters();
    analysis.decoded_texts.emplace_back("pdf.action:" + action.type(), std::move(text));
  }
  analysis.error = std::move(facts.error);
  return analysis;
}

}  // namespace kensa::pdf
