#pragma once
// Scripts inside an XFA form (the XML Forms Architecture packets a PDF carries in
// /AcroForm /XFA; XFA 3.3 chapter "Scripting"). Each <script> element's text is JavaScript or
// FormCalc; the enclosing <event activity="..."> says when it runs. Found by a bounded text
// scan, not an XML parser: hostile XML is often not well-formed and readers still run it.
//
//   for (const XfaScript& script : ExtractXfaScripts(xml, 256)) { ... }

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kensa::pdf {

struct XfaScript {
  // The script text with CDATA markers removed and XML entities decoded.
  std::string text;
  // contentType attribute ("application/x-javascript", "application/x-formcalc"); empty when
  // absent (FormCalc is XFA's default, but Acrobat forms name JavaScript explicitly).
  std::string content_type;
  // activity of the enclosing <event> ("initialize", "click"); empty outside an event.
  std::string activity;
  // Byte offset of the <script> tag in the XML.
  std::size_t offset = 0;
  // The event fires without the user doing anything (initialize, docReady, ...).
  bool automatic = false;
};

std::vector<XfaScript> ExtractXfaScripts(std::string_view xml, std::size_t max_scripts);

}  // namespace kensa::pdf
