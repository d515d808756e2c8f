// Kensa's ssdeep: context triggered piecewise hashing (J. Kornblum, "Identifying almost identical
// files using context triggered piecewise hashing", Digital Investigation 3S, DFRWS 2006, built
// on A. Tridgell's spamsum). It gives the same digests as libfuzzy 2.14's fuzzy_hash_buf(), byte
// for byte. libfuzzy 2.x streams, so it updates the piece hashes of up to 31 block sizes on every
// byte (~22% of triage time on 1 MB PE files); knowing the length up front, Kensa hashes only the
// few block sizes the digest can be made of, as the classic spamsum did.
//
// Digest construction (Kornblum 2006, with libfuzzy's exact rules):
//  1. A rolling hash over the last 7 bytes (an Adler-like sum, a position-weighted sum and a
//     shift/xor hash, added) marks a "trigger point" for block size b wherever
//     rolling hash mod b == b - 1. Block sizes are 3 * 2^k ("level" k), so the trigger points
//     of 2b are a subset of those of b.
//  2. Between trigger points, a piece hash (FNV-1 with its 32-bit prime, of which only the low 6
//     bits matter) runs over the bytes; at each trigger point it becomes one base64 character of
//     that block size's signature and restarts. A signature holds at most 64 characters; once
//     full, its last character is rewritten at every later trigger point and the piece hash no
//     longer restarts, so that character covers the whole tail of the input.
//  3. The first guess is the smallest level with 64 * b >= length. While its signature has fewer
//     than 32 characters (fewer than 32 trigger points) and b > 3, halve b and hash again.
//  4. The digest is "b:sig(b):sig(2b)", where sig(2b) is capped at 32 characters (its piece hash
//     restarts only 31 times), and each signature ends with the character of its unfinished piece
//     unless the rolling hash is 0 at the end (then only a character already written at a full
//     signature's end stays). No run-length elimination: fuzzy_hash_buf passes no flags.
//
// Step 3 costs most PE files one or two halvings (long zero runs have no trigger points: of the
// 594 Wine PE files over 100 kB, 536 need one or two), i.e. two or three passes for the classic
// algorithm. One pass here hashes the guess, its double and the two levels below, and counts the
// trigger points of lower levels still, so one pass, rarely two, suffice.

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>

#include "kensa/hashing/hashes.h"

namespace kensa::hashing {
namespace {

constexpr std::size_t kWindow = 7;            // rolling hash window, bytes
constexpr std::uint32_t kMinBlockSize = 3;    // block size of level 0
constexpr std::size_t kSignatureLength = 64;  // spamsum's SPAMSUM_LENGTH
constexpr std::size_t kHalfSignatureLength = kSignatureLength / 2;
// fuzzy_hash_buf takes 32-bit lengths; the first guess for 2^32 - 1 bytes is level 25.
constexpr std::uint64_t kMaxLength = 0xFFFFFFFFULL;
constexpr unsigned kMaxLevel = 30;  // libfuzzy's largest block size, 3 * 2^30
constexpr unsigned kLevels = kMaxLevel + 2;
constexpr std::uint32_t kFnvPrime = 0x01000193;       // FNV-1's 32-bit prime
constexpr std::uint32_t kPieceHashInit = 0x28021967;  // spamsum's HASH_INIT
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Piece hashes per pass: the guess's double, the guess and the two levels below it, which cover
// all but 3 of those 594 PE files. Only the double needs a 32-character signature (see
// FormatDigest).
constexpr unsigned kHashedLevels = 4;
// Levels below the hashed ones whose trigger points a pass counts, so that a failed pass names
// the level of the next one instead of halving once per pass. The counting test runs on 1 in
// 2^(guess - 6) bytes; 8 levels instead of 4 measured ~40% slower on 1 MiB inputs.
constexpr unsigned kCountedLevels = 4;

// One step of the piece hash. The state is kept at 32 bits as in spamsum, but only its low 6 bits
// ever reach a digest character (libfuzzy 2.x keeps only those): multiplication and xor modulo
// 2^32 never carry high bits down.
constexpr std::uint32_t PieceStep(std::uint32_t hash, std::uint8_t byte) {
  return (hash * kFnvPrime) ^ byte;
}

constexpr char PieceChar(std::uint32_t hash) { return kBase64[hash % 64]; }

// spamsum's rolling hash (Kornblum 2006): h1 is the sum of the window's bytes, h2 their sum
// weighted by recency, h3 a shift/xor hash whose bits leave after 7 bytes. All wrap at 32 bits,
// as the reference's uint32_t arithmetic does.
struct RollingHash {
  std::uint32_t h1 = 0;
  std::uint32_t h2 = 0;
  std::uint32_t h3 = 0;

