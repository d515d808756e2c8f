#pragma once
// The primitives [MS-OFFCRYPTO] needs, over OpenSSL (the one file here that includes it):
// hashes, AES without padding, and RC4. RC4 is Kensa's own few lines: OpenSSL 3 keeps it in
// the "legacy" provider, which a slim image may not ship.

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "kensa/core/bytes.h"

namespace kensa::offcrypto::internal {

enum class HashAlgorithm { kMd5, kSha1, kSha256, kSha384, kSha512 };

// "SHA512" -> kSha512 ([MS-OFFCRYPTO] 2.3.4.10 hashAlgorithm names); nullopt for others.
std::optional<HashAlgorithm> HashAlgorithmByName(std::string_view name);
std::size_t HashSize(HashAlgorithm algorithm);

// Hashes the concatenation of up to three parts, reusing one context across calls: the
// password key derivation calls it 100,000 times per password.
class Hasher {
 public:
  explicit Hasher(HashAlgorithm algorithm);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  Bytes Hash(ByteSpan a, ByteSpan b = {}, ByteSpan c = {});
  std::size_t size() const { return size_; }

 private:
  struct Context;
  std::unique_ptr<Context> context_;
  std::size_t size_ = 0;
};

// AES (key of 16, 24 or 32 bytes) without padding; `data` a multiple of 16 bytes (a partial
// last block is left out). `iv` of 16 bytes for CBC. Empty on a bad key or IV size.
Bytes AesCbcDecrypt(ByteSpan key, ByteSpan iv, ByteSpan data);
Bytes AesEcbDecrypt(ByteSpan key, ByteSpan data);
// Encryption, for the tests' fixtures.
Bytes AesCbcEncrypt(ByteSpan key, ByteSpan iv, ByteSpan data);
Bytes AesEcbEncrypt(ByteSpan key, ByteSpan data);

// RC4 keystream ([MS-OFFCRYPTO] 2.3.6 and 2.3.5 use it with 40- to 128-bit keys).
class Rc4 {
 public:
  explicit Rc4(ByteSpan key);
  // XORs `data` with the next bytes of the keystream (encryption and decryption alike).
  void Apply(std::uint8_t* data, std::size_t size);
  void Skip(std::size_t count);

 private:
  std::uint8_t state_[256] = {};
  std::uint8_t i_ = 0;
  std::uint8_t j_ = 0;
};

// The password as UTF-16LE code units, as every [MS-OFFCRYPTO] key derivation takes it; input
// is UTF-8 (invalid bytes are taken as Latin-1).
Bytes PasswordUtf16(std::string_view password);

// Standard base64 (whitespace ignored); nullopt on other characters.
std::optional<Bytes> DecodeBase64(std::string_view text);

}  // namespace kensa::offcrypto::internal
