#pragma once
// The rows of the tables Kensa derives from a collection (derived/*.tsv), escaped as the
// collectors escape theirs (docs/collection-format.md): a backslash, tab, CR or LF in a field
// becomes \\, \t, \r or \n, so that a row is one line and the host checks unescape it alike.

#include <string>
#include <vector>

namespace kensa::hunt::internal {

inline void AppendTsvField(std::string* out, const std::string& value) {
  for (const char c : value) {
    switch (c) {
      case '\\': *out += "\\\\"; break;
      case '\t': *out += "\\t"; break;
      case '\r': *out += "\\r"; break;
      case '\n': *out += "\\n"; break;
      default: *out += c;
    }
  }
}

// Appends `fields` as one row, ending with a newline.
inline void AppendTsvRow(std::string* out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) *out += '\t';
    AppendTsvField(out, fields[i]);
  }
  *out += '\n';
}

}  // namespace kensa::hunt::internal
