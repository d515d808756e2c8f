// libyara 4.2 behind kensa::yara_scan. yara.h is included here and nowhere else: it defines
// short macros (ERROR_*, STRING_*, RULE_*) that collide with other libraries' headers.
//
// libyara is C and reports failures as int codes; every one is turned into a Status here, and
// the C callbacks catch everything so that no exception unwinds through libyara's frames.

#include "kensa/yara_scan/yara_scanner.h"

#include <yara.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <system_error>

namespace kensa::yara_scan {

namespace {

namespace fs = std::filesystem;

// The external variables that Neo23x0's signature-base rules reference (its README, "External
// Variables"). Defined for every rule set so that those rules compile; set per scan.
constexpr const char* kExternalNames[] = {"filename", "filepath", "extension", "filetype", "owner"};

// YaraStringMatch.data holds at most this many matched bytes (static_result.proto).
constexpr std::size_t kMaxExcerptBytes = 64;

// Walking a directory tree stops after this many entries of any kind: it bounds the time spent on
// a wrongly configured path that holds a whole file system.
constexpr std::size_t kMaxDirectoryEntries = 10 * RuleSet::kMaxRuleFiles;

// yr_initialize sets up libyara's process-wide state (module tables, thread-local keys) and
// yr_finalize tears it down; both once per process. A function-local static is built on first
// use (thread-safe since C++11) and destroyed at exit, after every later-built static.
class LibraryGuard {
 public:
  LibraryGuard() : code_(yr_initialize()) {}
  ~LibraryGuard() {
    if (code_ == ERROR_SUCCESS) yr_finalize();
  }
  LibraryGuard(const LibraryGuard&) = delete;
  LibraryGuard& operator=(const LibraryGuard&) = delete;
  int code() const { return code_; }

