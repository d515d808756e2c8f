// [MS-XCA] 2.2 "LZ77+Huffman" decompression, as Windows 10 stores prefetch files. The input
// is a series of blocks, each producing 65,536 bytes of output: 256 bytes of 4-bit code
// lengths for 512 symbols, then a bit stream of 16-bit little-endian words. Symbols below 256
// are literals; the others encode a match length (low 4 bits) and the bit length of its
// offset (high bits).
#include <algorithm>
#include <array>
#include <memory>

#include "kensa/prefetch/prefetch.h"

namespace kensa::prefetch {
namespace {

constexpr std::size_t kSymbols = 512;
constexpr std::size_t kTableBytes = 256;
constexpr unsigned kMaxCodeLength = 15;
constexpr std::size_t kBlockOutput = 65536;

struct DecodeTable {
  // Indexed by the next 15 bits of the stream: the symbol and its code length.
  std::array<std::uint16_t, 1u << kMaxCodeLength> symbol{};
  std::array<std::uint8_t, 1u << kMaxCodeLength> length{};
};

// Canonical Huffman codes: shorter codes first, and within a length, lower symbols first.
bool BuildTable(ByteSpan lengths_block, DecodeTable* table) {
  std::array<std::uint8_t, kSymbols> lengths{};
  for (std::size_t i = 0; i < kSymbols; ++i) {
    lengths[i] = static_cast<std::uint8_t>((lengths_block[i / 2] >> (4 * (i % 2))) & 0x0F);
  }
  std::uint32_t code = 0;
  std::size_t filled = 0;
  for (unsigned length = 1; length <= kMaxCodeLength; ++length) {
    for (std::size_t symbol = 0; symbol < kSymbols; ++symbol) {
      if (lengths[symbol] != length) continue;
      const std::size_t first = static_cast<std::size_t>(code) << (kMaxCodeLength - length);
      const std::size_t count = std::size_t{1} << (kMaxCodeLength - length);
      if (first + count > table->symbol.size()) return false;  // over-subscribed code
      for (std::size_t i = first; i < first + count; ++i) {
        table->symbol[i] = static_cast<std::uint16_t>(symbol);
        table->length[i] = static_cast<std::uint8_t>(length);
      }
      filled += count;
      ++code;
    }
    code <<= 1;
  }
  return filled > 0;
}

class BitReader {
 public:
  BitReader(ByteSpan data, std::size_t position) : data_(data), position_(position) {
    bits_ = (static_cast<std::uint32_t>(Word()) << 16) | Word();
  }
  std::uint32_t Peek(unsigned count) const { return count == 0 ? 0 : bits_ >> (32 - count); }
  void Skip(unsigned count) {
    if (count == 0) return;
    bits_ = count >= 32 ? 0 : bits_ << count;
    extra_ -= static_cast<int>(count);
    if (extra_ < 0) {
      bits_ |= static_cast<std::uint32_t>(Word()) << static_cast<unsigned>(-extra_);
      extra_ += 16;
    }
  }
  // Bytes stored in the stream itself (long match lengths).
  std::uint8_t Byte() {
    if (position_ < data_.size()) return data_[position_++];
    overrun_ = true;
    return 0;
  }
  std::uint16_t Word() {
    const auto word = ReadLe<std::uint16_t>(data_, position_);
    position_ += 2;
    if (!word) overrun_ = true;
    return word.value_or(0);
  }
  std::size_t position() const { return position_; }
  bool overrun() const { return overrun_; }

 private:
  ByteSpan data_;
  std::size_t position_;
  std::uint32_t bits_ = 0;
  int extra_ = 16;
  bool overrun_ = false;
};

}  // namespace

Result<Bytes> DecompressLzxpressHuffman(ByteSpan data, std::size_t size) {
  Bytes out;
  out.reserve(size);
  std::size_t input = 0;
  auto table = std::make_unique<DecodeTable>();
  while (out.size() < size) {
    if (data.size() < input + kTableBytes + 4) {
      return InvalidArgumentError("LZXPRESS Huffman stream ends at byte " + std::to_string(input) + " after " +
                                  std::to_string(out.size()) + " of " + std::to_string(size) + " bytes");
    }
    *table = DecodeTable{};
    if (!BuildTable(data.subspan(input, kTableBytes), table.get())) {
      return InvalidArgumentError("invalid Huffman code lengths at byte " + std::to_string(input));
    }
    BitReader bits(data, input + kTableBytes);
    const std::size_t block_end = std::min(size, out.size() + kBlockOutput);
    while (out.size() < block_end) {
      const std::uint32_t next = bits.Peek(kMaxCodeLength);
      const unsigned length = table->length[next];
      if (length == 0) return InvalidArgumentError("a bit pattern with no Huffman code");
      std::uint32_t symbol = table->symbol[next];
      bits.Skip(length);
      if (symbol < 256) {
        out.push_back(static_cast<std::uint8_t>(symbol));
      } else {
        symbol -= 256;
        std::size_t match_length = symbol % 16;
        const unsigned offset_bits = symbol / 16;
        if (match_length == 15) {
          match_length = bits.Byte();
          if (match_length == 255) {
            match_length = bits.Word();
            if (match_length < 15) return InvalidArgumentError("an invalid long match length");
            match_length -= 15;
          }
          match_length += 15;
        }
        match_length += 3;
        const std::size_t offset = (std::size_t{1} << offset_bits) + bits.Peek(offset_bits);
        bits.Skip(offset_bits);
        if (offset > out.size()) {
          return InvalidArgumentError("a match reaches " + std::to_string(offset) + " bytes back from output byte " +
                                      std::to_string(out.size()));
        }
        // Byte by byte: matches may overlap their own output (run-length encoding).
        for (std::size_t i = 0; i < match_length && out.size() < size; ++i) out.push_back(out[out.size() - offset]);
      }
      if (bits.overrun()) return InvalidArgumentError("the compressed stream is truncated");
    }
    input = bits.position();
  }
  return out;
}

}  // namespace kensa::prefetch
