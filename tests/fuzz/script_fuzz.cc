// libFuzzer target: kensa::script's de-obfuscator and behaviour finder over arbitrary text. The
// first byte picks the language (PowerShell, VBScript, JScript, batch, HTML, command line,
// shell); the
// rest is read as a script file. Seeds (scripts/fuzz, lnk_script_fuzz_seeds.py): InQuest's
// PowerShell/VBScript droppers and hand-written samples of every layer, each behind its byte.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>

#include "kensa/analysis/v1/script.pb.h"
#include "kensa/script/behaviour.h"
#include "kensa/script/deobfuscator.h"
#include "kensa/script/script_encoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  using kensa::script::Language;
  constexpr Language kLanguages[] = {Language::kPowerShell, Language::kVbScript, Language::kJScript,
                                     Language::kBatch,      Language::kHtml,     Language::kCommandLine,
                                     Language::kShell};
  const Language language = kLanguages[data[0] % std::size(kLanguages)];
  constexpr std::size_t kMaxText = 256 * 1024;  // keeps each run short
  const std::string text = kensa::script::DecodeScriptBytes(kensa::ByteSpan(data + 1, size - 1), kMaxText);

  kensa::script::DeobfuscationLimits limits;
  limits.max_text_bytes = kMaxText;
  limits.max_total_bytes = 4 * kMaxText;
  limits.max_texts = 16;
  limits.max_rounds = 8;
  limits.max_decompressed_bytes = 1u << 20;
  limits.deadline = std::chrono::milliseconds(3000);
  const auto d = kensa::script::Deobfuscate(text, language, limits);
  if (d.texts.empty() || d.texts.size() > limits.max_texts) __builtin_trap();
  std::size_t total = 0;
  kensa::analysis::v1::ScriptInfo info;
  for (const auto& decoded : d.texts) {
    if (decoded.text.size() > limits.max_text_bytes) __builtin_trap();
    total += decoded.text.size();
    info.set_deobfuscated(decoded.text);
    std::string wire;
    kensa::analysis::v1::ScriptInfo back;
    // Decoded text goes into protos: it must be valid UTF-8.
    if (!info.SerializeToString(&wire) || !back.ParseFromString(wire)) __builtin_trap();
  }
  if (total > limits.max_total_bytes + limits.max_text_bytes) __builtin_trap();
  for (const auto& layer : d.layers) {
    auto* out = info.add_layers();
    out->set_kind(layer.kind);
    out->set_excerpt(layer.excerpt);
  }
  for (const auto& finding : kensa::script::FindBehaviour(d, text)) {
    auto* out = info.add_findings();
    out->set_text(finding.line);
  }
  std::string wire;
  kensa::analysis::v1::ScriptInfo back;
  if (!info.SerializeToString(&wire) || !back.ParseFromString(wire)) __builtin_trap();
  (void)kensa::script::DecodeScriptEncoderBlock(text, 0, kMaxText);
  return 0;
}
