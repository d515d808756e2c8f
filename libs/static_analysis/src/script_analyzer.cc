#include "script_analyzer.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "kensa/hashing/hashes.h"
#include "kensa/script/behaviour.h"

namespace kensa::static_analysis {
namespace {

constexpr std::size_t kMaxScriptBytes = 8u << 20;        // script text de-obfuscated per sample
constexpr std::size_t kMaxDeobfuscatedBytes = 256 * 1024;  // ScriptInfo.deobfuscated in the result
constexpr std::size_t kMaxFindings = 200;
constexpr std::size_t kMaxAnomaliesPerCode = 8;           // one per keyword, a few keywords each
constexpr std::size_t kMaxDetailBytes = 400;

// Layer kinds that hide code (as opposed to reading it: constants, parentheses, concatenation
// of short pieces is ordinary programming), with the count from which one pass is deliberate.
struct ObfuscationKind {
  std::string_view kind;
  std::size_t min_count;
};
constexpr std::array<ObfuscationKind, 15> kObfuscationKinds = {{
    {"encoded_command", 1}, {"base64", 1}, {"deflate", 1}, {"gzip", 1}, {"script_encoder", 1},
    {"char_codes", 4}, {"format_operator", 2}, {"replace", 2}, {"reverse", 1}, {"indexing", 2},
    {"url_unescape", 1}, {"escapes", 5}, {"caret_escapes", 5}, {"batch_variables", 4},
    {"invoke_expression", 1},
}};

std::string Bounded(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<std::uint8_t>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

std::string ExecutionCode(script::Language language) {
  switch (language) {
    case script::Language::kPowerShell: return "script_execution_powershell";
    case script::Language::kVbScript: return "script_execution_vbscript";
    case script::Language::kJScript: return "script_execution_jscript";
    case script::Language::kBatch:
    case script::Language::kCommandLine: return "script_execution_cmd";
    case script::Language::kHtml: return "";  // the script blocks are texts of their own
    case script::Language::kShell: return "script_execution_shell";
  }
  return "";
}

std::string AnomalyCode(const script::ScriptFinding& finding) {
  if (finding.kind == "execution") return ExecutionCode(finding.language);
  if (finding.language == script::Language::kShell) {
    // Cron, systemd, rc.local, profiles and authorized_keys are not Run keys or tasks.
    if (finding.kind == "persistence") return "script_persistence_unix";
    // Installers and build scripts fetch with curl and wget all the time; what a shell script
    // does with what it fetched (pipes it into sh, makes it executable in /tmp) tells.
    if (finding.kind == "download_cradle") return "script_download_unix";
  }
  return "script_" + finding.kind;
}

}  // namespace

void AnalyzeScriptText(std::string_view text, script::Language language, const std::string& source,
                       const std::string& file_name, analysis::v1::StaticResult* result,
                       std::vector<ExtractedChild>* children,
                       std::vector<std::pair<std::string, std::string>>* decoded_texts) {
  script::DeobfuscationLimits limits;
  limits.max_text_bytes = kMaxScriptBytes;
  const script::Deobfuscation deobfuscation = script::Deobfuscate(text, language, limits);
  const auto findings = script::FindBehaviour(deobfuscation, text, kMaxFindings);

  auto* info = result->mutable_script();
  info->set_language(std::string(script::LanguageName(language)));
  info->set_source(source);
  info->set_size(text.size());
  info->set_limit_reached(deobfuscation.limit_reached);
  for (const auto& layer : deobfuscation.layers) {
    auto* out = info->add_layers();
    out->set_kind(layer.kind);
    out->set_language(std::string(script::LanguageName(layer.language)));
    out->set_count(static_cast<std::uint32_t>(std::min<std::size_t>(layer.count, UINT32_MAX)));
    out->set_size(layer.size);
    out->set_excerpt(layer.excerpt);
    out->set_text_index(static_cast<std::uint32_t>(layer.text_index));
  }
  std::string deobfuscated;
  for (std::size_t i = 0; i < deobfuscation.texts.size(); ++i) {
    const auto& decoded = deobfuscation.texts[i];
    // Decoded code is invisible to string extraction: its URLs and paths become indicators here.
    decoded_texts->emplace_back("script." + std::to_string(i) + (decoded.origin.empty() ? "" : "." + decoded.origin),
                                decoded.text);
    if (deobfuscated.size() > kMaxDeobfuscatedBytes) continue;
    if (i > 0) {
      deobfuscated += "\n\n#### text " + std::to_string(i) + ": " + decoded.origin + " (" +
                      std::string(script::LanguageName(decoded.language)) + ") from text " +
                      std::to_string(decoded.parent) + "\n";
    }
    deobfuscated += decoded.text.substr(0, kMaxDeobfuscatedBytes + 1);
  }
  info->set_deobfuscated_truncated(deobfuscated.size() > kMaxDeobfuscatedBytes);
  info->set_deobfuscated(Bounded(deobfuscated, kMaxDeobfuscatedBytes));

  std::map<std::string, std::size_t> per_code;
  for (const auto& finding : findings) {
    auto* out = info->add_findings();
    out->set_kind(finding.kind);
    out->set_keyword(finding.keyword);
    out->set_text(finding.line);
    out->set_text_index(static_cast<std::uint32_t>(finding.text_index));
    out->set_language(std::string(script::LanguageName(finding.language)));
    const std::string code = AnomalyCode(finding);
    if (code.empty() || per_code[code]++ >= kMaxAnomaliesPerCode) continue;
    auto* anomaly = result->add_anomalies();
    anomaly->set_code(code);
    anomaly->set_detail(Bounded(finding.keyword + ": " + finding.line, kMaxDetailBytes));
  }

  // Obfuscation: the distinct kinds of layers that hide code, and how many texts were decoded.
  std::set<std::string> kinds;
  for (const auto& layer : deobfuscation.layers) {
    for (const auto& kind : kObfuscationKinds) {
      if (layer.kind == kind.kind && layer.count >= kind.min_count) kinds.insert(layer.kind);
    }
  }
  if (kinds.size() >= 2) {
    std::string detail = std::to_string(kinds.size()) + " layers:";
    for (const auto& kind : kinds) detail += " " + kind;
    detail += "; " + std::to_string(deobfuscation.texts.size() - 1) + " decoded texts";
    auto* anomaly = result->add_anomalies();
    anomaly->set_code("script_obfuscated");
    anomaly->set_detail(detail);
  }

  for (std::size_t i = 0; i < deobfuscation.blobs.size(); ++i) {
    const auto& blob = deobfuscation.blobs[i];
    analysis::v1::ExtractedFile file;
    const std::string base = file_name.empty() ? "script" : file_name;
    file.set_name(base + ".payload_" + std::to_string(i + 1) + ".bin");
    file.set_sha256(hashing::Sha256Hex(blob.data));
    file.set_size(blob.data.size());
    file.set_origin("script " + blob.kind);
    *result->add_extracted_files() = file;
    auto* anomaly = result->add_anomalies();
    anomaly->set_code("script_payload");
    anomaly->set_detail(std::to_string(blob.data.size()) + " bytes of an executable decoded from " + blob.kind +
                        " in text " + std::to_string(blob.text_index));
    if (children != nullptr) children->push_back({std::move(file), blob.data});
  }
}

void AnalyzeScriptFile(ByteSpan data, const std::string& tag, const std::string& file_name,
                       analysis::v1::StaticResult* result, std::vector<ExtractedChild>* children,
                       std::vector<std::pair<std::string, std::string>>* decoded_texts) {
  const auto language = script::LanguageForTag(tag);
  if (!language) return;
  const std::string text = script::DecodeScriptBytes(data, kMaxScriptBytes);
  AnalyzeScriptText(text, *language, "sample", file_name, result, children, decoded_texts);
  result->mutable_script()->set_language(tag == "hta" || tag == "wsf" || tag == "vbe"
                                             ? tag
                                             : std::string(script::LanguageName(*language)));
}

}  // namespace kensa::static_analysis
