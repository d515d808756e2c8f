#include "cli.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>


#include <algorithm>
#include <map>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <ostream>
#include <sstream>

#include "kensa/core/file.h"
#include "kensa/collection/collection.h"
#include "kensa/hunt/hunt_path.h"
#include "kensa/indicators/ioc_list.h"
#include "kensa/yara_scan/yara_scanner.h"
#include "kensa/pipeline/triage.h"
#include "kensa/report/hunt_render.h"
#include "kensa/report/render.h"
#include "kensa/scoring/scoring_model.h"

#ifndef KENSA_DEFAULT_RULES_DIR
#define KENSA_DEFAULT_RULES_DIR "rules"
#endif

namespace kensa::cli {
namespace {

constexpr std::uint64_t kDefaultMaxFileSize = 256ULL * 1024 * 1024;  // largest sample we accept
constexpr std::uint64_t kMaxConfigBytes = 1024 * 1024;

constexpr const char* kUsage = R"(usage: kensa <command> [options]

commands:
  triage FILE...   analyze files in this process and print a verdict
  hunt PATH        hunt a host: a collection archive from collectors/ (or its folder) with the
                   host checks of rules/hunt and Sigma over its event logs, or Windows event
                   logs (an .evtx file or a folder of them) with Sigma rules
  rules            load the rules and report what loaded (and what did not)
  version          print the version
  help             print this text

triage options:
  --format text|json|html   what to print on standard output (default: text)
  --out DIR                 also write <sha256>.json, .html and .txt reports into DIR
  --lang en|ja              language of text and HTML reports (default: en)
  --fail-on LEVEL           exit 10 when a verdict reaches LEVEL (low, suspicious, malicious, critical)
  --no-color                never color the terminal summary (NO_COLOR is honoured too)
  --no-sandbox              static analysis only: do not emulate Windows programs
  --emulation-locale L      the emulated Windows' locale: en-US (default) or ja-JP (code page 932)
  --no-isolation            analyze in this process instead of a forked child per file and stage
                            (for a debugger; a crash on a hostile file then ends kensa)

hunt options:
  --sigma-rules DIR         a Sigma rule folder to load besides Kensa's own (rules/sigma),
                            recursively; may repeat (a SigmaHQ checkout's rules/windows, say)
  --no-kensa-sigma          leave out Kensa's own Sigma rules (hunt with --sigma-rules alone)
  --iocs FILE               known-bad indicators to sweep a collection for: a Kensa triage report
                            (JSON) or one hash, IP or domain per line; may repeat
  --yara-rules DIR          YARA folders for a collection's payload files, besides rules/yara
  --collection-password PW  opens an encrypted Velociraptor collection (Password scheme); may repeat
  --collection-key FILE     a PEM private key, or the Velociraptor server.config.yaml holding it,
                            that opens an X509-scheme Velociraptor collection; may repeat
  --format text|json|html   what to print on standard output (default: text)
  --lang en|ja              the language of the text and HTML reports (default: en)
  -o, --output FILE         write the --format report into FILE instead of standard output
  --out DIR                 also write hunt.json, hunt.html and hunt.txt into DIR
  hunt exits 3 when PATH does not exist, 4 when it cannot be read, 5 when it holds no event log (EVTX, .evt)
  file or is an encrypted collection no given secret opens, 8 when the Sigma rules cannot be loaded; damaged logs are hunted as far as they decode
  and their errors are reported. See docs/hunt.md for the verdict rule.

configuration (triage and rules):
  --config FILE             YAML configuration (also $KENSA_CONFIG); see docs/configuration.md
  --rules DIR               rules folder holding yara/, signatures/ and scoring/ (also $KENSA_RULES_DIR)
  --yara-rules DIR          an extra YARA rule folder; may repeat
  --password PW             a password for encrypted archives, tried before the default list
                            (rules/archive/passwords.txt); may repeat
  --max-size BYTES          refuse larger files (default 268435456)

exit codes:
  0 done   1 internal error   2 usage   3 file not found   4 unreadable   5 empty
  6 too large   7 not a regular file   8 rules failed to load   9 truncated file (partial report)
  10 --fail-on level reached
)";

struct Options {
  std::string command;
  std::vector<std::string> files;
  std::string format = "text";
  std::string out_dir;
  std::string lang = "en";
  std::string fail_on;
  bool color = true;
  std::string config_file;
  pipeline::TriageConfig triage;
  std::uint64_t max_size = kDefaultMaxFileSize;
  std::vector<std::string> passwords;
};

std::string DefaultRulesDir() {
  if (const char* env = std::getenv("KENSA_RULES_DIR"); env != nullptr && *env != '\0') return env;
  // A build run from its tree finds the repository's rules; an installed one is configured.
  std::error_code error;
  if (std::filesystem::is_directory(KENSA_DEFAULT_RULES_DIR, error)) return KENSA_DEFAULT_RULES_DIR;
  return "rules";
}

// Applies a YAML configuration file; command-line options given later override it.
Status LoadConfigFile(const std::string& path, Options* options) {
  KENSA_ASSIGN_OR_RETURN(Bytes text, ReadFileBounded(path, kMaxConfigBytes));
  try {
    const YAML::Node root = YAML::Load(std::string(text.begin(), text.end()));
    if (!root.IsMap() && !root.IsNull()) return InvalidArgumentError(path + ": the configuration must be a map");
    auto& config = options->triage.static_config;
    if (root["rules_dir"]) config.rules_dir = root["rules_dir"].as<std::string>();
    if (root["yara_rule_dirs"]) {
      for (const auto& dir : root["yara_rule_dirs"]) config.extra_yara_dirs.push_back(dir.as<std::string>());
    }
    if (root["public_suffix_list"]) config.public_suffix_list = root["public_suffix_list"].as<std::string>();
    if (root["yara_timeout_seconds"]) config.yara_timeout_seconds = root["yara_timeout_seconds"].as<int>();
    if (root["scoring_model"]) options->triage.scoring_model_path = root["scoring_model"].as<std::string>();
    if (root["max_file_size"]) options->max_size = root["max_file_size"].as<std::uint64_t>();
    if (root["language"]) options->lang = root["language"].as<std::string>();
    // The same keys as the services' (docs/configuration.md).
    if (root["sandbox"]) options->triage.dynamic_analysis = root["sandbox"].as<bool>();
    if (root["emulation_locale"]) {
      options->triage.sandbox_config.emulation.environment.locale = root["emulation_locale"].as<std::string>();
    }
    if (root["emulation_timeout_seconds"]) {
      options->triage.sandbox_config.emulation.limits.timeout_ms = 1000 * root["emulation_timeout_seconds"].as<std::uint32_t>();
    }
    if (root["analysis_timeout_seconds"]) {
      options->triage.analysis_timeout_seconds = root["analysis_timeout_seconds"].as<int>();
    }
    if (root["analysis_memory_bytes"]) {
      options->triage.analysis_memory_bytes = root["analysis_memory_bytes"].as<std::uint64_t>();
    }
    if (root["emulation_max_instructions"]) {
      options->triage.sandbox_config.emulation.limits.max_instructions = root["emulation_max_instructions"].as<std::uint64_t>();
    }
  } catch (const YAML::Exception& error) {
    return InvalidArgumentError(path + ": " + error.what());
  }
  return Status::Ok();
}

Result<Options> ParseArgs(const std::vector<std::string>& args) {
  Options options;
  options.triage.static_config.rules_dir = DefaultRulesDir();
  // Fault injection for the pipeline's tests, as the services take it (docs/pipeline.md).
  if (const char* marker = std::getenv("KENSA_FAULT_CRASH_MARKER")) options.triage.crash_marker = marker;
  if (args.empty()) return InvalidArgumentError("no command given");
  options.command = args[0];

  // The configuration file is applied first so that flags override it wherever they stand.
  std::string config_file;
  if (const char* env = std::getenv("KENSA_CONFIG"); env != nullptr && *env != '\0') config_file = env;
  for (std::size_t i = 1; i + 1 < args.size(); ++i) {
    if (args[i] == "--config") config_file = args[i + 1];
  }
  if (!config_file.empty()) KENSA_RETURN_IF_ERROR(LoadConfigFile(config_file, &options));
  if (const char* no_color = std::getenv("NO_COLOR"); no_color != nullptr && *no_color != '\0') {
    options.color = false;
  }

  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](const char* name) -> Result<std::string> {
      if (i + 1 >= args.size()) return InvalidArgumentError(std::string(name) + " needs a value");
      return args[++i];
    };
    if (arg == "--format") {
      KENSA_ASSIGN_OR_RETURN(options.format, value("--format"));
      if (options.format != "text" && options.format != "json" && options.format != "html") {
        return InvalidArgumentError("--format must be text, json or html, not '" + options.format + "'");
      }
    } else if (arg == "--out") {
      KENSA_ASSIGN_OR_RETURN(options.out_dir, value("--out"));
    } else if (arg == "--lang") {
      KENSA_ASSIGN_OR_RETURN(options.lang, value("--lang"));
    } else if (arg == "--fail-on") {
      KENSA_ASSIGN_OR_RETURN(options.fail_on, value("--fail-on"));
      KENSA_RETURN_IF_ERROR(scoring::ParseLevel(options.fail_on).has_value()
                                ? Status::Ok()
                                : InvalidArgumentError("--fail-on: " + scoring::ParseLevel(options.fail_on).error().message()));
    } else if (arg == "--no-sandbox") {
      options.triage.dynamic_analysis = false;
    } else if (arg == "--no-isolation") {
      options.triage.isolate = false;
    } else if (arg == "--emulation-locale") {
      KENSA_ASSIGN_OR_RETURN(options.triage.sandbox_config.emulation.environment.locale, value("--emulation-locale"));
    } else if (arg == "--no-color") {
      options.color = false;
    } else if (arg == "--config") {
      ++i;  // applied above
    } else if (arg == "--rules") {
      KENSA_ASSIGN_OR_RETURN(options.triage.static_config.rules_dir, value("--rules"));
    } else if (arg == "--yara-rules") {
      KENSA_ASSIGN_OR_RETURN(auto dir, value("--yara-rules"));
      options.triage.static_config.extra_yara_dirs.push_back(dir);
    } else if (arg == "--password") {
      KENSA_ASSIGN_OR_RETURN(auto password, value("--password"));
      options.passwords.push_back(password);
    } else if (arg == "--max-size") {
      KENSA_ASSIGN_OR_RETURN(auto text, value("--max-size"));
      char* end = nullptr;
      options.max_size = std::strtoull(text.c_str(), &end, 10);
      if (end == text.c_str() || *end != '\0' || options.max_size == 0) {
        return InvalidArgumentError("--max-size needs a positive number of bytes, not '" + text + "'");
      }
    } else if (arg.starts_with("--")) {
      return InvalidArgumentError("unknown option " + arg);
    } else {
      options.files.push_back(arg);
    }
  }
  if (!report::ParseLanguage(options.lang)) return InvalidArgumentError("--lang must be en or ja, not '" + options.lang + "'");
  if (const auto& locale = options.triage.sandbox_config.emulation.environment.locale;
      locale != "en-US" && locale != "ja-JP") {
    return InvalidArgumentError("--emulation-locale must be en-US or ja-JP, not '" + locale + "'");
  }
  return options;
}

