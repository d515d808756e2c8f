// [MS-PPT] storages against oletools' PowerPoint samples (what olevba 0.60.2 and oleobj 0.60.1
// show for them, noted beside each check) and small hand-made streams for the malformations.
#include "kensa/ole/powerpoint.h"

#include <zlib.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "kensa/core/file.h"
#include "kensa/ole/compound_file.h"
#include "kensa/ole/vba.h"

namespace kensa::ole {
namespace {

const std::string kOletools = "../shared/corpora/oletools-tests/tests/test-data/";

Bytes Load(const std::string& name) {
  auto data = ReadFileBounded(kOletools + name, 64u << 20);
  REQUIRE(data.has_value());
  return std::move(*data);
}

PptStorages StoragesOf(const std::string& name) {
  const Bytes data = Load(name);
  auto file = CompoundFile::Open(data);
  REQUIRE(file.has_value());
  return ReadPptStorages(*file);
}

bool HasAnomaly(const std::vector<analysis::v1::Anomaly>& anomalies, const std::string& code) {
  for (const auto& a : anomalies) {
    if (a.code() == code) return true;
  }
  return false;
}

void PutLe32(Bytes& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

void PutRecord(Bytes& out, std::uint16_t version_instance, std::uint16_t type, const Bytes& body) {
  out.push_back(static_cast<std::uint8_t>(version_instance));
  out.push_back(static_cast<std::uint8_t>(version_instance >> 8));
  out.push_back(static_cast<std::uint8_t>(type));
  out.push_back(static_cast<std::uint8_t>(type >> 8));
  PutLe32(out, static_cast<std::uint32_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
}

// A "Current User" stream pointing at `offset`.
Bytes CurrentUser(std::uint32_t offset) {
  Bytes out = {0, 0, 0xF6, 0x0F, 20, 0, 0, 0, 20, 0, 0, 0};
  PutLe32(out, 0xE391C05F);
  PutLe32(out, offset);
  return out;
}

// A UserEditAtom with the given previous edit and persist directory offsets.
Bytes UserEdit(std::uint32_t last_edit, std::uint32_t persist_directory) {
  Bytes body;
  PutLe32(body, 0);           // lastSlideIdRef
  PutLe32(body, 0x03000000);  // version, minorVersion, majorVersion
  PutLe32(body, last_edit);
  PutLe32(body, persist_directory);
  PutLe32(body, 1);  // docPersistIdRef
  PutLe32(body, 2);  // persistIdSeed
  PutLe32(body, 0);  // lastView, unused
  Bytes out;
  PutRecord(out, 0, kPptUserEditAtom, body);
  return out;
}

TEST_CASE("The VBA project of a presentation is found through its VBAInfoAtom and unpacked") {
  const Bytes data = Load("olevba/sample_with_vba.ppt");
  auto file = CompoundFile::Open(data);
  REQUIRE(file.has_value());
  auto stream = file->ReadStream("PowerPoint Document");
  auto current_user = file->ReadStream("Current User");
  REQUIRE(stream.has_value());
  REQUIRE(current_user.has_value());
  auto user = ReadPptCurrentUser(*current_user);
  REQUIRE(user.has_value());
  CHECK(user->header_token == 0xE391C05Fu);
  CHECK(user->offset_to_current_edit == 43389);
  auto directory = ReadPptPersistDirectory(*stream, user->offset_to_current_edit);
  REQUIRE(directory.has_value());
  REQUIRE(directory->edits.size() == 1);
  CHECK(directory->edits[0].doc_persist_id_ref == 1);
  CHECK(directory->edits[0].encrypt_session_persist_id_ref == 0);
  CHECK(directory->offsets ==
        std::map<std::uint32_t, std::uint32_t>{{1, 0}, {2, 3020}, {3, 39633}, {4, 36444}});

  const PptStorages found = ReadPptStorages(*file);
  CHECK(found.is_powerpoint);
  CHECK(found.anomalies.empty());
  REQUIRE(found.storages.size() == 1);
  const PptStorage& storage = found.storages.front();
  CHECK(storage.offset == 39633);
  CHECK(storage.persist_id == 3);  // VBAInfoAtom.persistIdRef
  CHECK(storage.compressed);
  CHECK(storage.vba_project);
  CHECK_FALSE(storage.truncated);
  CHECK(storage.data.size() == 10240);
  // olevba: "VBA MACRO Module1.bas ... OLE stream: 'VBA/Module1'", Sub Action_Click().
  auto inner = CompoundFile::Open(storage.data);
  REQUIRE(inner.has_value());
  auto projects = ExtractVba(*inner);
  REQUIRE(projects.has_value());
  REQUIRE(projects->size() == 1);
  REQUIRE(projects->front().modules.size() == 1);
  CHECK(projects->front().modules[0].name == "Module1");
  CHECK(projects->front().modules[0].source.find("MsgBox \"The action button clicked!\"") !=
        std::string::npos);
}

TEST_CASE("An OLE Package embedded in a presentation is an ExOleObjStg named by its ProgIdAtom") {
  struct Case {
    const char* name;
    std::uint64_t offset;
    std::size_t size;
  };
  for (const Case& c : {Case{"oleobj/sample_with_lnk_file.ppt", 4277, 6656},
                        Case{"oleobj/embedded-simple-2007.ppt", 37067, 4096}}) {
    INFO(c.name);
    const PptStorages found = StoragesOf(c.name);
    CHECK(found.anomalies.empty());
    REQUIRE(found.storages.size() == 1);
    const PptStorage& storage = found.storages.front();
    CHECK(storage.offset == c.offset);
    CHECK(storage.persist_id == 2);  // ExOleObjAtom.persistIdRef
    CHECK(storage.prog_id == "Package");
    CHECK_FALSE(storage.vba_project);
    CHECK(storage.data.size() == c.size);
    // oleobj: "extract file embedded in OLE object from stream '\x01Ole10Native'".
    auto inner = CompoundFile::Open(storage.data);
    REQUIRE(inner.has_value());
    CHECK(inner->Find("\x01Ole10Native") != nullptr);
  }
}

TEST_CASE("An encrypted presentation's records are not read as storages") {
  const PptStorages found = StoragesOf("encrypted/encrypted.ppt");
  CHECK(found.is_powerpoint);
  CHECK(found.storages.empty());
  CHECK(found.anomalies.empty());
}

TEST_CASE("Other compound files are not presentations") {
  const PptStorages found = StoragesOf("oleobj/embedded-simple-2007.doc");
  CHECK_FALSE(found.is_powerpoint);
  CHECK(found.storages.empty());
}

TEST_CASE("A zlib bomb in an ExOleObjStg stops at the storage limit") {
  const Bytes zeros(8u << 20, 0);
  uLongf packed_size = compressBound(static_cast<uLong>(zeros.size()));
  Bytes packed(packed_size);
  REQUIRE(compress(packed.data(), &packed_size, zeros.data(), static_cast<uLong>(zeros.size())) ==
          Z_OK);
  packed.resize(packed_size);
  Bytes body;
  PutLe32(body, static_cast<std::uint32_t>(zeros.size()));
  body.insert(body.end(), packed.begin(), packed.end());
  Bytes stream;
  PutRecord(stream, 0x0010, kPptExOleObjStg, body);  // recInstance 1: compressed
  PptLimits limits;
  limits.max_storage_size = 1u << 20;
  const PptStorages found = ReadPptStoragesFromStreams(stream, {}, limits);
  REQUIRE(found.storages.size() == 1);
  CHECK(found.storages[0].data.size() == (1u << 20));
  CHECK(found.storages[0].truncated);
  CHECK(HasAnomaly(found.anomalies, "ppt_storage_size_exceeds_limit"));
  CHECK(HasAnomaly(found.anomalies, "ppt_current_user_invalid"));
}

TEST_CASE("A UserEditAtom chain that loops and a record past the end are anomalies") {
  Bytes stream;
  PutRecord(stream, 0, kPptPersistDirectoryAtom, {1, 0, 0x10, 0, 0, 0, 0, 0});  // id 1 -> 0
  const std::uint32_t edit_offset = static_cast<std::uint32_t>(stream.size());
  const Bytes edit = UserEdit(edit_offset, 0);  // its previous edit is itself
  stream.insert(stream.end(), edit.begin(), edit.end());
  PutRecord(stream, 0, 0x1011, Bytes(4, 0));
  stream[stream.size() - 8] = 0xFF;  // recLen of the last record now runs far past the end
  stream[stream.size() - 5] = 0x7F;

  std::vector<analysis::v1::Anomaly> anomalies;
  auto directory = ReadPptPersistDirectory(stream, edit_offset, {}, &anomalies);
  REQUIRE(directory.has_value());
  CHECK(directory->edits.size() == 1);
  CHECK(directory->offsets.at(1) == 0);
  CHECK(HasAnomaly(anomalies, "ppt_user_edit_loop"));

  const PptStorages found = ReadPptStoragesFromStreams(stream, CurrentUser(edit_offset));
  CHECK(HasAnomaly(found.anomalies, "ppt_record_past_end"));
  CHECK(HasAnomaly(found.anomalies, "ppt_user_edit_loop"));
  CHECK_FALSE(ReadPptPersistDirectory(stream, 3).has_value());  // no UserEditAtom there
}

}  // namespace
}  // namespace kensa::ole
