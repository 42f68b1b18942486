/* X25519 (RFC 7748): constant-time Montgomery ladder over GF(2^255 - 19).
 *
 * Two field representations, both branch-free and table-free:
 *  - 64-bit hosts (unsigned __int128): five 51-bit limbs;
 *  - elsewhere (the ESP32): ten limbs of alternately 26 and 25 bits
 *    ("radix 2^25.5"), products in 64 bits.
 * Limbs are unsigned throughout; subtraction adds a multiple of p first.
 * The hot field helpers leave their column sums to be overwritten by the
 * next call; x25519() wipes every field element and the scalar it held. */
#include "x25519.h"

#include <stddef.h>

/* GATEWAY_CRYPTO_PORTABLE forces the 32-bit field on a 64-bit host, so the
 * code the ESP32 runs can be tested there. */
#if defined(__SIZEOF_INT128__) && !defined(GATEWAY_CRYPTO_PORTABLE)
#define WIDE 1
__extension__ typedef unsigned __int128 u128;
#else
#define WIDE 0
#endif

static void wipe(void *p, size_t n)
{
    volatile uint8_t *v = (volatile uint8_t *)p;
    while (n--) *v++ = 0;
}

#if WIDE
/* ------------------------------------------------- radix 2^51, 64-bit limbs */
#define NLIMBS 5
typedef uint64_t limb;
typedef limb fe[NLIMBS];

#define M51 0x7ffffffffffffULL

static uint64_t load64_le(const uint8_t *p)
{
    uint64_t x = 0;
    int i;
    for (i = 7; i >= 0; i--) x = (x << 8) | p[i];
    return x;
}

static void fe_frombytes(fe h, const uint8_t s[32])
{
    uint64_t w0 = load64_le(s), w1 = load64_le(s + 8), w2 = load64_le(s + 16), w3 = load64_le(s + 24);
    h[0] = w0 & M51;
    h[1] = ((w0 >> 51) | (w1 << 13)) & M51;
    h[2] = ((w1 >> 38) | (w2 << 26)) & M51;
    h[3] = ((w2 >> 25) | (w3 << 39)) & M51;
    h[4] = (w3 >> 12) & M51; /* drops bit 255, as RFC 7748 asks */
}

/* Limbs back under 2^51 (plus a small carry into limb 1). */
static void fe_carry(fe h)
{
    uint64_t c;
    c = h[0] >> 51; h[0] &= M51; h[1] += c;
    c = h[1] >> 51; h[1] &= M51; h[2] += c;
    c = h[2] >> 51; h[2] &= M51; h[3] += c;
    c = h[3] >> 51; h[3] &= M51; h[4] += c;
    c = h[4] >> 51; h[4] &= M51; h[0] += 19 * c;
    c = h[0] >> 51; h[0] &= M51; h[1] += c;
}

static void fe_tobytes(uint8_t s[32], const fe f)
{
    fe h;
    uint64_t q, w[4];
    int i, j;
    for (i = 0; i < NLIMBS; i++) h[i] = f[i];
    fe_carry(h);
    fe_carry(h); /* limbs under 2^51, h1 at most 1 over: h < 2p */
    /* q = 1 exactly when h >= p, i.e. when h + 19 reaches 2^255 */
    q = (h[0] + 19) >> 51;
    q = (h[1] + q) >> 51;
    q = (h[2] + q) >> 51;
    q = (h[3] + q) >> 51;
    q = (h[4] + q) >> 51;
    h[0] += 19 * q;
    h[1] += h[0] >> 51; h[0] &= M51;
    h[2] += h[1] >> 51; h[1] &= M51;
    h[3] += h[2] >> 51; h[2] &= M51;
    h[4] += h[3] >> 51; h[3] &= M51;
    h[4] &= M51;
    w[0] = h[0] | (h[1] << 51);
    w[1] = (h[1] >> 13) | (h[2] << 38);
    w[2] = (h[2] >> 26) | (h[3] << 25);
    w[3] = (h[3] >> 39) | (h[4] << 12);
    for (i = 0; i < 4; i++)
        for (j = 0; j < 8; j++) s[8 * i + j] = (uint8_t)(w[i] >> (8 * j));
    wipe(h, sizeof h);
    wipe(w, sizeof w);
}

