#pragma once
// The languages in which Kensa renders reports for people. Every label, level, malware type and
// recommended action exists in each of them; see src/catalog.cc for the texts.

#include <string_view>

#include "kensa/core/status.h"

namespace kensa::report {

enum class Language { kEnglish, kJapanese };

// "en" -> kEnglish, "ja" -> kJapanese (ASCII case-insensitive); anything else is
// InvalidArgument, so that `kensa triage --lang` can say which values it accepts.
Result<Language> ParseLanguage(std::string_view code);

// "en" or "ja": the code ParseLanguage accepts, also the value of Report.language.
std::string_view LanguageCode(Language lang);

}  // namespace kensa::report
