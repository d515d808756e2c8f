// Hives written by hivex (hivexregedit --merge, an independent regf writer) from .reg text,
// read back and compared with what the .reg said and with hivexml's reading of the same file;
// then the same hives damaged on purpose.
#include "kensa/regf/hive.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <unistd.h>

#include "kensa/core/file.h"
#include "kensa/core/time.h"
#include "kensa/test_support/command.h"

namespace fs = std::filesystem;
using kensa::Bytes;
using kensa::test_support::RunCommand;
using namespace kensa::regf;

namespace {

// A temporary folder removed with the fixture.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("kensa-regf-test-" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

Bytes MakeHive(const TempDir& dir, const std::string& name, const std::string& reg_text) {
  const fs::path reg = dir.path / (name + ".reg");
  const fs::path hive = dir.path / (name + ".hive");
  std::ofstream(reg, std::ios::binary) << "Windows Registry Editor Version 5.00\r\n\r\n" << reg_text;
  RunCommand("python3 tests/support/make_hive.py '" + hive.string() + "' '" + reg.string() + "'");
  auto bytes = kensa::ReadFileBounded(hive.string(), 64u << 20);
  REQUIRE(bytes.has_value());
  return *bytes;
}

std::string Hex(std::size_t count) {
  std::string text;
  for (std::size_t i = 0; i < count; ++i) {
    char byte[4];
    std::snprintf(byte, sizeof byte, "%02x", static_cast<unsigned>(i % 251));
    if (i) text += ',';
    text += byte;
  }
  return text;
}

const std::string kPersistence =
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n"
    "\"Updater\"=\"C:\\\\Users\\\\Public\\\\upd.exe -k\"\r\n"
    "\"Count\"=dword:0000002a\r\n\r\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Kensa\\Types]\r\n"
    "\"Expand\"=hex(2):25,00,54,00,45,00,4d,00,50,00,25,00,5c,00,78,00,2e,00,65,00,78,00,65,00,00,00\r\n"
    "\"Multi\"=hex(7):61,00,00,00,62,00,63,00,00,00,00,00\r\n"
    "\"Big\"=hex(b):01,00,00,00,02,00,00,00\r\n"
    "\"Bin\"=hex:de,ad,be,ef\r\n"
    "@=\"default\"\r\n"
    // "値"="日本語": hex(1) because hivexregedit reads .reg text as Latin-1.
    "\"\xe5\x80\xa4\"=hex(1):e5,65,2c,67,9e,8a,00,00\r\n\r\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Kensa\\\xe3\x82\xbd\xe3\x83\x95\xe3\x83\x88]\r\n"  // ソフト
    "\"x\"=dword:00000001\r\n\r\n";

}  // namespace

TEST_CASE("values of every common type read back as written") {
  TempDir dir;
  auto hive = Hive::Open(MakeHive(dir, "types", kPersistence));
  REQUIRE(hive.has_value());
  CHECK(hive->header().checksum_ok);
  CHECK_FALSE(hive->header().dirty());
  CHECK(hive->header().file_name == "indows\\System32\\config\\SOFTWARE");
  CHECK(hive->problems().empty());

  const auto run = hive->Find("Microsoft\\Windows\\CurrentVersion\\Run");
  REQUIRE(run.has_value());
  CHECK(run->name == "Run");
  CHECK(run->value_count == 2);
  const auto updater = hive->GetValue(*run, "updater");  // case-insensitive, as Windows
  REQUIRE(updater.has_value());
  CHECK(updater->type == static_cast<std::uint32_t>(ValueType::kString));
  CHECK(ValueText(*updater) == "C:\\Users\\Public\\upd.exe -k");
  CHECK(ValueNumber(*hive->GetValue(*run, "Count")) == 42u);
  CHECK(hive->Find("MICROSOFT\\windows\\currentversion\\RUN").has_value());
  CHECK_FALSE(hive->Find("Microsoft\\Windows\\CurrentVersion\\RunOnce").has_value());

  const auto types = hive->Find("Kensa\\Types");
  REQUIRE(types.has_value());
  std::map<std::string, Value> by_name;
  for (Value& v : hive->Values(*types)) by_name[v.name] = v;
  REQUIRE(by_name.size() == 6);
  CHECK(ValueTypeName(by_name["Expand"].type) == "REG_EXPAND_SZ");
  CHECK(ValueText(by_name["Expand"]) == "%TEMP%\\x.exe");
  CHECK(ValueStrings(by_name["Multi"]) == std::vector<std::string>{"a", "bc"});
  CHECK(ValueText(by_name["Multi"]) == "a\nbc");
  CHECK(ValueNumber(by_name["Big"]) == 0x0000000200000001ull);
  CHECK(ValueText(by_name["Bin"]) == "deadbeef");
  CHECK(ValueText(by_name[""]) == "default");
  CHECK(ValueText(by_name["\xe5\x80\xa4"]) == "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");

  // A key name outside Latin-1 is stored in UTF-16.
  const auto japanese = hive->Find("Kensa\\\xe3\x82\xbd\xe3\x83\x95\xe3\x83\x88");
  REQUIRE(japanese.has_value());
  CHECK(ValueNumber(*hive->GetValue(*japanese, "x")) == 1u);
}

