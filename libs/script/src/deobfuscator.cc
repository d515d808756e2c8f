#include "kensa/script/deobfuscator.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <map>
#include <unordered_set>

#include "command_line.h"
#include "folder.h"
#include "kensa/identify/script_classifier.h"
#include "kensa/script/script_encoder.h"
#include "kensa/strings/string_extractor.h"
#include "text_util.h"

namespace kensa::script {
namespace {

using internal::Extracted;

constexpr std::size_t kExcerptBytes = 512;
constexpr std::size_t kMaxEncoderBlocks = 64;       // Script Encoder blocks decoded per text
constexpr std::size_t kMaxExtractedPerText = 64;    // decoded texts taken from one text
constexpr std::size_t kMinPayloadLiteral = 256;     // shorter base64/hex literals are not files

// Windows-1252's 0x80-0x9F row; the rest is Latin-1. 0 marks unassigned bytes.
constexpr std::array<std::uint16_t, 32> kCp1252High = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

std::string Cp1252ToUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (char c : bytes) {
    const auto byte = static_cast<std::uint8_t>(c);
    if (byte >= 0x80 && byte < 0xA0) {
      const std::uint16_t mapped = kCp1252High[byte - 0x80];
      AppendUtf8(out, mapped == 0 ? 0xFFFDu : mapped);
    } else if (byte == 0) {
      out += "\xEF\xBF\xBD";
    } else {
      AppendUtf8(out, byte);
    }
  }
  return out;
}

bool IsValidUtf8(std::string_view text) { return internal::SanitizeUtf8(text) == text; }

// The language kensa::identify sees in a decoded text, when it sees one.
std::optional<Language> GuessLanguage(std::string_view text) {
  const auto type = identify::ClassifyText(ByteSpan(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  if (type.format() != "script" || type.tags().empty()) return std::nullopt;
  return LanguageForTag(type.tags(0));
}

// `echo <base64> | base64 -d | sh` and `base64 --decode <<< <base64>`: the text such a line
// decodes to, as a shell text of its own (kind "base64").
void FindShellBase64(std::string_view text, std::vector<Extracted>* found) {
  constexpr std::size_t kMinBase64Chars = 16;
  std::size_t start = 0;
  while (start < text.size() && found->size() < kMaxExtractedPerText) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    const bool decodes = line.find("base64 -d") != std::string_view::npos ||
                         line.find("base64 --decode") != std::string_view::npos ||
                         line.find("base64 -D") != std::string_view::npos;
    if (!decodes) continue;
    // The longest run of base64 characters on the line is the payload.
    std::string_view best;
    for (std::size_t at = 0; at < line.size();) {
      std::size_t stop = at;
      while (stop < line.size() && (std::isalnum(static_cast<unsigned char>(line[stop])) || line[stop] == '+' ||
                                    line[stop] == '/' || line[stop] == '=')) {
        ++stop;
      }
      if (stop - at > best.size()) best = line.substr(at, stop - at);
      at = stop == at ? at + 1 : stop;
    }
    if (best.size() < kMinBase64Chars) continue;
    auto bytes = internal::DecodeBase64(best, kMinBase64Chars);
    if (!bytes) continue;
    auto decoded = internal::BytesAsText(*bytes);
    if (decoded) found->push_back({Language::kShell, std::move(*decoded), "base64"});
  }
}

class Engine {
 public:
  explicit Engine(const DeobfuscationLimits& limits)
      : limits_(limits), started_(std::chrono::steady_clock::now()) {}

  Deobfuscation Run(std::string_view text, Language language) {
    std::string first = internal::Utf8Prefix(text, limits_.max_text_bytes);
    if (first.size() < text.size()) SetLimit("max_text_bytes");
    result_.texts.push_back({language, std::move(first), 0, ""});
    depths_.push_back(0);
    total_bytes_ = result_.texts[0].text.size();
    seen_.insert(Key(language, result_.texts[0].text));
    for (std::size_t i = 0; i < result_.texts.size(); ++i) {
      if (Expired()) {
        SetLimit("deadline");
        break;
      }
      Process(i);
    }
    return std::move(result_);
  }

 private:
  bool Expired() const { return std::chrono::steady_clock::now() - started_ > limits_.deadline; }

  void SetLimit(const std::string& reason) {
    if (result_.limit_reached.empty()) result_.limit_reached = reason;
  }

  static std::size_t Key(Language language, std::string_view text) {
    return std::hash<std::string_view>{}(text) * 31 + static_cast<std::size_t>(language);
  }

  // One Layer per (text, kind): counts add up over the rounds, the longest excerpt stays.
  void RecordLayer(std::size_t text_index, const std::string& kind, Language language, std::size_t count,
                   std::size_t size, std::string_view excerpt) {
    const auto key = std::make_pair(text_index, kind);
    auto it = layer_index_.find(key);
    if (it == layer_index_.end()) {
      Layer layer;
      layer.kind = kind;
      layer.language = language;
      layer.text_index = text_index;
      layer_index_[key] = result_.layers.size();
      result_.layers.push_back(std::move(layer));
      it = layer_index_.find(key);
    }
    Layer& layer = result_.layers[it->second];
    layer.count += count;
    layer.size = size;
    layer.language = language;
    if (excerpt.size() > layer.excerpt.size()) layer.excerpt = internal::Utf8Prefix(excerpt, kExcerptBytes);
  }

  // Adds a text decoded out of `parent`; false when it was seen before or a limit stops it.
  bool AddText(Language language, std::string text, std::size_t parent, const std::string& kind) {
    if (text.empty()) return false;
    const std::size_t key = Key(language, text);
    if (seen_.count(key) != 0) return false;
    if (depths_[parent] + 1 > limits_.max_depth) {
      SetLimit("max_depth");
      return false;
    }
    if (result_.texts.size() >= limits_.max_texts) {
      SetLimit("max_texts");
      return false;
    }
    if (text.size() > limits_.max_text_bytes) {
      text = internal::Utf8Prefix(text, limits_.max_text_bytes);
      SetLimit("max_text_bytes");
    }
    if (total_bytes_ + text.size() > limits_.max_total_bytes) {
      SetLimit("max_total_bytes");
      return false;
    }
    seen_.insert(key);
    total_bytes_ += text.size();
    const std::size_t index = result_.texts.size();
    RecordLayer(index, kind, language, 1, text.size(), text);
    result_.texts.push_back({language, std::move(text), parent, kind});
    depths_.push_back(depths_[parent] + 1);
    return true;
  }

  void AddBlob(const std::string& kind, Bytes data, std::size_t text_index) {
    const std::size_t key = std::hash<std::string_view>{}(
        std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
    if (!blob_keys_.insert(key).second) return;
    if (result_.blobs.size() >= limits_.max_blobs) return;
    result_.blobs.push_back({kind, std::move(data), text_index});
  }

  // Script Encoder blocks replaced by their decoded text, in place.
  std::size_t DecodeEncoderBlocks(std::string* text, std::string* longest) {
    if (text->find("#@~^") == std::string::npos) return 0;
    std::string out;
    std::size_t from = 0;
    std::size_t count = 0;
    while (count < kMaxEncoderBlocks) {
      auto block = DecodeScriptEncoderBlock(*text, from, limits_.max_text_bytes);
      if (!block) break;
      out.append(*text, from, block->begin - from);
      const std::string decoded = internal::SanitizeUtf8(block->decoded);
      out += decoded;
      if (decoded.size() > longest->size()) *longest = decoded;
      from = block->end;
      ++count;
    }
    if (count == 0) return 0;
    out.append(*text, from, std::string::npos);
    *text = std::move(out);
    return count;
  }

  void Process(std::size_t index) {
    Language language = result_.texts[index].language;
    std::string text = result_.texts[index].text;
    if (language == Language::kHtml) {
      std::vector<Extracted> blocks;
      internal::FindScriptBlocks(text, kMaxExtractedPerText, limits_.max_text_bytes, &blocks);
      for (auto& block : blocks) AddText(block.language, internal::SanitizeUtf8(block.text), index, block.kind);
      return;
    }

    std::string decoded_block;
    if (const std::size_t blocks = DecodeEncoderBlocks(&text, &decoded_block); blocks > 0) {
      // A .jse decodes to JScript: the file's tag ("vbe") cannot say which.
      if (auto guessed = GuessLanguage(decoded_block); guessed && (*guessed == Language::kJScript || *guessed == Language::kVbScript)) {
        if (language == Language::kVbScript || language == Language::kJScript) language = *guessed;
      }
      result_.texts[index].language = language;
      RecordLayer(index, "script_encoder", language, blocks, text.size(), decoded_block);
    }

    std::vector<Bytes> decoded_bytes;
    std::vector<std::string> literals;
    bool fixed_point = false;
    for (std::size_t round = 0; round < limits_.max_rounds; ++round) {
      if (Expired()) {
        SetLimit("deadline");
        break;
      }
      bool changed = false;
      auto apply = [&](const std::string& kind, std::size_t count, std::string& next, std::string_view excerpt) {
        if (count == 0 || next == text) return;
        if (next.size() > limits_.max_text_bytes) {
          SetLimit("max_text_bytes");
          return;
        }
        text = std::move(next);
        changed = true;
        RecordLayer(index, kind, language, count, text.size(), excerpt);
      };
      std::string next;
      switch (language) {
        case Language::kPowerShell:
        case Language::kVbScript:
        case Language::kJScript: {
          if (language == Language::kPowerShell) {
            const std::size_t ticks = internal::RemovePowerShellTicks(text, &next);
            apply("escapes", ticks, next, "");
          }
          next.clear();
          // When no constant was replaced, the folder takes the tokens PropagateConstants made of
          // this very text: lexing a large script twice a round was a third of the time.
          std::vector<internal::Token> tokens;
          const std::size_t constants =
              internal::PropagateConstants(text, language, limits_.max_text_bytes, &next, &tokens);
          apply("variables", constants, next, "");
          internal::FoldLimits fold_limits;
          fold_limits.max_literal_bytes = limits_.max_text_bytes;
          internal::FoldResult folded =
              constants == 0 ? internal::Fold(std::move(tokens), language, fold_limits)
                             : internal::Fold(text, language, fold_limits);
          for (auto& bytes : folded.decoded_bytes) decoded_bytes.push_back(std::move(bytes));
          // The literals of the latest fold are those of the text as it ends up.
          literals = std::move(folded.literals);
          if (folded.text != text && folded.text.size() <= limits_.max_text_bytes) {
            text = std::move(folded.text);
            changed = true;
            for (const auto& [kind, stat] : folded.kinds) {
              RecordLayer(index, kind, language, stat.count, text.size(), stat.excerpt);
            }
          } else if (folded.text.size() > limits_.max_text_bytes) {
            SetLimit("max_text_bytes");
          }
          break;
        }
        case Language::kShell:
          break;  // its layers are decoded texts (base64 -d), found by Extract
        default: {
          const std::size_t carets = internal::RemoveCarets(text, &next);
          apply("caret_escapes", carets, next, "");
          next.clear();
          const std::size_t expansions = internal::ExpandBatchVariables(text, limits_.max_text_bytes, &next);
          apply("batch_variables", expansions, next, "");
          break;
        }
      }
      if (!changed) {
        fixed_point = true;
        break;
      }
    }
    if (!fixed_point && !Expired()) SetLimit("max_rounds");
    result_.texts[index].text = text;
    Extract(index, language, text, decoded_bytes, literals);
  }

  void Extract(std::size_t index, Language language, const std::string& text, std::vector<Bytes>& decoded_bytes,
               std::vector<std::string>& literals) {
    std::vector<Extracted> found;
    if (language == Language::kShell) FindShellBase64(text, &found);
    internal::FindEncodedCommands(text, kMaxExtractedPerText, &found);
    const bool command_language = language == Language::kBatch || language == Language::kCommandLine;
    if (command_language || language == Language::kPowerShell) {
      internal::FindEmbeddedCommands(text, kMaxExtractedPerText, &found);
    }
    std::unordered_set<std::string_view> scanned;
    for (const auto& literal : literals) {
      if (found.size() >= kMaxExtractedPerText) break;
      if (!scanned.insert(literal).second) continue;
      internal::FindEncodedCommands(literal, kMaxExtractedPerText - found.size(), &found);
      internal::FindEmbeddedCommands(literal, kMaxExtractedPerText - found.size(), &found);
      if (internal::FindIgnoreCase(literal, "<script") != std::string::npos) {
        internal::FindScriptBlocks(literal, kMaxExtractedPerText - found.size(), limits_.max_text_bytes, &found);
      }
      if (literal.size() >= kMinPayloadLiteral) FindPayloadLiteral(literal, index);
    }
    for (auto& item : found) AddText(item.language, internal::SanitizeUtf8(item.text), index, item.kind);

    std::unordered_set<std::size_t> seen_bytes;
    const bool mentions_deflate = internal::FindIgnoreCase(text, "deflatestream") != std::string::npos;
    for (const auto& bytes : decoded_bytes) {
      const std::size_t key = std::hash<std::string_view>{}(
          std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
      if (!seen_bytes.insert(key).second) continue;
      DecodePayload(bytes, index, mentions_deflate);
    }
  }

  // Bytes a literal decoded to: compressed code becomes a text, an executable a blob.
  void DecodePayload(const Bytes& bytes, std::size_t index, bool mentions_deflate) {
    auto add_code = [&](const Bytes& data, const std::string& kind) {
      auto text = internal::BytesAsText(data);
      if (text) {
        const Language language = GuessLanguage(*text).value_or(Language::kPowerShell);
        AddText(language == Language::kHtml ? Language::kPowerShell : language, std::move(*text), index, kind);
      } else if (data.size() >= 2 && data[0] == 'M' && data[1] == 'Z') {
        AddBlob(kind, data, index);
      }
    };
    if (auto gunzipped = internal::Gunzip(bytes, limits_.max_decompressed_bytes)) {
      add_code(*gunzipped, "gzip");
      return;
    }
    if (mentions_deflate) {
      if (auto inflated = internal::InflateRaw(bytes, limits_.max_decompressed_bytes)) {
        add_code(*inflated, "deflate");
        return;
      }
    }
    if (bytes.size() >= 2 && bytes[0] == 'M' && bytes[1] == 'Z') AddBlob("base64", bytes, index);
  }

  // A long literal that is an executable in base64 (forwards or reversed) or hex.
  void FindPayloadLiteral(const std::string& literal, std::size_t index) {
    auto is_pe = [](const Bytes& b) { return b.size() >= 64 && b[0] == 'M' && b[1] == 'Z'; };
    if (literal.starts_with("TVq") || literal.starts_with("TVo") || literal.starts_with("TVp")) {
      if (auto bytes = internal::DecodeBase64(literal); bytes && is_pe(*bytes)) AddBlob("base64", std::move(*bytes), index);
    } else if (literal.ends_with("qVT") || literal.ends_with("oVT") || literal.ends_with("pVT")) {
      std::string reversed(literal.rbegin(), literal.rend());
      if (auto bytes = internal::DecodeBase64(reversed); bytes && is_pe(*bytes)) AddBlob("base64", std::move(*bytes), index);
    } else if (internal::StartsWithIgnoreCase(literal, "4d5a")) {
      if (auto bytes = internal::DecodeHexString(literal); bytes && is_pe(*bytes)) AddBlob("hex", std::move(*bytes), index);
    }
  }

  const DeobfuscationLimits& limits_;
  std::chrono::steady_clock::time_point started_;
  Deobfuscation result_;
  std::vector<std::size_t> depths_;
  std::unordered_set<std::size_t> seen_;
  std::unordered_set<std::size_t> blob_keys_;
  std::map<std::pair<std::size_t, std::string>, std::size_t> layer_index_;
  std::size_t total_bytes_ = 0;
};

}  // namespace

std::string_view LanguageName(Language language) {
  switch (language) {
    case Language::kPowerShell: return "powershell";
    case Language::kVbScript: return "vbscript";
    case Language::kJScript: return "jscript";
    case Language::kBatch: return "batch";
    case Language::kHtml: return "html";
    case Language::kCommandLine: return "command_line";
    case Language::kShell: return "shell";
  }
  return "unknown";
}

std::optional<Language> LanguageForTag(std::string_view tag) {
  if (tag == "powershell") return Language::kPowerShell;
  if (tag == "vbscript" || tag == "vbe") return Language::kVbScript;
  if (tag == "jscript") return Language::kJScript;
  if (tag == "batch") return Language::kBatch;
  if (tag == "hta" || tag == "wsf") return Language::kHtml;
  if (tag == "shell") return Language::kShell;
  return std::nullopt;
}

Deobfuscation Deobfuscate(std::string_view text, Language language, const DeobfuscationLimits& limits) {
  return Engine(limits).Run(text, language);
}

std::string DecodeScriptBytes(ByteSpan data, std::size_t max_bytes) {
  data = SubSpan(data, 0, max_bytes);
  if (data.size() >= 2 && data[0] == 0xFF && data[1] == 0xFE) {
    return internal::SanitizeUtf8(ReadUtf16Le(data, 2, (data.size() - 2) / 2));
  }
  if (data.size() >= 2 && data[0] == 0xFE && data[1] == 0xFF) {
    Bytes swapped(data.begin() + 2, data.end());
    for (std::size_t i = 0; i + 1 < swapped.size(); i += 2) std::swap(swapped[i], swapped[i + 1]);
    return internal::SanitizeUtf8(ReadUtf16Le(swapped, 0, swapped.size() / 2));
  }
  if (data.size() >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF) data = data.subspan(3);
  // UTF-16LE without a BOM: the high bytes of ASCII text are zero.
  const std::size_t probe = std::min<std::size_t>(data.size(), 1024);
  std::size_t odd_zeros = 0;
  for (std::size_t i = 1; i < probe; i += 2) odd_zeros += data[i] == 0 ? 1u : 0u;
  if (probe >= 16 && odd_zeros * 2 * 10 >= probe * 9) {
    return internal::SanitizeUtf8(ReadUtf16Le(data, 0, data.size() / 2));
  }
  const std::string_view raw(reinterpret_cast<const char*>(data.data()), data.size());
  if (IsValidUtf8(raw)) return std::string(raw);
  std::string cp932 = strings::Cp932ToUtf8(raw);
  if (cp932.find("\xEF\xBF\xBD") == std::string::npos) return cp932;
  return Cp1252ToUtf8(raw);
}

}  // namespace kensa::script
