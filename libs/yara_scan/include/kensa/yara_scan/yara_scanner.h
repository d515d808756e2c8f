#pragma once
// YARA scanning for Kensa, on top of libyara 4.2 (which stays behind this header: yara.h defines
// macros that collide with other libraries, so no libyara type appears here).
//
// Compile once, scan many times, from as many threads as you like:
//
//   std::vector<kensa::yara_scan::CompileMessage> messages;
//   auto rules = kensa::yara_scan::RuleSet::CompileDirectories({"rules/yara"}, &messages);
//   if (!rules) return rules.error();
//   kensa::yara_scan::ScanOptions options;
//   options.externals.filename = "invoice.exe";
//   auto matches = kensa::yara_scan::Scan(**rules, sample_bytes, options);
//
// Every rule file gets its own namespace (its file stem), so two files may both define a rule
// called `Suspicious` without colliding. Rules may use the external variables that Neo23x0's
// signature-base expects (filename, filepath, extension, filetype, owner); they are defined as
// empty strings at compile time and set per scan from ScanOptions::externals.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kensa/analysis/v1/static_result.pb.h"
#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa::yara_scan {

// One error or warning from the YARA compiler, or a file that could not be read.
struct CompileMessage {
  std::string file;  // the rule file ("" for CompileSource)
  int line = 0;      // 1-based line, 0 when the message is about the whole file
  std::string message;
  bool is_error = false;  // false: a warning; the rule still loaded
};

// A compiled rule as it is stored in a RuleSet, for listings and rule-quality tests.
struct RuleInfo {
  std::string name;
  std::string rule_namespace;
  std::vector<std::string> tags;
  // Meta in source order; integers and booleans rendered as text ("12", "true").
  std::vector<std::pair<std::string, std::string>> meta;
  bool is_private = false;  // private rules take part in conditions but are never reported
  bool is_global = false;
};

struct ScanOptions;

// A compiled, immutable set of rules. Share it (std::shared_ptr<const RuleSet>) between any number
// of threads: scanning only reads it.
class RuleSet {
 public:
  // Compiles every *.yar / *.yara file under each directory (recursively, in sorted path order).
  // A file that fails to compile is skipped and reported in `messages` (when not null); the other
  // files still load. Errors: kNotFound when a directory does not exist, kInvalidArgument when a
  // path is not a directory, kResourceExhausted past kMaxRuleFiles files, kInternal when libyara
  // cannot start or run out of memory. A directory with no rule files gives an empty RuleSet.
  static Result<std::shared_ptr<const RuleSet>> CompileDirectories(
      const std::vector<std::string>& dirs, std::vector<CompileMessage>* messages);

  // Compiles rule source text into namespace `rule_namespace`. Any compile error fails the
  // whole call with kInvalidArgument (the first error's text), and every error and warning is
  // also appended to `messages` when it is not null.
  static Result<std::shared_ptr<const RuleSet>> CompileSource(
      std::string_view source, std::vector<CompileMessage>* messages = nullptr,
      std::string_view rule_namespace = "default");

  ~RuleSet();
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

  // Number of rules, private and global ones included.
  std::size_t rule_count() const;
  // Every rule with its namespace, tags and meta, in compiled order.
  std::vector<RuleInfo> rules() const;
  // The rule files that compiled into this set, in load order (empty for CompileSource).
  const std::vector<std::string>& source_files() const;

  // At most this many rule files are read by CompileDirectories: a directory that holds more is
  // almost certainly a misconfigured path (a home folder, "/"), not a rule collection.
  static constexpr std::size_t kMaxRuleFiles = 20000;
  // A single rule file larger than this is skipped with a message (signature-base's largest file
  // is about 1 MiB).
  static constexpr std::uintmax_t kMaxRuleFileBytes = 16u << 20;


 private:
  struct Impl;  // the libyara state, defined in the .cc
  friend Result<std::vector<analysis::v1::YaraMatch>> Scan(const RuleSet& rules, ByteSpan data,
                                                           const ScanOptions& options);
  explicit RuleSet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Values of the signature-base external variables for one scan. Unset ones are "".
struct ExternalVariables {
  std::string filename;   // "invoice.exe"
  std::string filepath;   // "C:\\Users\\a\\Downloads\\invoice.exe" or "/samples/ab/abcd..."
  std::string extension;  // ".exe"
  std::string filetype;   // "EXE", as signature-base's Loki/THOR scanners set it
  std::string owner;      // file owner account
};

struct ScanOptions {
  // libyara stops the scan after this many seconds and the scan fails with kDeadlineExceeded.
  // Zero or less means no limit (only for trusted input).
  int timeout_seconds = 10;
  // Matched strings reported per rule (over all of its strings); the rest are dropped, the rule
  // still counts as matching.
  std::size_t max_string_matches_per_rule = 16;
  // Matching rules reported per scan; a rule set that fires hundreds of rules on one sample is
  // noise, and the report must stay bounded.
  std::size_t max_matched_rules = 512;
  ExternalVariables externals;
};

// Scans `data` with `rules`. Each YaraMatch carries rule, namespace, tags, meta (every value as
// text; a key repeated in one rule has its values joined with ", ") and the first matched strings
// (identifier such as "$a", offset, up to 64 bytes of data with printable ASCII kept, '\' doubled
// and other bytes written as \xNN). Private rules are not reported. Errors: kDeadlineExceeded on
// timeout, kResourceExhausted when libyara runs out of memory, kInternal otherwise.
Result<std::vector<analysis::v1::YaraMatch>> Scan(const RuleSet& rules, ByteSpan data,
                                                  const ScanOptions& options = {});

// The excerpt format used for YaraStringMatch.data, exposed for tests and for other stages that
// show matched bytes the same way.
std::string FormatMatchExcerpt(ByteSpan bytes);

}  // namespace kensa::yara_scan
