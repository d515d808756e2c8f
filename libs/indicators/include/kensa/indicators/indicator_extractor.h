#pragma once
// Indicators of compromise from text: URLs, domains, IP addresses, e-mail addresses, registry
// keys, file paths, mutex names, user agents and command lines, deduplicated and bounded.
//
//   auto psl = PublicSuffixList::Load(kDefaultPublicSuffixListPath);   // once per process
//   IndicatorExtractor extractor(*psl);
//   extractor.AddStrings(strings::ExtractStrings(sample_bytes));
//   extractor.AddText(version_info_comment, "pe.version_info", resource_offset);
//   std::vector<analysis::v1::Indicator> found = extractor.Indicators();
//
// Each value is kept once per type, with the source and file offset of its first occurrence
// (lowest offset) and the number of occurrences. The scanners are hand-written (no regular
// expressions) and cheap on text that holds no indicator: a string without ':', '.', '\',
// '/', '@', '%', a bracket or a space is looked at once.
//
// What is reported, and the normal form of each value:
// - URL: http, https, ftp and ftps, also defanged ("hxxp://", "hxxps[:]//", "fxp://",
//   "hxxp[://]", dots as "[.]", "(.)", "{.}" or "[dot]" in the host), when the host is an IP
//   address or a name under a known top-level domain. Scheme and host are lower-cased and
//   re-fanged; path, query and fragment are kept as written (trailing punctuation such as a
//   closing parenthesis without its opening one, or a sentence's full stop, is dropped). The
//   scheme may be glued to what precedes it ("\x01http://", a printable length byte). The
//   URL's host is also reported as DOMAIN, IPV4 or IPV6.
// - DOMAIN: a host name (letters, digits, '-'; at least two labels) whose last label is a
//   top-level domain of the Public Suffix List and that is not itself a public suffix
//   ("co.jp"), lower-cased. Names that look like files or code are not domains unless they
//   appear in a URL, an e-mail address, a UNC path or before ":port":
//   * the TLD is also a common file extension (zip, mov, py, sh, md, pl, rs, cc, so, ps, ai,
//     app, cab, cat, do, dot, java, mm, one, pid, pub, run, ax): three or more labels needed;
//   * the TLD is also a common property name in scripts and shaders (name, data, top, link,
//     open, red, media, windows, ...): three or more labels, or a digit or hyphen in the
//     first label;
//   * with three or more labels and such a TLD, the label before it must not be a file-name
//     infix ("jquery.min.map", "s.dll.so");
//   * two labels with a first label of one or two characters ("x.red", "tt.tt");
//   * mixed-case tokens whose TLD is not lower case ("System.Net", "WScript.Shell");
//   * a name right after a single '\' or '/' (a file in a path), after '.' or '$' (cut from a
//     longer dotted name), before '(' (a call), '\' (a folder), '[' or '=' (code:
//     "size.cx=%ld", "ret.zw = x").
//   A "%s." in front ("%s.evil.com") is dropped from the name.
// - IPV4: four decimal octets 0-255 without leading zeros, not part of a longer dotted run
//   ("6.1.7601.17514") nor glued to letters ("v1.2.3.4"), and not right after the word
//   "version", "ver", "build" or "v" (quotes, '=' and ':' in between allowed). Dropped as no
//   destination: 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0 and above, netmasks (255.255.255.0),
//   addresses ending in .0 (networks, and versions such as "6.0.0.0"), and 2.5.4.x /
//   2.5.29.x (X.509 object identifiers). Private ranges are kept.
// - IPV6: full or "::"-compressed (also with a dotted IPv4 tail, "[:]" defanged), in RFC 5952
//   canonical form. "::", "::1" and multicast (ff00::/8) are dropped; so are forms with no
//   group of three or more hex digits ("12:30:45", "de:ad:be:ef:00:11:22:33", "a::b") and
//   C++ scopes glued to identifiers ("Base::Add").
// - EMAIL: local@domain with a known TLD, lower-cased; "[@]", "(@)", "[at]" and "(at)" are
//   accepted; a '%' in the local part is a format string, not an address. The domain is also
//   reported as DOMAIN.
// - REGISTRY_KEY: a hive (HKEY_LOCAL_MACHINE, HKLM, HKLM:, \Registry\Machine, ...) and a
//   subkey. Hive abbreviations are expanded to the long form (HKCU -> HKEY_CURRENT_USER,
//   \Registry\User -> HKEY_USERS); the rest keeps its case. Keys without a hive that start
//   with "Software\" or "System\CurrentControlSet\" and have at least three parts are
//   reported as written. Doubled separators of C-escaped text ("HKLM\\Software") are halved.
//   A key ends at a quote, ':', a control character, or a command-line switch (" /v").
// - FILE_PATH: Windows paths from a drive ("C:\", "C:/"), a folder variable ("%APPDATA%\",
//   "%TEMP%\", "%SystemRoot%\", ... not template variables such as "%MODULE%"), a UNC share
//   ("\\server\share\...") or a device ("\\.\PhysicalDrive0", "\\.\pipe\name"); Unix paths
//   under /tmp, /etc, /bin, /sbin, /usr, /var, /dev/shm, /home, /root. A drive path needs a
//   file extension, two folders, or a well-known folder (Windows, Temp, Users, ProgramData,
//   Program Files, ...). A path ends at a switch (" /c", " -x"), at a space after
//   "name.ext" or before another path ("C:\a\x.exe C:\b" gives two), at the quote that
//   opened it; spaces in its last part stay only in a name with an extension. C-escaped
//   doubled backslashes are halved.
// - MUTEX: "Global\name", "Local\name", "Session\N\name", "Sessions\N\BaseNamedObjects\name",
//   "\BaseNamedObjects\name", where the prefix starts a token (so "AppData\Local\Temp" is not
//   one) and the name has no backslash. "Global\" and "Local\" are written in that case.
// - USER_AGENT: "Mozilla/<digit>...", "<product>/<version> (...)" and well-known client
//   tokens (curl/, Wget/, python-requests/, ...), up to the end of the string or a quote.
// - COMMAND_LINE: cmd or %COMSPEC% with /c, /k or /r; powershell or pwsh with a switch or
//   script text; rundll32 with "x.dll,Entry" or "javascript:"; regsvr32 with a switch or a
//   file; mshta with a URL, "vbscript:" or a file; wmic with a switch or a WMI alias;
//   vssadmin with a verb; certutil with -/ switches; bitsadmin with /; schtasks /create. It
//   runs from the program (with a path or opening quote in front of it) to the end of the
//   string; one per string; cut, not dropped, at max_value_length (on a UTF-8 boundary).
//   Usage text and prose ("regsvr32 [/u] ...", "mshta.exe is a stub") are not commands.
//
// Values are valid UTF-8 (invalid bytes in AddText's input become U+FFFD), as proto3
// requires.
//
// Not thread-safe; use one extractor per analysis. The PublicSuffixList must outlive it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kensa/analysis/v1/indicator.pb.h"
#include "kensa/indicators/public_suffix_list.h"
#include "kensa/strings/string_extractor.h"

