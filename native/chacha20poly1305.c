/* ChaCha20, Poly1305 and the ChaCha20-Poly1305 AEAD of RFC 8439. */
#include "chacha20poly1305.h"

/* GATEWAY_CRYPTO_PORTABLE forces the 32-bit code (what the ESP32 runs) on a
 * 64-bit host, so that code can be tested there. */
#if defined(__SIZEOF_INT128__) && !defined(GATEWAY_CRYPTO_PORTABLE)
#define WIDE 1
__extension__ typedef unsigned __int128 u128;
#else
#define WIDE 0
#endif

/* Wide hosts compute LANES ChaCha blocks side by side in GCC/Clang vector
 * types (SIMD where the target has it); elsewhere a lane is one word. */
#if WIDE
#define LANES 4
typedef uint32_t lanes __attribute__((vector_size(4 * LANES)));
#define LANE(v, l) ((v)[l])
static const lanes LANE_INDEX = {0, 1, 2, 3};
#else
#define LANES 1
typedef uint32_t lanes;
#define LANE(v, l) (v)
#define LANE_INDEX 0
#endif

static void wipe(void *p, size_t n)
{
    volatile uint8_t *v = (volatile uint8_t *)p;
    while (n--) *v++ = 0;
}

static uint32_t load32_le(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void store32_le(uint8_t *p, uint32_t x)
{
    p[0] = (uint8_t)x; p[1] = (uint8_t)(x >> 8); p[2] = (uint8_t)(x >> 16); p[3] = (uint8_t)(x >> 24);
}

/* ---------------------------------------------------------------- ChaCha20 */

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

#define QR(a, b, c, d)                                 \
    x[a] += x[b]; x[d] ^= x[a]; x[d] = ROTL(x[d], 16); \
    x[c] += x[d]; x[b] ^= x[c]; x[b] = ROTL(x[b], 12); \
    x[a] += x[b]; x[d] ^= x[a]; x[d] = ROTL(x[d], 8);  \
    x[c] += x[d]; x[b] ^= x[c]; x[b] = ROTL(x[b], 7);

static void chacha20_init(uint32_t st[16], const uint8_t key[32],
                          const uint8_t nonce[12], uint32_t counter)
{
    int i;
    st[0] = 0x61707865; st[1] = 0x3320646e; st[2] = 0x79622d32; st[3] = 0x6b206574;
    for (i = 0; i < 8; i++) st[4 + i] = load32_le(key + 4 * i);
    st[12] = counter;
    for (i = 0; i < 3; i++) st[13 + i] = load32_le(nonce + 4 * i);
}

/* Word-sized volatile stores: byte-wise wiping of the lane buffers costs
 * more than a short message's encryption. */
static void wipe_lanes(lanes *x, size_t n)
{
    volatile lanes *v = x;
    while (n--) *v++ = (lanes){0};
}

/* x = LANES consecutive key-stream blocks (as words) for the state st,
 * whose counter then advances by LANES. */
static void chacha20_core(lanes x[16], uint32_t st[16])
{
    lanes init12;
    int i;
    for (i = 0; i < 16; i++) x[i] = (lanes){0} + st[i];
    x[12] += LANE_INDEX;
    init12 = x[12];
    for (i = 0; i < 10; i++) {
        QR(0, 4, 8, 12) QR(1, 5, 9, 13) QR(2, 6, 10, 14) QR(3, 7, 11, 15)
        QR(0, 5, 10, 15) QR(1, 6, 11, 12) QR(2, 7, 8, 13) QR(3, 4, 9, 14)
    }
    for (i = 0; i < 16; i++) x[i] += i == 12 ? init12 : (lanes){0} + st[i];
    st[12] += LANES;
}

void chacha20_xor(uint8_t *out, const uint8_t *in, size_t len,
                  const uint8_t key[32], const uint8_t nonce[12], uint32_t counter)
{
    uint32_t st[16];
    lanes x[16];
    size_t j;
    int w, l;
    chacha20_init(st, key, nonce, counter);
    for (; len >= 64 * LANES; len -= 64 * LANES, in += 64 * LANES, out += 64 * LANES) {
        chacha20_core(x, st);
        for (l = 0; l < LANES; l++)
            for (w = 0; w < 16; w++)
                store32_le(out + 64 * l + 4 * w, load32_le(in + 64 * l + 4 * w) ^ LANE(x[w], l));
    }
    if (len > 0) {
        /* byte j of the chunk is byte j % 4 of word j / 4 % 16 of block j / 64 */
        chacha20_core(x, st);
        for (j = 0; j < len; j++)
            out[j] = (uint8_t)(in[j] ^ (LANE(x[(j >> 2) & 15], j >> 6) >> (8 * (j & 3))));
    }
    wipe(st, sizeof st);
    wipe_lanes(x, 16);
}

/* ---------------------------------------------------------------- Poly1305 */

#if WIDE
/* Three limbs of 44, 44 and 42 bits; products in 128 bits. */
typedef struct { uint64_t r[3], h[3], pad[2]; } poly1305;

#define M44 0xfffffffffffULL
#define M42 0x3ffffffffffULL

static uint64_t load64_le(const uint8_t *p)
{
    return (uint64_t)load32_le(p) | ((uint64_t)load32_le(p + 4) << 32);
}

static void poly_init(poly1305 *p, const uint8_t key[32])
{
    uint64_t t0 = load64_le(key), t1 = load64_le(key + 8);
    p->r[0] = t0 & 0xffc0fffffffULL;                        /* clamped r */
    p->r[1] = ((t0 >> 44) | (t1 << 20)) & 0xfffffc0ffffULL;
    p->r[2] = (t1 >> 24) & 0x00ffffffc0fULL;
    p->h[0] = p->h[1] = p->h[2] = 0;
    p->pad[0] = load64_le(key + 16);
    p->pad[1] = load64_le(key + 24);
}

/* Absorbs len/16 full blocks, each with the 2^128 bit set. */
static void poly_blocks(poly1305 *p, const uint8_t *m, size_t len)
{
    const uint64_t r0 = p->r[0], r1 = p->r[1], r2 = p->r[2];
    const uint64_t s1 = r1 * 20, s2 = r2 * 20; /* 2^132 = 4 * 2^130 = 4 * 5 mod p */
    uint64_t h0 = p->h[0], h1 = p->h[1], h2 = p->h[2], c;
    for (; len >= 16; len -= 16, m += 16) {
        uint64_t t0 = load64_le(m), t1 = load64_le(m + 8);
        u128 d0, d1, d2;
        h0 += t0 & M44;
        h1 += ((t0 >> 44) | (t1 << 20)) & M44;
        h2 += ((t1 >> 24) & M42) | ((uint64_t)1 << 40);
        d0 = (u128)h0 * r0 + (u128)h1 * s2 + (u128)h2 * s1;
        d1 = (u128)h0 * r1 + (u128)h1 * r0 + (u128)h2 * s2;
        d2 = (u128)h0 * r2 + (u128)h1 * r1 + (u128)h2 * r0;
        c = (uint64_t)(d0 >> 44); h0 = (uint64_t)d0 & M44;
        d1 += c; c = (uint64_t)(d1 >> 44); h1 = (uint64_t)d1 & M44;
        d2 += c; c = (uint64_t)(d2 >> 42); h2 = (uint64_t)d2 & M42;
        h0 += c * 5; c = h0 >> 44; h0 &= M44;
        h1 += c;
    }
    p->h[0] = h0; p->h[1] = h1; p->h[2] = h2;
}

/* tag = (h mod 2^130-5) + pad mod 2^128; wipes the state. */
static void poly_finish(poly1305 *p, uint8_t tag[16])
{
    uint64_t h0 = p->h[0], h1 = p->h[1], h2 = p->h[2], g0, g1, g2, c, mask;
    int i;
    c = h1 >> 44; h1 &= M44; h2 += c;
    c = h2 >> 42; h2 &= M42; h0 += c * 5;
    c = h0 >> 44; h0 &= M44; h1 += c;
    c = h1 >> 44; h1 &= M44; h2 += c;
    c = h2 >> 42; h2 &= M42; h0 += c * 5;
    c = h0 >> 44; h0 &= M44; h1 += c;
    /* g = h + 5 - 2^130; keep it when it is not negative (h >= p). */
    g0 = h0 + 5; c = g0 >> 44; g0 &= M44;
    g1 = h1 + c; c = g1 >> 44; g1 &= M44;
    g2 = h2 + c - ((uint64_t)1 << 42);
    mask = (g2 >> 63) - 1;
    h0 = (h0 & ~mask) | (g0 & mask);
    h1 = (h1 & ~mask) | (g1 & mask);
    h2 = (h2 & ~mask) | (g2 & mask);
    /* + pad, then the low 128 bits */
    h0 += p->pad[0] & M44; c = h0 >> 44; h0 &= M44;
    h1 += (((p->pad[0] >> 44) | (p->pad[1] << 20)) & M44) + c; c = h1 >> 44; h1 &= M44;
    h2 += (p->pad[1] >> 24) + c;
    h0 |= h1 << 44;
    h1 = (h1 >> 20) | (h2 << 24);
    for (i = 0; i < 8; i++) {
        tag[i] = (uint8_t)(h0 >> (8 * i));
        tag[8 + i] = (uint8_t)(h1 >> (8 * i));
    }
    wipe(p, sizeof *p);
}

#else
/* Five limbs of 26 bits; products in 64 bits. */
typedef struct { uint32_t r[5], h[5], pad[4]; } poly1305;

#define M26 0x3ffffffu

static void poly_init(poly1305 *p, const uint8_t key[32])
{
    int i;
    p->r[0] = load32_le(key) & 0x3ffffff;                   /* clamped r */
    p->r[1] = (load32_le(key + 3) >> 2) & 0x3ffff03;
    p->r[2] = (load32_le(key + 6) >> 4) & 0x3ffc0ff;
    p->r[3] = (load32_le(key + 9) >> 6) & 0x3f03fff;
    p->r[4] = (load32_le(key + 12) >> 8) & 0x00fffff;
    for (i = 0; i < 5; i++) p->h[i] = 0;
    for (i = 0; i < 4; i++) p->pad[i] = load32_le(key + 16 + 4 * i);
}

static void poly_blocks(poly1305 *p, const uint8_t *m, size_t len)
{
    const uint32_t r0 = p->r[0], r1 = p->r[1], r2 = p->r[2], r3 = p->r[3], r4 = p->r[4];
    const uint32_t s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5; /* 2^130 = 5 mod p */
    uint32_t h0 = p->h[0], h1 = p->h[1], h2 = p->h[2], h3 = p->h[3], h4 = p->h[4], c;
    for (; len >= 16; len -= 16, m += 16) {
        uint64_t d0, d1, d2, d3, d4;
        h0 += load32_le(m) & M26;
        h1 += (load32_le(m + 3) >> 2) & M26;
        h2 += (load32_le(m + 6) >> 4) & M26;
        h3 += (load32_le(m + 9) >> 6) & M26;
        h4 += (load32_le(m + 12) >> 8) | (1u << 24);
        d0 = (uint64_t)h0 * r0 + (uint64_t)h1 * s4 + (uint64_t)h2 * s3 + (uint64_t)h3 * s2 + (uint64_t)h4 * s1;
        d1 = (uint64_t)h0 * r1 + (uint64_t)h1 * r0 + (uint64_t)h2 * s4 + (uint64_t)h3 * s3 + (uint64_t)h4 * s2;
        d2 = (uint64_t)h0 * r2 + (uint64_t)h1 * r1 + (uint64_t)h2 * r0 + (uint64_t)h3 * s4 + (uint64_t)h4 * s3;
        d3 = (uint64_t)h0 * r3 + (uint64_t)h1 * r2 + (uint64_t)h2 * r1 + (uint64_t)h3 * r0 + (uint64_t)h4 * s4;
        d4 = (uint64_t)h0 * r4 + (uint64_t)h1 * r3 + (uint64_t)h2 * r2 + (uint64_t)h3 * r1 + (uint64_t)h4 * r0;
        c = (uint32_t)(d0 >> 26); h0 = (uint32_t)d0 & M26;
        d1 += c; c = (uint32_t)(d1 >> 26); h1 = (uint32_t)d1 & M26;
        d2 += c; c = (uint32_t)(d2 >> 26); h2 = (uint32_t)d2 & M26;
        d3 += c; c = (uint32_t)(d3 >> 26); h3 = (uint32_t)d3 & M26;
        d4 += c; c = (uint32_t)(d4 >> 26); h4 = (uint32_t)d4 & M26;
        h0 += c * 5; c = h0 >> 26; h0 &= M26;
        h1 += c;
    }
    p->h[0] = h0; p->h[1] = h1; p->h[2] = h2; p->h[3] = h3; p->h[4] = h4;
}

static void poly_finish(poly1305 *p, uint8_t tag[16])
{
    uint32_t h0 = p->h[0], h1 = p->h[1], h2 = p->h[2], h3 = p->h[3], h4 = p->h[4];
    uint32_t g0, g1, g2, g3, g4, c, mask;
    uint64_t f;
    c = h1 >> 26; h1 &= M26; h2 += c;
    c = h2 >> 26; h2 &= M26; h3 += c;
    c = h3 >> 26; h3 &= M26; h4 += c;
    c = h4 >> 26; h4 &= M26; h0 += c * 5;
    c = h0 >> 26; h0 &= M26; h1 += c;
    /* g = h + 5 - 2^130; keep it when it is not negative (h >= p). */
    g0 = h0 + 5; c = g0 >> 26; g0 &= M26;
    g1 = h1 + c; c = g1 >> 26; g1 &= M26;
    g2 = h2 + c; c = g2 >> 26; g2 &= M26;
    g3 = h3 + c; c = g3 >> 26; g3 &= M26;
    g4 = h4 + c - (1u << 26);
    mask = (g4 >> 31) - 1;
    h0 = (h0 & ~mask) | (g0 & mask);
    h1 = (h1 & ~mask) | (g1 & mask);
    h2 = (h2 & ~mask) | (g2 & mask);
    h3 = (h3 & ~mask) | (g3 & mask);
    h4 = (h4 & ~mask) | (g4 & mask);
    /* to four 32-bit words, + pad mod 2^128 */
    h0 = h0 | (h1 << 26);
    h1 = (h1 >> 6) | (h2 << 20);
    h2 = (h2 >> 12) | (h3 << 14);
    h3 = (h3 >> 18) | (h4 << 8);
    f = (uint64_t)h0 + p->pad[0];             store32_le(tag, (uint32_t)f);
    f = (uint64_t)h1 + p->pad[1] + (f >> 32); store32_le(tag + 4, (uint32_t)f);
    f = (uint64_t)h2 + p->pad[2] + (f >> 32); store32_le(tag + 8, (uint32_t)f);
    f = (uint64_t)h3 + p->pad[3] + (f >> 32); store32_le(tag + 12, (uint32_t)f);
    wipe(p, sizeof *p);
}
#endif

/* Absorbs m zero-padded to a multiple of 16 bytes (the AEAD's padding). */
static void poly_padded(poly1305 *p, const uint8_t *m, size_t len)
{
    size_t full = len & ~(size_t)15, i;
    poly_blocks(p, m, full);
    if (len > full) {
        uint8_t last[16];
        for (i = 0; i < 16; i++) last[i] = (uint8_t)(full + i < len ? m[full + i] : 0);
        poly_blocks(p, last, 16);
        wipe(last, sizeof last);
    }
}

/* ------------------------------------------------------------------- AEAD */

/* The RFC 8439 tag over aad and ciphertext, keyed by key-stream block 0. */
static void aead_tag(uint8_t tag[16], const uint8_t key[32], const uint8_t nonce[12],
                     const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t ct_len)
{
    uint8_t otk[32], lens[16];
    uint32_t st[16];
    lanes x[16];
    poly1305 p;
    int i;
    chacha20_init(st, key, nonce, 0);
    chacha20_core(x, st);
    for (i = 0; i < 8; i++) store32_le(otk + 4 * i, LANE(x[i], 0));
    poly_init(&p, otk);
    poly_padded(&p, aad, aad_len);
    poly_padded(&p, ct, ct_len);
    for (i = 0; i < 8; i++) {
        lens[i] = (uint8_t)((uint64_t)aad_len >> (8 * i));
        lens[8 + i] = (uint8_t)((uint64_t)ct_len >> (8 * i));
    }
    poly_blocks(&p, lens, 16);
    poly_finish(&p, tag);
    wipe(otk, sizeof otk);
    wipe(st, sizeof st);
    wipe_lanes(x, 16);
}

void chacha20poly1305_seal(uint8_t *out,
                           const uint8_t key[32], const uint8_t nonce[12],
                           const uint8_t *aad, size_t aad_len,
                           const uint8_t *pt, size_t pt_len)
{
    chacha20_xor(out, pt, pt_len, key, nonce, 1);
    aead_tag(out + pt_len, key, nonce, aad, aad_len, out, pt_len);
}

int chacha20poly1305_open_detached(uint8_t *out,
                                   const uint8_t key[32], const uint8_t nonce[12],
                                   const uint8_t *aad, size_t aad_len,
                                   const uint8_t *ct, size_t ct_len, const uint8_t tag[16])
{
    uint8_t expected[16];
    uint32_t diff = 0;
    size_t i;
    aead_tag(expected, key, nonce, aad, aad_len, ct, ct_len);
    for (i = 0; i < 16; i++) diff |= (uint32_t)(expected[i] ^ tag[i]);
    wipe(expected, sizeof expected);
    /* diff - 1 borrows into bit 8 only when diff == 0 */
    if ((((diff - 1) >> 8) & 1) == 0) return -1;
    chacha20_xor(out, ct, ct_len, key, nonce, 1);
    return 0;
}

int chacha20poly1305_open(uint8_t *out,
                          const uint8_t key[32], const uint8_t nonce[12],
                          const uint8_t *aad, size_t aad_len,
                          const uint8_t *sealed, size_t sealed_len)
{
    if (sealed_len < 16) return -1;
    return chacha20poly1305_open_detached(out, key, nonce, aad, aad_len, sealed, sealed_len - 16, sealed + sealed_len - 16);
}
