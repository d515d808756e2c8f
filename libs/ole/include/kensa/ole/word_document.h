#pragma once
// The text of a Word 97-2003 document ([MS-DOC]) and the codes of its fields. DDE and DDEAUTO
// fields ran commands from .doc files without macros (2017 onwards); a field code is only
// readable through the document's piece table, as Word reads its text:
//
//   kensa::Result<std::string> text = kensa::ole::ReadWordText(file);
//   for (const std::string& code : kensa::ole::WordFieldCodes(*text)) ...  // "DDEAUTO c:\\..."
//
// ReadWordText: the FIB ([MS-DOC] 2.5.1) gives the CLX in the table stream (0Table or 1Table by
// fWhichTblStm); its Pcdt's PlcPcd ([MS-DOC] 2.9.177) maps character positions to pieces of the
// WordDocument stream, 8-bit (Windows-1252, fCompressed) or UTF-16LE. The text is every piece in
// order (main document, footnotes, headers, comments, text boxes) as UTF-8, with Word's special
// characters kept, the field marks among them: 0x13 begin, 0x14 separator, 0x15 end.
//
// Hostile input: every offset and count is checked against the streams; the text is cut at
// WordLimits::max_text_bytes; nothing throws.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/core/status.h"
#include "kensa/ole/compound_file.h"

namespace kensa::ole {

struct WordLimits {
  // UTF-8 bytes of text kept; a real document's text is rarely past a few MiB.
  std::size_t max_text_bytes = 16u << 20;
  // Field codes returned, and bytes kept of each.
  std::size_t max_fields = 1024;
  std::size_t max_field_code_bytes = 8192;
};

// The document's text. FailedPrecondition when it is encrypted or obfuscated (decrypt first),
// InvalidArgument when it is no Word document or its FIB or piece table cannot be read.
Result<std::string> ReadWordText(const CompoundFile& file, const WordLimits& limits = {});

// The field codes of `text` in the order their fields end: between a begin mark and its
// separator (or its end when there is no separator). A field nested in another's code
// contributes its result to the outer code, as Word evaluates it ({ DDEAUTO { QUOTE 99 109 100 }
// ... } reads "DDEAUTO cmd ..."), and its own code is listed on its own. Unclosed fields at the
// end of the text are listed too.
std::vector<std::string> WordFieldCodes(std::string_view text, const WordLimits& limits = {});

}  // namespace kensa::ole
