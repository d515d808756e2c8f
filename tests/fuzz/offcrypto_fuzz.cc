// libFuzzer target: [MS-OFFCRYPTO] detection and decryption over arbitrary bytes. Seed it with
// ../shared/corpora/oletools-tests/tests/test-data/encrypted (agile, RC4 .xls and .doc,
// CryptoAPI .ppt). The whole path runs with the passwords those files use, so mutated RC4
// workbooks and Word documents are decrypted for real; agile headers are parsed but their
// spinCount (100,000) is over the fuzzing limit, so the package decryption and the record
// walkers are also driven directly, with fixed keys, over the input. The static stage's OLE
// Package and CompObj reading runs over the same compound files. XOR obfuscation is driven
// directly too (its key array from the input's first bytes).
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "../../libs/offcrypto/src/binary_rc4.h"
#include "../../libs/offcrypto/src/ecma376.h"
#include "../../libs/offcrypto/src/xor_obfuscation.h"
#include "../../libs/static_analysis/src/ole_package_analyzer.h"
#include "kensa/offcrypto/offcrypto.h"
#include "kensa/ole/compound_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kensa::offcrypto;
  const kensa::ByteSpan bytes(data, size);
  kensa::ole::OleLimits ole_limits;
  ole_limits.max_stream_size = 16u << 20;  // keep each run short
  OffcryptoLimits limits;
  limits.max_spin_count = 1000;  // a real spinCount costs ~50 ms per try
  limits.max_package_size = 16u << 20;
  if (auto file = kensa::ole::CompoundFile::Open(bytes, ole_limits)) {
    const Decryption d = Decrypt(*file, {"VelvetSweatshop", "encrypted"}, limits);
    if (d.outcome == Outcome::kDecrypted && d.document.empty()) __builtin_trap();
    if (d.outcome == Outcome::kDecrypted && d.document[0] == 0xD0) {
      // A decrypted compound file must open again: it is the input with streams rewritten.
      if (!kensa::ole::CompoundFile::Open(d.document, ole_limits)) __builtin_trap();
    }
  }
  kensa::analysis::v1::StaticResult result;
  std::vector<kensa::static_analysis::ExtractedChild> children;
  kensa::static_analysis::AnalyzeOlePackages(bytes, &result, &children);
  std::string wire;  // every name must be valid UTF-8 for the protos downstream
  kensa::analysis::v1::StaticResult back;
  if (!result.SerializeToString(&wire) || !back.ParseFromString(wire)) __builtin_trap();
  for (const auto& child : children) {
    if (child.data.size() > size || child.info.size() != child.data.size()) __builtin_trap();
  }
  // The parsers and walkers alone, on the raw bytes.
  (void)internal::ParseAgileInfo(bytes);
  (void)internal::ParseCryptoApiHeader(bytes);
  if (auto header = internal::ParseRc4Header(bytes)) {
    (void)internal::Rc4BlockKeys::ForRc4(*header, "VelvetSweatshop");
  }
  static const internal::Rc4BlockKeys kKeys =
      internal::Rc4BlockKeys::DeriveRc4(kensa::Bytes(16, 0x11), "VelvetSweatshop");
  const kensa::Bytes book = internal::DecryptBiff8Workbook(bytes, kKeys);
  if (book.size() != size) __builtin_trap();
  (void)internal::DecryptBlocks(bytes, kKeys, 512, 0x44);
  internal::AgileInfo agile;
  agile.key_hash = internal::HashAlgorithm::kSha512;
  agile.block_size = 16;
  agile.key_salt.assign(16, 0x44);
  const kensa::Bytes key(32, 0x55);
  if (auto plain = internal::AgileDecryptPackage(agile, key, bytes, 1u << 20)) {
    if (plain->size() > size) __builtin_trap();
  }
  // XOR obfuscation: the input's first bytes as a password (any byte string, any length), and
  // both deobfuscations over the whole input.
  const std::string password = internal::XorPasswordBytes(
      std::string(reinterpret_cast<const char*>(data), std::min<std::size_t>(size, 20)));
  (void)internal::XorPasswordVerifier(password);
  const internal::XorArray array = internal::CreateXorArray(password);
  if (internal::DeobfuscateBiff8Workbook(bytes, array).size() != size) __builtin_trap();
  if (internal::DeobfuscateWordStream(bytes, array, 0x44).size() != size) __builtin_trap();
  return 0;
}
