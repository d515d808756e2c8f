// Kensa's ssdeep (src/ssdeep.cc) against libfuzzy 2.14's fuzzy_hash_buf(), the implementation it
// replaces, which is linked into this test only, as the oracle.

#include <fuzzy.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "kensa/core/file.h"
#include "kensa/hashing/hashes.h"

namespace kensa::hashing {
namespace {

std::string Libfuzzy(ByteSpan data) {
  static const std::uint8_t kEmpty = 0;
  std::array<char, FUZZY_MAX_RESULT> result{};
  const std::uint8_t* bytes = data.empty() ? &kEmpty : data.data();
  if (fuzzy_hash_buf(bytes, static_cast<std::uint32_t>(data.size()), result.data()) != 0) {
    return "libfuzzy failed";
  }
  return std::string(result.data());
}

// `count` bytes of the C library's classic LCG from `seed`, keeping the bits under `mask` (a
// small mask gives low-entropy data).
Bytes Lcg(std::size_t count, std::uint64_t seed = 42, std::uint8_t mask = 0xFF) {
  Bytes out(count);
  std::uint64_t x = seed;
  for (auto& byte : out) {
    x = (x * 1103515245ULL + 12345ULL) % (1ULL << 31);
    byte = static_cast<std::uint8_t>((x >> 16) & mask);
  }
  return out;
}

// `length` bytes repeating `pattern`.
Bytes Repeat(const std::string& pattern, std::size_t length) {
  Bytes out(length);
  for (std::size_t i = 0; i < length; ++i) {
    out[i] = static_cast<std::uint8_t>(pattern[i % pattern.size()]);
  }
  return out;
}

Bytes Concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Mostly zeros with one LCG byte every `stride` bytes, like a PE file's padding and tables.
Bytes Sparse(std::size_t length, std::size_t stride) {
  Bytes out(length, 0);
  const Bytes noise = Lcg(length / stride + 1, 7);
  for (std::size_t i = 0; i < length; i += stride) out[i] = noise[i / stride];
  return out;
}

// The first signature of a digest "b:sig1:sig2".
std::string FirstSignature(const std::string& digest) {
  const auto first = digest.find(':');
  const auto second = digest.find(':', first + 1);
  return digest.substr(first + 1, second - first - 1);
}

TEST_CASE("Ssdeep gives the digests libfuzzy gives for fixed inputs") {
  CHECK(Ssdeep({}) == "3::");
  CHECK(Libfuzzy({}) == "3::");
  const Bytes mz = {'M', 'Z'};
  CHECK(Ssdeep(mz) == Libfuzzy(mz));
  CHECK(Ssdeep(mz) == "3:i:i");
  // Seven or more zeros leave a rolling hash of 0: no final character for the open pieces.
  CHECK(Ssdeep(Bytes(1000, 0)) == "3::");
  CHECK(Libfuzzy(Bytes(1000, 0)) == "3::");
}

TEST_CASE("Ssdeep equals libfuzzy for every length from 0 to 300 bytes") {
  for (std::size_t length = 0; length <= 300; ++length) {
    const Bytes random = Lcg(length);
    INFO("length " << length);
    CHECK(Ssdeep(random) == Libfuzzy(random));
    const Bytes text = Repeat("MZ\x90 This program cannot be run in DOS mode.\r\n", length);
    CHECK(Ssdeep(text) == Libfuzzy(text));
    const Bytes low = Lcg(length, 3, 0x03);
    CHECK(Ssdeep(low) == Libfuzzy(low));
  }
}

TEST_CASE("Ssdeep equals libfuzzy at every block size boundary up to 3 MiB") {
  // The first block size guess changes where 3 * 2^k * 64 crosses the length.
  for (unsigned k = 0; k <= 14; ++k) {
    const std::size_t boundary = (std::size_t{3} << k) * 64;
    for (const std::size_t length : {boundary - 1, boundary, boundary + 1}) {
      INFO("length " << length);
      const Bytes random = Lcg(length, 1000 + k);
      CHECK(Ssdeep(random) == Libfuzzy(random));
      const Bytes sparse = Sparse(length, 5);
      CHECK(Ssdeep(sparse) == Libfuzzy(sparse));
    }
  }
}

TEST_CASE("Ssdeep equals libfuzzy for many lengths of random data") {
  for (std::size_t length = 301; length < 200000; length = length * 9 / 8 + 7) {
    INFO("length " << length);
    const Bytes random = Lcg(length, length);
    CHECK(Ssdeep(random) == Libfuzzy(random));
  }
}

TEST_CASE("Ssdeep equals libfuzzy on low-entropy and repetitive data") {
  std::vector<Bytes> inputs;
  for (const std::size_t length : {999U, 4096U, 65536U, 300000U}) {
    inputs.push_back(Bytes(length, 0x00));
    inputs.push_back(Bytes(length, 0xFF));
    inputs.push_back(Repeat("AB", length));
    inputs.push_back(Repeat("abcdefg", length));  // the window's length
    inputs.push_back(Repeat("0123456789abcdef", length));
    inputs.push_back(Lcg(length, 11, 0x01));
    inputs.push_back(Lcg(length, 12, 0x0F));
    inputs.push_back(Sparse(length, 3));
    inputs.push_back(Sparse(length, 61));
    inputs.push_back(Sparse(length, 1024));
    // Halves of different entropy make the first guess fail.
    inputs.push_back(Concat(Lcg(length / 2, 13), Bytes(length / 2, 0)));
    inputs.push_back(Concat(Bytes(length / 2, 0), Lcg(length / 2, 14)));
    inputs.push_back(Concat(Lcg(length / 8, 15), Bytes(length, 0)));
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    INFO("input " << i << ", " << inputs[i].size() << " bytes");
    CHECK(Ssdeep(inputs[i]) == Libfuzzy(inputs[i]));
  }
}

TEST_CASE("A full signature keeps its last character when the input ends in zeros") {
  // With the rolling hash 0 at the end there is no character for the open piece, but a full
  // (64-character) signature keeps the one its last trigger point wrote. Random bytes followed by
  // zeros reach that case: the zeros add no trigger points, so the block size halves until the
  // random part alone yields 64 or more pieces.
  const Bytes input = Concat(Lcg(1750, 21), Bytes(30000, 0));
  const std::string digest = Ssdeep(input);
  CHECK(digest ==
        "24:JMn/cbN8Ig8rN5oYQPSNx7IdscVZEQiJ7j27P1gIBKrUDj4tqzJ2jD6UKeRjwQVs:"
        "Ekp8Q3QsxMdscVZEhJumFIVJM53tW");
  CHECK(digest == Libfuzzy(input));
  CHECK(FirstSignature(digest).size() == 64);
}

TEST_CASE("Ssdeep equals libfuzzy when the first guess is 11 halvings too large") {
  // 2 KiB of random bytes, then 4 MiB of zeros (no trigger points): the guess is 3 * 2^15, the
  // digest's block size 48 (3 * 2^4). Kensa gets there in three passes (see kCountedLevels).
  const Bytes input = Concat(Lcg(2048, 31), Bytes(4U << 20, 0));
  const std::string digest = Ssdeep(input);
  CHECK(digest == "48:iVeAUOPXM+kicMp1UAUsjyI9BYxhQGa4F+rh9m:iVeqPcxy91jyIEx3rFGm");
  CHECK(digest == Libfuzzy(input));
}

// Every regular file under `directory` (recursively), in a stable order.
std::vector<std::string> FilesUnder(const std::string& directory) {
  std::vector<std::string> files;
  std::error_code error;
  for (std::filesystem::recursive_directory_iterator it(directory, error), end;
       !error && it != end; it.increment(error)) {
    if (it->is_regular_file(error)) files.push_back(it->path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST_CASE("Ssdeep equals libfuzzy on every corkami PE file and plaso test file") {
  const std::vector<std::string> pe_files = FilesUnder("../shared/corpora/corkami/PE/bin");
  const std::vector<std::string> plaso_files =
      FilesUnder("../shared/corpora/plaso-test-data/test_data");
  CHECK(pe_files.size() == 233);
  CHECK(plaso_files.size() == 19);
  std::size_t compared = 0;
  for (const auto* files : {&pe_files, &plaso_files}) {
    for (const std::string& path : *files) {
      const auto contents = ReadFileBounded(path, 64U << 20);
      INFO(path);
      REQUIRE(contents.has_value());
      CHECK(Ssdeep(*contents) == Libfuzzy(*contents));
      ++compared;
    }
  }
  CHECK(compared == 252);
}

}  // namespace
}  // namespace kensa::hashing
