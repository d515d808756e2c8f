#include "kensa/archive/archive_reader.h"
#include "kensa/static_analysis/static_analyzer.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>

#include "kensa/hashing/hashes.h"
#include "kensa/identify/file_identifier.h"
#include "kensa/indicators/indicator_extractor.h"
#include "kensa/indicators/public_suffix_list.h"
#include "kensa/pe/pe_analyzer.h"
#include "kensa/static_analysis/office_analyzer.h"
#include "kensa/static_analysis/ooxml_analyzer.h"
#include "kensa/static_analysis/signature_rules.h"
#include "kensa/static_analysis/yara_signatures.h"
#include "kensa/strings/string_extractor.h"
#include "kensa/yara_scan/yara_scanner.h"
#include "archive_analyzer.h"  // src/: the archive part of this stage
#include "lnk_analyzer.h"      // src/: the LNK part of this stage
#include "office_encryption_analyzer.h"  // src/: encrypted OLE2 documents
#include "ole_package_analyzer.h"        // src/: OLE Package objects and embedded objects
#include "script_analyzer.h"   // src/: the script part of this stage
#include "pdf_analyzer.h"      // src/: the PDF part of this stage
#include "rtf_analyzer.h"      // src/: the RTF part of this stage
#include "xlm_analyzer.h"      // src/: the Excel 4.0 macro part of this stage

namespace kensa::static_analysis {

struct StaticAnalyzer::State {
  StaticConfig config;
  indicators::PublicSuffixList public_suffixes;
  std::shared_ptr<const yara_scan::RuleSet> yara_rules;
  SignatureRules signature_rules;
  std::vector<std::string> archive_passwords;  // the default list, after the submitter's
};

namespace {

// A string that looks like a Windows API name (CamelCase identifier) may name a function that
// is resolved at run time with GetProcAddress.
bool LooksLikeApiName(std::string_view text) {
  constexpr std::size_t kMinApiName = 4;
  constexpr std::size_t kMaxApiName = 64;
  if (text.size() < kMinApiName || text.size() > kMaxApiName) return false;
  if (!((text[0] >= 'A' && text[0] <= 'Z') || text[0] == '_')) return false;
  bool has_lower = false;
  for (char c : text) {
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!alnum) return false;
    has_lower = has_lower || (c >= 'a' && c <= 'z');
  }
  return has_lower;
}

void AddAnomaly(analysis::v1::StaticResult* result, const std::string& code, const std::string& detail) {
  auto* anomaly = result->add_anomalies();
  anomaly->set_code(code);
  anomaly->set_detail(detail);
}

// Facts that need more than the PE parser sees: resource contents identified as files, an
// overlay that is not the Authenticode blob, an import table that is only a loader.
void AddDerivedPeFacts(ByteSpan data, analysis::v1::StaticResult* result) {
  auto* pe = result->mutable_pe();
  for (auto& resource : *pe->mutable_resources()) {
    const ByteSpan content = SubSpan(data, resource.offset(), resource.size());
    if (content.empty()) continue;
    constexpr std::size_t kIdentifyPrefix = 64 * 1024;  // identification reads headers only
    const auto type = identify::Identify(SubSpan(content, 0, kIdentifyPrefix));
    if (type.format() != "unknown" && type.format() != "text") resource.set_content_format(type.format());
    if (type.format() == "pe") {
      AddAnomaly(result, "pe_embedded_executable_resource",
                 "resource " + resource.type() + "/" + resource.name() + " at offset " +
                     std::to_string(resource.offset()) + " is a " + type.description());
    }
  }

  // The overlay proper excludes an Authenticode blob that sits at the end of the file.
  std::uint64_t overlay_size = pe->overlay_size();
  if (overlay_size > 0 && pe->signature().present() && pe->signature().offset() >= pe->overlay_offset()) {
    overlay_size = pe->signature().offset() - pe->overlay_offset();
  }
  constexpr std::uint64_t kPayloadOverlayMinBytes = 4096;   // smaller overlays are padding or metadata
  constexpr double kEncryptedEntropy = 7.2;                  // compressed/encrypted data sits above
  if (overlay_size >= kPayloadOverlayMinBytes) {
    const double entropy = ShannonEntropy(SubSpan(data, pe->overlay_offset(), overlay_size));
    if (entropy >= kEncryptedEntropy) {
      std::ostringstream detail;
      detail.precision(3);
      detail << overlay_size << " bytes at offset " << pe->overlay_offset() << ", entropy " << entropy;
      AddAnomaly(result, "pe_high_entropy_overlay", detail.str());
    }
  }

  std::size_t function_count = 0;
  bool get_proc_address = false;
  bool load_library = false;
  for (const auto& import : pe->imports()) {
    for (const auto& function : import.functions()) {
      ++function_count;
      get_proc_address = get_proc_address || function.name() == "GetProcAddress";
      load_library = load_library || function.name().starts_with("LoadLibrary");
    }
  }
  constexpr std::size_t kLoaderOnlyImports = 8;  // a real program imports far more than this
  if (!pe->is_dotnet() && get_proc_address && load_library && function_count <= kLoaderOnlyImports) {
    AddAnomaly(result, "pe_imports_only_loader",
               std::to_string(function_count) + " imported functions, including LoadLibrary and GetProcAddress");
  }
}

}  // namespace

