// Hand-built EVTX files that exercise binary XML features the corpora use rarely: entity and
// character references, CDATA, every substitution flavour, nested BinXml, and hostile
// templates. Layout per libyal's EVTX format document and MS-EVEN6 2.2.12.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kensa/evtx/evtx_parser.h"

namespace kensa::evtx {
namespace {

class Writer {
 public:
  Bytes bytes;

  std::uint32_t pos() const { return static_cast<std::uint32_t>(bytes.size()); }
  void U8(std::uint32_t v) { bytes.push_back(static_cast<std::uint8_t>(v)); }
  void U16(std::uint32_t v) {
    U8(v & 0xFF);
    U8((v >> 8) & 0xFF);
  }
  void U32(std::uint32_t v) {
    U16(v & 0xFFFF);
    U16(v >> 16);
  }
  void U64(std::uint64_t v) {
    U32(static_cast<std::uint32_t>(v));
    U32(static_cast<std::uint32_t>(v >> 32));
  }
  void Chars(std::string_view ascii) {
    for (char c : ascii) U16(static_cast<std::uint8_t>(c));
  }
  // A name reference with the name stored inline (its offset is the position after it).
  void Name(std::string_view ascii) {
    U32(pos() + 4);
    U32(0);  // next name
    U16(0);  // hash, unchecked
    U16(static_cast<std::uint32_t>(ascii.size()));
    Chars(ascii);
    U16(0);
  }
  void Fragment() { bytes.insert(bytes.end(), {0x0F, 0x01, 0x01, 0x00}); }
  void Open(std::string_view name, bool attributes = false, bool dependency_id = true) {
    U8(attributes ? 0x41 : 0x01);
    if (dependency_id) U16(0xFFFF);
    U32(0);  // data size, unused by the reader
    Name(name);
    if (attributes) U32(0);
  }
  void Text(std::string_view ascii) {
    U8(0x05);
    U8(0x01);
    U16(static_cast<std::uint32_t>(ascii.size()));
    Chars(ascii);
  }
  void Attribute(std::string_view name) {
    U8(0x06);
    Name(name);
  }
  void Substitution(std::uint32_t index, std::uint8_t type, bool optional = false) {
    U8(optional ? 0x0E : 0x0D);
    U16(index);
    U8(type);
  }
};

// Wraps record bodies (binary XML, written at their final chunk offsets) into a file.
class FileBuilder {
 public:
  FileBuilder() { chunk_.bytes.resize(512); }

  // Starts a record; write its binary XML into chunk() and call EndRecord().
  void BeginRecord(std::uint64_t id) {
    record_start_ = chunk_.pos();
    chunk_.U32(0x00002A2A);
    chunk_.U32(0);  // size, patched
    chunk_.U64(id);
    chunk_.U64(116444736000000000u + 10);
  }
  void EndRecord() {
    const std::uint32_t size = chunk_.pos() + 4 - record_start_;
    chunk_.U32(size);
    for (int i = 0; i < 4; ++i) {
      chunk_.bytes[record_start_ + 4 + static_cast<std::uint32_t>(i)] =
          static_cast<std::uint8_t>(size >> (8 * i));
    }
  }
  Writer& chunk() { return chunk_; }

  Bytes Build() {
    Bytes chunk = chunk_.bytes;
    const std::string_view magic("ElfChnk\0", 8);
    std::copy(magic.begin(), magic.end(), chunk.begin());
    const std::uint32_t free_space = static_cast<std::uint32_t>(chunk.size());
    for (int i = 0; i < 4; ++i) chunk[48 + static_cast<std::size_t>(i)] =
        static_cast<std::uint8_t>(free_space >> (8 * i));
    Bytes file(4096 + 65536);
    const std::string_view file_magic("ElfFile\0", 8);
    std::copy(file_magic.begin(), file_magic.end(), file.begin());
    std::copy(chunk.begin(), chunk.end(), file.begin() + 4096);
    return file;
  }