namespace kensa::indicators {

struct IndicatorLimits {
  std::size_t max_indicators = 5000;   // distinct values over all types
  std::size_t max_per_type = 1000;     // distinct values of one type
  std::size_t max_value_length = 2048; // bytes; longer values are dropped (command lines cut)
};

class IndicatorExtractor {
 public:
  explicit IndicatorExtractor(const PublicSuffixList& psl, IndicatorLimits limits = {});

  // Scans one extracted string. The source is "<source_prefix>.<encoding>"
  // ("strings.shift_jis", "overlay.utf16le") and offsets are exact offsets of each match in
  // the data the strings came from (UTF-16LE and Shift_JIS widths included).
  void AddString(const strings::ExtractedString& string,
                 std::string_view source_prefix = "strings");
  void AddStrings(const std::vector<strings::ExtractedString>& strings,
                  std::string_view source_prefix = "strings");

  // Scans UTF-8 text found elsewhere ("pe.version_info", "office.vba"); every indicator in it
  // gets `offset`.
  void AddText(std::string_view text, std::string_view source, std::uint64_t offset);

  // The indicators found so far, ordered by type (enum order), then offset of first
  // occurrence, then value.
  std::vector<analysis::v1::Indicator> Indicators() const;

  // Occurrences of new values not kept because a limit was reached or the value was too long
  // (a value that keeps coming back is counted each time).
  std::uint64_t dropped() const { return dropped_; }

 private:
  struct Entry {
    analysis::v1::IndicatorType type;
    std::string value;
    std::string source;
    std::uint64_t offset;
    std::uint32_t occurrences;
  };
  class OffsetMap;

  void ScanString(const strings::ExtractedString& string, std::string_view source);
  void Scan(std::string_view text, std::string_view source, const OffsetMap& offsets);
  void Record(analysis::v1::IndicatorType type, std::string value, std::string_view source,
              std::uint64_t offset);

  const PublicSuffixList* psl_;
  IndicatorLimits limits_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::size_t> index_;  // type byte + value -> entries_
  std::vector<std::size_t> per_type_;
  std::uint64_t dropped_ = 0;
};

}  // namespace kensa::indicators
