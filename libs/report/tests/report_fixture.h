#pragma once
// Reports with concrete values that the renderer tests share.

#include "kensa/report/v1/report.pb.h"

namespace kensa::report::testing {

// A 32-bit GUI PE judged malicious (score 82, downloader) with two signatures (a HIGH one with
// a Japanese description and five evidence items, a MEDIUM one without), six indicators of
// five types including the URL http://update.kensa-fixture.jp/payload.bin and the IPv4
// 203.0.113.45, resources in ja-JP and en-US, a YARA match and an anomaly.
report::v1::Report MaliciousPeReport();

// A small text file judged clean: no PE info, no signatures, no indicators.
report::v1::Report CleanTextReport();

}  // namespace kensa::report::testing
