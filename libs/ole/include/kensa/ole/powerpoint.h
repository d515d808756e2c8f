#pragma once
// PowerPoint 97-2003 presentations ([MS-PPT]): the records of the "PowerPoint Document" stream
// that hold what a .ppt keeps outside the compound file's own storages.
//
//   kensa::ole::PptStorages found = kensa::ole::ReadPptStorages(cf);
//   for (const auto& s : found.storages) {
//     auto inner = kensa::ole::CompoundFile::Open(s.data);
//     if (s.vba_project) ExtractVba(*inner);  // the presentation's macros
//     else ...                                // an embedded OLE object or ActiveX control
//   }
//
// PowerPoint keeps its VBA project, embedded OLE objects and ActiveX controls as whole compound
// files inside ExOleObjStg records (recType 0x1011, [MS-PPT] 2.10.34; recInstance 1: a 4-byte
// decompressed size, then zlib). Each is a persist object: the persist object directory
// ([MS-PPT] 2.1.2, built from the UserEditAtom chain the "Current User" stream points into)
// maps persist ids to stream offsets; the VBAInfoAtom ([MS-PPT] 2.4.10) names the VBA
// project's persist id, an ExOleObjAtom (2.10.12) an embedded object's.
//
// Storages are found as oleobj finds them, by walking the stream's top-level records (the
// persist objects lie back to back), joined with every persist directory offset that holds an
// ExOleObjStg; the directory and the DocumentContainer only label them. So a presentation whose
// directory is damaged still gives up its storages, and one whose walk breaks on junk still
// gives up what the directory names. Every loop is bounded by PptLimits; malformations are
// anomalies ("ppt_..."); nothing throws.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kensa/analysis/v1/signature.pb.h"
#include "kensa/core/bytes.h"
#include "kensa/core/status.h"
#include "kensa/ole/compound_file.h"

namespace kensa::ole {

struct PptLimits {
  // Records visited in one stream (top-level walk plus DocumentContainer walk); a large deck has
  // a few hundred thousand.
  std::size_t max_records = 1u << 20;
  // Container nesting followed; [MS-PPT] nests about ten deep.
  std::size_t max_depth = 32;
  // UserEditAtoms followed back through incremental saves; real files have a handful.
  std::size_t max_user_edits = 4096;
  // Persist directory entries (persist ids) read over all PersistDirectoryAtoms.
  std::size_t max_persist_entries = 1u << 20;
  // ExOleObjStg records unpacked; a presentation embeds tens of objects.
  std::size_t max_storages = 256;
  // Decompressed size of one storage and of all of them: zlib expands 1000:1.
  std::uint64_t max_storage_size = 64ull << 20;
  std::uint64_t max_total_storage_size = 256ull << 20;
};

// [MS-PPT] record type numbers Kensa reads.
inline constexpr std::uint16_t kPptDocumentContainer = 0x03E8;
inline constexpr std::uint16_t kPptVbaInfoAtom = 0x0400;
inline constexpr std::uint16_t kPptExOleObjAtom = 0x0FC3;
inline constexpr std::uint16_t kPptCString = 0x0FBA;
inline constexpr std::uint16_t kPptUserEditAtom = 0x0FF5;
inline constexpr std::uint16_t kPptCurrentUserAtom = 0x0FF6;
inline constexpr std::uint16_t kPptExOleObjStg = 0x1011;
inline constexpr std::uint16_t kPptPersistDirectoryAtom = 0x1772;
inline constexpr std::uint16_t kPptCryptSession10Container = 0x2F14;

// [MS-PPT] 2.3.1 RecordHeader.
struct PptRecordHeader {
  std::uint8_t version = 0;    // recVer; 0xF marks a container
  std::uint16_t instance = 0;  // recInstance
  std::uint16_t type = 0;      // recType
  std::uint32_t length = 0;    // recLen: bytes after the 8-byte header
};
// The header at `offset`; nullopt when fewer than 8 bytes are left.
std::optional<PptRecordHeader> ReadPptRecordHeader(ByteSpan stream, std::uint64_t offset);

// [MS-PPT] 2.3.2 CurrentUserAtom, the fields a reader needs.
struct PptCurrentUser {
  std::uint32_t header_token = 0;  // 0xE391C05F plain, 0xF3D1C4DF encrypted
  std::uint32_t offset_to_current_edit = 0;
};
// InvalidArgument when the "Current User" stream is too short to hold the atom.
Result<PptCurrentUser> ReadPptCurrentUser(ByteSpan current_user_stream);

// [MS-PPT] 2.3.3 UserEditAtom.
struct PptUserEdit {
  std::uint64_t offset = 0;         // of the record header in the stream
  std::uint32_t record_length = 0;  // 0x1C, or 0x20 with encryptSessionPersistIdRef
  std::uint32_t offset_last_edit = 0;
  std::uint32_t offset_persist_directory = 0;
  std::uint32_t doc_persist_id_ref = 0;
  std::uint32_t encrypt_session_persist_id_ref = 0;  // 0 when absent
};

// One PersistDirectoryEntry ([MS-PPT] 2.3.5): `count` offsets for ids first_id.. in a row.
struct PptPersistEntry {
  std::uint64_t header_offset = 0;  // of the 4-byte persistId/cPersist word in the stream
  std::uint32_t first_id = 0;
  std::uint32_t count = 0;
};

// [MS-PPT] 2.1.2 the persist object directory of the current edit.
struct PptPersistDirectory {
  std::vector<PptUserEdit> edits;                  // the current edit first, then older ones
  std::map<std::uint32_t, std::uint32_t> offsets;  // persist id -> stream offset, newest wins
  std::vector<PptPersistEntry> entries;            // every entry of every PersistDirectoryAtom read
};
// Follows the UserEditAtom chain from `offset_to_current_edit`. InvalidArgument when no
// UserEditAtom is there; a broken chain or directory further back is an anomaly and what was
// read so far is kept.
Result<PptPersistDirectory> ReadPptPersistDirectory(
    ByteSpan document_stream, std::uint32_t offset_to_current_edit, const PptLimits& limits = {},
    std::vector<analysis::v1::Anomaly>* anomalies = nullptr);

// One ExOleObjStg record, unpacked.
struct PptStorage {
  std::uint64_t offset = 0;      // of the record in "PowerPoint Document"
  std::uint32_t persist_id = 0;  // 0 when no persist directory entry points at it
  bool compressed = false;
  // Referenced by the VBAInfoAtom, or (when no VBAInfoAtom resolves) a bare VBA project
  // storage ("VBA/dir" at its root): the presentation's own macros.
  bool vba_project = false;
  std::string prog_id;     // the ProgIdAtom beside the ExOleObjAtom that references it ("Package")
  Bytes data;              // the storage: a compound file unless the document is broken
  bool truncated = false;  // fewer bytes than declared (limit or damaged zlib data)
};

struct PptStorages {
  bool is_powerpoint = false;  // the file has a "PowerPoint Document" stream
  std::vector<PptStorage> storages;
  std::vector<analysis::v1::Anomaly> anomalies;
};

// The storages of a presentation; empty (is_powerpoint false) for other compound files.
// Encrypted presentations ([MS-PPT] 2.3.7) give nothing: their records are ciphertext.
PptStorages ReadPptStorages(const CompoundFile& file, const PptLimits& limits = {});

// The same over the two streams themselves (tests, fuzzing).
PptStorages ReadPptStoragesFromStreams(ByteSpan document_stream, ByteSpan current_user_stream,
                                       const PptLimits& limits = {});

}  // namespace kensa::ole
