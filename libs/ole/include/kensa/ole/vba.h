#pragma once
// VBA macros in a compound file, read from [MS-OVBA]: the dir stream (2.3.4.2) says which
// modules exist and where their compressed source starts; the source is decompressed
// (2.4.1) and converted to UTF-8 from the project's code page.
//
//   kensa::Result<std::vector<kensa::ole::VbaProject>> vba = kensa::ole::ExtractVba(cf);
//   for (const auto& project : *vba)
//     for (const auto& m : project.modules) Scan(m.name, m.source);
//
// A project is any storage holding a "VBA" storage with a "dir" stream ("Macros" in Word
// 97-2003, "_VBA_PROJECT_CUR" in Excel, "" for a bare vbaProject.bin). Malformed dir streams
// and modules become anomalies in VbaProject::anomalies; ExtractVba fails only on an internal
// error, never because of the sample.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kensa/analysis/v1/signature.pb.h"
#include "kensa/core/bytes.h"
#include "kensa/core/status.h"
#include "kensa/ole/compound_file.h"

namespace kensa::ole {

struct VbaModule {
  std::string name;         // MODULENAMEUNICODE when present, else MODULENAME (UTF-8)
  std::string stream_name;  // MODULESTREAMNAMEUNICODE when present, else MODULESTREAMNAME
  std::string source;       // decompressed source, UTF-8, CRLF line ends as stored
  std::uint64_t pcode_size = 0;  // bytes before MODULEOFFSET (compiled p-code / performance cache)
  std::uint32_t source_offset = 0;  // MODULEOFFSET
  bool stream_found = false;  // the module stream exists in the storage
};

struct VbaProject {
  std::string storage_path;  // "Macros", "_VBA_PROJECT_CUR", "" for the root
  std::uint32_t code_page = 0;  // PROJECTCODEPAGE
  std::vector<VbaModule> modules;
  std::vector<analysis::v1::Anomaly> anomalies;
};

struct VbaLimits {
  // Decompressed dir stream; real ones are a few KB.
  std::size_t max_dir_size = 4u << 20;
  // Decompressed source of one module.
  std::size_t max_source_size = 16u << 20;
  // Modules per project; real projects have tens.
  std::size_t max_modules = 4096;
  // VBA storages looked at; a document has one (two with an embedded object or a template).
  std::size_t max_projects = 64;
  // Module stream bytes read plus source bytes decompressed, per project: stops a dir stream
  // that names the same large stream thousands of times.
  std::uint64_t max_project_bytes = 256ull << 20;
};

Result<std::vector<VbaProject>> ExtractVba(const CompoundFile& file, const VbaLimits& limits = {});

// [MS-OVBA] 2.4.1 CompressedContainer -> decompressed bytes, at most `max_output` of them.
// InvalidArgument when the signature byte is not 0x01; a malformed chunk ends decompression
// and what was decompressed before it is returned (`malformed`, when given, is set to true).
Result<Bytes> DecompressOvba(ByteSpan compressed, std::size_t max_output,
                             bool* malformed = nullptr);

}  // namespace kensa::ole
