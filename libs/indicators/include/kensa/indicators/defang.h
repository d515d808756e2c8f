#pragma once
// Defanging: the form in which indicators are shown to people, so that a URL pasted from a
// report into a browser or chat does not become a live link. Stored values are never defanged.

#include <string>
#include <string_view>

#include "kensa/analysis/v1/indicator.pb.h"

namespace kensa::indicators {

// "http://evil.example.com/a" -> "hxxp://evil[.]example[.]com/a"; "1.2.3.4" -> "1.2.3[.]4";
// "a@b.jp" -> "a[@]b[.]jp". Registry keys, paths and mutexes are returned unchanged.
std::string Defang(analysis::v1::IndicatorType type, std::string_view value);

}  // namespace kensa::indicators
