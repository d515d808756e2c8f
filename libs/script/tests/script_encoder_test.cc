// The Script Encoder decoder against the published test vector (decode-vbe.py's manual,
// CyberChef's "Microsoft Script Decoder" test: MsgBox "Hello"), and against scripts encoded here
// by an encoder derived from the decoder itself: it reproduces the published vector byte for
// byte, so what it encodes is what screnc.exe writes.
#include <array>
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "kensa/script/script_encoder.h"
#include "script_encoder_support.h"

namespace kensa::script {
namespace {

using testing::EncodeScript;

// 23407E5E4467414141413D3D5C6B6F244B362C4A437F565E474A7141514141413D3D5E237E40
const std::string kPublishedMsgBox = "#@~^DgAAAA==\\ko$K6,JC\x7FV^GJqAQAAA==^#~@";

TEST_CASE("DecodeScriptEncoderBlock decodes the published MsgBox vector and checks its checksum") {
  auto block = DecodeScriptEncoderBlock(kPublishedMsgBox, 0, 1 << 20);
  REQUIRE(block.has_value());
  CHECK(block->decoded == "MsgBox \"Hello\"");
  CHECK(block->checksum_ok);
  CHECK(block->begin == 0);
  CHECK(block->end == kPublishedMsgBox.size());
}

TEST_CASE("The test encoder reproduces the published vector") {
  CHECK(EncodeScript("MsgBox \"Hello\"") == kPublishedMsgBox);
}

TEST_CASE("DecodeScriptEncoderBlock round-trips a script with line breaks, markup characters and @") {
  const std::string script =
      "Set s = CreateObject(\"WScript.Shell\")\r\n"
      "If 1 < 2 And 3 > 2 Then s.Run \"cmd /c echo a@b.example\", 0\r\n"
      "\tWScript.Sleep 1000\r\n";
  const std::string encoded = EncodeScript(script);
  CHECK(encoded.find("WScript") == std::string::npos);
  auto block = DecodeScriptEncoderBlock(encoded, 0, 1 << 20);
  REQUIRE(block.has_value());
  CHECK(block->decoded == script);
  CHECK(block->checksum_ok);
}

TEST_CASE("DecodeScriptEncoderBlock finds a block inside markup and reports where it ends") {
  const std::string html = "<script language=\"VBScript.Encode\">" + kPublishedMsgBox + "</script>";
  auto block = DecodeScriptEncoderBlock(html, 0, 1 << 20);
  REQUIRE(block.has_value());
  CHECK(block->begin == 35);
  CHECK(html.substr(block->end) == "</script>");
  CHECK(block->decoded == "MsgBox \"Hello\"");
}

TEST_CASE("DecodeScriptEncoderBlock falls back to the end marker when the length field lies") {
  std::string lying = kPublishedMsgBox;
  lying.replace(4, 6, "/////w");  // length 0xFFFFFF
  auto block = DecodeScriptEncoderBlock(lying, 0, 1 << 20);
  REQUIRE(block.has_value());
  CHECK(block->decoded == "MsgBox \"Hello\"");
}

TEST_CASE("DecodeScriptEncoderBlock decodes a block cut short up to the end and fails its checksum") {
  const std::string cut = kPublishedMsgBox.substr(0, 20);
  auto block = DecodeScriptEncoderBlock(cut, 0, 1 << 20);
  REQUIRE(block.has_value());
  CHECK_FALSE(block->checksum_ok);
  CHECK(block->end == cut.size());
  CHECK_FALSE(DecodeScriptEncoderBlock("no block here", 0, 100).has_value());
}

TEST_CASE("DecodeScriptEncoderBlock survives a length field that ends the data past the text (fuzzer find)") {
  // script_fuzz's crash input: the length (14) leaves no room for the checksum field.
  auto block = DecodeScriptEncoderBlock("#@~^DgAAAA==^#~@amsiinitfailed", 0, 1 << 20);
  REQUIRE(block.has_value());
  CHECK_FALSE(block->checksum_ok);
}

}  // namespace
}  // namespace kensa::script
