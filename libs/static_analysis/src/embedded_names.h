#pragma once
// Names carried inside documents (OLE1 class names, Packager labels and paths, CompObj
// ProgIDs) as the static stage shows them and names the children it extracts: text in the
// document's ANSI code page made UTF-8, and a safe file name from a stored path.

#include <cstdint>
#include <string>
#include <string_view>

namespace kensa::static_analysis {

// ANSI text of the document's code page as UTF-8: CP932 on Japanese systems, Latin-1
// otherwise (close enough to 1252 for names and paths). Text already UTF-8 is kept.
std::string AnsiToUtf8(std::string_view text, std::uint32_t code_page);

// The last path component, without control characters or ':', cut to 200 bytes on a UTF-8
// boundary; "" for "." and "..".
std::string FileNameOf(const std::string& path);

}  // namespace kensa::static_analysis
