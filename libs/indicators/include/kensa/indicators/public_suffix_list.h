#pragma once
// The Mozilla Public Suffix List (https://publicsuffix.org/list/): which parts of a host name
// are a public suffix ("co.jp", "github.io") and which is the registrable domain
// ("example.co.jp"). The indicator extractor uses it to tell host names ("evil.co.jp") from
// file names that merely contain dots ("kernel32.dll", "a.b").
//
//   kensa::Result<PublicSuffixList> psl = PublicSuffixList::Load(kDefaultPublicSuffixListPath);
//   if (!psl) return psl.error();
//   psl->RegistrableDomain("www.example.co.jp");  // "example.co.jp"
//
// The algorithm is the list's own (publicsuffix.org/list/, "Algorithm"): a host matches a rule
// when the rule's labels equal the host's rightmost labels, "*" matching any one label; the
// prevailing rule is the exception rule ("!www.ck") if one matches, else the matching rule
// with the most labels, else the implicit rule "*". The public suffix is the labels matched
// by the prevailing rule (an exception rule's labels minus its leftmost one), the registrable
// domain is the public suffix plus one more label.
//
// Host names are compared after ASCII lower-casing. The file is UTF-8: a rule with non-ASCII
// labels is also stored in its Punycode form (RFC 3492), so "xn--55qx5d.cn" and "公司.cn" both
// match the rule "公司.cn". Both the ICANN and the PRIVATE sections are used unless the caller
// asks for ICANN only.
//
// A loaded list is immutable and safe to share between threads.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "kensa/core/status.h"

namespace kensa::indicators {

// Where Debian's `publicsuffix` package installs the list.
inline constexpr const char kDefaultPublicSuffixListPath[] =
    "/usr/share/publicsuffix/public_suffix_list.dat";

class PublicSuffixList {
 public:
  // Reads and parses the list at `path`. Errors: those of ReadFileBounded, and
  // kInvalidArgument when the file holds no rules.
  static Result<PublicSuffixList> Load(const std::string& path);
  // Parses the text of a list. Lines that are not valid rules are skipped (and counted).
  static Result<PublicSuffixList> Parse(std::string_view text);

  // The public suffix of `host`: "co.jp" for "www.example.co.jp", "example" for the unlisted
  // "a.example" (implicit "*" rule). nullopt when `host` is not a host name (empty, leading
  // dot, empty label). With `icann_only`, rules from the PRIVATE section are ignored.
  std::optional<std::string> PublicSuffix(std::string_view host, bool icann_only = false) const;

  // The public suffix plus one label: "example.co.jp" for "www.example.co.jp". nullopt when
  // `host` is itself a public suffix ("co.jp", "com") or not a host name.
  std::optional<std::string> RegistrableDomain(std::string_view host,
                                               bool icann_only = false) const;

  // Whether the last label of `host` is a top-level domain the list knows ("jp", "com",
  // "zip", "xn--fiqs8s"), i.e. the rightmost label of some rule. False for "kernel32.dll",
  // "foo.exe", "a.b". Unlike PublicSuffix, the implicit "*" rule does not count.
  bool IsKnownTld(std::string_view host) const;

  std::size_t rule_count() const { return rule_count_; }
  std::size_t skipped_lines() const { return skipped_lines_; }

 private:
  // Heterogeneous lookup so that suffixes of a host are looked up as string_views.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Set = std::unordered_set<std::string, Hash, std::equal_to<>>;
  // Rule text (without "!" or "*.") -> bit 0: ICANN rule present, bit 1: PRIVATE rule present.
  using Map = std::unordered_map<std::string, std::uint8_t, Hash, std::equal_to<>>;

  void AddRule(std::string_view rule, bool icann);
  // Number of labels of the public suffix of the normalized `host`, or 0 when it is not a
  // host name.
  std::size_t SuffixLabels(std::string_view host, bool icann_only) const;

  Map exact_;      // "co.jp"
  Map wildcard_;   // "*.kobe.jp" stored as "kobe.jp"
  Map exception_;  // "!city.kobe.jp" stored as "city.kobe.jp"
  Set tlds_;
  std::size_t rule_count_ = 0;
  std::size_t skipped_lines_ = 0;
};

// RFC 3492 Punycode of one label's code points, with the "xn--" prefix when the label is not
// all ASCII ("公司" -> "xn--55qx5d"); an ASCII label is returned unchanged. nullopt when the
// UTF-8 is invalid or the result would overflow.
std::optional<std::string> ToPunycodeLabel(std::string_view utf8_label);

}  // namespace kensa::indicators