 private:
  int code_;
};

Status FromYaraError(int code, std::string_view what) {
  std::string message = std::string(what) + ": libyara error " + std::to_string(code);
  switch (code) {
    case ERROR_INSUFFICIENT_MEMORY:
      return ResourceExhaustedError(std::string(what) + ": libyara ran out of memory");
    case ERROR_SCAN_TIMEOUT:
      return Status(StatusCode::kDeadlineExceeded, std::string(what) + ": scan timed out");
    case ERROR_TOO_MANY_MATCHES:
      return ResourceExhaustedError(std::string(what) + ": too many string matches");
    case ERROR_COULD_NOT_OPEN_FILE:
    case ERROR_COULD_NOT_MAP_FILE:
    case ERROR_COULD_NOT_READ_FILE:
      return UnavailableError(message);
    default:
      return InternalError(message);
  }
}

Status EnsureLibrary() {
  static LibraryGuard guard;
  if (guard.code() != ERROR_SUCCESS) return FromYaraError(guard.code(), "yr_initialize");
  return Status::Ok();
}

// Collects compiler errors and warnings. libyara calls it from inside yr_compiler_add_*.
struct CompileSink {
  std::vector<CompileMessage>* messages = nullptr;
  bool record_warnings = true;
  int error_count = 0;
  std::string first_error;
};

void OnCompilerMessage(int error_level, const char* file_name, int line_number,
                       const YR_RULE* /*rule*/, const char* message, void* user_data) noexcept {
  auto* sink = static_cast<CompileSink*>(user_data);
  const bool is_error = error_level == YARA_ERROR_LEVEL_ERROR;
  try {
    if (is_error) {
      if (sink->error_count == 0 && message != nullptr) sink->first_error = message;
      ++sink->error_count;
    }
    if (sink->messages == nullptr || (!is_error && !sink->record_warnings)) return;
    sink->messages->push_back(CompileMessage{file_name != nullptr ? file_name : "", line_number,
                                             message != nullptr ? message : "", is_error});
  } catch (...) {
    // Out of memory while recording a message: the message is lost, compilation goes on.
  }
}

struct CompilerDeleter {
  void operator()(YR_COMPILER* compiler) const { yr_compiler_destroy(compiler); }
};
using CompilerPtr = std::unique_ptr<YR_COMPILER, CompilerDeleter>;

Result<CompilerPtr> NewCompiler(CompileSink* sink) {
  YR_COMPILER* raw = nullptr;
  const int code = yr_compiler_create(&raw);
  if (code != ERROR_SUCCESS) return FromYaraError(code, "yr_compiler_create");
  CompilerPtr compiler(raw);
  yr_compiler_set_callback(raw, &OnCompilerMessage, sink);
  for (const char* name : kExternalNames) {
    const int define_code = yr_compiler_define_string_variable(raw, name, "");
    if (define_code != ERROR_SUCCESS) return FromYaraError(define_code, "define external");
  }
  return compiler;
}

struct RuleFile {
  std::string path;
  std::string rule_namespace;
};

// Adds one rule file; returns the number of compile errors, or -1 when the file cannot be opened.
// The path is passed along so that `include` resolves relative to the rule file.
int AddRuleFile(YR_COMPILER* compiler, const RuleFile& file) {
  std::FILE* handle = std::fopen(file.path.c_str(), "rb");
  if (handle == nullptr) return -1;
  const int errors =
      yr_compiler_add_file(compiler, handle, file.rule_namespace.c_str(), file.path.c_str());
  std::fclose(handle);
  return errors;
}

// Compiles `files` into one YR_RULES. When a file fails (or cannot be opened), returns nullptr and
// sets *failed to its index; the compiler that saw the error is discarded.
Result<YR_RULES*> CompileTogether(const std::vector<RuleFile>& files, CompileSink* sink,
                                  std::size_t* failed) {
  KENSA_ASSIGN_OR_RETURN(CompilerPtr compiler, NewCompiler(sink));
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (AddRuleFile(compiler.get(), files[i]) != 0) {
      *failed = i;
      return static_cast<YR_RULES*>(nullptr);
    }
  }
  YR_RULES* compiled = nullptr;
  const int code = yr_compiler_get_rules(compiler.get(), &compiled);
  if (code != ERROR_SUCCESS) return FromYaraError(code, "yr_compiler_get_rules");
  return compiled;
}

bool IsRuleFileName(const fs::path& path) {
  const std::string extension = AsciiLower(path.extension().string());
  return extension == ".yar" || extension == ".yara";
}

// Appends the rule files under `dir` in sorted path order. std::filesystem is used only through
// its error_code overloads, so nothing here throws for I/O reasons.
Status ListRuleFiles(const std::string& dir, std::vector<std::string>* files,
                     std::vector<CompileMessage>* messages) {
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (ec || !fs::exists(status)) return NotFoundError("no such rule directory: " + dir);
  if (!fs::is_directory(status)) return InvalidArgumentError("not a directory: " + dir);

  std::vector<std::string> found;
  std::size_t visited = 0;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) return UnavailableError("cannot read rule directory " + dir + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return UnavailableError("cannot read rule directory " + dir + ": " + ec.message());
    if (++visited > kMaxDirectoryEntries) {
      return ResourceExhaustedError("rule directory " + dir + " holds more than " +
                                    std::to_string(kMaxDirectoryEntries) + " entries");
    }
    std::error_code entry_ec;
    if (!it->is_regular_file(entry_ec) || !IsRuleFileName(it->path())) continue;
    const std::uintmax_t size = it->file_size(entry_ec);
    if (entry_ec || size > RuleSet::kMaxRuleFileBytes) {
      if (messages != nullptr) {
        messages->push_back(CompileMessage{
            it->path().string(), 0,
            entry_ec ? "cannot read file size: " + entry_ec.message()
                     : "skipped: larger than " + std::to_string(RuleSet::kMaxRuleFileBytes) +
                           " bytes",
            true});
      }
      continue;
    }
    found.push_back(it->path().string());
  }
  std::sort(found.begin(), found.end());
  files->insert(files->end(), found.begin(), found.end());
  if (files->size() > RuleSet::kMaxRuleFiles) {
    return ResourceExhaustedError("more than " + std::to_string(RuleSet::kMaxRuleFiles) +
                                  " rule files under " + dir);
  }
  return Status::Ok();
}

