#include "kensa/ole/powerpoint.h"

#include <zlib.h>

#include <algorithm>
#include <set>
#include <utility>

#include "anomaly.h"

namespace kensa::ole {
namespace {

using internal::AddAnomaly;

constexpr std::uint64_t kRecordHeaderSize = 8;
// [MS-PPT] 2.3.2: CurrentUserAtom.headerToken of an encrypted presentation.
constexpr std::uint32_t kEncryptedToken = 0xF3D1C4DF;
// [MS-PPT] 2.3.3: a UserEditAtom is 0x1C bytes, 0x20 with encryptSessionPersistIdRef.
constexpr std::uint32_t kUserEditLength = 0x1C;
constexpr std::uint32_t kUserEditWithSessionLength = 0x20;
constexpr std::uint8_t kContainerVersion = 0xF;
// [MS-PPT] 2.10.12 ExOleObjAtom (24 bytes, persistIdRef at 16); 2.4.10 VBAInfoAtom (12 bytes,
// persistIdRef first); 2.10.11 ProgIdAtom: a CString with recInstance 2.
constexpr std::uint32_t kExOleObjAtomLength = 24;
constexpr std::uint64_t kExOleObjPersistIdRef = 16;
constexpr std::uint32_t kVbaInfoAtomLength = 12;
constexpr std::uint16_t kProgIdInstance = 2;
// A ProgID is at most 39 characters ([MS-OLEDS] / COM); a generous bound for hostile strings.
constexpr std::size_t kMaxProgIdUnits = 256;
// [MS-PPT] 2.10.35 ExOleObjStgCompressedAtom: decompressedSize, then zlib data.
constexpr std::uint16_t kCompressedInstance = 1;
constexpr std::uint64_t kDecompressedSizeField = 4;
// Output grown per inflate call: large storages grow without reserving what a header claims.
constexpr std::size_t kInflateChunk = 64u << 10;

std::uint32_t Le32(ByteSpan data, std::uint64_t offset) {
  return ReadLe<std::uint32_t>(data, offset).value_or(0);
}

// zlib data ([RFC1950]) inflated into at most `max_output` bytes. PowerPoint does not always
// end the data with its Adler-32 (oletools' sample_with_vba.ppt lacks it), so output is kept as
// far as the data inflates; `damaged` says zlib rejected the data before `max_output`.
Bytes Inflate(ByteSpan compressed, std::size_t max_output, bool* damaged) {
  Bytes out;
  z_stream z{};
  if (inflateInit(&z) != Z_OK) {
    *damaged = true;
    return out;
  }
  // zlib's API takes non-const input; it never writes through next_in.
  z.next_in = const_cast<Bytef*>(compressed.data());
  z.avail_in = static_cast<uInt>(std::min<std::size_t>(compressed.size(), 0xFFFFFFFFu));
  int status = Z_OK;
  // Each pass either fills a chunk or ends: bounded by max_output / kInflateChunk passes.
  while (status == Z_OK && out.size() < max_output) {
    const std::size_t before = out.size();
    const std::size_t grow = std::min(kInflateChunk, max_output - before);
    out.resize(before + grow);
    z.next_out = out.data() + before;
    z.avail_out = static_cast<uInt>(grow);
    status = inflate(&z, Z_SYNC_FLUSH);
    out.resize(before + (grow - z.avail_out));
    if (status == Z_OK && z.avail_out != 0) break;  // input used up without the end marker
  }
  if (status == Z_DATA_ERROR || status == Z_NEED_DICT || status == Z_MEM_ERROR) *damaged = true;
  inflateEnd(&z);
  return out;
}

// What the DocumentContainer says about the storages.
struct Labels {
  std::vector<std::uint32_t> vba_persist_ids;     // VBAInfoAtom.persistIdRef
  std::map<std::uint32_t, std::string> prog_ids;  // ExOleObjAtom.persistIdRef -> ProgID
};

class RecordWalker {
 public:
  RecordWalker(ByteSpan stream, const PptLimits& limits,
               std::vector<analysis::v1::Anomaly>* anomalies)
      : stream_(stream), limits_(limits), anomalies_(anomalies) {}

  // False once max_records is spent (reported once).
  bool Count() {
    if (++records_ <= limits_.max_records) return true;
    if (!over_) {
      AddAnomaly(anomalies_, "ppt_record_count_exceeds_limit",
                 "more than " + std::to_string(limits_.max_records) + " records");
      over_ = true;
    }
    return false;
  }