int ExitCodeForReadError(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound: return kExitNotFound;
    case StatusCode::kPermissionDenied: return kExitUnreadable;
    case StatusCode::kResourceExhausted: return kExitTooLarge;
    case StatusCode::kInvalidArgument: return kExitNotAFile;
    default: return kExitUnreadable;
  }
}

bool IsTruncated(const report::v1::Report& report) {
  const auto& anomalies = report.static_result().anomalies();
  return std::any_of(anomalies.begin(), anomalies.end(),
                     [](const auto& anomaly) { return anomaly.code() == "pe_truncated"; });
}

Status WriteReports(const report::v1::Report& report, const std::string& dir, report::Language lang) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return UnavailableError("cannot create " + dir + ": " + error.message());
  const std::string base = dir + "/" + report.submission().sample().hashes().sha256();
  KENSA_ASSIGN_OR_RETURN(std::string json, report::RenderJson(report));
  KENSA_RETURN_IF_ERROR(WriteFileAtomically(base + ".json", json));
  KENSA_RETURN_IF_ERROR(WriteFileAtomically(base + ".html", report::RenderHtml(report, lang)));
  return WriteFileAtomically(base + ".txt", report::RenderText(report, lang));
}

std::unique_ptr<pipeline::TriageEngine> CreateEngine(const Options& options, std::ostream& err, int* exit_code) {
  std::vector<std::string> warnings;
  auto engine = pipeline::TriageEngine::Create(options.triage, &warnings);
  for (const auto& warning : warnings) err << "kensa: warning: " << warning << "\n";
  if (!engine) {
    err << "kensa: cannot load rules: " << engine.error().message() << "\n";
    *exit_code = kExitRules;
    return nullptr;
  }
  return std::move(*engine);
}

