#include "sevenzip_header.h"

#include <lzma.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <vector>

namespace kensa::archive {
namespace {

constexpr std::array<std::uint8_t, 6> kSignature = {'7', 'z', 0xBC, 0xAF, 0x27, 0x1C};
constexpr std::size_t kStartHeaderSize = 32;
// libarchive looks for the signature of a self-extracting archive in this window.
constexpr std::size_t kSfxFirst = 0x27000;
constexpr std::size_t kSfxLast = 0x60000;
// 7-Zip's own limits on a folder's coders and streams; more is damage.
constexpr std::uint64_t kMaxCoders = 64;
constexpr std::uint64_t kMaxCoderStreams = 64;
constexpr std::size_t kMaxCoderProperties = 64;
// Pack streams and folders listed in one header: a million is a million non-solid files, far
// beyond any member limit. Bounds this reader's own memory on a hostile header.
constexpr std::uint64_t kMaxListed = std::uint64_t{1} << 20;

// Property ids of 7zFormat.txt.
enum Nid : std::uint8_t {
  kEnd = 0x00,
  kHeader = 0x01,
  kArchiveProperties = 0x02,
  kAdditionalStreamsInfo = 0x03,
  kMainStreamsInfo = 0x04,
  kFilesInfo = 0x05,
  kPackInfo = 0x06,
  kUnpackInfo = 0x07,
  kSubStreamsInfo = 0x08,
  kSize = 0x09,
  kCrc = 0x0A,
  kFolder = 0x0B,
  kCodersUnpackSize = 0x0C,
  kNumUnpackStream = 0x0D,
  kEncodedHeader = 0x17,
};

// Method ids a header may be stored with.
constexpr std::uint64_t kMethodCopy = 0x00;
constexpr std::uint64_t kMethodLzma2 = 0x21;
constexpr std::uint64_t kMethodLzma = 0x030101;
constexpr std::uint64_t kMethodAes = 0x06F10701;

// Header bytes read front to back; every read past the end fails.
class Cursor {
 public:
  explicit Cursor(ByteSpan bytes) : bytes_(bytes) {}

  bool Byte(std::uint8_t* out) {
    if (position_ >= bytes_.size()) return false;
    *out = bytes_[position_++];
    return true;
  }

  // 7z's variable-length number: the first byte's leading one bits count the bytes that follow
  // (little-endian), its remaining bits are the number's high part.
  bool Number(std::uint64_t* out) {
    std::uint8_t first = 0;
    if (!Byte(&first)) return false;
    std::uint64_t value = 0;
    std::uint8_t mask = 0x80;
    for (int index = 0; index < 8; ++index) {
      if ((first & mask) == 0) {
        const std::uint64_t high = first & (mask - 1u);
        *out = value | (high << (8 * index));
        return true;
      }
      std::uint8_t next = 0;
      if (!Byte(&next)) return false;
      value |= std::uint64_t{next} << (8 * index);
      mask = static_cast<std::uint8_t>(mask >> 1);
    }
    *out = value;
    return true;
  }

  bool Skip(std::uint64_t count) {
    if (count > remaining()) return false;
    position_ += static_cast<std::size_t>(count);
    return true;
  }

  bool Take(std::uint64_t count, ByteSpan* out) {
    if (count > remaining()) return false;
    *out = bytes_.subspan(position_, static_cast<std::size_t>(count));
    position_ += static_cast<std::size_t>(count);
    return true;
  }

  std::size_t remaining() const { return bytes_.size() - position_; }
  std::size_t size() const { return bytes_.size(); }

