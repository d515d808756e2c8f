#ifndef KENSA_COLLECTOR_SHA256_H_
#define KENSA_COLLECTOR_SHA256_H_
// SHA-256 (FIPS 180-4), written here because the collector may not depend on CryptoAPI
// providers that differ between Windows XP and Windows 11. Portable C11.
//
//   Sha256 h; Sha256Init(&h); Sha256Update(&h, data, n); ... Sha256Final(&h, digest);

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SHA256_DIGEST_SIZE 32

typedef struct Sha256 {
  uint32_t state[8];
  uint64_t total_bytes;
  uint8_t block[64];
  size_t block_len;
} Sha256;

void Sha256Init(Sha256* h);
void Sha256Update(Sha256* h, const void* data, size_t n);
void Sha256Final(Sha256* h, uint8_t digest[SHA256_DIGEST_SIZE]);
// The digest as 64 lower-case hex characters and a NUL.
void Sha256Hex(const uint8_t digest[SHA256_DIGEST_SIZE], char hex[65]);

#ifdef __cplusplus
}
#endif

#endif  // KENSA_COLLECTOR_SHA256_H_