int Triage(const Options& options, std::ostream& out, std::ostream& err) {
  if (options.files.empty()) {
    err << "kensa: triage needs a FILE (kensa help)\n";
    return kExitUsage;
  }
  int exit_code = kExitOk;
  auto engine = CreateEngine(options, err, &exit_code);
  if (!engine) return exit_code;
  const report::Language lang = *report::ParseLanguage(options.lang);

  int worst = kExitOk;
  for (const auto& file : options.files) {
    int code = kExitOk;
    auto data = ReadFileBounded(file, options.max_size);
    if (!data) {
      err << "kensa: " << data.error().message() << "\n";
      worst = std::max(worst, ExitCodeForReadError(data.error()));
      continue;
    }
    if (data->empty()) {
      err << "kensa: empty file, nothing to analyze: " << file << "\n";
      worst = std::max(worst, static_cast<int>(kExitEmpty));
      continue;
    }
    pipeline::SubmissionInfo info;
    info.file_name = std::filesystem::path(file).filename().string();
    info.language = options.lang;
    info.passwords = options.passwords;
    auto report = engine->Triage(*data, info);
    if (!report) {
      err << "kensa: analysis failed for " << file << ": " << report.error().message() << "\n";
      worst = std::max(worst, static_cast<int>(kExitInternal));
      continue;
    }
    if (options.format == "json") {
      auto json = report::RenderJson(*report);
      if (!json) {
        err << "kensa: " << json.error().message() << "\n";
        return kExitInternal;
      }
      out << *json << "\n";
    } else if (options.format == "html") {
      out << report::RenderHtml(*report, lang);
    } else {
      report::TextOptions text_options;
      text_options.color = options.color && &out == &std::cout && ::isatty(STDOUT_FILENO) == 1;
      out << report::RenderText(*report, lang, text_options);
    }
    if (!options.out_dir.empty()) {
      if (Status written = WriteReports(*report, options.out_dir, lang); !written.ok()) {
        err << "kensa: cannot write reports: " << written.message() << "\n";
        return kExitInternal;
      }
    }
    if (IsTruncated(*report)) {
      err << "kensa: warning: " << file << " is truncated (section data past the end of the file); the report is partial\n";
      code = kExitTruncated;
    }
    if (!options.fail_on.empty() && report->verdict().level() >= *scoring::ParseLevel(options.fail_on)) {
      code = std::max(code, static_cast<int>(kExitLevelReached));
    }
    worst = std::max(worst, code);
  }
  return worst;
}