 private:
  Writer chunk_;
  std::uint32_t record_start_ = 0;
};

struct Result {
  ParseStats stats;
  std::vector<Event> events;
};

Result Parse(const Bytes& file) {
  Result result;
  REQUIRE(ParseEvtx(file, [&](const Event& e) { result.events.push_back(e); }, &result.stats)
              .ok());
  return result;
}

TEST_CASE("entity and character references and CDATA become plain text") {
  FileBuilder file;
  file.BeginRecord(7);
  Writer& w = file.chunk();
  w.Fragment();
  w.Open("Event");
  w.U8(0x02);
  w.Open("EventData");
  w.U8(0x02);
  w.Open("Data", true);
  w.Attribute("Name");
  w.Text("Cmd");
  w.U8(0x02);
  w.Text("a");
  w.U8(0x09);  // entity reference &amp;
  w.Name("amp");
  w.U8(0x08);  // character reference &#60;
  w.U16('<');
  w.U8(0x07);  // CDATA
  w.U16(3);
  w.Chars("x]y");
  w.U8(0x04);
  w.U8(0x04);
  w.U8(0x04);
  w.U8(0x00);
  file.EndRecord();

  const Result result = Parse(file.Build());
  REQUIRE(result.events.size() == 1);
  CHECK(result.events[0].record_id == 7);
  CHECK(result.events[0].timestamp == "1970-01-01T00:00:00.000001Z");
  REQUIRE(result.events[0].Find("Cmd") != nullptr);
  CHECK(*result.events[0].Find("Cmd") == "a&<x]y");
}

TEST_CASE("a template instance fills its substitutions of every flavour") {
  FileBuilder file;
  file.BeginRecord(1);
  Writer& w = file.chunk();
  w.Fragment();
  w.U8(0x0C);
  w.U8(0x01);
  w.U32(0x1234);      // template id
  w.U32(w.pos() + 4);  // definition follows inline
  w.U32(0);           // next template
  for (int i = 0; i < 16; ++i) w.U8(0);  // GUID
  const std::uint32_t size_at = w.pos();
  w.U32(0);  // body size, patched
  const std::uint32_t body = w.pos();
  w.Fragment();
  w.Open("Event");
  w.U8(0x02);
  w.Open("System");
  w.U8(0x02);
  w.Open("EventID");
  w.U8(0x02);
  w.Substitution(0, 0x06);
  w.U8(0x04);
  w.Open("Provider", true);
  w.Attribute("Name");
  w.Substitution(1, 0x01, true);
  w.U8(0x03);
  w.Open("Security", true);
  w.Attribute("UserID");
  w.Substitution(2, 0x13, true);
  w.U8(0x03);
  w.Open("Correlation", true);
  w.Attribute("ActivityID");
  w.Substitution(4, 0x0F, true);  // null: the attribute is absent
  w.U8(0x03);
  w.U8(0x04);  // </System>
  w.Open("EventData");
  w.U8(0x02);
  w.Open("Data", true);
  w.Attribute("Name");
  w.Text("Flag");
  w.U8(0x02);
  w.Substitution(3, 0x0D);
  w.U8(0x04);
  w.Open("Data", true);
  w.Attribute("Name");
  w.Text("Missing");
  w.U8(0x02);
  w.Substitution(4, 0x01, true);
  w.U8(0x04);
  w.Open("Data");
  w.U8(0x02);
  w.Substitution(5, 0x81);
  w.U8(0x04);
  w.Open("Data", true);
  w.Attribute("Name");
  w.Text("Nested");
  w.U8(0x02);
  w.Substitution(6, 0x21);
  w.U8(0x04);
  w.U8(0x04);  // </EventData>
  w.U8(0x04);  // </Event>
  w.U8(0x00);
  const std::uint32_t body_size = w.pos() - body;
  for (int i = 0; i < 4; ++i) {
    w.bytes[size_at + static_cast<std::uint32_t>(i)] =
        static_cast<std::uint8_t>(body_size >> (8 * i));
  }

  // Substitution array: descriptors, then the values.
  const std::uint32_t count = 7;
  w.U32(count);
  const std::vector<std::pair<std::uint32_t, std::uint8_t>> descriptors = {
      {2, 0x06}, {8, 0x01}, {12, 0x13}, {4, 0x0D}, {0, 0x00}, {8, 0x81}, {0, 0x21}};
  const std::uint32_t descriptors_at = w.pos();
  for (const auto& [size, type] : descriptors) {
    w.U16(size);
    w.U8(type);
    w.U8(0);
  }
  w.U16(4688);
  w.Chars("Prov");
  w.bytes.insert(w.bytes.end(), {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0});
  w.U32(2);  // an irregular true
  w.Chars("x");
  w.U16(0);
  w.Chars("y");
  w.U16(0);
  // Nested BinXml: inside a substitution, element starts have no dependency id.
  const std::uint32_t nested = w.pos();
  w.Fragment();
  w.Open("Inner", false, false);
  w.U8(0x02);
  w.Text("v");
  w.U8(0x04);
  w.U8(0x00);
  const std::uint32_t nested_size = w.pos() - nested;
  w.bytes[descriptors_at + 6 * 4] = static_cast<std::uint8_t>(nested_size);
  file.EndRecord();

  const Result result = Parse(file.Build());
  INFO((result.stats.errors.empty() ? "" : result.stats.errors.front()));
  REQUIRE(result.events.size() == 1);
  const Event& event = result.events[0];
  const auto field = [&](std::string_view name) {
    const std::string* value = event.Find(name);
    return value == nullptr ? std::string("<absent>") : *value;
  };
  CHECK(field("EventID") == "4688");
  CHECK(field("Provider_Name") == "Prov");
  CHECK(field("Security_UserID") == "S-1-5-18");
  CHECK(field("Correlation_ActivityID") == "<absent>");
  CHECK(field("Flag") == "true");
  CHECK(field("Missing").empty());
  CHECK(field("Data[0]") == "x");
  CHECK(field("Data[1]") == "y");
  CHECK(field("Inner") == "v");
  CHECK(event.fields.size() == 8);
}

TEST_CASE("a template that instantiates itself is stopped at the depth limit") {
  FileBuilder file;
  file.BeginRecord(1);
  Writer& w = file.chunk();
  w.Fragment();
  w.U8(0x0C);
  w.U8(0x01);
  w.U32(1);
  const std::uint32_t definition = w.pos() + 4;
  w.U32(definition);
  w.U32(0);
  for (int i = 0; i < 16; ++i) w.U8(0);
  w.U32(4 + 10 + 4 + 1);
  w.Fragment();
  w.U8(0x0C);  // the body instantiates the very same definition
  w.U8(0x01);
  w.U32(1);
  w.U32(definition);
  w.U32(0);  // no substitutions
  w.U8(0x00);
  w.U32(0);  // the outer instance's substitutions
  file.EndRecord();

  const Result result = Parse(file.Build());
  CHECK(result.events.empty());
  CHECK(result.stats.record_errors == 1);
  REQUIRE(result.stats.errors.size() == 1);
  CHECK(result.stats.errors[0] == "chunk 0: record 1: binxml_template_depth_exceeded");
}

TEST_CASE("a template body that reuses a BinXml value is bounded by the token budget") {
  // The body substitutes its BinXml value twice and that value instantiates the template
  // again: without a budget, such shapes re-walk fragments exponentially often.
  FileBuilder file;
  file.BeginRecord(1);
  Writer& w = file.chunk();
  w.Fragment();
  w.U8(0x0C);
  w.U8(0x01);
  w.U32(1);
  const std::uint32_t definition = w.pos() + 4;
  w.U32(definition);
  w.U32(0);
  for (int i = 0; i < 16; ++i) w.U8(0);
  w.U32(4 + 4 + 4 + 1);
  w.Fragment();
  w.Substitution(0, 0x21);
  w.Substitution(0, 0x21);
  w.U8(0x00);
  // One substitution: a BinXml fragment that instantiates the same template again.
  w.U32(1);
  w.U16(4 + 10 + 4 + 1);
  w.U8(0x21);
  w.U8(0);
  w.Fragment();
  w.U8(0x0C);
  w.U8(0x01);
  w.U32(1);
  w.U32(definition);
  w.U32(0);  // no values: the inner substitutions are out of range
  w.U8(0x00);
  file.EndRecord();

  EvtxLimits limits;
  limits.max_tokens_per_record = 5;
  ParseStats stats;
  int events = 0;
  REQUIRE(ParseEvtx(file.Build(), [&](const Event&) { ++events; }, &stats, limits).ok());
  CHECK(events == 0);
  CHECK(stats.record_errors == 1);
  REQUIRE(stats.errors.size() == 1);
  CHECK(stats.errors[0] == "chunk 0: record 1: binxml_token_budget_exceeded");
}

TEST_CASE("a body that repeats one large value is bounded by the text budget") {
  // 600 substitutions of one 30,000-character value would produce 18 MB of text.
  FileBuilder file;
  file.BeginRecord(1);
  Writer& w = file.chunk();
  w.Fragment();
  w.U8(0x0C);
  w.U8(0x01);
  w.U32(1);
  w.U32(w.pos() + 4);
  w.U32(0);
  for (int i = 0; i < 16; ++i) w.U8(0);
  const std::uint32_t size_at = w.pos();
  w.U32(0);
  const std::uint32_t body = w.pos();
  w.Fragment();
  w.Open("Event");
  w.U8(0x02);
  for (int i = 0; i < 600; ++i) w.Substitution(0, 0x01);
  w.U8(0x04);
  w.U8(0x00);
  const std::uint32_t body_size = w.pos() - body;
  for (int i = 0; i < 4; ++i) {
    w.bytes[size_at + static_cast<std::uint32_t>(i)] =
        static_cast<std::uint8_t>(body_size >> (8 * i));
  }
  w.U32(1);
  w.U16(60000);
  w.U8(0x01);
  w.U8(0);
  for (int i = 0; i < 30000; ++i) w.U16('A');
  file.EndRecord();

  const Result result = Parse(file.Build());
  CHECK(result.events.empty());
  REQUIRE(result.stats.errors.size() == 1);
  CHECK(result.stats.errors[0] == "chunk 0: record 1: binxml_text_budget_exceeded");
}

}  // namespace
}  // namespace kensa::evtx