static void fe_add(fe h, const fe f, const fe g)
{
    int i;
    for (i = 0; i < NLIMBS; i++) h[i] = f[i] + g[i];
}

/* h = f - g + 4p: inputs below 2^53 per limb keep every limb positive. */
static void fe_sub(fe h, const fe f, const fe g)
{
    h[0] = f[0] + 0x1fffffffffffb4ULL - g[0];
    h[1] = f[1] + 0x1ffffffffffffcULL - g[1];
    h[2] = f[2] + 0x1ffffffffffffcULL - g[2];
    h[3] = f[3] + 0x1ffffffffffffcULL - g[3];
    h[4] = f[4] + 0x1ffffffffffffcULL - g[4];
}

/* Reduces five 128-bit column sums to limbs below 2^51 (+ carry in h1). */
static void fe_reduce128(fe h, u128 t0, u128 t1, u128 t2, u128 t3, u128 t4)
{
    uint64_t c;
    t1 += (uint64_t)(t0 >> 51); h[0] = (uint64_t)t0 & M51;
    t2 += (uint64_t)(t1 >> 51); h[1] = (uint64_t)t1 & M51;
    t3 += (uint64_t)(t2 >> 51); h[2] = (uint64_t)t2 & M51;
    t4 += (uint64_t)(t3 >> 51); h[3] = (uint64_t)t3 & M51;
    c = (uint64_t)(t4 >> 51);   h[4] = (uint64_t)t4 & M51;
    h[0] += c * 19;
    h[1] += h[0] >> 51; h[0] &= M51;
}

static void fe_mul(fe h, const fe f, const fe g)
{
    const uint64_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4];
    const uint64_t g0 = g[0], g1 = g[1], g2 = g[2], g3 = g[3], g4 = g[4];
    const uint64_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4;
    fe_reduce128(h,
        (u128)f0 * g0 + (u128)f1 * g4_19 + (u128)f2 * g3_19 + (u128)f3 * g2_19 + (u128)f4 * g1_19,
        (u128)f0 * g1 + (u128)f1 * g0 + (u128)f2 * g4_19 + (u128)f3 * g3_19 + (u128)f4 * g2_19,
        (u128)f0 * g2 + (u128)f1 * g1 + (u128)f2 * g0 + (u128)f3 * g4_19 + (u128)f4 * g3_19,
        (u128)f0 * g3 + (u128)f1 * g2 + (u128)f2 * g1 + (u128)f3 * g0 + (u128)f4 * g4_19,
        (u128)f0 * g4 + (u128)f1 * g3 + (u128)f2 * g2 + (u128)f3 * g1 + (u128)f4 * g0);
}

/* Squaring shares the symmetric products: 15 multiplications, not 25. */
static void fe_sq(fe h, const fe f)
{
    const uint64_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4];
    const uint64_t f0_2 = 2 * f0, f1_2 = 2 * f1;
    const uint64_t f3_19 = 19 * f3, f4_19 = 19 * f4;
    fe_reduce128(h,
        (u128)f0 * f0 + (u128)f1_2 * f4_19 + (u128)(2 * f2) * f3_19,
        (u128)f0_2 * f1 + (u128)(2 * f2) * f4_19 + (u128)f3 * f3_19,
        (u128)f0_2 * f2 + (u128)f1 * f1 + (u128)(2 * f3) * f4_19,
        (u128)f0_2 * f3 + (u128)f1_2 * f2 + (u128)f4 * f4_19,
        (u128)f0_2 * f4 + (u128)f1_2 * f3 + (u128)f2 * f2);
}

