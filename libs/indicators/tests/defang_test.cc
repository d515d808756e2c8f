#include "kensa/indicators/defang.h"

#include <catch2/catch.hpp>

namespace kensa::indicators {
namespace {

using analysis::v1::IndicatorType;

TEST_CASE("Defang brackets the dots of URLs and renames their scheme") {
  CHECK(Defang(analysis::v1::INDICATOR_TYPE_URL, "http://evil.example.com/a.php?x=1.2") ==
        "hxxp[://]evil[.]example[.]com/a.php?x=1.2");
  CHECK(Defang(analysis::v1::INDICATOR_TYPE_URL, "https://a.example.jp") ==
        "hxxps[://]a[.]example[.]jp");
  CHECK(Defang(analysis::v1::INDICATOR_TYPE_URL, "ftp://files.example.org/x.zip") ==
        "fxp[://]files[.]example[.]org/x.zip");
}

TEST_CASE("Defang of domains, addresses and e-mail addresses") {
  CHECK(Defang(analysis::v1::INDICATOR_TYPE_DOMAIN, "evil.co.jp") == "evil[.]co[.]jp");
  CHECK(Defang(analysis::v1::INDICATOR_TYPE_IPV4, "203.0.113.5") == "203.0.113[.]5");
  CHECK(Defang(analysis::v1::INDICATOR_TYPE_IPV6, "2001:db8::1") == "2001[:]db8[:][:]1");
  CHECK(Defang(analysis::v1::INDICATOR_TYPE_EMAIL, "ops@example.co.jp") ==
        "ops[@]example[.]co[.]jp");
}

TEST_CASE("Defang leaves host artifacts as they are") {
  CHECK(Defang(analysis::v1::INDICATOR_TYPE_REGISTRY_KEY, "HKEY_CURRENT_USER\\Software\\x.y") ==
        "HKEY_CURRENT_USER\\Software\\x.y");
  CHECK(Defang(analysis::v1::INDICATOR_TYPE_FILE_PATH, "C:\\Users\\Public\\a.exe") ==
        "C:\\Users\\Public\\a.exe");
  CHECK(Defang(analysis::v1::INDICATOR_TYPE_MUTEX, "Global\\m.1") == "Global\\m.1");
  CHECK(Defang(analysis::v1::INDICATOR_TYPE_COMMAND_LINE, "cmd /c x.exe") == "cmd /c x.exe");
  CHECK(Defang(analysis::v1::INDICATOR_TYPE_USER_AGENT, "Mozilla/5.0 (x)") == "Mozilla/5.0 (x)");
}

TEST_CASE("Defang copes with values that are not what their type says") {
  CHECK(Defang(analysis::v1::INDICATOR_TYPE_URL, "no-scheme.example.com/x") ==
        "no-scheme[.]example[.]com/x");
  CHECK(Defang(analysis::v1::INDICATOR_TYPE_IPV4, "nodots") == "nodots");
  CHECK(Defang(analysis::v1::INDICATOR_TYPE_EMAIL, "not-an-email.example") ==
        "not-an-email[.]example");
  CHECK(Defang(analysis::v1::INDICATOR_TYPE_URL, "") == "");
}

}  // namespace
}  // namespace kensa::indicators
