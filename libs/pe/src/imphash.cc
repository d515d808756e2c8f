// The standard imphash (Mandiant 2014, as implemented by pefile's get_imphash and reported by
// VirusTotal).

#include <string>

#include "kensa/pe/pe_analyzer.h"
#include "kensa/hashing/hashes.h"
#include "pe_image.h"

namespace kensa::pe {

std::string ComputeImphash(const analysis::v1::PeInfo& info) {
  std::string joined;
  bool any = false;
  for (const auto& import : info.imports()) {
    // pefile hashes the import directory only; delay-loaded DLLs do not count.
    if (import.delay_loaded()) continue;
    std::string library = AsciiLower(import.dll());
    const std::size_t dot = library.rfind('.');
    if (dot != std::string::npos) {
      const std::string_view extension = std::string_view(library).substr(dot + 1);
      if (extension == "dll" || extension == "ocx" || extension == "sys") library.resize(dot);
    }
    for (const auto& function : import.functions()) {
      std::string name = function.name();
      if (name.empty()) {
        // pefile drops imports by ordinal 0 (its "if imp_ord or imp_name" test), so they do
        // not count in the standard hash.
        if (!function.by_ordinal() || function.ordinal() == 0) continue;
        name = OrdinalName(import.dll(), function.ordinal());
        if (name.empty()) name = "ord" + std::to_string(function.ordinal());
      }
      if (any) joined.push_back(',');
      any = true;
      joined += library;
      joined.push_back('.');
      joined += AsciiLower(name);
    }
  }
  if (!any) return {};
  return hashing::Md5Hex(ByteSpan(reinterpret_cast<const std::uint8_t*>(joined.data()),
                                   joined.size()));
}

}  // namespace kensa::pe
