#include "kensa/report/language.h"

#include <string>

#include "kensa/core/bytes.h"

namespace kensa::report {

Result<Language> ParseLanguage(std::string_view code) {
  const std::string lower = AsciiLower(code);
  if (lower == "en") return Language::kEnglish;
  if (lower == "ja") return Language::kJapanese;
  return InvalidArgumentError("unknown report language \"" + std::string(code) +
                              "\": expected \"en\" or \"ja\"");
}

std::string_view LanguageCode(Language lang) {
  return lang == Language::kJapanese ? "ja" : "en";
}

}  // namespace kensa::report
