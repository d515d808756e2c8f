#include "kensa/identify/script_classifier.h"

#include <array>
#include <string>
#include <string_view>

namespace kensa::identify {
namespace {

using sample::v1::FileType;

constexpr std::size_t kTextSampleBytes = 64 * 1024;  // enough to judge; scripts state intent early

// Turns the head of the file into lower-case single-byte text: UTF-16LE (with BOM) is narrowed,
// UTF-8 BOM skipped. Returns false when the bytes are not text (NULs, many control bytes).
bool LowerTextHead(ByteSpan data, std::string* out) {
  ByteSpan head = SubSpan(data, 0, kTextSampleBytes);
  std::string text;
  if (HasBytesAt(head, 0, "\xFF\xFE")) {
    for (std::size_t i = 2; i + 1 < head.size(); i += 2) {
      text.push_back(head[i + 1] == 0 ? static_cast<char>(head[i]) : '?');
    }
  } else {
    if (HasBytesAt(head, 0, "\xEF\xBB\xBF")) head = head.subspan(3);
    text.assign(reinterpret_cast<const char*>(head.data()), head.size());
  }
  std::size_t control = 0;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == 0) return false;
    if (byte < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && byte != 0x1A) ++control;
  }
  // Tolerate a few stray control bytes (old editors, obfuscation) but not binary data.
  if (text.empty() || control * 100 > text.size()) return false;
  *out = AsciiLower(text);
  return true;
}

std::size_t Count(std::string_view text, std::string_view needle) {
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

struct Language {
  const char* tag;
  const char* description;
  const char* extension;
  const char* mime;
  // Constructs characteristic of the language; each occurrence adds its weight.
  std::array<std::pair<std::string_view, int>, 12> markers;
};

// Weights favour constructs that only one language has (e.g. "$env:" for PowerShell,
// "wscript.createobject" for VBScript/JScript shared, "end sub" for VBScript).
const std::array<Language, 5>& Languages() {
  static const std::array<Language, 5> kLanguages = {{
      {"powershell", "PowerShell script", "ps1", "text/x-powershell",
       {{{"$env:", 3}, {"invoke-expression", 4}, {"iex ", 2}, {"new-object ", 3}, {"-encodedcommand", 4},
         {"[system.", 3}, {"write-host", 3}, {"param(", 2}, {"get-", 1}, {"downloadstring(", 3},
         {"-bxor", 3}, {"[convert]::", 4}}}},
      {"vbscript", "VBScript", "vbs", "text/vbscript",
       {{{"dim ", 2}, {"end sub", 4}, {"end function", 4}, {"set ", 1}, {"createobject(", 3},
         {"wscript.", 2}, {"on error resume next", 5}, {"chr(", 2}, {"msgbox", 2}, {"sub ", 1},
         {"& vbcrlf", 3}, {"execute(", 2}}}},
      {"jscript", "JScript / JavaScript", "js", "text/javascript",
       {{{"var ", 2}, {"function(", 2}, {"function ", 1}, {"new activexobject(", 5}, {"wscript.", 1},
         {"});", 2}, {"eval(", 2}, {"string.fromcharcode", 4}, {"let ", 1}, {"const ", 1},
         {"===", 3}, {"document.", 1}}}},
      {"batch", "Windows batch script", "bat", "text/x-msdos-batch",
       {{{"@echo off", 6}, {"%~dp0", 5}, {"goto :", 3}, {"set /a", 4}, {"set /p", 4}, {"rem ", 1},
         {"if exist ", 3}, {"%errorlevel%", 4}, {"start \"\"", 3}, {"cmd /c", 2}, {"setlocal", 4},
         {"exit /b", 4}}}},
      {"shell", "Unix shell script", "sh", "text/x-shellscript",
       {{{"#!/bin/sh", 8}, {"#!/bin/bash", 8}, {"#!/usr/bin/env bash", 8}, {"fi\n", 2}, {"; then", 3},
         {"done\n", 2}, {"chmod +x", 3}, {"/dev/null", 2}, {"wget ", 1}, {"curl ", 1}, {"esac", 3},
         {"$(", 1}}}},
  }};
  return kLanguages;
}

FileType Make(const char* format, const char* description, const char* extension, const char* mime) {
  FileType type;
  type.set_format(format);
  type.set_description(description);
  type.set_extension(extension);
  type.set_mime_type(mime);
  return type;
}

FileType Script(const char* tag, const char* description, const char* extension, const char* mime) {
  FileType type = Make("script", description, extension, mime);
  type.add_tags(tag);
  return type;
}

}  // namespace

FileType ClassifyText(ByteSpan data) {
  // Script Encoder output (VBE/JSE) starts with "#@~^" and is otherwise opaque.
  if (HasBytesAt(data, 0, "#@~^")) {
    return Script("vbe", "Encoded VBScript/JScript (Script Encoder)", "vbe", "text/vbscript");
  }
  std::string text;
  if (!LowerTextHead(data, &text)) {
    return Make("unknown", "data", "bin", "application/octet-stream");
  }
  if (text.find("#@~^") != std::string::npos) {
    return Script("vbe", "Encoded VBScript/JScript (Script Encoder)", "vbe", "text/vbscript");
  }
  if (text.find("<hta:application") != std::string::npos ||
      (text.find("<script") != std::string::npos && text.find("language=\"vbscript\"") != std::string::npos)) {
    return Script("hta", "HTML Application (HTA)", "hta", "application/hta");
  }
  if (text.starts_with("[internetshortcut]") || text.find("\n[internetshortcut]") != std::string::npos) {
    return Make("url_shortcut", "Internet shortcut (.url)", "url", "application/x-mswinurl");
  }
  if (text.find("<?xml") != std::string::npos && text.find("<job") != std::string::npos &&
      text.find("<script") != std::string::npos) {
    return Script("wsf", "Windows Script File", "wsf", "text/xml");
  }
  const bool mail_headers = (text.starts_with("received:") || text.starts_with("return-path:") ||
                             text.starts_with("from:") || text.starts_with("message-id:") ||
                             text.starts_with("delivered-to:")) &&
                            text.find("\nsubject:") != std::string::npos;
  if (mail_headers || (text.find("mime-version:") != std::string::npos &&
                       text.find("\ncontent-type:") != std::string::npos &&
                       text.find("\nfrom:") != std::string::npos)) {
    return Make("eml", "E-mail message (RFC 5322)", "eml", "message/rfc822");
  }
  if (text.find("<html") != std::string::npos || text.starts_with("<!doctype html")) {
    FileType type = Make("html", "HTML document", "html", "text/html");
    if (text.find("<script") != std::string::npos) type.add_tags("script");
    return type;
  }

  const Language* best = nullptr;
  int best_score = 0;
  for (const Language& language : Languages()) {
    int score = 0;
    for (const auto& [marker, weight] : language.markers) {
      if (marker.empty()) continue;
      constexpr std::size_t kMaxCountedPerMarker = 10;  // one repeated word must not decide alone
      score += weight * static_cast<int>(std::min(Count(text, marker), kMaxCountedPerMarker));
    }
    if (score > best_score) {
      best_score = score;
      best = &language;
    }
  }
  // A score of 6 needs two distinctive constructs (or one very distinctive one).
  constexpr int kMinimumScriptScore = 6;
  if (best != nullptr && best_score >= kMinimumScriptScore) {
    return Script(best->tag, best->description, best->extension, best->mime);
  }
  return Make("text", "text", "txt", "text/plain");
}

}  // namespace kensa::identify
