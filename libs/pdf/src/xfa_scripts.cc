#include "kensa/pdf/xfa_scripts.h"

#include <array>
#include <cstdint>

#include "kensa/core/bytes.h"

namespace kensa::pdf {
namespace {

// XFA 3.3 "Events": these fire while the form opens, lays out, recalculates or closes.
constexpr std::array<std::string_view, 10> kAutomaticActivities = {
    "initialize", "docready", "docclose", "ready", "layoutready", "calculate", "validate",
    "presave", "postsave", "formready"};
// An <event> opening tag further back than this does not enclose the script.
constexpr std::size_t kMaxEventLookBack = 4096;

std::string AttributeValue(std::string_view tag, std::string_view name) {
  for (std::size_t at = tag.find(name); at != std::string_view::npos; at = tag.find(name, at + 1)) {
    if (at > 0 && tag[at - 1] != ' ' && tag[at - 1] != '\t' && tag[at - 1] != '\n' && tag[at - 1] != '\r') {
      continue;
    }
    std::size_t i = at + name.size();
    while (i < tag.size() && (tag[i] == ' ' || tag[i] == '\t')) ++i;
    if (i >= tag.size() || tag[i] != '=') continue;
    ++i;
    while (i < tag.size() && (tag[i] == ' ' || tag[i] == '\t')) ++i;
    if (i >= tag.size() || (tag[i] != '"' && tag[i] != '\'')) continue;
    const char quote = tag[i];
    const std::size_t end = tag.find(quote, i + 1);
    if (end == std::string_view::npos) return {};
    return std::string(tag.substr(i + 1, end - i - 1));
  }
  return {};
}

// XML 1.0 4.6 predefined entities and character references.
std::string DecodeXmlText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i, 9) == "<![CDATA[") {
      const std::size_t end = text.find("]]>", i + 9);
      const std::size_t stop = end == std::string_view::npos ? text.size() : end;
      out.append(text.substr(i + 9, stop - i - 9));
      i = end == std::string_view::npos ? text.size() : end + 2;
      continue;
    }
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    const std::size_t semicolon = text.find(';', i);
    constexpr std::size_t kMaxEntity = 10;
    if (semicolon == std::string_view::npos || semicolon - i > kMaxEntity) {
      out.push_back('&');
      continue;
    }
    const std::string_view entity = text.substr(i + 1, semicolon - i - 1);
    if (entity == "lt") out.push_back('<');
    else if (entity == "gt") out.push_back('>');
    else if (entity == "amp") out.push_back('&');
    else if (entity == "quot") out.push_back('"');
    else if (entity == "apos") out.push_back('\'');
    else if (entity.size() > 1 && entity[0] == '#') {
      std::uint32_t code = 0;
      const bool hex = entity[1] == 'x' || entity[1] == 'X';
      bool valid = entity.size() > (hex ? 2u : 1u);
      for (std::size_t k = hex ? 2 : 1; k < entity.size() && valid; ++k) {
        const char c = entity[k];
        std::uint32_t digit = 0;
        if (c >= '0' && c <= '9') digit = static_cast<std::uint32_t>(c - '0');
        else if (hex && c >= 'a' && c <= 'f') digit = static_cast<std::uint32_t>(c - 'a' + 10);
        else if (hex && c >= 'A' && c <= 'F') digit = static_cast<std::uint32_t>(c - 'A' + 10);
        else valid = false;
        code = code * (hex ? 16u : 10u) + digit;
        if (code > 0x10FFFF) valid = false;
      }
      if (!valid) {
        out.push_back('&');
        continue;
      }
      AppendUtf8(out, code);
    } else {
      out.push_back('&');
      continue;
    }
    i = semicolon;
  }
  return out;
}

}  // namespace

std::vector<XfaScript> ExtractXfaScripts(std::string_view xml, std::size_t max_scripts) {
  std::vector<XfaScript> scripts;
  std::size_t at = 0;
  while (scripts.size() < max_scripts) {
    at = xml.find("<script", at);
    if (at == std::string_view::npos) break;
    const std::size_t name_end = at + 7;
    if (name_end < xml.size() && xml[name_end] != '>' && xml[name_end] != ' ' && xml[name_end] != '\t' &&
        xml[name_end] != '\n' && xml[name_end] != '\r' && xml[name_end] != '/') {
      at = name_end;  // <scriptObject ...>, not a script
      continue;
    }
    const std::size_t tag_end = xml.find('>', name_end);
    if (tag_end == std::string_view::npos) break;
    const std::string_view tag = xml.substr(at, tag_end - at);
    XfaScript script;
    script.offset = at;
    script.content_type = AttributeValue(tag, "contentType");
    if (!tag.empty() && tag.back() == '/') {  // <script/>
      at = tag_end;
      continue;
    }
    const std::size_t close = xml.find("</script", tag_end);
    const std::size_t body_end = close == std::string_view::npos ? xml.size() : close;
    script.text = DecodeXmlText(xml.substr(tag_end + 1, body_end - tag_end - 1));

    const std::size_t look_from = at > kMaxEventLookBack ? at - kMaxEventLookBack : 0;
    const std::string_view before = xml.substr(look_from, at - look_from);
    const std::size_t event = before.rfind("<event");
    if (event != std::string_view::npos && before.find("</event", event) == std::string_view::npos) {
      const std::size_t event_end = before.find('>', event);
      script.activity = AttributeValue(
          before.substr(event, event_end == std::string_view::npos ? std::string_view::npos : event_end - event),
          "activity");
      const std::string activity = AsciiLower(script.activity);
      for (const auto automatic : kAutomaticActivities) script.automatic = script.automatic || activity == automatic;
    }
    scripts.push_back(std::move(script));
    at = body_end;
  }
  return scripts;
}

}  // namespace kensa::pdf