  // `leaving` is the byte that drops out of the window: 0 for the first 7 bytes, since the
  // reference's window starts as zeros.
  void Update(std::uint8_t entering, std::uint8_t leaving) {
    h2 = h2 - h1 + static_cast<std::uint32_t>(kWindow) * entering;
    h1 = h1 + entering - leaving;
    h3 = (h3 << 5) ^ entering;
  }
  std::uint32_t Sum() const { return h1 + h2 + h3; }
};

// One block size's signature under construction.
class Signature {
 public:
  // `capacity`: 64 for a block size the digest may be named after, 32 for the double.
  explicit Signature(std::size_t capacity = kSignatureLength) : capacity_(capacity) {}

  // Ends the current piece at a trigger point; returns whether the piece hash restarts. Once the
  // signature is full, its last character is rewritten instead and the hash keeps running, so
  // that character covers everything after the one before.
  bool EndPiece(std::uint32_t piece_hash) {
    chars_[length_] = PieceChar(piece_hash);
    if (length_ + 1 >= capacity_) return false;
    ++length_;
    return true;
  }

  // The signature as fuzzy_digest() prints it: the finished characters, then the unfinished
  // piece's, unless the final rolling hash is 0; then only a character already written at a full
  // signature's end (see EndPiece) is kept.
  void AppendTo(std::string& out, std::uint32_t piece_hash, bool rolling_hash_nonzero) const {
    out.append(chars_.data(), length_);
    if (rolling_hash_nonzero) {
      out.push_back(PieceChar(piece_hash));
    } else if (chars_[length_] != '\0') {
      out.push_back(chars_[length_]);
    }
  }

