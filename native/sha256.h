/* SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104).
 * Freestanding C99: no heap, no globals, no libc. */
#ifndef GATEWAY_SHA256_H
#define GATEWAY_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t state[8];
    uint64_t total;     /* bytes absorbed so far */
    uint8_t  block[64]; /* pending partial block */
    size_t   fill;      /* bytes used in block */
} sha256_ctx;

void sha256_init(sha256_ctx *ctx);
void sha256_update(sha256_ctx *ctx, const uint8_t *data, size_t len);
/* Writes the digest and wipes the context. */
void sha256_final(sha256_ctx *ctx, uint8_t out[32]);

void sha256(uint8_t out[32], const uint8_t *data, size_t len);

/* Keys longer than 64 bytes are hashed first, as RFC 2104 says. */
void hmac_sha256(uint8_t out[32], const uint8_t *key, size_t key_len,
                 const uint8_t *data, size_t data_len);

#endif
