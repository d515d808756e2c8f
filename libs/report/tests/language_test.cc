#include "kensa/report/language.h"

#include <catch2/catch.hpp>

namespace kensa::report {
namespace {

TEST_CASE("ParseLanguage accepts en and ja in any case and names the valid values otherwise") {
  REQUIRE(ParseLanguage("en").has_value());
  CHECK(*ParseLanguage("en") == Language::kEnglish);
  CHECK(*ParseLanguage("ja") == Language::kJapanese);
  CHECK(*ParseLanguage("JA") == Language::kJapanese);
  const auto french = ParseLanguage("fr");
  REQUIRE_FALSE(french.has_value());
  CHECK(french.error().code() == StatusCode::kInvalidArgument);
  CHECK(french.error().message() == "unknown report language \"fr\": expected \"en\" or \"ja\"");
  CHECK_FALSE(ParseLanguage("").has_value());
}

TEST_CASE("LanguageCode gives back the code ParseLanguage reads") {
  CHECK(LanguageCode(Language::kEnglish) == "en");
  CHECK(LanguageCode(Language::kJapanese) == "ja");
}

}  // namespace
}  // namespace kensa::report