/* h = f * 121665 (the curve's (A - 2) / 4) */
static void fe_mul_a24(fe h, const fe f)
{
    fe_reduce128(h, (u128)f[0] * 121665, (u128)f[1] * 121665, (u128)f[2] * 121665,
                 (u128)f[3] * 121665, (u128)f[4] * 121665);
}

#else
/* ------------------------------------- radix 2^25.5, 32-bit limbs (ESP32) */
#define NLIMBS 10
typedef uint32_t limb;
typedef limb fe[NLIMBS];

#define M26 0x3ffffffu
#define M25 0x1ffffffu

/* Limb i holds bits [ceil(25.5 i), ceil(25.5 (i+1))): 26 bits when i is
 * even, 25 when odd. */
#define LIMB_BITS(i) ((i) & 1 ? 25 : 26)
#define LIMB_MASK(i) ((i) & 1 ? M25 : M26)

static void fe_frombytes(fe h, const uint8_t s[32])
{
    int i, pos = 0;
    for (i = 0; i < NLIMBS; i++) {
        const uint8_t *p = s + pos / 8;
        uint32_t w = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
        h[i] = (w >> (pos % 8)) & LIMB_MASK(i); /* limb 9 drops bit 255 */
        pos += LIMB_BITS(i);
    }
}

/* Ten 64-bit column sums to limbs within their widths (+ carry in h1). */
static void fe_reduce64(fe h, uint64_t t[NLIMBS])
{
    int i;
    for (i = 0; i < NLIMBS - 1; i++) {
        t[i + 1] += t[i] >> LIMB_BITS(i);
        h[i] = (uint32_t)t[i] & LIMB_MASK(i);
    }
    h[9] = (uint32_t)t[9] & M25;
    t[0] = (uint64_t)h[0] + 19 * (t[9] >> 25);
    h[0] = (uint32_t)t[0] & M26;
    h[1] += (uint32_t)(t[0] >> 26);
}

/* Limbs back within their widths (+ a carry of at most 1 in h1); inputs
 * below 2^29 per limb, as fe_add and fe_sub make them. */
static void fe_carry(fe h)
{
    uint32_t c;
    int i;
    for (i = 0; i < NLIMBS - 1; i++) {
        c = h[i] >> LIMB_BITS(i);
        h[i] &= LIMB_MASK(i);
        h[i + 1] += c;
    }
    c = h[9] >> 25;
    h[9] &= M25;
    h[0] += 19 * c;
    c = h[0] >> 26;
    h[0] &= M26;
    h[1] += c;
}

static void fe_tobytes(uint8_t s[32], const fe f)
{
    fe h;
    uint32_t q;
    uint64_t acc = 0;
    int i, bits = 0, k = 0;
    for (i = 0; i < NLIMBS; i++) h[i] = f[i];
    fe_carry(h);
    fe_carry(h); /* limbs within their widths, h1 at most 1 over: h < 2p */
    /* q = 1 exactly when h >= p, i.e. when h + 19 reaches 2^255 */
    q = (h[0] + 19) >> 26;
    for (i = 1; i < NLIMBS; i++) q = (h[i] + q) >> LIMB_BITS(i);
    h[0] += 19 * q;
    for (i = 0; i < NLIMBS - 1; i++) {
        h[i + 1] += h[i] >> LIMB_BITS(i);
        h[i] &= LIMB_MASK(i);
    }
    h[9] &= M25;
    for (i = 0; i < NLIMBS; i++) {
        acc |= (uint64_t)h[i] << bits;
        bits += LIMB_BITS(i);
        while (bits >= 8) { s[k++] = (uint8_t)acc; acc >>= 8; bits -= 8; }
    }
    s[31] = (uint8_t)acc; /* the last 7 bits */
    wipe(h, sizeof h);
    wipe(&acc, sizeof acc);
}

