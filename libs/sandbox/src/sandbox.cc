#include "kensa/sandbox/sandbox.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <utility>

#include "behavior_indicators.h"
#include "behavior_rules.h"
#include "kensa/hashing/hashes.h"
#include "kensa/static_analysis/yara_signatures.h"
#include "kensa/yara_scan/yara_scanner.h"

namespace kensa::sandbox {
namespace {

using analysis::v1::ArtifactYaraMatch;
using analysis::v1::ExtractedFile;
using analysis::v1::Signature;
using analysis::v1::StaticResult;

// COMIMAGE_FLAGS_ILONLY (ECMA-335 II.25.3.3.1): the image holds IL only, no native code.
constexpr std::uint32_t kComImageIlOnly = 0x1;

bool HasTag(const StaticResult& result, std::string_view tag) {
  const auto& tags = result.sample().file_type().tags();
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

// Why the emulator backend cannot run this file; "" when it can.
std::string SkipReason(const StaticResult& result) {
  const auto& type = result.sample().file_type();
  if (type.format() != "pe") {
    return "not a Windows program (file type " +
           (type.format().empty() ? std::string("unknown") : type.format()) + ")";
  }
  if (!HasTag(result, "pe32") && !HasTag(result, "pe32+"))
    return "not a Windows program (no PE32/PE32+ header)";
  const auto& pe = result.pe();
  if (HasTag(result, "driver") || pe.is_driver() || pe.subsystem() == "native") {
    return "kernel driver (runs in kernel mode, outside the user-mode emulator)";
  }
  if ((pe.is_dotnet() && (pe.dotnet().flags() & kComImageIlOnly) != 0) ||
      (HasTag(result, "dotnet") && !pe.is_dotnet() && pe.machine().empty())) {
    return ".NET assembly (IL only; the emulator runs native x86/x64 code)";
  }
  if (!pe.machine().empty() && pe.machine() != "i386" && pe.machine() != "amd64") {
    return "PE for machine " + pe.machine() + " (the emulator runs x86 and x64)";
  }
  return {};
}

std::string FileNameOf(const std::string& windows_path) {
  const std::size_t slash = windows_path.find_last_of("\\/");
  return slash == std::string::npos ? windows_path : windows_path.substr(slash + 1);
}

std::string ExtensionOf(const std::string& name) {
  const std::size_t dot = name.rfind('.');
  return dot == std::string::npos ? std::string() : AsciiLower(name.substr(dot));
}

// One YARA match on an artifact as a signature; the same rule on several artifacts is one
// signature naming each of them.
void AddYaraSignature(const analysis::v1::YaraMatch& match, const std::string& artifact,
                      std::vector<Signature>* signatures) {
  Signature made = static_analysis::SignatureFromYaraMatch(match);
  made.set_source("yara_memory");
  const auto same = std::find_if(signatures->begin(), signatures->end(), [&](const Signature& s) {
    return s.name() == made.name() && s.source() == "yara_memory";
  });
  if (same != signatures->end()) {
    auto* evidence = same->add_evidence();
    evidence->set_kind("artifact");
    evidence->set_value(artifact);
    return;
  }
  // The artifact comes first: the string offsets that follow are offsets inside it.
  Signature signature = made;
  signature.clear_evidence();
  auto* evidence = signature.add_evidence();
  evidence->set_kind("artifact");
  evidence->set_value(artifact);
  for (const auto& item : made.evidence()) *signature.add_evidence() = item;
  signatures->push_back(std::move(signature));
}

}  // namespace

struct Sandbox::State {
  SandboxConfig config;
  BehaviorRules behavior_rules;
  std::shared_ptr<const yara_scan::RuleSet> yara_rules;
};

Sandbox::Sandbox(std::unique_ptr<State> state) : state_(std::move(state)) {}
Sandbox::~Sandbox() = default;

Result<std::unique_ptr<Sandbox>> Sandbox::Create(const SandboxConfig& config,
                                                 std::vector<std::string>* warnings) {
  auto state = std::make_unique<State>();
  state->config = config;
  const std::string behavior_dir = (std::filesystem::path(config.rules_dir) / "behavior").string();
  KENSA_ASSIGN_OR_RETURN(state->behavior_rules, BehaviorRules::LoadDirectory(behavior_dir));

  std::vector<std::string> yara_dirs = {
      (std::filesystem::path(config.rules_dir) / "yara").string()};
  yara_dirs.insert(yara_dirs.end(), config.extra_yara_dirs.begin(), config.extra_yara_dirs.end());
  std::vector<yara_scan::CompileMessage> messages;
  KENSA_ASSIGN_OR_RETURN(state->yara_rules,
                         yara_scan::RuleSet::CompileDirectories(yara_dirs, &messages));
  if (warnings != nullptr) {
    for (const auto& message : messages) {
      warnings->push_back("yara " + message.file +
                          (message.line > 0 ? ":" + std::to_string(message.line) : "") + ": " +
                          message.message + (message.is_error ? " (file skipped)" : ""));
    }
  }
  return std::unique_ptr<Sandbox>(new Sandbox(std::move(state)));
}

bool Sandbox::CanRun(const StaticResult& static_result) {
  return SkipReason(static_result).empty();
}

std::size_t Sandbox::behavior_rule_count() const { return state_->behavior_rules.rules().size(); }
std::size_t Sandbox::yara_rule_count() const { return state_->yara_rules->rule_count(); }

Result<SandboxRun> Sandbox::Run(ByteSpan data, const StaticResult& static_result) const {
  const auto started = std::chrono::steady_clock::now();
  const SandboxConfig& config = state_->config;
  SandboxRun run;
  auto& result = run.result;
  result.set_backend("emulator");
  const auto finish = [&]() {
    result.set_duration_ms(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count());
  };

  if (std::string reason = SkipReason(static_result); !reason.empty()) {
    result.set_ran(false);
    result.set_skip_reason(std::move(reason));
    finish();
    return run;
  }

  emulator::EmulationOptions options = config.emulation;
  // A DLL loaded as "sample.exe" would show a wrong name to a sample that checks its module.
  std::string& sample_path = options.environment.sample_path;
  if (static_result.pe().is_dll() && ExtensionOf(sample_path) == ".exe") {
    sample_path.replace(sample_path.size() - 4, 4, ".dll");
  }

  KENSA_ASSIGN_OR_RETURN(emulator::EmulationOutput output, emulator::Emulate(data, options));
  if (output.behavior.end_reason() == analysis::v1::EMULATION_END_REASON_UNSUPPORTED_FILE) {
    result.set_ran(false);
    result.set_skip_reason("the emulator cannot run this file: " + output.behavior.end_detail());
    finish();
    return run;
  }
  result.set_ran(true);

  // A file whose content is the network simulation's canned HTTP answer was written from a
  // download the emulator faked: its bytes are Kensa's, not the sample's, so they are neither
  // scanned, nor submitted, nor taken as a dropped executable (the canned body starts "MZ"
  // to keep downloaders going). The download itself stays in the events and signatures.
  const std::string& canned = options.environment.http_response_body;
  for (auto& artifact : output.dropped_files) {
    const bool simulated =
        !canned.empty() && artifact.content.size() == canned.size() &&
        std::equal(artifact.content.begin(), artifact.content.end(), canned.begin(),
                   [](std::uint8_t byte, char c) { return byte == static_cast<std::uint8_t>(c); });
    if (simulated) artifact.content.clear();
  }
  std::vector<ByteSpan> dropped_contents;
  dropped_contents.reserve(output.dropped_files.size());
  for (const auto& artifact : output.dropped_files) dropped_contents.emplace_back(artifact.content);
  const BehaviorFacts facts(output.behavior, dropped_contents, sample_path);
  std::vector<Signature> signatures = state_->behavior_rules.Evaluate(facts);

  // YARA over every artifact: unpacked or injected code and dropped payloads are where the
  // family shows that the packed file hid.
  const auto scan = [&](const emulator::Artifact& artifact, const std::string& file_name) {
    if (artifact.content.empty()) return;
    yara_scan::ScanOptions scan_options;
    scan_options.timeout_seconds = config.yara_timeout_seconds;
    scan_options.externals.filename = file_name;
    scan_options.externals.filepath = artifact.name;
    scan_options.externals.extension = ExtensionOf(file_name);
    auto matches = yara_scan::Scan(*state_->yara_rules, artifact.content, scan_options);
    if (!matches) {
      result.add_errors("yara on " + artifact.name + ": " + matches.error().message());
      return;
    }
    for (const auto& match : *matches) {
      ArtifactYaraMatch* recorded = result.add_yara_matches();
      recorded->set_artifact(artifact.name);
      recorded->set_artifact_sha256(artifact.sha256);
      *recorded->mutable_match() = match;
      AddYaraSignature(match, artifact.name, &signatures);
    }
  };
  for (const auto& artifact : output.dropped_files) scan(artifact, FileNameOf(artifact.name));
  for (const auto& artifact : output.memory_regions) scan(artifact, artifact.name + ".bin");

  for (auto& signature : signatures) *result.add_signatures() = std::move(signature);
  for (auto& indicator : BehaviorIndicators(output.behavior, options.environment)) {
    *result.add_indicators() = std::move(indicator);
  }

  // Children: dropped files first, then memory dumps. Empty files carry nothing, and a copy of
  // the sample itself (or a second copy of a child) would only analyse the same bytes again.
  std::set<std::string> admitted = {hashing::Sha256Hex(data)};
  const auto add_child = [&](emulator::Artifact& artifact, std::string name,
                             const std::string& origin) {
    if (run.children.size() >= config.max_children || artifact.content.empty()) return;
    if (!admitted.insert(artifact.sha256).second) return;
    SandboxChild child;
    child.info.set_name(std::move(name));
    child.info.set_sha256(artifact.sha256);
    child.info.set_size(artifact.content.size());
    child.info.set_origin(origin);
    *result.add_extracted_files() = child.info;
    child.data = std::move(artifact.content);
    run.children.push_back(std::move(child));
  };
  for (auto& artifact : output.dropped_files)
    add_child(artifact, FileNameOf(artifact.name), "dropped");
  for (auto& artifact : output.memory_regions)
    add_child(artifact, artifact.name + ".bin", "executed_memory");

  *result.mutable_behavior() = std::move(output.behavior);
  finish();
  return run;
}

}  // namespace kensa::sandbox