  // The top-level records: every persist object, back to back from offset 0.
  void TopLevel(std::vector<std::uint64_t>* storages, std::vector<std::uint64_t>* documents) {
    std::uint64_t offset = 0;
    while (offset + kRecordHeaderSize <= stream_.size() && Count()) {
      const PptRecordHeader header = *ReadPptRecordHeader(stream_, offset);
      if (header.type == kPptExOleObjStg) storages->push_back(offset);
      if (header.type == kPptDocumentContainer) documents->push_back(offset);
      const std::uint64_t end = offset + kRecordHeaderSize + header.length;
      if (end > stream_.size()) {
        AddAnomaly(anomalies_, "ppt_record_past_end",
                   "record " + HexNumber(header.type) + " at " + std::to_string(offset) +
                       " declares " + std::to_string(header.length) + " bytes past the stream");
        return;
      }
      offset = end;
    }
  }

  // The children of a container in [begin, end), recursively: VBAInfoAtom and ExOleObjAtom with
  // the ProgIdAtom beside it.
  void Container(std::uint64_t begin, std::uint64_t end, std::size_t depth, Labels* labels) {
    if (depth > limits_.max_depth) {
      AddAnomaly(anomalies_, "ppt_nesting_exceeds_limit",
                 "containers nested deeper than " + std::to_string(limits_.max_depth));
      return;
    }
    std::optional<std::uint32_t> object_ref;
    std::string prog_id;
    std::uint64_t offset = begin;
    while (offset + kRecordHeaderSize <= end && Count()) {
      const PptRecordHeader header = *ReadPptRecordHeader(stream_, offset);
      const std::uint64_t body = offset + kRecordHeaderSize;
      std::uint64_t body_end = body + header.length;
      const bool overruns = body_end > end;
      if (overruns) {
        AddAnomaly(anomalies_, "ppt_record_overruns_container",
                   "record " + HexNumber(header.type) + " at " + std::to_string(offset));
        body_end = end;
      }
      const ByteSpan data = SubSpan(stream_, body, body_end - body);
      if (header.type == kPptVbaInfoAtom && data.size() >= kVbaInfoAtomLength) {
        labels->vba_persist_ids.push_back(Le32(data, 0));
      } else if (header.type == kPptExOleObjAtom && data.size() >= kExOleObjAtomLength) {
        object_ref = Le32(data, kExOleObjPersistIdRef);
      } else if (header.type == kPptCString && header.instance == kProgIdInstance) {
        prog_id = ReadUtf16Le(data, 0, std::min(data.size() / 2, kMaxProgIdUnits));
      } else if (header.version == kContainerVersion) {
        Container(body, body_end, depth + 1, labels);
      }
      if (overruns) break;
      offset = body_end;
    }
    if (object_ref) labels->prog_ids[*object_ref] = prog_id;
  }

