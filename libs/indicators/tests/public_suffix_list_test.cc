#include "kensa/indicators/public_suffix_list.h"

#include <catch2/catch.hpp>

#include <optional>
#include <string>

namespace kensa::indicators {
namespace {

// The real list from Debian's `publicsuffix` package, loaded once for all tests.
const PublicSuffixList& DebianList() {
  static const Result<PublicSuffixList> list = PublicSuffixList::Load(kDefaultPublicSuffixListPath);
  REQUIRE(list.has_value());
  return *list;
}

// checkPublicSuffix(domain, expected) from the list's own tests (publicsuffix/list,
// tests/test_psl.txt): the registrable domain, or nullopt ("null" there).
struct Vector {
  const char* host;
  const char* expected;  // nullptr: no registrable domain
};

constexpr Vector kOfficialVectors[] = {
    // null input.
    {"", nullptr},
    // Mixed case.
    {"COM", nullptr},
    {"example.COM", "example.com"},
    {"WwW.example.COM", "example.com"},
    // Leading dot.
    {".com", nullptr},
    {".example", nullptr},
    {".example.com", nullptr},
    {".example.example", nullptr},
    // Unlisted TLD.
    {"example", nullptr},
    {"example.example", "example.example"},
    {"b.example.example", "example.example"},
    {"a.b.example.example", "example.example"},
    // TLD with only 1 rule.
    {"biz", nullptr},
    {"domain.biz", "domain.biz"},
    {"b.domain.biz", "domain.biz"},
    {"a.b.domain.biz", "domain.biz"},
    // TLD with some 2-level rules.
    {"com", nullptr},
    {"example.com", "example.com"},
    {"b.example.com", "example.com"},
    {"a.b.example.com", "example.com"},
    {"uk.com", nullptr},
    {"example.uk.com", "example.uk.com"},
    {"b.example.uk.com", "example.uk.com"},
    {"a.b.example.uk.com", "example.uk.com"},
    {"test.ac", "test.ac"},
    // TLD with only 1 (wildcard) rule.
    {"mm", nullptr},
    {"c.mm", nullptr},
    {"b.c.mm", "b.c.mm"},
    {"a.b.c.mm", "b.c.mm"},
    // More complex TLD.
    {"jp", nullptr},
    {"test.jp", "test.jp"},
    {"www.test.jp", "test.jp"},
    {"ac.jp", nullptr},
    {"test.ac.jp", "test.ac.jp"},
    {"www.test.ac.jp", "test.ac.jp"},
    {"kyoto.jp", nullptr},
    {"test.kyoto.jp", "test.kyoto.jp"},
    {"ide.kyoto.jp", nullptr},
    {"b.ide.kyoto.jp", "b.ide.kyoto.jp"},
    {"a.b.ide.kyoto.jp", "b.ide.kyoto.jp"},
    {"c.kobe.jp", nullptr},
    {"b.c.kobe.jp", "b.c.kobe.jp"},
    {"a.b.c.kobe.jp", "b.c.kobe.jp"},
    {"city.kobe.jp", "city.kobe.jp"},
    {"www.city.kobe.jp", "city.kobe.jp"},
    // TLD with a wildcard rule and exceptions.
    {"ck", nullptr},
    {"test.ck", nullptr},
    {"b.test.ck", "b.test.ck"},
    {"a.b.test.ck", "b.test.ck"},
    {"www.ck", "www.ck"},
    {"www.www.ck", "www.ck"},
    // US K12.
    {"us", nullptr},
    {"test.us", "test.us"},
    {"www.test.us", "test.us"},
    {"ak.us", nullptr},
    {"test.ak.us", "test.ak.us"},
    {"www.test.ak.us", "test.ak.us"},
    {"k12.ak.us", nullptr},
    {"test.k12.ak.us", "test.k12.ak.us"},
    {"www.test.k12.ak.us", "test.k12.ak.us"},
    // IDN labels.
    {"食狮.com.cn", "食狮.com.cn"},
    {"食狮.公司.cn", "食狮.公司.cn"},
    {"www.食狮.公司.cn", "食狮.公司.cn"},
    {"shishi.公司.cn", "shishi.公司.cn"},
    {"公司.cn", nullptr},
    {"食狮.中国", "食狮.中国"},
    {"www.食狮.中国", "食狮.中国"},
    {"shishi.中国", "shishi.中国"},
    {"中国", nullptr},
    // Same as above, but punycoded.
    {"xn--85x722f.com.cn", "xn--85x722f.com.cn"},
    {"xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"},
    {"www.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"},
    {"shishi.xn--55qx5d.cn", "shishi.xn--55qx5d.cn"},
    {"xn--55qx5d.cn", nullptr},
    {"xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s"},
    {"www.xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s"},
    {"shishi.xn--fiqs8s", "shishi.xn--fiqs8s"},
    {"xn--fiqs8s", nullptr},
};

TEST_CASE("The official checkPublicSuffix vectors hold against Debian's list") {
  const PublicSuffixList& psl = DebianList();
  for (const Vector& v : kOfficialVectors) {
    CAPTURE(v.host);
    const std::optional<std::string> got = psl.RegistrableDomain(v.host);
    if (v.expected == nullptr) {
      CHECK_FALSE(got.has_value());
    } else {
      REQUIRE(got.has_value());
      CHECK(*got == v.expected);
    }
  }
}

TEST_CASE("PublicSuffix gives the labels the prevailing rule matched") {
  const PublicSuffixList& psl = DebianList();
  CHECK(psl.PublicSuffix("www.example.co.jp") == "co.jp");
  CHECK(psl.PublicSuffix("a.b.c.kobe.jp") == "c.kobe.jp");     // *.kobe.jp
  CHECK(psl.PublicSuffix("www.city.kobe.jp") == "kobe.jp");    // !city.kobe.jp
  CHECK(psl.PublicSuffix("x.example") == "example");           // implicit "*"
  CHECK(psl.PublicSuffix("EXAMPLE.COM") == "com");
  CHECK(psl.PublicSuffix("a..com") == std::nullopt);
  CHECK(psl.PublicSuffix("example.com.") == std::nullopt);
}

TEST_CASE("PRIVATE section rules count unless ICANN only is asked for") {
  const PublicSuffixList& psl = DebianList();
  CHECK(psl.RegistrableDomain("evil.blogspot.com") == "evil.blogspot.com");
  CHECK(psl.RegistrableDomain("evil.blogspot.com", /*icann_only=*/true) == "blogspot.com");
  CHECK(psl.PublicSuffix("user.github.io") == "github.io");
  CHECK(psl.PublicSuffix("user.github.io", /*icann_only=*/true) == "io");
  CHECK(psl.RegistrableDomain("a.b.compute.amazonaws.com") == "a.b.compute.amazonaws.com");
}

TEST_CASE("IsKnownTld tells host names from file names") {
  const PublicSuffixList& psl = DebianList();
  CHECK(psl.IsKnownTld("evil.co.jp"));
  CHECK(psl.IsKnownTld("EXAMPLE.COM"));
  CHECK(psl.IsKnownTld("readme.md"));  // .md is Moldova: callers must judge context
  CHECK(psl.IsKnownTld("xn--85x722f.xn--fiqs8s"));
  CHECK(psl.IsKnownTld("食狮.中国"));
  CHECK(psl.IsKnownTld("a.ck"));  // only "*.ck" and "!www.ck" name it
  CHECK_FALSE(psl.IsKnownTld("kernel32.dll"));
  CHECK_FALSE(psl.IsKnownTld("msvcrt.dll"));
  CHECK_FALSE(psl.IsKnownTld("foo.exe"));
  CHECK_FALSE(psl.IsKnownTld("a.b"));
  CHECK_FALSE(psl.IsKnownTld("x.example"));
  CHECK_FALSE(psl.IsKnownTld(""));
  CHECK_FALSE(psl.IsKnownTld("example.com."));
}

TEST_CASE("Parse reads sections, wildcards, exceptions and skips bad rules") {
  const auto psl = PublicSuffixList::Parse(
      "// ===BEGIN ICANN DOMAINS===\n"
      "jp\n"
      "co.jp   trailing words are ignored\n"
      "*.kobe.jp\r\n"
      "!city.kobe.jp\n"
      "\n"
      "// a comment\n"
      "a.*.jp\n"
      "bad..jp\n"
      "// ===END ICANN DOMAINS===\n"
      "// ===BEGIN PRIVATE DOMAINS===\n"
      "blogspot.jp\n"
      "// ===END PRIVATE DOMAINS===\n");
  REQUIRE(psl.has_value());
  CHECK(psl->rule_count() == 5);
  CHECK(psl->skipped_lines() == 2);
  CHECK(psl->RegistrableDomain("www.example.co.jp") == "example.co.jp");
  CHECK(psl->RegistrableDomain("x.y.kobe.jp") == "x.y.kobe.jp");
  CHECK(psl->RegistrableDomain("city.kobe.jp") == "city.kobe.jp");
  CHECK(psl->RegistrableDomain("me.blogspot.jp") == "me.blogspot.jp");
  CHECK(psl->RegistrableDomain("me.blogspot.jp", true) == "blogspot.jp");
  CHECK_FALSE(psl->IsKnownTld("example.com"));
}

TEST_CASE("An empty list and a missing file are errors") {
  const auto empty = PublicSuffixList::Parse("// nothing here\n\n");
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().code() == StatusCode::kInvalidArgument);
  const auto missing = PublicSuffixList::Load("/nonexistent/public_suffix_list.dat");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code() == StatusCode::kNotFound);
}

TEST_CASE("ToPunycodeLabel encodes labels as RFC 3492 says") {
  CHECK(ToPunycodeLabel("公司") == "xn--55qx5d");
  CHECK(ToPunycodeLabel("中国") == "xn--fiqs8s");
  CHECK(ToPunycodeLabel("食狮") == "xn--85x722f");
  CHECK(ToPunycodeLabel("日本") == "xn--wgv71a");
  CHECK(ToPunycodeLabel("ファイル") == "xn--bckg9lpd");
  CHECK(ToPunycodeLabel("bücher") == "xn--bcher-kva");
  CHECK(ToPunycodeLabel("münchen") == "xn--mnchen-3ya");
  CHECK(ToPunycodeLabel("plain") == "plain");
  CHECK(ToPunycodeLabel("\xE6\x97") == std::nullopt);  // truncated UTF-8
}

}  // namespace
}  // namespace kensa::indicators