StaticAnalyzer::StaticAnalyzer(std::unique_ptr<State> state) : state_(std::move(state)) {}
StaticAnalyzer::~StaticAnalyzer() = default;

Result<std::unique_ptr<StaticAnalyzer>> StaticAnalyzer::Create(const StaticConfig& config,
                                                               std::vector<std::string>* warnings) {
  auto state = std::make_unique<State>();
  state->config = config;
  KENSA_ASSIGN_OR_RETURN(state->public_suffixes, indicators::PublicSuffixList::Load(config.public_suffix_list));

  std::vector<std::string> yara_dirs = {config.rules_dir + "/yara"};
  yara_dirs.insert(yara_dirs.end(), config.extra_yara_dirs.begin(), config.extra_yara_dirs.end());
  std::vector<yara_scan::CompileMessage> messages;
  KENSA_ASSIGN_OR_RETURN(state->yara_rules, yara_scan::RuleSet::CompileDirectories(yara_dirs, &messages));
  for (const auto& message : messages) {
    if (!message.is_error || warnings == nullptr) continue;
    warnings->push_back("yara: " + message.file + ":" + std::to_string(message.line) + ": " + message.message);
  }
  KENSA_ASSIGN_OR_RETURN(state->signature_rules, SignatureRules::LoadDirectory(config.rules_dir + "/signatures"));
  const std::string passwords_file = config.archive_passwords_file.empty()
                                         ? config.rules_dir + "/archive/passwords.txt"
                                         : config.archive_passwords_file;
  auto passwords = archive::LoadPasswordList(passwords_file);
  if (!passwords) {
    return Status(passwords.error().code(),
                  "archive password list: " + passwords.error().message());
  }
  state->archive_passwords = std::move(*passwords);
  // Shift_JIS decoding uses glibc's CP932 converter; a slim image without gconv modules would
  // otherwise lose Japanese strings without a word. 0x82 0x9F is HIRAGANA LETTER SMALL A.
  constexpr std::uint32_t kHiraganaSmallA = 0x3041;
  if (strings::DecodeCp932Pair(0x82, 0x9F) != kHiraganaSmallA && warnings != nullptr) {
    warnings->push_back("strings: glibc's CP932 converter is missing; Shift_JIS strings will not be extracted");
  }
  return std::unique_ptr<StaticAnalyzer>(new StaticAnalyzer(std::move(state)));
}

std::size_t StaticAnalyzer::yara_rule_count() const { return state_->yara_rules->rule_count(); }
std::size_t StaticAnalyzer::signature_rule_count() const { return state_->signature_rules.size(); }

Result<analysis::v1::StaticResult> StaticAnalyzer::Analyze(ByteSpan data, const std::string& file_name) const {
  return Analyze(data, file_name, AnalyzeOptions{}, nullptr);
}