 private:
  std::array<char, kSignatureLength> chars_{};
  std::size_t length_ = 0;
  std::size_t capacity_;
};

// What one pass over the input learns, for levels lowest .. lowest + kHashedLevels - 1 (hashed)
// and lowest_counted .. lowest (counted).
struct Pass {
  unsigned guess = 0;  // the largest level the digest may be named after in this pass
  unsigned lowest = 0;
  unsigned lowest_counted = 0;
  // Index i is level lowest + i; the guess's double (index guess + 1 - lowest) holds 32
  // characters.
  std::array<Signature, kHashedLevels> signatures;
  std::array<std::uint32_t, kHashedLevels> piece_hashes{};
  std::uint32_t final_rolling_sum = 0;
  // Trigger points by the highest level they are one of (at most guess + 1). A trigger point of
  // level j is one of every lower level too.
  std::array<std::uint64_t, kLevels> triggers_by_top_level{};
};

Pass HashPass(ByteSpan data, unsigned guess) {
  Pass pass;
  pass.guess = guess;
  pass.lowest = guess + 2 > kHashedLevels ? guess + 2 - kHashedLevels : 0;
  pass.lowest_counted = pass.lowest > kCountedLevels ? pass.lowest - kCountedLevels : 0;
  const unsigned highest = guess + 1;
  pass.signatures[highest - pass.lowest] = Signature(kHalfSignatureLength);
  // One local per piece hash so that they stay in registers (only the rare trigger path indexes
  // them, through a copy). CMakeLists.txt keeps GCC from vectorizing the four updates, which it
  // would turn into a shift-and-add chain slower than four scalar multiplies. Levels under
  // `lowest` (when the guess is below 2) are hashed harmlessly, to keep counts out of the loop.
  static_assert(kHashedLevels == 4);
  std::uint32_t hash0 = kPieceHashInit;
  std::uint32_t hash1 = kPieceHashInit;
  std::uint32_t hash2 = kPieceHashInit;
  std::uint32_t hash3 = kPieceHashInit;
  RollingHash rolling;
  const std::uint32_t low_bits = (std::uint32_t{1} << pass.lowest_counted) - 1;
  const std::uint8_t* bytes = data.data();
  const std::size_t size = data.size();
  for (std::size_t i = 0; i < size; ++i) {
    const std::uint8_t byte = bytes[i];
    rolling.Update(byte, i >= kWindow ? bytes[i - kWindow] : std::uint8_t{0});
    hash0 = PieceStep(hash0, byte);
    hash1 = PieceStep(hash1, byte);
    hash2 = PieceStep(hash2, byte);
    hash3 = PieceStep(hash3, byte);
    // The classic test, sum mod b == b - 1. (libfuzzy tests (sum + 1) mod b == 0 and sum + 1 !=
    // 0; the same, as 2^32 - 1 is divisible by 3.) For b = 3 * 2^j the sum's low j bits must all
    // be ones: a cheap test that rejects all but 1 in 2^lowest_counted bytes.
    const std::uint32_t sum = rolling.Sum();
    if ((sum & low_bits) != low_bits) [[likely]] continue;
    if (sum % kMinBlockSize != kMinBlockSize - 1) continue;
    // As 3 is odd, sum mod 3 * 2^j == 3 * 2^j - 1 exactly when the sum is 2 mod 3 and its low j
    // bits are ones.
    const unsigned top = std::min(static_cast<unsigned>(std::countr_one(sum)), highest);
    ++pass.triggers_by_top_level[top];
    if (top < pass.lowest) continue;
    std::array<std::uint32_t, kHashedLevels> hashes = {hash0, hash1, hash2, hash3};
    for (unsigned index = 0; index <= top - pass.lowest; ++index) {
      if (pass.signatures[index].EndPiece(hashes[index])) hashes[index] = kPieceHashInit;
    }
    hash0 = hashes[0];
    hash1 = hashes[1];
    hash2 = hashes[2];
    hash3 = hashes[3];
  }
  pass.piece_hashes = {hash0, hash1, hash2, hash3};
  pass.final_rolling_sum = rolling.Sum();
  return pass;
}

// The level libfuzzy names the digest after, if this pass tells: the largest level <= guess with
// at least 32 trigger points (step 3 stops there), or 0. Otherwise the level to guess next: the
// largest counted one with 32, or the first uncounted one.
unsigned ChosenLevel(const Pass& pass) {
  std::uint64_t count = pass.triggers_by_top_level[pass.guess + 1];
  for (unsigned level = pass.guess + 1; level-- > pass.lowest_counted;) {
    count += pass.triggers_by_top_level[level];
    if (count >= kHalfSignatureLength) return level;
  }
  return pass.lowest_counted > 0 ? pass.lowest_counted - 1 : 0;
}

std::string FormatDigest(const Pass& pass, unsigned level) {
  const unsigned first = level - pass.lowest;
  // The second signature: the double's 32-character one if `level` is the guess, else a 64-
  // character one, which is the same because that level has fewer than 32 trigger points (else it
  // would have been chosen), so its piece hash never ran past the 31st.
  const unsigned second = first + 1;
  const bool rolling_nonzero = pass.final_rolling_sum != 0;
  std::string digest = std::to_string(kMinBlockSize << level);
  digest.push_back(':');
  pass.signatures[first].AppendTo(digest, pass.piece_hashes[first], rolling_nonzero);
  digest.push_back(':');
  pass.signatures[second].AppendTo(digest, pass.piece_hashes[second], rolling_nonzero);
  return digest;
}

}  // namespace

std::string Ssdeep(ByteSpan data) {
  if (data.size() > kMaxLength) return {};
  unsigned guess = 0;
  while ((std::uint64_t{kMinBlockSize} << guess) * kSignatureLength < data.size()) ++guess;
  // Each pass that does not decide lowers the guess, so at most kMaxLevel + 1 passes; in
  // practice one, or two for inputs with very few trigger points.
  for (;;) {
    const Pass pass = HashPass(data, guess);
    const unsigned level = ChosenLevel(pass);
    if (level >= pass.lowest) return FormatDigest(pass, level);
    guess = level;
  }
}

}  // namespace kensa::hashing
