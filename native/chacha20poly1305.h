/* ChaCha20, Poly1305 and the ChaCha20-Poly1305 AEAD of RFC 8439.
 * Freestanding C99: no heap, no globals, no libc. */
#ifndef GATEWAY_CHACHA20POLY1305_H
#define GATEWAY_CHACHA20POLY1305_H

#include <stddef.h>
#include <stdint.h>

/* XORs len bytes of the ChaCha20 key stream (starting at block `counter`)
 * into `in`, writing `out`. out may equal in. The 32-bit block counter
 * wraps after 256 GiB: callers keep messages far below that. */
void chacha20_xor(uint8_t *out, const uint8_t *in, size_t len,
                  const uint8_t key[32], const uint8_t nonce[12], uint32_t counter);

/* out (pt_len + 16 bytes) = ciphertext || tag. out may equal pt. */
void chacha20poly1305_seal(uint8_t *out,
                           const uint8_t key[32], const uint8_t nonce[12],
                           const uint8_t *aad, size_t aad_len,
                           const uint8_t *pt, size_t pt_len);

/* sealed = ciphertext || tag (sealed_len >= 16). The tag is checked in
 * constant time before anything is decrypted: on success out gets
 * sealed_len - 16 bytes of plaintext and 0 is returned; otherwise out is
 * not written and -1 is returned. out may equal sealed. */
int chacha20poly1305_open(uint8_t *out,
                          const uint8_t key[32], const uint8_t nonce[12],
                          const uint8_t *aad, size_t aad_len,
                          const uint8_t *sealed, size_t sealed_len);

/* The same with the tag apart from the ciphertext: on success out gets
 * ct_len bytes of plaintext (out may equal ct) and 0 is returned; otherwise
 * out is not written and -1 is returned. */
int chacha20poly1305_open_detached(uint8_t *out,
                                   const uint8_t key[32], const uint8_t nonce[12],
                                   const uint8_t *aad, size_t aad_len,
                                   const uint8_t *ct, size_t ct_len, const uint8_t tag[16]);

#endif
