#pragma once
// Decoder of EVTX binary XML (MS-EVEN6 2.2.12 "BinXml"; libyal EVTX format section 4), the
// encoding of an event record's body. It reports the XML document as SAX-like callbacks and
// resolves template instances and their substitution arrays on the fly.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/core/status.h"
#include "kensa/evtx/evtx_parser.h"

namespace kensa::evtx::internal {

// Receives the decoded XML of one record. Text may arrive in several pieces per element.
class XmlSink {
 public:
  virtual ~XmlSink() = default;
  virtual void StartElement(std::string_view name) = 0;
  virtual void Attribute(std::string_view name, std::string_view value) = 0;
  virtual void Text(std::string_view text) = 0;
  virtual void EndElement() = 0;
  // The current element's content was an array value: what came so far is one item, and the
  // element repeats (same name and attributes) for the next one, as Windows renders arrays.
  virtual void RepeatElement() = 0;
};

// Decodes the binary XML of the records of one chunk. Offsets in binary XML (names, template
// definitions) are relative to the chunk start, so the reader holds the whole chunk; it caches
// decoded names per chunk offset. Create one per chunk.
class BinXmlReader {
 public:
  BinXmlReader(ByteSpan chunk, const EvtxLimits& limits) : chunk_(chunk), limits_(limits) {}

  // Decodes the fragment at chunk offsets [begin, end) (a record's event data) into `sink`.
  // Fails with a snake_case reason when the bytes are not valid binary XML.
  Status Read(std::uint32_t begin, std::uint32_t end, XmlSink& sink);

 private:
  struct Value {
    std::uint8_t type = 0;
    std::uint32_t offset = 0;  // chunk offset of the value's bytes
    std::uint32_t size = 0;
  };

  Status ReadFragment(std::uint32_t& pos, std::uint32_t end, const std::vector<Value>* values,
                      int depth, bool in_substitution, XmlSink& sink);
  Status ReadTemplateInstance(std::uint32_t& pos, std::uint32_t end, int depth, XmlSink& sink);
  // A name reference (libyal 4.3 "Name"): a chunk offset of the name, which is stored inline
  // right here when the offset equals the current position. Advances `pos` past both.
  Status ReadNameRef(std::uint32_t& pos, std::uint32_t end, const std::string** name);
  const std::string* NameAt(std::uint32_t offset);

  ByteSpan chunk_;
  const EvtxLimits& limits_;
  std::unordered_map<std::uint32_t, std::string> names_;
  std::uint64_t tokens_ = 0;
  std::uint64_t text_bytes_ = 0;
  int element_depth_ = 0;
  std::vector<ByteSpan> items_;  // scratch for SplitArray
};

}  // namespace kensa::evtx::internal
