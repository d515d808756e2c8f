#pragma once
// Internal: one parser per data directory (and for the structures outside them: rich header,
// overlay, checksum). Each fills its part of PeInfo and reports malformations to the sink.

#include <string>

#include "kensa/analysis/v1/pe.pb.h"
#include "kensa/pe/pe_analyzer.h"
#include "pe_image.h"

namespace kensa::pe::internal {

// Import directory and delay-load import directory (PE Format, "The .idata Section",
// "Delay-Load Import Tables (Image Only)"). `thunks_read` counts thunks over both, against
// PeLimits::max_total_imports; `names` bounds the bytes of names kept.
void ParseImports(const PeImage& image, const PeLimits& limits, AnomalySink& sink,
                  std::uint32_t& thunks_read, NameBudget& names, analysis::v1::PeInfo& info);
void ParseDelayImports(const PeImage& image, const PeLimits& limits, AnomalySink& sink,
                       std::uint32_t& thunks_read, NameBudget& names,
                       analysis::v1::PeInfo& info);
// Export directory (PE Format, "The .edata Section (Image Only)").
void ParseExports(const PeImage& image, const PeLimits& limits, AnomalySink& sink,
                  NameBudget& names, analysis::v1::PeInfo& info);
// Resource tree and the RT_VERSION resource (PE Format, "The .rsrc Section"; VS_VERSIONINFO).
void ParseResources(const PeImage& image, const PeLimits& limits, AnomalySink& sink,
                    HashBudget& budget, analysis::v1::PeInfo& info);
// Rich header between the DOS stub and the PE signature, decoded as pefile does.
void ParseRichHeader(const PeImage& image, AnomalySink& sink, analysis::v1::PeInfo& info);
// TLS directory callbacks (PE Format, "The .tls Section").
void ParseTls(const PeImage& image, const PeLimits& limits, AnomalySink& sink,
              analysis::v1::PeInfo& info);
// Debug directory: the CodeView record's PDB path (PE Format, "The .debug Section").
void ParseDebug(const PeImage& image, const PeLimits& limits, AnomalySink& sink,
                analysis::v1::PeInfo& info);
// CLR runtime header and metadata root (ECMA-335 II.25.3.3, II.24.2.1).
void ParseDotNet(const PeImage& image, AnomalySink& sink, analysis::v1::PeInfo& info);
// Attribute certificate table (PE Format, "The Attribute Certificate Table (Image Only)").
void ParseSecurity(const PeImage& image, const PeLimits& limits, AnomalySink& sink,
                   analysis::v1::PeInfo& info);
// The PE checksum as CheckSumMappedFile computes it (the checksum field counts as zero).
std::uint32_t ComputePeChecksum(ByteSpan data, std::uint64_t checksum_offset);
// Start of data appended after everything the headers describe, as pefile's
// get_overlay_data_start_offset defines it; equal to the file size when there is none.
std::uint64_t OverlayStart(const PeImage& image);

}  // namespace kensa::pe::internal