/* add and sub carry at once so that fe_mul inputs stay near 2^26 and its
 * 64-bit column sums cannot overflow. */
static void fe_add(fe h, const fe f, const fe g)
{
    int i;
    for (i = 0; i < NLIMBS; i++) h[i] = f[i] + g[i];
    fe_carry(h);
}

/* h = f - g + 4p (limbs of 4p: 2^28 - 76, then 2^27 - 4 / 2^28 - 4). */
static void fe_sub(fe h, const fe f, const fe g)
{
    int i;
    h[0] = f[0] + (4 * M26 - 72) - g[0];
    for (i = 1; i < NLIMBS; i++) h[i] = f[i] + 4 * LIMB_MASK(i) - g[i];
    fe_carry(h);
}

/* Schoolbook product. Limb weights add exactly except odd x odd, which
 * lands one bit above the column's weight (hence << 1); columns past 9 wrap
 * with 2^255 = 19. With input limbs within their widths (+ small carries)
 * every multiplier below stays under 2^32 and every column under 2^61.
 * Loop bounds and indices are public, so this is constant time. */
static void fe_mul(fe h, const fe f, const fe g)
{
    uint64_t t[NLIMBS];
    uint32_t g19[NLIMBS];
    int i, j;
    for (i = 0; i < NLIMBS; i++) {
        t[i] = 0;
        g19[i] = 19 * g[i];
    }
    for (i = 0; i < NLIMBS; i++)
        for (j = 0; j < NLIMBS; j++) {
            uint32_t m = (i + j < NLIMBS ? g[j] : g19[j]) << (i & j & 1);
            t[(i + j) % NLIMBS] += (uint64_t)f[i] * m;
        }
    fe_reduce64(h, t);
}

/* Squaring: each cross product f_i f_j (i < j) once, doubled; 55
 * multiplications instead of 100. */
static void fe_sq(fe h, const fe f)
{
    uint64_t t[NLIMBS];
    int i, j;
    for (i = 0; i < NLIMBS; i++) t[i] = 0;
    for (i = 0; i < NLIMBS; i++)
        for (j = i; j < NLIMBS; j++) {
            uint32_t m = (i + j < NLIMBS ? f[j] : 19 * f[j]) << ((i & j & 1) + (i != j));
            t[(i + j) % NLIMBS] += (uint64_t)f[i] * m;
        }
    fe_reduce64(h, t);
}

static void fe_mul_a24(fe h, const fe f)
{
    uint64_t t[NLIMBS];
    int i;
    for (i = 0; i < NLIMBS; i++) t[i] = (uint64_t)f[i] * 121665;
    fe_reduce64(h, t);
}
#endif

/* ------------------------------------------------------ common to both */

/* Swaps f and g when swap is 1, without a branch. */
static void fe_cswap(fe f, fe g, limb swap)
{
    limb mask = (limb)0 - swap, x;
    int i;
    for (i = 0; i < NLIMBS; i++) {
        x = mask & (f[i] ^ g[i]);
        f[i] ^= x;
        g[i] ^= x;
    }
}

static void fe_sqn(fe h, const fe f, int n)
{
    fe_sq(h, f);
    while (--n > 0) fe_sq(h, h);
}