int Rules(const Options& options, std::ostream& out, std::ostream& err) {
  int exit_code = kExitOk;
  auto engine = CreateEngine(options, err, &exit_code);
  if (!engine) return exit_code;
  out << "rules folder:     " << options.triage.static_config.rules_dir << "\n"
      << "yara rules:       " << engine->static_analyzer().yara_rule_count() << "\n"
      << "signature rules:  " << engine->static_analyzer().signature_rule_count() << "\n"
      << "behavior rules:   " << (engine->sandbox() ? engine->sandbox()->behavior_rule_count() : 0) << "\n"
      << "scoring model:    " << engine->scoring_model().version << "\n";
  return kExitOk;
}

// `kensa hunt` takes its own options: it shares the exit codes with triage, not its engine.
struct HuntOptions {
  std::string path;
  std::string format = "text";
  std::string out_dir;
  // Where the --format report goes instead of standard output.
  std::string output_file;
  hunt::HuntConfig config;
  // Host checks for collections (rules/hunt by default).
  std::string host_checks_dir;
  // Known-bad indicators to sweep a collection for, and YARA folders for its payload files.
  std::vector<std::string> ioc_files;
  std::vector<std::string> yara_dirs;
  // "en" or "ja": the language of the text report (JSON carries both).
  std::string lang = "en";
};

