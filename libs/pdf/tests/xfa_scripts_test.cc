#include "kensa/pdf/xfa_scripts.h"

#include <catch2/catch.hpp>

namespace kensa::pdf {
namespace {

TEST_CASE("XFA scripts come with their event and whether it fires by itself", "[pdf][xfa]") {
  const std::string xml =
      "<xdp:xdp><template><subform name='f'><field id='a'>"
      "<event activity=\"initialize\"><script contentType='application/x-javascript'>"
      "if (a &lt; b &amp;&amp; c) app.alert(&quot;x&quot;);</script></event>"
      "<event activity='click'><script contentType=\"application/x-javascript\"><![CDATA[go(1 < 2);]]></script>"
      "</event></field><variables><script name='lib'>function f() {}</script></variables>"
      "<scriptObject/></subform></template></xdp:xdp>";
  const auto scripts = ExtractXfaScripts(xml, 16);
  REQUIRE(scripts.size() == 3);
  CHECK(scripts[0].text == "if (a < b && c) app.alert(\"x\");");
  CHECK(scripts[0].activity == "initialize");
  CHECK(scripts[0].automatic);
  CHECK(scripts[0].content_type == "application/x-javascript");
  CHECK(scripts[1].text == "go(1 < 2);");
  CHECK(scripts[1].activity == "click");
  CHECK_FALSE(scripts[1].automatic);
  CHECK(scripts[2].text == "function f() {}");
  CHECK(scripts[2].activity.empty());
  CHECK_FALSE(scripts[2].automatic);
}

TEST_CASE("broken XFA ends cleanly and the script count is bounded", "[pdf][xfa]") {
  CHECK(ExtractXfaScripts("<event activity='docReady'><script>unterminated &#x41;&#65;", 4).front().text ==
        "unterminated AA");
  std::string many;
  for (int i = 0; i < 100; ++i) many += "<script>x</script>";
  CHECK(ExtractXfaScripts(many, 10).size() == 10);
  CHECK(ExtractXfaScripts("<script", 10).empty());
  CHECK(ExtractXfaScripts("&#99999999999;<script>&#xFFFFFFFFF;</script>", 10).front().text == "&#xFFFFFFFFF;");
}

}  // namespace
}  // namespace kensa::pdf