std::string MetaValue(const YR_META* meta) {
  switch (meta->type) {
    case META_TYPE_INTEGER:
      return std::to_string(meta->integer);
    case META_TYPE_BOOLEAN:
      return meta->integer != 0 ? "true" : "false";
    default:
      return meta->string != nullptr ? meta->string : "";
  }
}

std::vector<std::pair<std::string, std::string>> RuleMeta(const YR_RULE* rule) {
  std::vector<std::pair<std::string, std::string>> meta;
  const YR_META* entry = nullptr;
  yr_rule_metas_foreach(rule, entry) {
    meta.emplace_back(entry->identifier != nullptr ? entry->identifier : "", MetaValue(entry));
  }
  return meta;
}

std::vector<std::string> RuleTags(const YR_RULE* rule) {
  std::vector<std::string> tags;
  const char* tag = nullptr;
  yr_rule_tags_foreach(rule, tag) { tags.emplace_back(tag); }
  return tags;
}

struct ScanSink {
  const ScanOptions* options = nullptr;
  std::vector<analysis::v1::YaraMatch>* matches = nullptr;
  bool failed = false;
};

void AddRuleMatch(YR_SCAN_CONTEXT* context, const YR_RULE* rule, ScanSink* sink) {
  analysis::v1::YaraMatch match;
  match.set_rule(rule->identifier != nullptr ? rule->identifier : "");
  match.set_namespace_(rule->ns != nullptr && rule->ns->name != nullptr ? rule->ns->name : "");
  for (auto& tag : RuleTags(rule)) match.add_tags(std::move(tag));
  auto& meta = *match.mutable_meta();
  for (auto& [key, value] : RuleMeta(rule)) {
    auto [it, inserted] = meta.try_emplace(key, value);
    if (!inserted) it->second += ", " + value;
  }

  std::size_t reported = 0;
  const std::size_t limit = sink->options->max_string_matches_per_rule;
  const YR_STRING* string = nullptr;
  yr_rule_strings_foreach(rule, string) {
    if (reported >= limit) break;
    const YR_MATCH* hit = nullptr;
    yr_string_matches_foreach(context, string, hit) {
      if (reported >= limit) break;
      auto* out = match.add_strings();
      out->set_identifier(string->identifier != nullptr ? string->identifier : "");
      out->set_offset(static_cast<std::uint64_t>(hit->base + hit->offset));
      const std::size_t length =
          hit->data != nullptr && hit->data_length > 0 ? static_cast<std::size_t>(hit->data_length)
                                                       : 0;
      out->set_data(FormatMatchExcerpt(ByteSpan(hit->data, length)));
      ++reported;
    }
  }
  sink->matches->push_back(std::move(match));
}

int OnScanEvent(YR_SCAN_CONTEXT* context, int message, void* message_data,
                void* user_data) noexcept {
  if (message != CALLBACK_MSG_RULE_MATCHING) return CALLBACK_CONTINUE;
  auto* sink = static_cast<ScanSink*>(user_data);
  if (sink->matches->size() >= sink->options->max_matched_rules) return CALLBACK_CONTINUE;
  try {
    AddRuleMatch(context, static_cast<const YR_RULE*>(message_data), sink);
  } catch (...) {
    sink->failed = true;
    return CALLBACK_ERROR;
  }
  return CALLBACK_CONTINUE;
}

struct ScannerDeleter {
  void operator()(YR_SCANNER* scanner) const { yr_scanner_destroy(scanner); }
};

}  // namespace

