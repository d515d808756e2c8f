#include "binary_rc4.h"

#include <algorithm>
#include <optional>

#include "biff8_workbook.h"

namespace kensa::offcrypto::internal {
namespace {

// [MS-XLS] 2.2.10: the keystream restarts with a new key every 1024 bytes of the stream.
constexpr std::uint64_t kBiffBlock = 1024;

Bytes Le32(std::uint32_t value) {
  return {static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value >> 8),
          static_cast<std::uint8_t>(value >> 16), static_cast<std::uint8_t>(value >> 24)};
}

// The keystream at increasing stream offsets: each block is keyed once and its keystream
// advanced forward, so decrypting a whole stream costs one key per block however short its
// records are (a hostile workbook of 5-byte records would otherwise re-key for each one).
class KeystreamCursor {
 public:
  KeystreamCursor(const Rc4BlockKeys& keys, std::uint64_t block_size)
      : keys_(keys), block_size_(block_size) {}

  // Decrypts [begin, end) of `stream` in place; `begin` never goes backwards between calls.
  void Apply(Bytes& stream, std::uint64_t begin, std::uint64_t end) {
    std::uint64_t position = begin;
    while (position < end) {
      const std::uint64_t block = position / block_size_;
      if (!rc4_ || block != block_) {
        rc4_.emplace(keys_.Key(static_cast<std::uint32_t>(block)));
        block_ = block;
        offset_in_block_ = 0;
      }
      const std::uint64_t wanted = position - block * block_size_;
      rc4_->Skip(static_cast<std::size_t>(wanted - std::min(wanted, offset_in_block_)));
      const std::uint64_t block_end = std::min(end, (block + 1) * block_size_);
      rc4_->Apply(stream.data() + position, static_cast<std::size_t>(block_end - position));
      offset_in_block_ = block_end - block * block_size_;
      position = block_end;
    }
  }

 private:
  const Rc4BlockKeys& keys_;
  std::uint64_t block_size_;
  std::optional<Rc4> rc4_;
  std::uint64_t block_ = 0;
  std::uint64_t offset_in_block_ = 0;  // keystream bytes of the block used so far
};

}  // namespace

Result<Rc4Header> ParseRc4Header(ByteSpan data) {
  constexpr std::size_t kPart = 16;
  if (data.size() < 3 * kPart) return InvalidArgumentError("RC4 encryption header is truncated");
  Rc4Header header;
  header.salt.assign(data.begin(), data.begin() + kPart);
  header.encrypted_verifier.assign(data.begin() + kPart, data.begin() + 2 * kPart);
  header.encrypted_verifier_hash.assign(data.begin() + 2 * kPart, data.begin() + 3 * kPart);
  return header;
}

Rc4BlockKeys Rc4BlockKeys::DeriveRc4(ByteSpan salt, std::string_view password) {
  // 2.3.6.2: passwords are at most 255 characters.
  constexpr std::size_t kMaxPasswordUnits = 255;
  Bytes units = PasswordUtf16(password);
  units.resize(std::min(units.size(), 2 * kMaxPasswordUnits));
  Hasher md5(HashAlgorithm::kMd5);
  const Bytes h0 = md5.Hash(units);
  // 16 copies of (the first 40 bits of H0 || salt).
  constexpr std::size_t kTruncated = 5;
  constexpr std::size_t kCopies = 16;
  Bytes intermediate;
  for (std::size_t i = 0; i < kCopies; ++i) {
    intermediate.insert(intermediate.end(), h0.begin(), h0.begin() + kTruncated);
    intermediate.insert(intermediate.end(), salt.begin(), salt.end());
  }
  Rc4BlockKeys keys;
  keys.base_ = md5.Hash(intermediate);
  keys.base_.resize(kTruncated);
  keys.key_bytes_ = 16;
  return keys;
}

std::optional<Rc4BlockKeys> Rc4BlockKeys::ForRc4(const Rc4Header& header,
                                                 std::string_view password) {
  Rc4BlockKeys keys = DeriveRc4(header.salt, password);
  Hasher md5(HashAlgorithm::kMd5);
  // 2.3.6.4: one keystream over verifier then verifier hash.
  Rc4 rc4(keys.Key(0));
  Bytes verifier = header.encrypted_verifier;
  Bytes verifier_hash = header.encrypted_verifier_hash;
  rc4.Apply(verifier.data(), verifier.size());
  rc4.Apply(verifier_hash.data(), verifier_hash.size());
  if (md5.Hash(verifier) != verifier_hash) return std::nullopt;
  return keys;
}

std::optional<Rc4BlockKeys> Rc4BlockKeys::ForCryptoApi(const CryptoApiHeader& header,
                                                       std::string_view password) {
  const std::uint32_t key_bits = header.key_bits == 0 ? 40 : header.key_bits;
  if (header.alg_id != 0x6801 || key_bits < 40 || key_bits > 128 || key_bits % 8 != 0) {
    return std::nullopt;
  }
  Hasher sha1(HashAlgorithm::kSha1);
  Rc4BlockKeys keys;
  keys.cryptoapi_ = true;
  keys.base_ = sha1.Hash(header.salt, PasswordUtf16(password));
  keys.key_bytes_ = key_bits / 8;
  // 2.3.5.6: verifier and its SHA-1 hash under one keystream of block 0.
  Rc4 rc4(keys.Key(0));
  Bytes verifier = header.encrypted_verifier;
  Bytes verifier_hash = header.encrypted_verifier_hash;
  verifier_hash.resize(header.verifier_hash_size);
  rc4.Apply(verifier.data(), verifier.size());
  rc4.Apply(verifier_hash.data(), verifier_hash.size());
  const Bytes expected = sha1.Hash(verifier);
  if (verifier_hash.size() < expected.size() ||
      !std::equal(expected.begin(), expected.end(), verifier_hash.begin())) {
    return std::nullopt;
  }
  return keys;
}

Bytes Rc4BlockKeys::Key(std::uint32_t block) const {
  if (!cryptoapi_) {
    // 2.3.6.2: MD5(truncated H1 || block), all 128 bits.
    return Hasher(HashAlgorithm::kMd5).Hash(base_, Le32(block));
  }
  // 2.3.5.2: SHA1(H0 || block) cut to the key size; a 40-bit key is padded to 128 bits with
  // zeros (CryptoAPI's "salt" of 40-bit keys).
  Bytes key = Hasher(HashAlgorithm::kSha1).Hash(base_, Le32(block));
  key.resize(key_bytes_);
  if (key_bytes_ == 5) key.resize(16, 0);
  return key;
}

Bytes DecryptBiff8Workbook(ByteSpan workbook, const Rc4BlockKeys& keys) {
  KeystreamCursor cursor(keys, kBiffBlock);
  return DecryptBiff8Records(workbook, [&](Bytes& stream, std::uint64_t begin, std::uint64_t end,
                                           std::uint16_t /*record_size*/) {
    cursor.Apply(stream, begin, end);
  });
}

Bytes DecryptBlocks(ByteSpan stream, const Rc4BlockKeys& keys, std::uint64_t block_size,
                    std::uint64_t clear) {
  Bytes out(stream.begin(), stream.end());
  if (block_size > 0 && clear < out.size()) KeystreamCursor(keys, block_size).Apply(out, clear, out.size());
  return out;
}

}  // namespace kensa::offcrypto::internal
