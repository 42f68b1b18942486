/* The byte work of a sealed envelope (docs/protocol.md §5.2) in one pass each
 * way: the AEAD under the envelope's nonce layout with ciphertext‖tag as
 * standard padded base64 (RFC 4648 §4), and lowercase hex for MACs.
 * Freestanding C99: no heap, no globals, no libc. */
#ifndef GATEWAY_ENVELOPE_H
#define GATEWAY_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

/* u32_be(direction) ‖ u64_be(nonce) */
void envelope_nonce(uint8_t out[12], uint32_t direction, uint64_t nonce);

/* The nonce an envelope's AAD (device_id "\n" nonce "\n" timestamp "\n" echo)
 * names: its second line, decimal digits without a leading zero, at most
 * 2^53 - 1, ended by "\n". 0 with *nonce set, or -1 when it is not there. */
int envelope_aad_nonce(const uint8_t *aad, size_t aad_len, uint64_t *nonce);

/* Characters of the padded base64 of n bytes. */
size_t base64_length(size_t n);

/* out (base64_length(n) chars) = base64 of in. out may start before in
 * inside one buffer as long as in sits at its end (see envelope_seal). */
void base64_encode(char *out, const uint8_t *in, size_t n);

/* The number of bytes b64 (len chars) holds when it is canonical padded
 * base64: a multiple of 4 characters of the standard alphabet, '=' only as
 * the one or two last, and zero bits where padding cuts a byte. Otherwise -1:
 * whatever a lenient decoder would accept, re-encoding must give b64 back. */
long base64_decoded_length(const char *b64, size_t len);

/* out gets base64(AEAD_seal(key, envelope_nonce(direction, nonce), aad, pt)),
 * base64_length(pt_len + 16) characters. The sealed bytes are built at the
 * end of out and encoded forward in place: out must not overlap aad or pt. */
void envelope_seal(char *out, const uint8_t key[32], uint32_t direction, uint64_t nonce,
                   const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t pt_len);

/* The inverse. b64 must be canonical base64 of ct_len + 16 bytes
 * (base64_decoded_length); out gets the ct_len plaintext bytes and 0 is
 * returned, or -1 when the tag does not verify (out then holds ciphertext,
 * never plaintext) or b64 is not canonical base64 of at least 16 bytes. */
int envelope_open(uint8_t *out, const uint8_t key[32], uint32_t direction, uint64_t nonce,
                  const uint8_t *aad, size_t aad_len, const char *b64, size_t b64_len);

/* out (2n chars) = lowercase hex of in. */
void hex_encode(char *out, const uint8_t *in, size_t n);

/* 1 when hex (hex_len chars) is the lowercase hex of the n bytes at `bytes`,
 * else 0, in time that depends on n and hex_len only. */
int hex_matches(const uint8_t *bytes, size_t n, const char *hex, size_t hex_len);

#endif
