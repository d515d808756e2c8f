#pragma once
// The static-analysis stage: one sample's bytes in, a StaticResult out (identification, hashes,
// PE structure, Office macros, archive members, strings and indicators, YARA matches,
// signatures). It never runs the sample.
//
// Build one StaticAnalyzer per process (rule compilation is the expensive part) and call
// Analyze from any number of threads: the analyzer is immutable after Create.
//
//   auto analyzer = StaticAnalyzer::Create(config, &warnings);
//   auto result = (*analyzer)->Analyze(bytes, "invoice.exe");
//
// Archives (zip, 7z, rar, gzip, bzip2, xz, tar, iso, cab; not OOXML, ODF, JAR or APK) are
// opened with the submitter's passwords and then the default list; their members come back as
// children to be submitted as samples of their own:
//
//   std::vector<ExtractedChild> children;
//   auto result = (*analyzer)->Analyze(bytes, "mail.zip", {.passwords = {"2024"}}, &children);

#include <memory>
#include <string>
#include <vector>

#include "kensa/analysis/v1/static_result.pb.h"
#include "kensa/archive/archive_reader.h"
#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa::static_analysis {

struct StaticConfig {
  // The folder that holds yara/ and signatures/ (the repository's rules/ by default).
  std::string rules_dir = "rules";
  // More YARA rule folders to load next to rules/yara (for example a signature-base checkout).
  std::vector<std::string> extra_yara_dirs;
  // Mozilla public suffix list, from Debian's publicsuffix package.
  std::string public_suffix_list = "/usr/share/publicsuffix/public_suffix_list.dat";
  // YARA gives up on one sample after this long; the result then says so in errors.
  int yara_timeout_seconds = 20;
  // Strings considered for indicators: the first ones by offset.
  std::size_t max_strings = 200000;
  // Notable strings kept in the result for the report.
  std::size_t max_notable_strings = 200;
  // Passwords tried on encrypted archives after the submitter's, one per line; empty means
  // <rules_dir>/archive/passwords.txt.
  std::string archive_passwords_file;
  // Bounds on archive extraction: members, sizes, expansion ratio, time.
  archive::ArchiveLimits archive_limits;
};

// A file found inside the sample (an archive member) and its bytes, to be submitted as a child
// sample. `info` is the same entry as in StaticResult.extracted_files.
struct ExtractedChild {
  analysis::v1::ExtractedFile info;
  Bytes data;
};

struct AnalyzeOptions {
  // Passwords the submitter gave for encrypted archives, tried before the default list.
  std::vector<std::string> passwords;
};

class StaticAnalyzer {
 public:
  // Loads the public suffix list, compiles the YARA rules, loads the signature rules and the
  // archive password list.
  // A YARA file that fails to compile is skipped with a warning; missing rule folders, invalid
  // signature files and a missing or invalid password list are errors.
  static Result<std::unique_ptr<StaticAnalyzer>> Create(const StaticConfig& config,
                                                        std::vector<std::string>* warnings);
  ~StaticAnalyzer();

  // Analyzes one sample. Fails only when the stage cannot work at all; problems of the sample
  // (a damaged PE, a YARA timeout) are anomalies or entries in `errors`.
  Result<analysis::v1::StaticResult> Analyze(ByteSpan data, const std::string& file_name) const;
  // The same, and the files extracted from the sample (archive members) appended to
  // `children` (may be nullptr: the result still lists them in extracted_files).
  Result<analysis::v1::StaticResult> Analyze(ByteSpan data, const std::string& file_name,
                                             const AnalyzeOptions& options,
                                             std::vector<ExtractedChild>* children) const;

  std::size_t yara_rule_count() const;
  std::size_t signature_rule_count() const;

 private:
  struct State;
  explicit StaticAnalyzer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace kensa::static_analysis
