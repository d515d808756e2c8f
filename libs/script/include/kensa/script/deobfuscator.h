#pragma once
// De-obfuscation of the layers malicious scripts and command lines wrap their code in, without
// running anything: PowerShell (-EncodedCommand, FromBase64String, Deflate/GZip streams, [char]
// codes, concatenation, -f, -replace, -join, reversal, Invoke-Expression wrappers), VBScript
// (Chr/ChrW, &, StrReverse, Replace, Execute/Eval), JScript (String.fromCharCode, unescape,
// split/join, eval), batch (caret escapes, set variables and %var:~x,y% substrings), HTA/WSF
// script blocks and Script Encoder (VBE/JSE) blocks.
//
//   kensa::script::Deobfuscation d = kensa::script::Deobfuscate(text, Language::kPowerShell);
//   d.texts[0].text   // the script after in-place rewrites
//   d.texts[1...]     // texts decoded out of it (an -EncodedCommand, a compressed payload...)
//   d.layers          // each step, with an excerpt of what it produced
//
// Rewrites only ever fold literals: an expression whose operands are all literal strings or
// numbers becomes the literal it evaluates to; anything that depends on run time stays as it is.
// Every text is rewritten to a fixed point within bounded rounds, sizes and time.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/core/bytes.h"

namespace kensa::script {

enum class Language {
  kPowerShell,
  kVbScript,
  kJScript,
  kBatch,
  // HTML applications and Windows Script Files: markup whose <script> blocks hold the code.
  kHtml,
  // A process command line (an LNK target and arguments): cmd syntax around other languages.
  kCommandLine,
  // Unix shell scripts (sh, bash): droppers and backdoors of Linux servers.
  kShell,
};

// "powershell", "vbscript", "jscript", "batch", "html", "command_line", "shell".
std::string_view LanguageName(Language language);

// The language for a kensa::identify script tag ("powershell", "vbscript", "jscript", "batch",
// "hta", "wsf", "vbe"); nullopt for tags that are not de-obfuscated here ("shell").
std::optional<Language> LanguageForTag(std::string_view tag);

struct DeobfuscationLimits {
  // Bytes of one text worked on; a longer sample is cut (its head holds the loader).
  std::size_t max_text_bytes = 8u << 20;
  // Bytes of all texts together.
  std::size_t max_total_bytes = 32u << 20;
  // Rewriting rounds per text; real samples reach a fixed point in fewer than ten.
  std::size_t max_rounds = 32;
  // Texts decoded out of others (encoded commands, payloads, script blocks).
  std::size_t max_texts = 64;
  // Decoding depth: a payload inside a payload inside ... the sample.
  std::size_t max_depth = 8;
  // Bytes one inflate or gunzip may produce.
  std::size_t max_decompressed_bytes = 16u << 20;
  // Binary payloads kept (base64 or hex literals that decode to a PE...).
  std::size_t max_blobs = 16;
  // Wall-clock budget for the whole de-obfuscation.
  std::chrono::milliseconds deadline{10000};
};

struct DecodedText {
  Language language;
  std::string text;
  // The text this one was decoded from (its index in Deobfuscation::texts); 0 for texts[0].
  std::size_t parent = 0;
  // The layer kind that produced it ("encoded_command", "deflate"...); "" for texts[0].
  std::string origin;
};

struct Layer {
  // "encoded_command", "base64", "deflate", "gzip", "script_encoder", "script_block",
  // "embedded_command", "char_codes", "concatenation", "format_operator", "replace", "reverse",
  // "join", "indexing", "invoke_expression", "eval", "escapes", "variables", "url_unescape",
  // "caret_escapes", "batch_variables".
  std::string kind;
  Language language;
  // Places changed in one pass.
  std::size_t count = 0;
  // Bytes of the text after the step (for a decoded text: of the new text).
  std::size_t size = 0;
  // The longest piece the step produced, at most 512 bytes of UTF-8.
  std::string excerpt;
  // The text worked on (index into Deobfuscation::texts; for decodes, the new text).
  std::size_t text_index = 0;
};

// Binary data a literal decoded to (a PE in a base64 string): a file for the pipeline.
struct DecodedBlob {
  // "base64", "hex", "deflate", "gzip".
  std::string kind;
  Bytes data;
  std::size_t text_index = 0;
};

struct Deobfuscation {
  std::vector<DecodedText> texts;
  std::vector<Layer> layers;
  std::vector<DecodedBlob> blobs;
  // "" when every text reached a fixed point; else "max_rounds", "max_text_bytes",
  // "max_total_bytes", "max_texts", "max_depth", "deadline".
  std::string limit_reached;
};

// De-obfuscates UTF-8 `text` written in `language`. Never fails; hostile input only stops early
// (limit_reached says why).
Deobfuscation Deobfuscate(std::string_view text, Language language, const DeobfuscationLimits& limits = {});

// A script file's bytes as UTF-8: UTF-16LE/BE with BOM (or without, when every other byte of the
// head is zero), UTF-8 with or without BOM, else CP932 when it decodes (a Japanese author), else
// Windows-1252. At most `max_bytes` of input are read.
std::string DecodeScriptBytes(ByteSpan data, std::size_t max_bytes);

}  // namespace kensa::script
