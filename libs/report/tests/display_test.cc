#include "display.h"

#include <catch2/catch.hpp>

namespace kensa::report::internal {
namespace {

TEST_CASE("Neutralize makes terminal controls, bidi overrides and invalid UTF-8 visible") {
  CHECK(Neutralize("a\x1b[2Jb") == "a\\x1b[2Jb");
  CHECK(Neutralize("line\nnext\t") == "line\\x0anext\\x09");
  // "invoice<RLO>fdp.exe": U+202E would make it read "invoiceexe.pdf".
  CHECK(Neutralize("invoice\xE2\x80\xAE" "fdp.exe") == "invoice<U+202E>fdp.exe");
  CHECK(Neutralize("\xC2\x9B" "31m") == "<U+009B>31m");
  CHECK(Neutralize("ok\xFF\xC0\xAF") == "ok\\xff\\xc0\\xaf");
  CHECK(Neutralize("検査 ok") == "検査 ok");
}

TEST_CASE("DisplayWidth counts wide Japanese characters as two columns") {
  CHECK(DisplayWidth("abc") == 3);
  CHECK(DisplayWidth("検査") == 4);
  CHECK(DisplayWidth("ｱ") == 1);  // half-width katakana
  CHECK(DisplayWidth("リスクレベル: 悪性") == 18);
  CHECK(PadRight("悪性", 6) == "悪性  ");
  CHECK(PadLeft("42", 4) == "  42");
}

TEST_CASE("Elide cuts to the width and marks the cut") {
  CHECK(Elide("abcdefghij", 5) == "abcd…");
  CHECK(Elide("abc", 5) == "abc");
  CHECK(Elide("日本語テキスト", 7) == "日本語…");
}

TEST_CASE("WrapWords breaks English at spaces and Japanese between characters") {
  CHECK(WrapWords("one two three four", 9) ==
        std::vector<std::string>{"one two", "three", "four"});
  CHECK(WrapWords("ファイルを開かないでください", 10) ==
        std::vector<std::string>{"ファイルを", "開かないで", "ください"});
  CHECK(WrapWords("abcdefghijkl", 5) == std::vector<std::string>{"abcde", "fghij", "kl"});
  CHECK(HardWrap("0123456789", 4) == std::vector<std::string>{"0123", "4567", "89"});
}

TEST_CASE("Numbers are formatted for people") {
  CHECK(GroupThousands(184320) == "184,320");
  CHECK(GroupThousands(999) == "999");
  CHECK(GroupThousands(1000000) == "1,000,000");
  CHECK(HexNumber(0x2A10) == "0x2a10");
  CHECK(HumanSize(184320) == "180.0 KiB");
  CHECK(HumanSize(512) == "512 B");
  CHECK(FixedPoint(7.6234, 2) == "7.62");
}

TEST_CASE("FreeTextDefanger defangs known indicators and any URL inside free text") {
  FreeTextDefanger defanger;
  defanger.Add(analysis::v1::INDICATOR_TYPE_DOMAIN, "c2.kensa-fixture.jp");
  defanger.Add(analysis::v1::INDICATOR_TYPE_IPV4, "203.0.113.45");
  defanger.Add(analysis::v1::INDICATOR_TYPE_MUTEX, "Global\\Mutex");
  CHECK(defanger.Defang("c2.kensa-fixture.jp") == "c2[.]kensa-fixture[.]jp");
  CHECK(defanger.Defang("beacon to 203.0.113.45:443 every 60s") ==
        "beacon to 203.0.113[.]45:443 every 60s");
  CHECK(defanger.Defang("GET HTTPS://evil.example/x?a=1 HTTP/1.1") ==
        "GET hxxps[://]evil[.]example/x?a=1 HTTP/1.1");
  CHECK(defanger.Defang("Global\\Mutex") == "Global\\Mutex");
}

}  // namespace
}  // namespace kensa::report::internal