 private:
  ByteSpan bytes_;
  std::size_t position_ = 0;
};

struct Coder {
  std::uint64_t method = 0;
  std::uint64_t in_streams = 1;
  std::uint64_t out_streams = 1;
  Bytes properties;
};

struct Folder {
  std::vector<Coder> coders;
  std::uint64_t out_streams = 0;
  std::vector<std::uint64_t> unpack_sizes;  // one per out stream
  bool crc_defined = false;
};

struct StreamsInfo {
  std::uint64_t pack_position = 0;
  std::vector<std::uint64_t> pack_sizes;
  std::vector<Folder> folders;
};

// Reads a "defined" bit vector of `count` items (all-defined byte first) into `defined`.
bool ReadDefined(Cursor* cursor, std::uint64_t count, std::vector<bool>* defined) {
  std::uint8_t all = 0;
  if (!cursor->Byte(&all)) return false;
  // The vector takes a bit per item: a count beyond the bytes left cannot be real.
  if (count > std::uint64_t{cursor->remaining()} * 8 + 8) return false;
  defined->assign(static_cast<std::size_t>(count), all != 0);
  if (all != 0) return true;
  std::uint8_t byte = 0;
  for (std::size_t index = 0; index < defined->size(); ++index) {
    if (index % 8 == 0 && !cursor->Byte(&byte)) return false;
    (*defined)[index] = (byte & (0x80u >> (index % 8))) != 0;
  }
  return true;
}

// Digests: the defined vector, then a CRC32 per defined item.
bool SkipDigests(Cursor* cursor, std::uint64_t count, std::vector<bool>* defined) {
  if (!ReadDefined(cursor, count, defined)) return false;
  const auto present = static_cast<std::uint64_t>(std::count(defined->begin(), defined->end(), true));
  return cursor->Skip(present * 4);
}

bool ReadPackInfo(Cursor* cursor, StreamsInfo* info) {
  std::uint64_t streams = 0;
  if (!cursor->Number(&info->pack_position) || !cursor->Number(&streams)) return false;
  if (streams > cursor->remaining() || streams > kMaxListed) return false;  // a size takes a byte
  for (;;) {
    std::uint8_t id = 0;
    if (!cursor->Byte(&id)) return false;
    if (id == kEnd) return true;
    if (id == kSize) {
      info->pack_sizes.resize(static_cast<std::size_t>(streams));
      for (auto& size : info->pack_sizes) {
        if (!cursor->Number(&size)) return false;
      }
    } else if (id == kCrc) {
      std::vector<bool> defined;
      if (!SkipDigests(cursor, streams, &defined)) return false;
    } else {
      return false;
    }
  }
}

bool ReadFolder(Cursor* cursor, Folder* folder) {
  std::uint64_t coders = 0;
  if (!cursor->Number(&coders) || coders == 0 || coders > kMaxCoders) return false;
  std::uint64_t in_streams = 0;
  for (std::uint64_t index = 0; index < coders; ++index) {
    std::uint8_t flags = 0;
    if (!cursor->Byte(&flags)) return false;
    Coder coder;
    ByteSpan id;
    if (!cursor->Take(flags & 0x0Fu, &id) || id.size() > 8) return false;
    for (std::uint8_t byte : id) coder.method = (coder.method << 8) | byte;
    if ((flags & 0x10) != 0) {
      if (!cursor->Number(&coder.in_streams) || !cursor->Number(&coder.out_streams)) return false;
      if (coder.in_streams > kMaxCoderStreams || coder.out_streams > kMaxCoderStreams)
        return false;
    }
    if ((flags & 0x20) != 0) {
      std::uint64_t size = 0;
      ByteSpan properties;
      if (!cursor->Number(&size) || !cursor->Take(size, &properties)) return false;
      if (properties.size() <= kMaxCoderProperties)
        coder.properties.assign(properties.begin(), properties.end());
    }
    in_streams += coder.in_streams;
    folder->out_streams += coder.out_streams;
    folder->coders.push_back(std::move(coder));
  }
  if (folder->out_streams == 0) return false;
  const std::uint64_t bind_pairs = folder->out_streams - 1;
  if (in_streams < bind_pairs) return false;
  for (std::uint64_t index = 0; index < bind_pairs * 2; ++index) {
    std::uint64_t stream = 0;
    if (!cursor->Number(&stream)) return false;
  }
  const std::uint64_t packed = in_streams - bind_pairs;
  if (packed > 1) {
    for (std::uint64_t index = 0; index < packed; ++index) {
      std::uint64_t stream = 0;
      if (!cursor->Number(&stream)) return false;
    }
  }
  return true;
}

bool ReadUnpackInfo(Cursor* cursor, StreamsInfo* info) {
  std::uint8_t id = 0;
  std::uint64_t folders = 0;
  std::uint8_t external = 0;
  if (!cursor->Byte(&id) || id != kFolder || !cursor->Number(&folders)) return false;
  if (folders > cursor->remaining() || folders > kMaxListed) return false;  // a folder takes bytes
  if (!cursor->Byte(&external) || external != 0) return false;  // libarchive refuses it too
  // Grown as folders are read, so memory follows the bytes actually there.
  for (std::uint64_t index = 0; index < folders; ++index) {
    Folder folder;
    if (!ReadFolder(cursor, &folder)) return false;
    info->folders.push_back(std::move(folder));
  }
  if (!cursor->Byte(&id) || id != kCodersUnpackSize) return false;
  for (auto& folder : info->folders) {
    folder.unpack_sizes.resize(static_cast<std::size_t>(folder.out_streams));
    for (auto& size : folder.unpack_sizes) {
      if (!cursor->Number(&size)) return false;
    }
  }
  for (;;) {
    if (!cursor->Byte(&id)) return false;
    if (id == kEnd) return true;
    if (id != kCrc) return false;
    std::vector<bool> defined;
    if (!SkipDigests(cursor, folders, &defined)) return false;
    for (std::size_t index = 0; index < defined.size(); ++index)
      info->folders[index].crc_defined = defined[index];
  }
}

bool ReadSubStreamsInfo(Cursor* cursor, const StreamsInfo& info) {
  std::vector<std::uint64_t> streams(info.folders.size(), 1);
  std::uint8_t id = 0;
  if (!cursor->Byte(&id)) return false;
  if (id == kNumUnpackStream) {
    // libarchive allocates three arrays of the total: like files, streams cannot outnumber the
    // header's bytes (each is a file with a name in it).
    std::uint64_t total = 0;
    for (auto& count : streams) {
      if (!cursor->Number(&count)) return false;
      if (count > cursor->size() || total > cursor->size() - count) return false;
      total += count;
    }
    if (!cursor->Byte(&id)) return false;
  }
  if (id == kSize) {
    for (std::uint64_t count : streams) {
      // Every size takes a byte at least: a count past the bytes left ends the loop early.
      if (count > cursor->remaining() + 1) return false;
      for (std::uint64_t index = 1; index < count; ++index) {
        std::uint64_t size = 0;
        if (!cursor->Number(&size)) return false;
      }
    }
    if (!cursor->Byte(&id)) return false;
  }
  while (id != kEnd) {
    if (id != kCrc) return false;
    // Streams whose CRC the folder does not already give.
    std::uint64_t unknown = 0;
    for (std::size_t index = 0; index < streams.size(); ++index) {
      if (streams[index] != 1 || !info.folders[index].crc_defined) {
        if (streams[index] > cursor->remaining() * std::uint64_t{8} + 8) return false;
        unknown += streams[index];
      }
    }
    std::vector<bool> defined;
    if (!SkipDigests(cursor, unknown, &defined)) return false;
    if (!cursor->Byte(&id)) return false;
  }
  return true;
}

bool ReadStreamsInfo(Cursor* cursor, StreamsInfo* info) {
  std::uint8_t id = 0;
  if (!cursor->Byte(&id)) return false;
  if (id == kPackInfo) {
    if (!ReadPackInfo(cursor, info) || !cursor->Byte(&id)) return false;
  }
  if (id == kUnpackInfo) {
    if (!ReadUnpackInfo(cursor, info) || !cursor->Byte(&id)) return false;
  }
  if (id == kSubStreamsInfo) {
    if (!ReadSubStreamsInfo(cursor, *info) || !cursor->Byte(&id)) return false;
  }
  return id == kEnd;
}

// The plain header up to its file count: the count, 0 for a header without a file list, or
// nullopt when the header breaks off or does not follow the format first.
std::optional<std::uint64_t> FileCount(ByteSpan header) {
  Cursor cursor(header);
  std::uint8_t id = 0;
  if (!cursor.Byte(&id) || id != kHeader || !cursor.Byte(&id)) return std::nullopt;
  if (id == kArchiveProperties) {
    for (;;) {
      std::uint8_t type = 0;
      std::uint64_t size = 0;
      if (!cursor.Byte(&type)) return std::nullopt;
      if (type == 0) break;
      if (!cursor.Number(&size) || !cursor.Skip(size)) return std::nullopt;
    }
    if (!cursor.Byte(&id)) return std::nullopt;
  }
  for (const Nid streams : {kAdditionalStreamsInfo, kMainStreamsInfo}) {
    if (id != streams) continue;
    StreamsInfo info;
    if (!ReadStreamsInfo(&cursor, &info) || !cursor.Byte(&id)) return std::nullopt;
  }
  if (id == kEnd) return 0;
  if (id != kFilesInfo) return std::nullopt;
  std::uint64_t files = 0;
  if (!cursor.Number(&files)) return std::nullopt;
  return files;
}

// Decompresses at most `limit` bytes of an LZMA or LZMA2 stream with liblzma's raw decoder;
// the dictionary is cut to the output limit (a dictionary larger than the output is never
// used, and the declared size would be allocated). nullopt when the properties are unusable.
std::optional<Bytes> Decompress(const Coder& coder, ByteSpan packed, std::uint64_t limit) {
  lzma_filter filters[2] = {};
  filters[0].id = coder.method == kMethodLzma ? LZMA_FILTER_LZMA1 : LZMA_FILTER_LZMA2;
  filters[1].id = LZMA_VLI_UNKNOWN;
  if (lzma_properties_decode(&filters[0], nullptr, coder.properties.data(),
                             coder.properties.size()) != LZMA_OK) {
    return std::nullopt;
  }
  auto* options = static_cast<lzma_options_lzma*>(filters[0].options);
  options->dict_size = static_cast<std::uint32_t>(std::min<std::uint64_t>(
      options->dict_size, std::max<std::uint64_t>(limit, LZMA_DICT_SIZE_MIN)));
  lzma_stream stream = LZMA_STREAM_INIT;
  const lzma_ret started = lzma_raw_decoder(&stream, filters);
  free(filters[0].options);  // lzma_properties_decode allocates it with malloc
  if (started != LZMA_OK) return std::nullopt;

  Bytes out;
  stream.next_in = packed.data();
  stream.avail_in = packed.size();
  // The output grows as it fills: a declared size is not allocated up front.
  constexpr std::size_t kStep = 64 * 1024;
  while (out.size() < limit) {
    const std::size_t before = out.size();
    out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(limit, before + kStep)));
    stream.next_out = out.data() + before;
    stream.avail_out = out.size() - before;
    const lzma_ret status = lzma_code(&stream, LZMA_RUN);
    out.resize(out.size() - stream.avail_out);
    if (status != LZMA_OK || out.size() == before) break;  // the end, damage, or no input
  }
  lzma_end(&stream);
  return out;
}