TEST_CASE("large values, many subkeys and a full walk agree with hivexml") {
  TempDir dir;
  std::string reg = "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Kensa\\Large]\r\n\"Blob\"=hex:" + Hex(40000) + "\r\n\r\n";
  constexpr int kMany = 1200;  // more than one subkey list block
  for (int i = 0; i < kMany; ++i) {
    char line[128];
    std::snprintf(line, sizeof line, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Kensa\\Many\\Key%04d]\r\n\"n\"=dword:%08x\r\n\r\n", i, i);
    reg += line;
  }
  const Bytes bytes = MakeHive(dir, "large", reg);
  auto hive = Hive::Open(bytes);
  REQUIRE(hive.has_value());

  const auto large = hive->Find("Kensa\\Large");
  REQUIRE(large.has_value());
  const auto blob = hive->GetValue(*large, "Blob");
  REQUIRE(blob.has_value());
  REQUIRE(blob->data.size() == 40000);
  CHECK_FALSE(blob->truncated);
  for (std::size_t i = 0; i < blob->data.size(); i += 997) CHECK(blob->data[i] == i % 251);

  const auto many = hive->Find("Kensa\\Many");
  REQUIRE(many.has_value());
  std::vector<std::string> problems;
  const auto subkeys = hive->Subkeys(*many, &problems);
  CHECK(problems.empty());
  REQUIRE(subkeys.size() == kMany);
  const auto key0777 = hive->Find("Kensa\\Many\\Key0777");
  REQUIRE(key0777.has_value());
  CHECK(ValueNumber(*hive->GetValue(*key0777, "n")) == 777u);

  // Every key hivexml lists, Kensa walks, and no other.
  const fs::path path = dir.path / "large.hive";
  const std::string xml = RunCommand("hivexml '" + path.string() + "'");
  const std::regex node(R"(<node name=")");
  const auto hivex_nodes = std::distance(std::sregex_iterator(xml.begin(), xml.end(), node), std::sregex_iterator());
  std::size_t walked = 0;
  hive->Walk([&walked](const std::string&, const Key&) { ++walked; }, &problems);
  CHECK(problems.empty());
  CHECK(static_cast<std::ptrdiff_t>(walked + 1) == hivex_nodes);  // hivexml counts the root
  CHECK(walked == 3 + kMany);  // Kensa, Kensa\Large, Kensa\Many and the keys below Many
}

// Appends one hive bin holding `cells` (each given as its payload) and returns their offsets.
std::vector<std::uint32_t> AppendHiveBin(Bytes& hive, const std::vector<Bytes>& cells) {
  const auto bins_size = *kensa::ReadLe<std::uint32_t>(hive, 0x28);
  std::vector<std::uint32_t> offsets;
  Bytes bin(32, 0);
  std::memcpy(bin.data(), "hbin", 4);
  for (const Bytes& payload : cells) {
    offsets.push_back(static_cast<std::uint32_t>(bins_size + bin.size()));
    const std::size_t size = (4 + payload.size() + 7) & ~std::size_t{7};
    const auto negative = static_cast<std::uint32_t>(-static_cast<std::int32_t>(size));
    for (int i = 0; i < 4; ++i) bin.push_back(static_cast<std::uint8_t>(negative >> (8 * i)));
    bin.insert(bin.end(), payload.begin(), payload.end());
    bin.resize(bin.size() + size - 4 - payload.size(), 0);
  }
  bin.resize((bin.size() + 4095) & ~std::size_t{4095}, 0);
  const auto put32 = [](Bytes& b, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
  };
  put32(bin, 4, bins_size);
  put32(bin, 8, static_cast<std::uint32_t>(bin.size()));
  hive.resize(4096 + bins_size, 0);
  hive.insert(hive.end(), bin.begin(), bin.end());
  put32(hive, 0x28, static_cast<std::uint32_t>(bins_size + bin.size()));
  std::uint32_t checksum = 0;  // the base block changed: its checksum follows, as Windows keeps it
  for (std::size_t at = 0; at < 0x1FC; at += 4) checksum ^= *kensa::ReadLe<std::uint32_t>(hive, at);
  put32(hive, 0x1FC, checksum);
  return offsets;
}

