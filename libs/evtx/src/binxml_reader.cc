#include "binxml_reader.h"

#include <string>

#include "value_format.h"

namespace kensa::evtx::internal {
namespace {

// Binary XML tokens (MS-EVEN6 2.2.12). Bit 0x40 on some tokens means "more data follows"
// (attributes for element starts, further value pieces otherwise); it does not change layout
// except for the attribute list size of an element start.
constexpr std::uint8_t kEndOfStream = 0x00;
constexpr std::uint8_t kOpenStartElement = 0x01;
constexpr std::uint8_t kCloseStartElement = 0x02;
constexpr std::uint8_t kCloseEmptyElement = 0x03;
constexpr std::uint8_t kEndElement = 0x04;
constexpr std::uint8_t kValueText = 0x05;
constexpr std::uint8_t kAttribute = 0x06;
constexpr std::uint8_t kCDataSection = 0x07;
constexpr std::uint8_t kCharRef = 0x08;
constexpr std::uint8_t kEntityRef = 0x09;
constexpr std::uint8_t kPITarget = 0x0A;
constexpr std::uint8_t kPIData = 0x0B;
constexpr std::uint8_t kTemplateInstance = 0x0C;
constexpr std::uint8_t kNormalSubstitution = 0x0D;
constexpr std::uint8_t kOptionalSubstitution = 0x0E;
constexpr std::uint8_t kFragmentHeader = 0x0F;
constexpr std::uint8_t kMoreDataFlag = 0x40;

Status Malformed(const char* code) { return DataLossError(code); }

std::string_view EntityText(std::string_view name) {
  // The five predefined XML entities (XML 1.0 section 4.6); others are kept as &name;.
  if (name == "amp") return "&";
  if (name == "lt") return "<";
  if (name == "gt") return ">";
  if (name == "quot") return "\"";
  if (name == "apos") return "'";
  return {};
}

}  // namespace

const std::string* BinXmlReader::NameAt(std::uint32_t offset) {
  auto it = names_.find(offset);
  if (it != names_.end()) return &it->second;
  // Name (libyal 4.3): next-name offset (4), hash (2), character count (2), UTF-16 characters,
  // terminating NUL.
  const auto units = ReadLe<std::uint16_t>(chunk_, std::uint64_t{offset} + 6);
  if (!units) return nullptr;
  const std::uint64_t text = std::uint64_t{offset} + 8;
  if (text + 2u * *units > chunk_.size()) return nullptr;
  std::string name;
  AppendUtf16(name, chunk_.subspan(static_cast<std::size_t>(text), 2u * *units));
  return &names_.emplace(offset, std::move(name)).first->second;
}

Status BinXmlReader::ReadNameRef(std::uint32_t& pos, std::uint32_t end, const std::string** name) {
  const auto offset = ReadLe<std::uint32_t>(chunk_, pos);
  if (!offset || pos + 4u > end) return Malformed("binxml_truncated_name");
  pos += 4;
  if (*offset == pos) {
    const auto units = ReadLe<std::uint16_t>(chunk_, std::uint64_t{pos} + 6);
    if (!units) return Malformed("binxml_truncated_name");
    const std::uint64_t after = std::uint64_t{pos} + 8 + 2u * *units + 2;
    if (after > end) return Malformed("binxml_truncated_name");
    pos = static_cast<std::uint32_t>(after);
  }
  *name = NameAt(*offset);
  if (*name == nullptr) return Malformed("binxml_bad_name_offset");
  return Status::Ok();
}

Status BinXmlReader::Read(std::uint32_t begin, std::uint32_t end, XmlSink& sink) {
  tokens_ = 0;
  text_bytes_ = 0;
  element_depth_ = 0;
  if (end > chunk_.size() || begin > end) return Malformed("binxml_out_of_chunk");
  std::uint32_t pos = begin;
  return ReadFragment(pos, end, nullptr, 0, false, sink);
}

Status BinXmlReader::ReadTemplateInstance(std::uint32_t& pos, std::uint32_t end, int depth,
                                          XmlSink& sink) {
  if (depth >= limits_.max_template_depth) return Malformed("binxml_template_depth_exceeded");
  // Template instance (libyal 4.7.14): token, unknown byte, template id (4), definition
  // offset (4); the definition (next offset 4, GUID 16, data size 4, data) is stored inline
  // when its offset is the current position, otherwise it was defined earlier in the chunk.
  const auto definition = ReadLe<std::uint32_t>(chunk_, std::uint64_t{pos} + 6);
  if (!definition || pos + 10u > end) return Malformed("binxml_truncated_template_instance");
  pos += 10;
  const auto body_size = ReadLe<std::uint32_t>(chunk_, std::uint64_t{*definition} + 20);
  if (!body_size) return Malformed("binxml_bad_template_offset");
  const std::uint64_t body_begin = std::uint64_t{*definition} + 24;
  const std::uint64_t body_end = body_begin + *body_size;
  if (body_end > chunk_.size()) return Malformed("binxml_bad_template_size");
  if (*definition == pos) {
    if (body_end > end) return Malformed("binxml_truncated_template_definition");
    pos = static_cast<std::uint32_t>(body_end);
  }

  // Substitution array (libyal 4.8): count, then (size 2, type 1, padding 1) descriptors,
  // then the values back to back.
  const auto count = ReadLe<std::uint32_t>(chunk_, pos);
  if (!count || pos + 4u > end) return Malformed("binxml_truncated_substitutions");
  if (*count > limits_.max_substitutions) return Malformed("binxml_too_many_substitutions");
  pos += 4;
  std::vector<Value> values(*count);
  const std::uint64_t descriptors_end = std::uint64_t{pos} + 4u * *count;
  if (descriptors_end > end) return Malformed("binxml_truncated_substitutions");
  std::uint64_t value_pos = descriptors_end;
  for (std::uint32_t i = 0; i < *count; ++i) {
    const std::size_t d = pos + 4u * i;
    values[i].size = static_cast<std::uint32_t>(chunk_[d] | (chunk_[d + 1] << 8));
    values[i].type = chunk_[d + 2];
    values[i].offset = static_cast<std::uint32_t>(value_pos);
    value_pos += values[i].size;
    if (value_pos > end) return Malformed("binxml_truncated_substitution_value");
  }
  pos = static_cast<std::uint32_t>(value_pos);

  std::uint32_t body_pos = static_cast<std::uint32_t>(body_begin);
  return ReadFragment(body_pos, static_cast<std::uint32_t>(body_end), &values, depth + 1, false,
                      sink);
}

Status BinXmlReader::ReadFragment(std::uint32_t& pos, std::uint32_t end,
                                  const std::vector<Value>* values, int depth,
                                  bool in_substitution, XmlSink& sink) {
  // An attribute's value is made of the value tokens that follow its name; it is complete at
  // the next attribute or at the end of the element start.
  const std::string* attribute_name = nullptr;
  std::string attribute_value;
  bool attribute_has_value = false;
  const auto flush_attribute = [&] {
    if (attribute_name != nullptr && attribute_has_value) {
      sink.Attribute(*attribute_name, attribute_value);
    }
    attribute_name = nullptr;
    attribute_value.clear();
    attribute_has_value = false;
  };
  // Returns false once the record's text budget is spent (see EvtxLimits).
  const auto emit = [&](std::string_view text) {
    text_bytes_ += text.size();
    if (text_bytes_ > limits_.max_text_bytes_per_record) return false;
    if (attribute_name != nullptr) {
      attribute_value += text;
      attribute_has_value = true;
    } else {
      sink.Text(text);
    }
    return true;
  };
  const auto budget_spent = [] { return Malformed("binxml_text_budget_exceeded"); };
  std::string scratch;

  while (pos < end) {
    if (++tokens_ > limits_.max_tokens_per_record) return Malformed("binxml_token_budget_exceeded");
    const std::uint8_t token = chunk_[pos];
    switch (token & ~kMoreDataFlag) {
      case kEndOfStream:
        ++pos;
        flush_attribute();
        return Status::Ok();
      case kOpenStartElement: {
        flush_attribute();
        // Element start (libyal 4.7.3): token, dependency id (2, absent inside substitution
        // BinXml), data size (4), name reference, attribute list size (4) when 0x41.
        std::uint32_t at = pos + 1;
        if (!in_substitution) {
          // Some writers omit the dependency id even outside substitutions; a data size that
          // cannot fit the chunk betrays it, so re-read without it (as omerbenamram/evtx does).
          const auto data_size = ReadLe<std::uint32_t>(chunk_, std::uint64_t{at} + 2);
          if (data_size && *data_size <= chunk_.size()) at += 2;
        }
        at += 4;  // data size
        const std::string* name = nullptr;
        KENSA_RETURN_IF_ERROR(ReadNameRef(at, end, &name));
        if ((token & kMoreDataFlag) != 0) at += 4;
        if (at > end) return Malformed("binxml_truncated_element");
        pos = at;
        if (++element_depth_ > limits_.max_element_depth) {
          return Malformed("binxml_element_depth_exceeded");
        }
        sink.StartElement(*name);
        break;
      }
      case kCloseStartElement:
        flush_attribute();
        ++pos;
        break;
      case kCloseEmptyElement:
      case kEndElement:
        flush_attribute();
        ++pos;
        if (element_depth_ <= 0) return Malformed("binxml_unbalanced_end_element");
        --element_depth_;
        sink.EndElement();
        break;
      case kValueText: {
        // Value text (libyal 4.7.8): token, value type (1), then a length-prefixed string.
        const auto type = ReadLe<std::uint8_t>(chunk_, std::uint64_t{pos} + 1);
        const auto units = ReadLe<std::uint16_t>(chunk_, std::uint64_t{pos} + 2);
        if (!type || !units) return Malformed("binxml_truncated_value");
        const std::uint64_t after = std::uint64_t{pos} + 4 + 2u * *units;
        if (after > end) return Malformed("binxml_truncated_value");
        if (*type != kString && *type != kAnsiString) return Malformed("binxml_bad_value_type");
        scratch.clear();
        AppendUtf16(scratch, chunk_.subspan(pos + 4u, 2u * *units));
        if (!emit(scratch)) return budget_spent();
        pos = static_cast<std::uint32_t>(after);
        break;
      }
      case kAttribute: {
        flush_attribute();
        std::uint32_t at = pos + 1;
        const std::string* name = nullptr;
        KENSA_RETURN_IF_ERROR(ReadNameRef(at, end, &name));
        pos = at;
        attribute_name = name;
        break;
      }
      case kCDataSection: {
        const auto units = ReadLe<std::uint16_t>(chunk_, std::uint64_t{pos} + 1);
        if (!units) return Malformed("binxml_truncated_cdata");
        const std::uint64_t after = std::uint64_t{pos} + 3 + 2u * *units;
        if (after > end) return Malformed("binxml_truncated_cdata");
        scratch.clear();
        AppendUtf16(scratch, chunk_.subspan(pos + 3u, 2u * *units));
        if (!emit(scratch)) return budget_spent();
        pos = static_cast<std::uint32_t>(after);
        break;
      }
      case kCharRef: {
        const auto code = ReadLe<std::uint16_t>(chunk_, std::uint64_t{pos} + 1);
        if (!code || pos + 3u > end) return Malformed("binxml_truncated_char_ref");
        scratch.clear();
        AppendUtf8(scratch, *code);
        if (!emit(scratch)) return budget_spent();
        pos += 3;
        break;
      }
      case kEntityRef: {
        std::uint32_t at = pos + 1;
        const std::string* name = nullptr;
        KENSA_RETURN_IF_ERROR(ReadNameRef(at, end, &name));
        pos = at;
        const std::string_view text = EntityText(*name);
        if (!emit(text.empty() ? "&" + *name + ";" : std::string(text))) return budget_spent();
        break;
      }
      case kPITarget: {
        std::uint32_t at = pos + 1;
        const std::string* name = nullptr;
        KENSA_RETURN_IF_ERROR(ReadNameRef(at, end, &name));
        pos = at;  // processing instructions carry no event data
        break;
      }
      case kPIData: {
        const auto units = ReadLe<std::uint16_t>(chunk_, std::uint64_t{pos} + 1);
        if (!units) return Malformed("binxml_truncated_pi_data");
        const std::uint64_t after = std::uint64_t{pos} + 3 + 2u * *units;
        if (after > end) return Malformed("binxml_truncated_pi_data");
        pos = static_cast<std::uint32_t>(after);
        break;
      }
      case kTemplateInstance:
        flush_attribute();
        KENSA_RETURN_IF_ERROR(ReadTemplateInstance(pos, end, depth, sink));
        break;
      case kNormalSubstitution:
      case kOptionalSubstitution: {
        // Substitution (libyal 4.7.12): token, value index (2), value type (1).
        const auto index = ReadLe<std::uint16_t>(chunk_, std::uint64_t{pos} + 1);
        if (!index || pos + 4u > end) return Malformed("binxml_truncated_substitution");
        pos += 4;
        if (values == nullptr || *index >= values->size()) {
          // Outside a template there is nothing to substitute; an out-of-range index in an
          // optional substitution is simply absent.
          if ((token & ~kMoreDataFlag) == kOptionalSubstitution) break;
          return Malformed("binxml_substitution_out_of_range");
        }
        const Value& value = (*values)[*index];
        if (value.type == kNull || value.size == 0) {
          if (attribute_name != nullptr && (token & ~kMoreDataFlag) == kNormalSubstitution) {
            attribute_has_value = true;
          }
          break;
        }
        if (value.type == kBinXml) {
          if (attribute_name != nullptr) break;  // markup cannot be an attribute value
          if (depth >= limits_.max_template_depth) {
            return Malformed("binxml_template_depth_exceeded");
          }
          std::uint32_t nested = value.offset;
          KENSA_RETURN_IF_ERROR(
              ReadFragment(nested, value.offset + value.size, nullptr, depth + 1, true, sink));
          break;
        }
        const ByteSpan bytes = chunk_.subspan(value.offset, value.size);
        if ((value.type & kArrayFlag) != 0 && attribute_name == nullptr) {
          if (!SplitArray(value.type, bytes, &items_)) {
            return Malformed("binxml_bad_substitution_value");
          }
          const auto base = static_cast<std::uint8_t>(value.type & ~kArrayFlag);
          for (std::size_t i = 0; i < items_.size(); ++i) {
            if (i != 0) sink.RepeatElement();
            scratch.clear();
            if (!AppendValue(scratch, base, items_[i])) {
              return Malformed("binxml_bad_substitution_value");
            }
            text_bytes_ += scratch.size();
            if (text_bytes_ > limits_.max_text_bytes_per_record) return budget_spent();
            sink.Text(scratch);
          }
          break;
        }
        scratch.clear();
        if (!AppendValue(scratch, value.type, bytes)) {
          return Malformed("binxml_bad_substitution_value");
        }
        if (!emit(scratch)) return budget_spent();
        break;
      }
      case kFragmentHeader:
        // Fragment header (libyal 4.7.1): token, major, minor, flags.
        if (pos + 4u > end) return Malformed("binxml_truncated_fragment_header");
        pos += 4;
        break;
      default:
        return Malformed("binxml_unknown_token");
    }
  }
  flush_attribute();
  return Status::Ok();
}

}  // namespace kensa::evtx::internal
