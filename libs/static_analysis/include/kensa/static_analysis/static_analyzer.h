#pragma once
// The static-analysis stage: one sample's bytes in, a StaticResult out (identification, hashes,
// PE structure, strings and indicators, YARA matches, signatures). It never runs the sample.
//
// Build one StaticAnalyzer per process (rule compilation is the expensive part) and call
// Analyze from any number of threads: the analyzer is immutable after Create.
//
//   auto analyzer = StaticAnalyzer::Create(config, &warnings);
//   auto result = (*analyzer)->Analyze(bytes, "invoice.exe");

#include <memory>
#include <string>
#include <vector>

#include "kensa/analysis/v1/static_result.pb.h"
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
};

class StaticAnalyzer {
 public:
  // Loads the public suffix list, compiles the YARA rules and loads the signature rules.
  // A YARA file that fails to compile is skipped with a warning; missing rule folders and
  // invalid signature files are errors.
  static Result<std::unique_ptr<StaticAnalyzer>> Create(const StaticConfig& config,
                                                        std::vector<std::string>* warnings);
  ~StaticAnalyzer();

  // Analyzes one sample. Fails only when the stage cannot work at all; problems of the sample
  // (a damaged PE, a YARA timeout) are anomalies or entries in `errors`.
  Result<analysis::v1::StaticResult> Analyze(ByteSpan data, const std::string& file_name) const;

  std::size_t yara_rule_count() const;
  std::size_t signature_rule_count() const;

 private:
  struct State;
  explicit StaticAnalyzer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace kensa::static_analysis