Result<HuntOptions> ParseHuntArgs(const std::vector<std::string>& args) {
  HuntOptions options;
  std::string rules_dir = DefaultRulesDir();
  bool kensa_sigma = true;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](const char* name) -> Result<std::string> {
      if (i + 1 >= args.size()) return InvalidArgumentError(std::string(name) + " needs a value");
      return args[++i];
    };
    if (arg == "--format") {
      KENSA_ASSIGN_OR_RETURN(options.format, value("--format"));
      if (options.format != "text" && options.format != "json" && options.format != "html") {
        return InvalidArgumentError("hunt --format must be text, json or html, not '" + options.format + "'");
      }
    } else if (arg == "-o" || arg == "--output") {
      KENSA_ASSIGN_OR_RETURN(options.output_file, value("--output"));
    } else if (arg == "--out") {
      KENSA_ASSIGN_OR_RETURN(options.out_dir, value("--out"));
    } else if (arg == "--sigma-rules") {
      KENSA_ASSIGN_OR_RETURN(auto dir, value("--sigma-rules"));
      options.config.sigma_rule_dirs.push_back(dir);
    } else if (arg == "--no-kensa-sigma") {
      kensa_sigma = false;
    } else if (arg == "--rules") {
      KENSA_ASSIGN_OR_RETURN(rules_dir, value("--rules"));
    } else if (arg == "--lang") {
      KENSA_ASSIGN_OR_RETURN(options.lang, value("--lang"));
      if (options.lang != "en" && options.lang != "ja") {
        return InvalidArgumentError("hunt --lang must be en or ja, not '" + options.lang + "'");
      }
    } else if (arg == "--iocs") {
      KENSA_ASSIGN_OR_RETURN(auto file, value("--iocs"));
      options.ioc_files.push_back(file);
    } else if (arg == "--yara-rules") {
      KENSA_ASSIGN_OR_RETURN(auto dir, value("--yara-rules"));
      options.yara_dirs.push_back(dir);
    } else if (arg == "--collection-password") {
      KENSA_ASSIGN_OR_RETURN(auto password, value("--collection-password"));
      options.config.collection_secrets.passwords.push_back(password);
    } else if (arg == "--collection-key") {
      KENSA_ASSIGN_OR_RETURN(auto file, value("--collection-key"));
      KENSA_ASSIGN_OR_RETURN(auto keys, collection::LoadPrivateKeys(file));
      auto& pems = options.config.collection_secrets.private_keys_pem;
      pems.insert(pems.end(), keys.begin(), keys.end());
    } else if (arg.starts_with("--")) {
      return InvalidArgumentError("unknown option " + arg);
    } else if (options.path.empty()) {
      options.path = arg;
    } else {
      return InvalidArgumentError("hunt takes one PATH (a file or a folder), got a second: " + arg);
    }
  }
  if (options.path.empty()) return InvalidArgumentError("hunt needs a PATH");
  // The team's rules come first so that their findings lead when both sets fire on an event.
  if (kensa_sigma) {
    options.config.sigma_rule_dirs.insert(options.config.sigma_rule_dirs.begin(), rules_dir + "/sigma");
  }
  // Event logs need Sigma rules; a collection is also hunted with the host checks alone.
  if (options.config.sigma_rule_dirs.empty() && !collection::Collection::LooksLikeCollection(options.path)) {
    return InvalidArgumentError("hunting event logs needs Sigma rules: --no-kensa-sigma needs --sigma-rules DIR");
  }
  // The logsource mapping and host checks are Kensa's own data, next to the other rules.
  options.config.logsource_map = rules_dir + "/sigma/logsources.yaml";
  options.host_checks_dir = rules_dir + "/hunt";
  options.yara_dirs.insert(options.yara_dirs.begin(), rules_dir + "/yara");
  options.config.generator = "kensa 0.1.0";
  return options;
}

int ExitCodeForHuntError(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound: return kExitNotFound;
    case StatusCode::kPermissionDenied: return kExitUnreadable;
    case StatusCode::kFailedPrecondition: return kExitEmpty;
    case StatusCode::kInvalidArgument: return kExitNotAFile;
    default: return kExitUnreadable;
  }
}