TEST_CASE("big data values are joined from their segments") {
  // hivex never writes "db" cells (Windows does for values above 16,344 bytes since hive
  // version 1.4), so the value "Bin" is re-pointed at three segments laid out by hand.
  TempDir dir;
  Bytes bytes = MakeHive(dir, "bigdata", kPersistence);
  const Bytes segment_a(16344, 0xAA), segment_b(16344, 0xBB), segment_c(100, 0xCC);
  auto offsets = AppendHiveBin(bytes, {segment_a, segment_b, segment_c});
  Bytes list(12, 0);
  for (std::size_t i = 0; i < 3; ++i) std::memcpy(list.data() + 4 * i, &offsets[i], 4);  // little-endian host
  const auto list_offset = AppendHiveBin(bytes, {list}).front();
  Bytes db = {'d', 'b', 3, 0, 0, 0, 0, 0};
  std::memcpy(db.data() + 4, &list_offset, 4);
  const auto db_offset = AppendHiveBin(bytes, {db}).front();
  // The "Bin" value: "vk", name length 3, ... name at 0x14.
  const std::string needle = std::string("vk\x03\x00", 4);
  std::size_t vk = 0;
  for (std::size_t at = 4096; at + 0x17 < bytes.size(); ++at) {
    if (std::memcmp(bytes.data() + at, needle.data(), 4) == 0 && std::memcmp(bytes.data() + at + 0x14, "Bin", 3) == 0) {
      vk = at;
      break;
    }
  }
  REQUIRE(vk != 0);
  const std::uint32_t size = 16344 * 2 + 100;
  std::memcpy(bytes.data() + vk + 4, &size, 4);
  std::memcpy(bytes.data() + vk + 8, &db_offset, 4);

  auto hive = Hive::Open(bytes);
  REQUIRE(hive.has_value());
  CHECK(hive->problems().empty());
  const auto value = hive->GetValue(*hive->Find("Kensa\\Types"), "Bin");
  REQUIRE(value.has_value());
  REQUIRE(value->data.size() == size);
  CHECK_FALSE(value->truncated);
  CHECK(value->data[0] == 0xAA);
  CHECK(value->data[16344] == 0xBB);
  CHECK(value->data[size - 1] == 0xCC);

  // A value larger than the limit is cut there and flagged.
  HiveLimits limits;
  limits.max_value_bytes = 20000;
  auto limited = Hive::Open(bytes, limits);
  const auto cut = limited->GetValue(*limited->Find("Kensa\\Types"), "Bin");
  CHECK(cut->data.size() == 20000);
  CHECK(cut->truncated);
}

TEST_CASE("damaged hives are read as far as they go and say what is wrong") {
  TempDir dir;
  const Bytes good = MakeHive(dir, "damaged", kPersistence);

  SECTION("not a hive") {
    const Bytes text(5000, 'A');
    CHECK(Hive::Open(text).error().code() == kensa::StatusCode::kInvalidArgument);
    CHECK_FALSE(Hive::Open(Bytes(good.begin(), good.begin() + 100)).has_value());
  }
  SECTION("a changed base block fails its checksum; a dirty hive is flagged") {
    Bytes bad = good;
    bad[0x08] ^= 0x01;  // the secondary sequence number
    auto hive = Hive::Open(bad);
    REQUIRE(hive.has_value());
    CHECK_FALSE(hive->header().checksum_ok);
    CHECK(hive->header().dirty());
    REQUIRE(hive->problems().size() == 2);
    CHECK(hive->problems()[1].find(".LOG1/.LOG2") != std::string::npos);
  }
  SECTION("a truncated hive keeps what is left and reports the missing bins") {
    auto hive = Hive::Open(Bytes(good.begin(), good.begin() + 4096 + 4096 + 100));
    REQUIRE(hive.has_value());
    REQUIRE_FALSE(hive->problems().empty());
    CHECK(hive->problems().back().find("truncated") != std::string::npos);
    std::vector<std::string> problems;
    hive->Walk([](const std::string&, const Key&) {}, &problems);
    CHECK_FALSE(problems.empty());
  }
  SECTION("a subkey list pointing back at the root does not loop") {
    auto hive = Hive::Open(good);
    REQUIRE(hive.has_value());
    const auto kensa_key = hive->Find("Kensa");
    REQUIRE(kensa_key.has_value());
    // Point the first entry of Kensa's subkey list at the root key.
    Bytes looped = good;
    const std::size_t nk = 4096 + kensa_key->cell + 4;
    const std::uint32_t list = *kensa::ReadLe<std::uint32_t>(looped, nk + 0x1C);
    const std::uint32_t root = hive->header().root_cell;
    for (int i = 0; i < 4; ++i) looped[4096 + list + 4 + 4 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(root >> (8 * i));
    auto looped_hive = Hive::Open(looped);
    REQUIRE(looped_hive.has_value());
    std::vector<std::string> problems;
    std::size_t visits = 0;
    looped_hive->Walk([&visits](const std::string&, const Key&) { ++visits; }, &problems);
    CHECK(visits < 20);
    REQUIRE_FALSE(problems.empty());
    CHECK(problems.front().find("reached twice") != std::string::npos);
  }
}