std::string Hex(std::uint64_t value) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string text;
  do {
    text.insert(text.begin(), kDigits[value & 0xF]);
    value >>= 4;
  } while (value != 0);
  return "0x" + text;
}

// The check of one archive that starts at data[0] with a valid start header.
std::optional<std::string> CheckArchive(ByteSpan data) {
  const std::uint64_t next_offset = ReadLe<std::uint64_t>(data, 12).value_or(0);
  const std::uint64_t next_size = ReadLe<std::uint64_t>(data, 20).value_or(0);
  const std::uint64_t body = data.size() - kStartHeaderSize;
  // A header outside the data: libarchive reports the archive truncated by itself.
  if (next_size == 0 || next_offset > body || next_size > body - next_offset) return std::nullopt;
  const ByteSpan header = data.subspan(kStartHeaderSize + next_offset, next_size);

  std::uint64_t header_bytes = next_size;
  Bytes decoded;
  ByteSpan plain = header;
  if (header[0] == kEncodedHeader) {
    Cursor cursor(header.subspan(1));
    StreamsInfo info;
    if (!ReadStreamsInfo(&cursor, &info) || info.folders.size() != 1 || info.pack_sizes.empty())
      return "the encoded header's stream description is damaged";
    const Folder& folder = info.folders.front();
    for (const Coder& coder : folder.coders) {
      if (coder.method == kMethodAes) return std::nullopt;  // libarchive stops at it
    }
    const Coder& coder = folder.coders.front();
    const bool lzma = coder.method == kMethodLzma || coder.method == kMethodLzma2;
    if (folder.coders.size() != 1 || (!lzma && coder.method != kMethodCopy)) return std::nullopt;
    header_bytes = folder.unpack_sizes.front();
    const std::uint64_t packed_at = kStartHeaderSize + info.pack_position;
    if (packed_at > data.size()) return std::nullopt;  // libarchive: truncated
    const ByteSpan packed =
        data.subspan(static_cast<std::size_t>(packed_at),
                     static_cast<std::size_t>(
                         std::min<std::uint64_t>(info.pack_sizes.front(), data.size() - packed_at)));
    const std::uint64_t limit = std::min(header_bytes, kMaxSevenZipHeaderBytes);
    if (lzma) {
      std::optional<Bytes> out = Decompress(coder, packed, limit);
      if (!out) return "the encoded header's " + Hex(coder.method) + " properties are damaged";
      decoded = std::move(*out);
    } else {
      decoded.assign(packed.begin(), packed.begin() + static_cast<std::ptrdiff_t>(
                                                         std::min<std::uint64_t>(packed.size(), limit)));
    }
    plain = decoded;
  }

  const std::optional<std::uint64_t> files = FileCount(plain);
  if (!files) {
    if (header_bytes > kMaxSevenZipHeaderBytes && decoded.size() >= kMaxSevenZipHeaderBytes)
      return "the header is longer than " + std::to_string(kMaxSevenZipHeaderBytes >> 20) +
             " MiB before its file list";
    // libarchive would stop there too, but only after allocating from the counts before it.
    return std::string("the header is damaged or lists more than it holds before its file list");
  }
  if (*files > header_bytes) {
    return "the header declares " + std::to_string(*files) + " files in " +
           std::to_string(header_bytes) + " bytes";
  }
  return std::nullopt;
}

bool HasStartHeader(ByteSpan data) {
  if (data.size() < kStartHeaderSize) return false;
  if (!std::equal(kSignature.begin(), kSignature.end(), data.begin())) return false;
  const std::uint32_t stored = ReadLe<std::uint32_t>(data, 8).value_or(0);
  return crc32(0, data.data() + 12, 20) == stored;
}

}  // namespace

std::optional<std::string> SevenZipHeaderProblem(ByteSpan data) {
  if (HasStartHeader(data)) return CheckArchive(data);
  if (data.size() < 2 || data[0] != 'M' || data[1] != 'Z' || data.size() <= kSfxFirst)
    return std::nullopt;
  const std::size_t last = std::min(data.size(), kSfxLast + kStartHeaderSize);
  for (std::size_t offset = kSfxFirst; offset + kStartHeaderSize <= last; ++offset) {
    const ByteSpan rest = data.subspan(offset);
    if (rest[0] == '7' && HasStartHeader(rest)) return CheckArchive(rest);
  }
  return std::nullopt;
}

}  // namespace kensa::archive