int Hunt(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  auto options = ParseHuntArgs(args);
  if (!options) {
    err << "kensa: " << options.error().message() << " (kensa help)\n";
    return kExitUsage;
  }
  // A mistyped PATH is reported before the seconds spent loading thousands of rules.
  std::error_code exists_error;
  if (!std::filesystem::exists(options->path, exists_error) && !exists_error) {
    err << "kensa: no such file or folder: " << options->path << "\n";
    return kExitNotFound;
  }
  const bool is_collection = collection::Collection::LooksLikeCollection(options->path);
  // The report's IOCs are normalised as triage's are, against the Public Suffix List.
  auto public_suffixes = indicators::PublicSuffixList::Load(indicators::kDefaultPublicSuffixListPath);
  if (!public_suffixes) {
    err << "kensa: cannot load the public suffix list: " << public_suffixes.error().message() << "\n";
    return kExitRules;
  }
  options->config.public_suffixes = &*public_suffixes;
  std::optional<hunt::HuntRules> rules;
  if (!options->config.sigma_rule_dirs.empty()) {
    auto loaded = hunt::LoadHuntRules(options->config);
    if (!loaded) {
      err << "kensa: cannot load Sigma rules: " << loaded.error().message() << "\n";
      return kExitRules;
    }
    rules = std::move(*loaded);
  }
  Result<forensics::v1::HuntReport> report = InternalError("not hunted");
  if (is_collection) {
    auto checks = hunt::LoadHostChecks({options->host_checks_dir});
    if (!checks) {
      err << "kensa: cannot load host checks: " << checks.error().message() << "\n";
      return kExitRules;
    }
    auto iocs = indicators::LoadIocFiles(options->ioc_files);
    if (!iocs) {
      err << "kensa: cannot read indicators: " << iocs.error().message() << "\n";
      return kExitRules;
    }
    std::vector<yara_scan::CompileMessage> messages;
    auto yara = yara_scan::RuleSet::CompileDirectories(options->yara_dirs, &messages);
    if (!yara) {
      err << "kensa: cannot load YARA rules: " << yara.error().message() << "\n";
      return kExitRules;
    }
    hunt::CollectionSweeps sweeps;
    sweeps.iocs = &*iocs;
    sweeps.yara = yara->get();
    report = hunt::HuntCollection(options->path, rules ? &*rules : nullptr, *checks, options->config, sweeps);
  } else {
    report = hunt::HuntPath(options->path, *rules, options->config);
  }
  if (!report) {
    err << "kensa: " << report.error().message() << "\n";
    return ExitCodeForHuntError(report.error());
  }
  for (const auto& input : report->inputs()) {
    if (!input.error().empty()) {
      err << "kensa: warning: " << input.path() << ": " << input.error() << "\n";
    } else if (input.record_errors() + input.chunk_errors() > 0) {
      err << "kensa: warning: " << input.path() << " is damaged (" << input.chunk_errors() << " chunk errors, "
          << input.record_errors() << " record errors); hunted what could be decoded\n";
    }
  }
  auto json = report::RenderJson(*report);
  if (!json) {
    err << "kensa: " << json.error().message() << "\n";
    return kExitInternal;
  }
  const auto lang = options->lang == "ja" ? report::Language::kJapanese : report::Language::kEnglish;
  const std::string text = report::RenderHuntText(*report, lang);
  const std::string html = report::RenderHuntHtml(*report, lang);
  const std::string chosen = options->format == "json" ? *json + "\n" : options->format == "html" ? html : text;
  if (options->output_file.empty()) {
    out << chosen;
  } else if (Status written = WriteFileAtomically(options->output_file, chosen); !written.ok()) {
    err << "kensa: cannot write " << options->output_file << ": " << written.message() << "\n";
    return kExitInternal;
  }
  if (!options->out_dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(options->out_dir, error);
    Status written = error ? UnavailableError("cannot create " + options->out_dir + ": " + error.message())
                           : WriteFileAtomically(options->out_dir + "/hunt.json", *json + "\n");
    if (written.ok()) written = WriteFileAtomically(options->out_dir + "/hunt.txt", text);
    if (written.ok()) written = WriteFileAtomically(options->out_dir + "/hunt.html", html);
    if (!written.ok()) {
      err << "kensa: cannot write reports: " << written.message() << "\n";
      return kExitInternal;
    }
  }
  return kExitOk;
}

}  // namespace

int Run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (!args.empty() && (args[0] == "help" || args[0] == "--help" || args[0] == "-h")) {
    out << kUsage;
    return kExitOk;
  }
  if (!args.empty() && (args[0] == "version" || args[0] == "--version")) {
    out << "kensa 0.1.0\n";
    return kExitOk;
  }
  if (!args.empty() && args[0] == "hunt") return Hunt(args, out, err);
  auto options = ParseArgs(args);
  if (!options) {
    err << "kensa: " << options.error().message() << " (kensa help)\n";
    return kExitUsage;
  }
  if (options->command == "triage") return Triage(*options, out, err);
  if (options->command == "rules") return Rules(*options, out, err);
  err << "kensa: unknown command '" << options->command << "' (kensa help)\n";
  return kExitUsage;
}

}  // namespace kensa::cli