/* h = z^(p - 2) = 1/z (and 0 for z = 0), p - 2 = 2^255 - 21. */
static void fe_invert(fe h, const fe z)
{
    fe z2, z9, z11, a, b, c;
    fe_sq(z2, z);                          /* 2 */
    fe_sqn(a, z2, 2);                      /* 8 */
    fe_mul(z9, a, z);                      /* 9 */
    fe_mul(z11, z9, z2);                   /* 11 */
    fe_sq(a, z11);                         /* 22 */
    fe_mul(a, a, z9);                      /* 2^5 - 1 */
    fe_sqn(b, a, 5);  fe_mul(b, b, a);     /* 2^10 - 1 */
    fe_sqn(c, b, 10); fe_mul(c, c, b);     /* 2^20 - 1 */
    fe_sqn(h, c, 20); fe_mul(h, h, c);     /* 2^40 - 1 */
    fe_sqn(h, h, 10); fe_mul(b, h, b);     /* 2^50 - 1 */
    fe_sqn(c, b, 50); fe_mul(c, c, b);     /* 2^100 - 1 */
    fe_sqn(h, c, 100); fe_mul(h, h, c);    /* 2^200 - 1 */
    fe_sqn(h, h, 50); fe_mul(h, h, b);     /* 2^250 - 1 */
    fe_sqn(h, h, 5); fe_mul(h, h, z11);    /* 2^255 - 32 + 11 */
    wipe(z2, sizeof z2); wipe(z9, sizeof z9); wipe(z11, sizeof z11);
    wipe(a, sizeof a); wipe(b, sizeof b); wipe(c, sizeof c);
}

void x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t u[32])
{
    uint8_t k[32];
    fe x1, x2, z2, x3, z3, a, b, c, d, e;
    limb swap = 0, bit;
    int i;

    for (i = 0; i < 32; i++) k[i] = scalar[i];
    k[0] &= 248; k[31] &= 127; k[31] |= 64; /* clamp */

    fe_frombytes(x1, u);
    for (i = 0; i < NLIMBS; i++) { x2[i] = 0; z2[i] = 0; x3[i] = x1[i]; z3[i] = 0; }
    x2[0] = 1; z3[0] = 1;

    /* RFC 7748 section 5 ladder, one conditional swap per bit. */
    for (i = 254; i >= 0; i--) {
        bit = (k[i >> 3] >> (i & 7)) & 1;
        swap ^= bit;
        fe_cswap(x2, x3, swap);
        fe_cswap(z2, z3, swap);
        swap = bit;

        fe_add(a, x2, z2);       /* A  = x2 + z2 */
        fe_sub(b, x2, z2);       /* B  = x2 - z2 */
        fe_add(c, x3, z3);       /* C  = x3 + z3 */
        fe_sub(d, x3, z3);       /* D  = x3 - z3 */
        fe_mul(d, d, a);         /* DA */
        fe_mul(c, c, b);         /* CB */
        fe_sq(a, a);             /* AA */
        fe_sq(b, b);             /* BB */
        fe_add(x3, d, c);
        fe_sq(x3, x3);           /* x3 = (DA + CB)^2 */
        fe_sub(z3, d, c);
        fe_sq(z3, z3);
        fe_mul(z3, z3, x1);      /* z3 = x1 (DA - CB)^2 */
        fe_sub(e, a, b);         /* E  = AA - BB */
        fe_mul(x2, a, b);        /* x2 = AA BB */
        fe_mul_a24(z2, e);
        fe_add(z2, z2, a);
        fe_mul(z2, z2, e);       /* z2 = E (AA + a24 E) */
    }
    fe_cswap(x2, x3, swap);
    fe_cswap(z2, z3, swap);

    fe_invert(z2, z2);           /* z2 = 0 (low-order u) gives 0 */
    fe_mul(x2, x2, z2);
    fe_tobytes(out, x2);

    wipe(k, sizeof k);
    wipe(x1, sizeof x1); wipe(x2, sizeof x2); wipe(z2, sizeof z2);
    wipe(x3, sizeof x3); wipe(z3, sizeof z3);
    wipe(a, sizeof a); wipe(b, sizeof b); wipe(c, sizeof c);
    wipe(d, sizeof d); wipe(e, sizeof e);
    wipe(&swap, sizeof swap); wipe(&bit, sizeof bit);
}

void x25519_base(uint8_t out[32], const uint8_t scalar[32])
{
    uint8_t nine[32];
    int i;
    for (i = 0; i < 32; i++) nine[i] = 0;
    nine[0] = 9;
    x25519(out, scalar, nine);
}