 private:
  ByteSpan stream_;
  const PptLimits& limits_;
  std::vector<analysis::v1::Anomaly>* anomalies_;
  std::size_t records_ = 0;
  bool over_ = false;
};

bool IsBareVbaProject(ByteSpan data) {
  auto inner = CompoundFile::Open(data);
  if (!inner) return false;
  const DirectoryEntry* dir = inner->Find("VBA/dir");
  return dir != nullptr && dir->type == EntryType::kStream;
}

}  // namespace

std::optional<PptRecordHeader> ReadPptRecordHeader(ByteSpan stream, std::uint64_t offset) {
  const auto version_instance = ReadLe<std::uint16_t>(stream, offset);
  const auto type = ReadLe<std::uint16_t>(stream, offset + 2);
  const auto length = ReadLe<std::uint32_t>(stream, offset + 4);
  if (!version_instance || !type || !length) return std::nullopt;
  PptRecordHeader header;
  header.version = static_cast<std::uint8_t>(*version_instance & 0x0Fu);
  header.instance = static_cast<std::uint16_t>(*version_instance >> 4);
  header.type = *type;
  header.length = *length;
  return header;
}

Result<PptCurrentUser> ReadPptCurrentUser(ByteSpan current_user_stream) {
  // RecordHeader, size, headerToken, offsetToCurrentEdit.
  const auto token = ReadLe<std::uint32_t>(current_user_stream, 12);
  const auto offset = ReadLe<std::uint32_t>(current_user_stream, 16);
  if (!token || !offset) return InvalidArgumentError("Current User stream is too short");
  return PptCurrentUser{*token, *offset};
}

Result<PptPersistDirectory> ReadPptPersistDirectory(ByteSpan document_stream,
                                                    std::uint32_t offset_to_current_edit,
                                                    const PptLimits& limits,
                                                    std::vector<analysis::v1::Anomaly>* anomalies) {
  PptPersistDirectory out;
  // Each edit's (id, offset) pairs; applied oldest first so that newer saves win (2.1.2 step 8).
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> atoms;
  std::set<std::uint64_t> visited;
  std::size_t words_read = 0;  // entry headers and offsets over all atoms
  std::uint64_t offset = offset_to_current_edit;
  for (std::size_t edit_index = 0;; ++edit_index) {
    if (edit_index >= limits.max_user_edits) {
      AddAnomaly(anomalies, "ppt_user_edit_chain_too_long",
                 "more than " + std::to_string(limits.max_user_edits) + " UserEditAtoms");
      break;
    }
    if (!visited.insert(offset).second) {
      AddAnomaly(anomalies, "ppt_user_edit_loop",
                 "UserEditAtom chain returns to offset " + std::to_string(offset));
      break;
    }
    const auto header = ReadPptRecordHeader(document_stream, offset);
    if (!header || header->type != kPptUserEditAtom || header->length < kUserEditLength ||
        offset + kRecordHeaderSize + kUserEditLength > document_stream.size()) {
      const std::string detail = "no UserEditAtom at offset " + std::to_string(offset);
      if (edit_index == 0) return InvalidArgumentError(detail);
      AddAnomaly(anomalies, "ppt_user_edit_invalid", detail);
      break;
    }
    const ByteSpan atom = SubSpan(document_stream, offset + kRecordHeaderSize, header->length);
    PptUserEdit edit;
    edit.offset = offset;
    edit.record_length = header->length;
    edit.offset_last_edit = Le32(atom, 8);
    edit.offset_persist_directory = Le32(atom, 12);
    edit.doc_persist_id_ref = Le32(atom, 16);
    if (header->length >= kUserEditWithSessionLength) {
      edit.encrypt_session_persist_id_ref = Le32(atom, kUserEditLength);
    }
    out.edits.push_back(edit);

    auto& pairs = atoms.emplace_back();
    const std::uint64_t directory = edit.offset_persist_directory;
    const auto directory_header = ReadPptRecordHeader(document_stream, directory);
    if (!directory_header || directory_header->type != kPptPersistDirectoryAtom) {
      AddAnomaly(anomalies, "ppt_persist_directory_invalid",
                 "no PersistDirectoryAtom at offset " + std::to_string(directory));
    } else {
      const std::uint64_t begin = directory + kRecordHeaderSize;
      std::uint64_t end = begin + directory_header->length;
      if (end > document_stream.size()) {
        AddAnomaly(
            anomalies, "ppt_record_past_end",
            "PersistDirectoryAtom at " + std::to_string(directory) + " runs past the stream");
        end = document_stream.size();
      }
      std::uint64_t at = begin;
      // Every word read counts against max_persist_entries: edits sharing one huge directory
      // cannot multiply the work.
      while (at + 4 <= end && words_read < limits.max_persist_entries) {
        const std::uint32_t word = Le32(document_stream, at);
        PptPersistEntry entry{at, word & 0xFFFFFu, word >> 20};
        out.entries.push_back(entry);
        ++words_read;
        at += 4;
        for (std::uint32_t i = 0; i < entry.count && at + 4 <= end; ++i, at += 4) {
          if (++words_read > limits.max_persist_entries) break;
          pairs.emplace_back(entry.first_id + i, Le32(document_stream, at));
        }
      }
      if (words_read >= limits.max_persist_entries) {
        AddAnomaly(anomalies, "ppt_persist_entries_exceed_limit",
                   "more than " + std::to_string(limits.max_persist_entries) + " entries");
        break;
      }
    }
    if (edit.offset_last_edit == 0) break;
    offset = edit.offset_last_edit;
  }
  for (auto it = atoms.rbegin(); it != atoms.rend(); ++it) {
    for (const auto& [id, stream_offset] : *it) out.offsets[id] = stream_offset;
  }
  return out;
}

PptStorages ReadPptStoragesFromStreams(ByteSpan document_stream, ByteSpan current_user_stream,
                                       const PptLimits& limits) {
  PptStorages out;
  out.is_powerpoint = true;
  auto* anomalies = &out.anomalies;

  std::optional<PptPersistDirectory> directory;
  auto current_user = ReadPptCurrentUser(current_user_stream);
  if (!current_user) {
    AddAnomaly(anomalies, "ppt_current_user_invalid", current_user.error().message());
  } else if (current_user->header_token == kEncryptedToken) {
    return out;  // ciphertext: the decrypted child is read instead
  } else {
    auto read = ReadPptPersistDirectory(document_stream, current_user->offset_to_current_edit,
                                        limits, anomalies);
    if (read) {
      directory = std::move(*read);
    } else {
      AddAnomaly(anomalies, "ppt_persist_directory_invalid", read.error().message());
    }
  }

  RecordWalker walker(document_stream, limits, anomalies);
  std::vector<std::uint64_t> storage_offsets;
  std::vector<std::uint64_t> document_offsets;
  walker.TopLevel(&storage_offsets, &document_offsets);
  std::map<std::uint64_t, std::uint32_t> persist_id_at;  // stream offset -> persist id
  if (directory) {
    for (const auto& [id, offset] : directory->offsets) {
      const auto header = ReadPptRecordHeader(document_stream, offset);
      if (!header) continue;
      persist_id_at.emplace(offset, id);
      if (header->type == kPptExOleObjStg) storage_offsets.push_back(offset);
    }
    const auto document = directory->offsets.find(directory->edits.front().doc_persist_id_ref);
    if (document != directory->offsets.end()) document_offsets.push_back(document->second);
  }
  std::sort(storage_offsets.begin(), storage_offsets.end());
  storage_offsets.erase(std::unique(storage_offsets.begin(), storage_offsets.end()),
                        storage_offsets.end());
  std::sort(document_offsets.begin(), document_offsets.end());
  document_offsets.erase(std::unique(document_offsets.begin(), document_offsets.end()),
                         document_offsets.end());

  Labels labels;
  for (std::uint64_t offset : document_offsets) {
    const auto header = ReadPptRecordHeader(document_stream, offset);
    if (!header || header->type != kPptDocumentContainer) continue;
    const std::uint64_t begin = offset + kRecordHeaderSize;
    const std::uint64_t end =
        std::min<std::uint64_t>(begin + header->length, document_stream.size());
    walker.Container(begin, end, 1, &labels);
  }
  std::set<std::uint64_t> vba_offsets;
  if (directory) {
    for (std::uint32_t id : labels.vba_persist_ids) {
      const auto it = directory->offsets.find(id);
      if (it != directory->offsets.end()) vba_offsets.insert(it->second);
    }
  }

  std::uint64_t total = 0;
  for (std::uint64_t offset : storage_offsets) {
    if (out.storages.size() >= limits.max_storages) {
      AddAnomaly(anomalies, "ppt_storage_count_exceeds_limit",
                 "more than " + std::to_string(limits.max_storages) + " ExOleObjStg records");
      break;
    }
    const PptRecordHeader header = *ReadPptRecordHeader(document_stream, offset);
    const std::uint64_t body = offset + kRecordHeaderSize;
    const ByteSpan data = SubSpan(document_stream, body, header.length);
    PptStorage storage;
    storage.offset = offset;
    if (const auto it = persist_id_at.find(offset); it != persist_id_at.end()) {
      storage.persist_id = it->second;
    }
    storage.compressed = header.instance == kCompressedInstance;
    const std::uint64_t budget =
        std::min(limits.max_storage_size, limits.max_total_storage_size - total);
    const std::string where = "ExOleObjStg at " + std::to_string(offset);
    if (storage.compressed) {
      const std::uint64_t declared = Le32(data, 0);
      if (declared > budget) {
        AddAnomaly(anomalies, "ppt_storage_size_exceeds_limit",
                   where + " declares " + std::to_string(declared) + " bytes");
      }
      bool damaged = false;
      storage.data = Inflate(SubSpan(data, kDecompressedSizeField, data.size()),
                             static_cast<std::size_t>(std::min(declared, budget)), &damaged);
      storage.truncated = storage.data.size() < declared;
      if (storage.truncated && declared <= budget) {
        AddAnomaly(anomalies, "ppt_storage_truncated",
                   where + ": " + std::to_string(storage.data.size()) + " of " +
                       std::to_string(declared) + " bytes" +
                       (damaged ? ", zlib data damaged" : ""));
      }
    } else {
      storage.truncated = data.size() > budget || data.size() < header.length;
      const ByteSpan kept = SubSpan(data, 0, budget);
      storage.data.assign(kept.begin(), kept.end());
    }
    total += storage.data.size();
    if (auto it = labels.prog_ids.find(storage.persist_id);
        storage.persist_id != 0 && it != labels.prog_ids.end()) {
      storage.prog_id = it->second;
    }
    storage.vba_project =
        vba_offsets.empty() ? IsBareVbaProject(storage.data) : vba_offsets.contains(offset);
    out.storages.push_back(std::move(storage));
    if (total >= limits.max_total_storage_size) {
      AddAnomaly(anomalies, "ppt_storage_size_exceeds_limit",
                 "storages past " + std::to_string(limits.max_total_storage_size) + " bytes");
      break;
    }
  }
  return out;
}

PptStorages ReadPptStorages(const CompoundFile& file, const PptLimits& limits) {
  const DirectoryEntry* document = file.Find("PowerPoint Document");
  if (document == nullptr || document->type != EntryType::kStream) return {};
  // A broken stream chain is the container's anomaly, reported with the compound file's own.
  auto stream = file.ReadEntry(*document);
  if (!stream) return {};
  Bytes current_user;
  if (auto read = file.ReadStream("Current User")) current_user = std::move(*read);
  return ReadPptStoragesFromStreams(*stream, current_user, limits);
}

}  // namespace kensa::ole
