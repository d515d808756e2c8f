#include "kensa/hashing/hashes.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>

namespace kensa::hashing {
namespace {

struct EvpContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using EvpContext = std::unique_ptr<EVP_MD_CTX, EvpContextDeleter>;

class Digest {
 public:
  explicit Digest(const EVP_MD* type) : context_(EVP_MD_CTX_new()) {
    if (context_ && EVP_DigestInit_ex(context_.get(), type, nullptr) != 1) context_.reset();
  }
  void Update(ByteSpan data) {
    if (context_) EVP_DigestUpdate(context_.get(), data.data(), data.size());
  }
  std::string FinishHex() {
    if (!context_) return {};
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(context_.get(), digest.data(), &length) != 1) return {};
    return ToHex(ByteSpan(digest.data(), length));
  }

 private:
  EvpContext context_;
};

}  // namespace

std::string Md5Hex(ByteSpan data) {
  Digest md5(EVP_md5());
  md5.Update(data);
  return md5.FinishHex();
}

std::string Sha256Hex(ByteSpan data) {
  Digest sha256(EVP_sha256());
  sha256.Update(data);
  return sha256.FinishHex();
}

void ComputeHashes(ByteSpan data, sample::v1::Hashes& out) {
  // One pass over the bytes for the three cryptographic digests, chunked to stay in cache.
  Digest md5(EVP_md5());
  Digest sha1(EVP_sha1());
  Digest sha256(EVP_sha256());
  constexpr std::size_t kCacheChunk = 64 * 1024;
  for (std::size_t done = 0; done < data.size(); done += kCacheChunk) {
    const ByteSpan chunk = data.subspan(done, std::min(kCacheChunk, data.size() - done));
    md5.Update(chunk);
    sha1.Update(chunk);
    sha256.Update(chunk);
  }
  out.set_md5(md5.FinishHex());
  out.set_sha1(sha1.FinishHex());
  out.set_sha256(sha256.FinishHex());
  out.set_ssdeep(Ssdeep(data));
  out.set_tlsh(Tlsh(data));
}

}  // namespace kensa::hashing