Result<analysis::v1::StaticResult> StaticAnalyzer::Analyze(
    ByteSpan data, const std::string& file_name, const AnalyzeOptions& options,
    std::vector<ExtractedChild>* children) const {
  const auto started = std::chrono::steady_clock::now();
  const StaticConfig& config = state_->config;
  analysis::v1::StaticResult result;

  auto* sample = result.mutable_sample();
  sample->set_size(data.size());
  sample->set_file_name(file_name);
  *sample->mutable_file_type() = identify::Identify(data);
  hashing::ComputeHashes(data, *sample->mutable_hashes());
  result.set_entropy(ShannonEntropy(data));

  if (sample->file_type().format() == "pe") {
    auto pe = pe::AnalyzePe(data);
    if (pe) {
      *result.mutable_pe() = std::move(pe->info);
      for (auto& anomaly : pe->anomalies) *result.add_anomalies() = std::move(anomaly);
      sample->mutable_hashes()->set_imphash(pe->imphash);
      AddDerivedPeFacts(data, &result);
    } else {
      result.add_errors("pe: " + pe.error().message());
    }
  }

  // Text that format analyzers decoded out of the sample (macro source, script layers, PDF
  // JavaScript, LNK command lines): compressed or encoded in the file, so invisible to string
  // extraction. Each is (source label, text); indicators are extracted from all of them.
  std::vector<std::pair<std::string, std::string>> decoded_texts;
  if (sample->file_type().format() == "ole2") {
    auto office = AnalyzeOffice(data);
    if (office) {
      // Macro source is compressed in the file ([MS-OVBA] 2.4.1).
      for (std::size_t i = 0; i < office->module_sources.size() &&
                              i < static_cast<std::size_t>(office->info.vba_modules_size());
           ++i) {
        decoded_texts.emplace_back("office.vba:" + office->info.vba_modules(static_cast<int>(i)).name(),
                                   std::move(office->module_sources[i]));
      }
      // Field codes are in the document's text pieces, 8-bit or UTF-16.
      for (auto& text : office->decoded_texts) decoded_texts.push_back(std::move(text));
      *result.mutable_office() = std::move(office->info);
      for (auto& anomaly : office->anomalies) *result.add_anomalies() = std::move(anomaly);
    } else {
      result.add_errors("office: " + office.error().message());
    }
    // Encrypted content and packaged files are invisible until decrypted or unpacked.
    AnalyzeOfficeEncryption(data, file_name, options.passwords, state_->archive_passwords, &result,
                            children);
    AnalyzeOlePackages(data, &result, children);
  }

  // An OOXML package is unzipped once, for its parts and for its Excel 4.0 macro sheets.
  std::optional<archive::ArchiveListing> package;
  if (sample->file_type().format() == "ooxml") {
    OoxmlLimits ooxml_limits;
    ooxml_limits.archive = config.archive_limits;
    // An encrypted OOXML document is a compound file, not a zip: no password applies here.
    auto listing = archive::ReadArchive(data, {}, ooxml_limits.archive);
    if (listing) {
      package = std::move(*listing);
      AddOoxmlToResult(AnalyzeOoxml(*package, file_name, ooxml_limits), &result, children, &decoded_texts);
    } else {
      result.add_errors("ooxml: " + listing.error().message());
    }
  }

  // Excel 4.0 macro formulas are tokens (BIFF Ptg, XLSB Rgce) or XML the strings never show.
  AnalyzeExcel4Macros(data, sample->file_type().format(), package ? &*package : nullptr, &result, &decoded_texts);

  if (sample->file_type().format() == "rtf") {
    // Objects are hex inside the RTF: string extraction never sees their text.
    AnalyzeRtf(data, &result, children, &decoded_texts);
  }

  if (sample->file_type().format() == "pdf") {
    // JavaScript, action targets and embedded files are compressed or encrypted in the file.
    AnalyzePdfDocument(data, &result, children, &decoded_texts);
  }

  if (sample->file_type().format() == "lnk") {
    // The command line is UTF-16 pieces in the file, its PowerShell often base64 on top.
    AnalyzeLnkFile(data, file_name, &result, children, &decoded_texts);
  }

  if (sample->file_type().format() == "script" && sample->file_type().tags_size() > 0) {
    // Encoded commands, char codes and compressed payloads hide a script's code from strings.
    AnalyzeScriptFile(data, sample->file_type().tags(0), file_name, &result, children, &decoded_texts);
  }

  if (IsExtractableArchive(sample->file_type().format())) {
    std::vector<std::string> passwords = options.passwords;
    const auto& defaults = state_->archive_passwords;
    passwords.insert(passwords.end(), defaults.begin(), defaults.end());
    AnalyzeArchive(data, file_name, passwords, config.archive_limits, &result, children);
  }

  strings::StringLimits string_limits;
  string_limits.max_strings = config.max_strings;
  const auto extracted = strings::ExtractStrings(data, string_limits);
  StringFacts string_facts;
  indicators::IndicatorExtractor extractor(state_->public_suffixes);
  std::uint32_t ascii_count = 0;
  std::uint32_t utf16_count = 0;
  for (const auto& text : extracted) {
    if (text.encoding == strings::Encoding::kAscii) {
      ++ascii_count;
      if (LooksLikeApiName(text.text)) string_facts.api_names.push_back(text.text);
    } else {
      ++utf16_count;
    }
    extractor.AddString(text);
    string_facts.lower_text += AsciiLower(text.text);
    string_facts.lower_text.push_back('\n');
  }
  // Version-info values are UTF-16 inside a resource; scanning them as text keeps their source.
  for (const auto& [key, value] : result.pe().version_info().strings()) {
    extractor.AddText(value, "pe.version_info", 0);
  }
  for (const auto& [source, text] : decoded_texts) extractor.AddText(text, source, 0);
  for (auto& indicator : extractor.Indicators()) *result.add_indicators() = std::move(indicator);
  auto* string_stats = result.mutable_strings();
  string_stats->set_ascii_count(ascii_count);
  string_stats->set_utf16_count(utf16_count);
  // Notable strings: non-ASCII text (Japanese lures, ransom notes) first, then API names.
  for (const auto& text : extracted) {
    if (static_cast<std::size_t>(string_stats->notable_size()) >= config.max_notable_strings) break;
    if (text.encoding == strings::Encoding::kShiftJis) string_stats->add_notable(text.text);
  }

  yara_scan::ScanOptions scan_options;
  scan_options.timeout_seconds = config.yara_timeout_seconds;
  auto matches = yara_scan::Scan(*state_->yara_rules, data, scan_options);
  if (matches) {
    for (auto& match : *matches) {
      *result.add_signatures() = SignatureFromYaraMatch(match);
      *result.add_yara_matches() = std::move(match);
    }
  } else {
    result.add_errors("yara: " + matches.error().message());
  }

  state_->signature_rules.Evaluate(string_facts, &result);

  result.set_duration_ms(
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  return result;
}

}  // namespace kensa::static_analysis