struct RuleSet::Impl {
  Impl(YR_RULES* compiled, std::vector<std::string> files)
      : rules(compiled), source_files(std::move(files)) {}
  ~Impl() {
    if (rules != nullptr) yr_rules_destroy(rules);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  YR_RULES* rules;
  std::vector<std::string> source_files;
};

RuleSet::RuleSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RuleSet::~RuleSet() = default;

std::size_t RuleSet::rule_count() const { return impl_->rules->num_rules; }

const std::vector<std::string>& RuleSet::source_files() const { return impl_->source_files; }

std::vector<RuleInfo> RuleSet::rules() const {
  std::vector<RuleInfo> out;
  out.reserve(rule_count());
  const YR_RULE* rule = nullptr;
  yr_rules_foreach(impl_->rules, rule) {
    RuleInfo info;
    info.name = rule->identifier != nullptr ? rule->identifier : "";
    info.rule_namespace = rule->ns != nullptr && rule->ns->name != nullptr ? rule->ns->name : "";
    info.tags = RuleTags(rule);
    info.meta = RuleMeta(rule);
    info.is_private = RULE_IS_PRIVATE(rule) != 0;
    info.is_global = RULE_IS_GLOBAL(rule) != 0;
    out.push_back(std::move(info));
  }
  return out;
}

Result<std::shared_ptr<const RuleSet>> RuleSet::CompileDirectories(
    const std::vector<std::string>& dirs, std::vector<CompileMessage>* messages) {
  KENSA_RETURN_IF_ERROR(EnsureLibrary());

  std::vector<std::string> paths;
  for (const auto& dir : dirs) KENSA_RETURN_IF_ERROR(ListRuleFiles(dir, &paths, messages));

  // One namespace per file, named after its stem; a name already taken gets "_2", "_3", ... so
  // that equal file names in different folders still do not collide. The suffix search ends
  // within paths.size() steps because each file takes one name.
  std::vector<RuleFile> files;
  std::set<std::string> taken;
  for (const auto& path : paths) {
    const std::string stem = fs::path(path).stem().string();
    std::string name = stem;
    for (std::size_t n = 2; taken.count(name) != 0; ++n) name = stem + "_" + std::to_string(n);
    taken.insert(name);
    files.push_back(RuleFile{path, std::move(name)});
  }

  const auto make_rule_set = [](YR_RULES* compiled, const std::vector<RuleFile>& used) {
    std::vector<std::string> loaded;
    loaded.reserve(used.size());
    for (const auto& file : used) loaded.push_back(file.path);
    return std::shared_ptr<const RuleSet>(
        new RuleSet(std::make_unique<Impl>(compiled, std::move(loaded))));
  };

  // Usually every file compiles: one pass does it, reporting errors and warnings as it goes.
  const std::size_t first_message = messages != nullptr ? messages->size() : 0;
  std::size_t failed = 0;
  {
    CompileSink sink{messages, true, 0, {}};
    KENSA_ASSIGN_OR_RETURN(YR_RULES * compiled, CompileTogether(files, &sink, &failed));
    if (compiled != nullptr) return make_rule_set(compiled, files);
  }

  // Some file failed. libyara cannot drop a file from a compiler that saw an error (the compiler
  // is unusable afterwards), so start over: compile each file alone to find and report the bad
  // ones, then compile the good ones together. The messages of the first pass are replaced by
  // the per-file ones so that nothing is reported twice.
  if (messages != nullptr) messages->resize(first_message);
  std::vector<RuleFile> accepted;
  for (const auto& file : files) {
    CompileSink sink{messages, true, 0, {}};
    KENSA_ASSIGN_OR_RETURN(CompilerPtr probe, NewCompiler(&sink));
    const int errors = AddRuleFile(probe.get(), file);
    if (errors < 0 && messages != nullptr) {
      messages->push_back(CompileMessage{file.path, 0, "cannot open rule file", true});
    }
    if (errors == 0) accepted.push_back(file);
  }

  // A file that compiled alone can still clash with the others (an include that redefines a rule
  // of another file's namespace); drop it and try again. Each round removes one file, so the
  // loop ends after at most accepted.size() + 1 rounds.
  const std::size_t max_rounds = accepted.size() + 1;
  for (std::size_t round = 0; round < max_rounds; ++round) {
    CompileSink sink{messages, false, 0, {}};
    KENSA_ASSIGN_OR_RETURN(YR_RULES * compiled, CompileTogether(accepted, &sink, &failed));
    if (compiled != nullptr) return make_rule_set(compiled, accepted);
    if (messages != nullptr) {
      messages->push_back(CompileMessage{accepted[failed].path, 0,
                                         "skipped: does not compile together with the other files",
                                         true});
    }
    accepted.erase(accepted.begin() + static_cast<std::ptrdiff_t>(failed));
  }
  return InternalError("yara: rule set did not settle after dropping failing files");
}

Result<std::shared_ptr<const RuleSet>> RuleSet::CompileSource(std::string_view source,
                                                              std::vector<CompileMessage>* messages,
                                                              std::string_view rule_namespace) {
  KENSA_RETURN_IF_ERROR(EnsureLibrary());
  CompileSink sink{messages, true, 0, {}};
  KENSA_ASSIGN_OR_RETURN(CompilerPtr compiler, NewCompiler(&sink));
  const std::string text(source);  // libyara wants a NUL-terminated string
  const std::string ns(rule_namespace);
  const int errors = yr_compiler_add_string(compiler.get(), text.c_str(), ns.c_str());
  if (errors != 0) {
    return InvalidArgumentError("yara: " + std::to_string(errors) + " compile error(s), first: " +
                                sink.first_error);
  }
  YR_RULES* compiled = nullptr;
  const int code = yr_compiler_get_rules(compiler.get(), &compiled);
  if (code != ERROR_SUCCESS) return FromYaraError(code, "yr_compiler_get_rules");
  return std::shared_ptr<const RuleSet>(
      new RuleSet(std::make_unique<Impl>(compiled, std::vector<std::string>{})));
}

Result<std::vector<analysis::v1::YaraMatch>> Scan(const RuleSet& rules, ByteSpan data,
                                                  const ScanOptions& options) {
  KENSA_RETURN_IF_ERROR(EnsureLibrary());
  YR_SCANNER* raw = nullptr;
  // A scanner holds all per-scan state (matches, externals), so many threads can scan one
  // YR_RULES at once; libyara only reads the rules.
  const int create_code = yr_scanner_create(rules.impl_->rules, &raw);
  if (create_code != ERROR_SUCCESS) return FromYaraError(create_code, "yr_scanner_create");
  std::unique_ptr<YR_SCANNER, ScannerDeleter> scanner(raw);

  const ExternalVariables& externals = options.externals;
  const std::pair<const char*, const std::string*> values[] = {
      {"filename", &externals.filename},   {"filepath", &externals.filepath},
      {"extension", &externals.extension}, {"filetype", &externals.filetype},
      {"owner", &externals.owner},
  };
  for (const auto& [name, value] : values) {
    const int code = yr_scanner_define_string_variable(raw, name, value->c_str());
    if (code != ERROR_SUCCESS) return FromYaraError(code, std::string("set external ") + name);
  }

  std::vector<analysis::v1::YaraMatch> matches;
  ScanSink sink{&options, &matches, false};
  yr_scanner_set_callback(raw, &OnScanEvent, &sink);
  yr_scanner_set_flags(raw, SCAN_FLAGS_REPORT_RULES_MATCHING);
  yr_scanner_set_timeout(raw, std::max(options.timeout_seconds, 0));
  const int code = yr_scanner_scan_mem(raw, data.data(), data.size());
  if (sink.failed) return ResourceExhaustedError("yara: could not record a match");
  if (code != ERROR_SUCCESS) return FromYaraError(code, "yara scan");
  return matches;
}

std::string FormatMatchExcerpt(ByteSpan bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  const std::size_t count = std::min(bytes.size(), kMaxExcerptBytes);
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t byte = bytes[i];
    if (byte == '\\') {
      out += "\\\\";
    } else if (byte >= 0x20 && byte <= 0x7E) {
      out += static_cast<char>(byte);
    } else {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    }
  }
  return out;
}

}  // namespace kensa::yara_scan
