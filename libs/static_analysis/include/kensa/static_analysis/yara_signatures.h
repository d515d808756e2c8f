#pragma once
// Turns a YARA match into a scored signature using the rule's meta (rules/yara/README.md):
// description, description_ja, severity, attack, malware_type, family. Third-party rules
// without a severity (signature-base uses a numeric `score`) are mapped as documented in
// docs/scoring.md.

#include "kensa/analysis/v1/signature.pb.h"
#include "kensa/analysis/v1/static_result.pb.h"

namespace kensa::static_analysis {

analysis::v1::Signature SignatureFromYaraMatch(const analysis::v1::YaraMatch& match);

}  // namespace kensa::static_analysis
