#pragma once
// What Word fields and external links ask Office to reach, shared by the OOXML analyzer
// (w:instrText, w:fldSimple, relationships) and the OLE2 office analyzer (a .doc's field codes
// from kensa::ole::WordFieldCodes): the field's name and arguments, and what kind of target a
// path or URL is.

#include <string>
#include <string_view>

namespace kensa::static_analysis {

// A field code split as Word reads it ([ECMA-376] Part 1, 17.16; the same in [MS-DOC]).
struct WordField {
  // The field name in lower case: "ddeauto", "includepicture", "hyperlink".
  std::string name;
  // The arguments with Word's doubled backslashes undone: DDEAUTO c:\\windows\\system32\\cmd.exe
  // "/k calc.exe" -> c:\windows\system32\cmd.exe "/k calc.exe". Not cleaned or bounded.
  std::string command;
};
WordField ParseWordField(std::string_view code);

// DDE and DDEAUTO start a program (the DDE server) with the arguments as its command line.
bool IsDdeField(std::string_view name);

// INCLUDEPICTURE, INCLUDETEXT and IMPORT fetch the file their first argument names.
bool IsIncludeField(std::string_view name);

// The first argument of a field's command, quoted or not: the path or URL an include names.
std::string_view FieldTarget(std::string_view command);

// What an external target points at: "http", "ftp", "unc" (\\host\share, file://host/share),
// "local_file" (C:\..., file:///C:/...), "mailto", "other_scheme" (mhtml:, ms-msdt:, any other
// URI scheme) or "relative".
std::string TargetKind(std::string_view target);

// Kinds Office fetches from another machine: http, ftp, unc, other_scheme.
bool IsRemoteKind(std::string_view kind);

// `text` without leading and trailing spaces, tabs and line ends.
std::string_view TrimSpaces(std::string_view text);

}  // namespace kensa::static_analysis
