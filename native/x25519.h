/* X25519 (RFC 7748): constant-time Montgomery ladder over GF(2^255 - 19).
 * Freestanding C99: no heap, no globals, no libc. */
#ifndef GATEWAY_X25519_H
#define GATEWAY_X25519_H

#include <stdint.h>

/* out = X25519(scalar, u). The scalar is clamped here; the top bit of u is
 * ignored. A low-order u gives 32 zero bytes: callers must refuse that. */
void x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t u[32]);

/* out = X25519(scalar, 9): the public key of a private scalar. */
void x25519_base(uint8_t out[32], const uint8_t scalar[32]);

#endif
