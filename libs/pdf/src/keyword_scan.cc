#include "kensa/pdf/keyword_scan.h"

#include <string>

namespace kensa::pdf {
namespace {

// A keyword is short; a longer token cannot match one and is only followed to its end.
constexpr std::size_t kMaxTokenBytes = 64;

bool IsWordByte(std::uint8_t byte) {
  return (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') || (byte >= '0' && byte <= '9');
}

int HexValue(std::uint8_t byte) {
  if (byte >= '0' && byte <= '9') return byte - '0';
  if (byte >= 'a' && byte <= 'f') return byte - 'a' + 10;
  if (byte >= 'A' && byte <= 'F') return byte - 'A' + 10;
  return -1;
}

}  // namespace

const KeywordTally* KeywordScan::Find(std::string_view keyword) const {
  for (std::size_t i = 0; i < kRawKeywords.size(); ++i) {
    if (kRawKeywords[i] == keyword) return &tallies_[i];
  }
  return nullptr;
}

std::uint32_t KeywordScan::Count(std::string_view keyword) const {
  const auto* tally = Find(keyword);
  return tally == nullptr ? 0 : tally->count;
}

std::uint32_t KeywordScan::HexEscaped(std::string_view keyword) const {
  const auto* tally = Find(keyword);
  return tally == nullptr ? 0 : tally->hex_escaped;
}

std::uint32_t KeywordScan::CountStructural(std::string_view keyword) const {
  const auto* tally = Find(keyword);
  return tally == nullptr ? 0 : tally->structural;
}

KeywordScan ScanKeywords(ByteSpan data) {
  KeywordScan scan;
  std::string token;  // "/" + decoded name, or a bare word
  bool token_is_name = false;
  bool token_hex_escaped = false;
  bool token_too_long = false;
  // Where the token started: inside stream data, a comment or a string literal.
  bool token_structural = true;
  bool inside_stream = false;
  bool inside_comment = false;
  std::size_t string_depth = 0;  // nesting of "(" in a string literal (PDF 32000-1 7.3.4.2)

  const auto finish_token = [&] {
    if (token_is_name && token_hex_escaped) ++scan.hex_escaped_names_;
    if (!token_too_long && token.size() > (token_is_name ? 1u : 0u)) {
      for (std::size_t i = 0; i < kRawKeywords.size(); ++i) {
        if (kRawKeywords[i] != token) continue;
        auto& tally = scan.tallies_[i];
        ++tally.count;
        if (token_hex_escaped) ++tally.hex_escaped;
        if (token_structural) ++tally.structural;
        break;
      }
      // pdfid's stream tracking: the keywords, wherever they stand outside comments and strings.
      if (token == "stream" && token_structural) inside_stream = true;
      if (token == "endstream" && !inside_comment && string_depth == 0) inside_stream = false;
    }
    token.clear();
    token_is_name = false;
    token_hex_escaped = false;
    token_too_long = false;
  };

  const auto append = [&](char c) {
    if (token.empty()) token_structural = !inside_stream && !inside_comment && string_depth == 0;
    if (token.size() < kMaxTokenBytes) {
      token.push_back(c);
    } else {
      token_too_long = true;
    }
  };

  bool escape_pending = false;   // a backslash in a string literal: the next byte is literal
  for (std::size_t i = 0; i < data.size(); ++i) {
    const std::uint8_t byte = data[i];
    const bool escaped = escape_pending;
    escape_pending = false;
    if (IsWordByte(byte)) {
      append(static_cast<char>(byte));
      continue;
    }
    // PDF 32000-1 7.3.5: inside a name, '#' and two hex digits stand for one byte.
    if (byte == '#' && token_is_name && i + 2 < data.size()) {
      const int high = HexValue(data[i + 1]);
      const int low = HexValue(data[i + 2]);
      if (high >= 0 && low >= 0) {
        append(static_cast<char>(high * 16 + low));
        token_hex_escaped = true;
        i += 2;
        continue;
      }
    }
    finish_token();
    // Comments and strings only decide whether a keyword counts as structural; tokens are
    // formed everywhere, as pdfid forms them, so the counts stay comparable with pdfid's.
    if (!inside_stream) {
      if (inside_comment) {
        if (byte == '\r' || byte == '\n') inside_comment = false;
      } else if (string_depth > 0) {
        if (escaped) {
          // a literal byte
        } else if (byte == '\\') {
          escape_pending = true;
        } else if (byte == '(') {
          ++string_depth;
        } else if (byte == ')') {
          --string_depth;
        }
      } else if (byte == '%') {
        inside_comment = true;
      } else if (byte == '(') {
        string_depth = 1;
      }
    }
    if (byte == '/') {
      append('/');
      token_is_name = true;
    }
  }
  finish_token();
  return scan;
}

}  // namespace kensa::pdf
