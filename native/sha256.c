/* SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104). */
#include "sha256.h"

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

/* Zeroes secrets through a volatile pointer so the stores are not elided. */
static void wipe(void *p, size_t n)
{
    volatile uint8_t *v = (volatile uint8_t *)p;
    while (n--) *v++ = 0;
}

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define CH(e, f, g) ((g) ^ ((e) & ((f) ^ (g))))
#define MAJ(a, b, c) (((a) & (b)) | ((c) & ((a) | (b))))
#define SIGMA0(a) (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22))
#define SIGMA1(e) (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25))
#define GAMMA0(w) (ROTR(w, 7) ^ ROTR(w, 18) ^ ((w) >> 3))
#define GAMMA1(w) (ROTR(w, 17) ^ ROTR(w, 19) ^ ((w) >> 10))

static uint32_t load32_be(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void store32_be(uint8_t *p, uint32_t x)
{
    p[0] = (uint8_t)(x >> 24); p[1] = (uint8_t)(x >> 16);
    p[2] = (uint8_t)(x >> 8);  p[3] = (uint8_t)x;
}

/* Round i of block compression. The eight working variables are renamed
 * instead of shifted, so eight rounds make one loop body. */
#define ROUND(a, b, c, d, e, f, g, h, i)                                  \
    do {                                                                  \
        uint32_t t_ = h + SIGMA1(e) + CH(e, f, g) + K[i] + w[(i) & 15];  \
        d += t_;                                                          \
        h = t_ + SIGMA0(a) + MAJ(a, b, c);                                \
    } while (0)

/* Absorbs n 64-byte blocks. The message schedule is a rolling 16-word
 * window (a small stack on the ESP32), extended eight words at a time. */
static void compress(uint32_t state[8], const uint8_t *p, size_t n)
{
    uint32_t w[16], a, b, c, d, e, f, g, h;
    int i, j;
    for (; n > 0; n--, p += 64) {
        for (i = 0; i < 16; i++) w[i] = load32_be(p + 4 * i);
        a = state[0]; b = state[1]; c = state[2]; d = state[3];
        e = state[4]; f = state[5]; g = state[6]; h = state[7];
        for (i = 0; i < 64; i += 8) {
            if (i >= 16)
                for (j = i; j < i + 8; j++)
                    w[j & 15] += GAMMA1(w[(j - 2) & 15]) + w[(j - 7) & 15] + GAMMA0(w[(j - 15) & 15]);
            ROUND(a, b, c, d, e, f, g, h, i);
            ROUND(h, a, b, c, d, e, f, g, i + 1);
            ROUND(g, h, a, b, c, d, e, f, i + 2);
            ROUND(f, g, h, a, b, c, d, e, i + 3);
            ROUND(e, f, g, h, a, b, c, d, i + 4);
            ROUND(d, e, f, g, h, a, b, c, i + 5);
            ROUND(c, d, e, f, g, h, a, b, i + 6);
            ROUND(b, c, d, e, f, g, h, a, i + 7);
        }
        state[0] += a; state[1] += b; state[2] += c; state[3] += d;
        state[4] += e; state[5] += f; state[6] += g; state[7] += h;
    }
    wipe(w, sizeof w); /* message words: key material when called from HMAC */
}

void sha256_init(sha256_ctx *ctx)
{
    ctx->state[0] = 0x6a09e667; ctx->state[1] = 0xbb67ae85;
    ctx->state[2] = 0x3c6ef372; ctx->state[3] = 0xa54ff53a;
    ctx->state[4] = 0x510e527f; ctx->state[5] = 0x9b05688c;
    ctx->state[6] = 0x1f83d9ab; ctx->state[7] = 0x5be0cd19;
    ctx->total = 0;
    ctx->fill = 0;
}

void sha256_update(sha256_ctx *ctx, const uint8_t *data, size_t len)
{
    ctx->total += len;
    if (ctx->fill > 0) {
        while (len > 0 && ctx->fill < 64) {
            ctx->block[ctx->fill++] = *data++;
            len--;
        }
        if (ctx->fill < 64) return;
        compress(ctx->state, ctx->block, 1);
        ctx->fill = 0;
    }
    compress(ctx->state, data, len / 64);
    data += len & ~(size_t)63;
    len &= 63;
    while (len-- > 0) ctx->block[ctx->fill++] = *data++;
}

void sha256_final(sha256_ctx *ctx, uint8_t out[32])
{
    uint64_t bits = ctx->total * 8;
    int i;
    ctx->block[ctx->fill++] = 0x80;
    if (ctx->fill > 56) {
        while (ctx->fill < 64) ctx->block[ctx->fill++] = 0;
        compress(ctx->state, ctx->block, 1);
        ctx->fill = 0;
    }
    while (ctx->fill < 56) ctx->block[ctx->fill++] = 0;
    for (i = 0; i < 8; i++) ctx->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    compress(ctx->state, ctx->block, 1);
    for (i = 0; i < 8; i++) store32_be(out + 4 * i, ctx->state[i]);
    wipe(ctx, sizeof *ctx);
}

void sha256(uint8_t out[32], const uint8_t *data, size_t len)
{
    sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, data, len);
    sha256_final(&ctx, out);
}

void hmac_sha256(uint8_t out[32], const uint8_t *key, size_t key_len,
                 const uint8_t *data, size_t data_len)
{
    uint8_t pad[64], inner[32];
    sha256_ctx ctx;
    size_t i;

    for (i = 0; i < 64; i++) pad[i] = 0;
    if (key_len > 64) sha256(pad, key, key_len);
    else for (i = 0; i < key_len; i++) pad[i] = key[i];

    for (i = 0; i < 64; i++) pad[i] ^= 0x36;
    sha256_init(&ctx);
    sha256_update(&ctx, pad, 64);
    sha256_update(&ctx, data, data_len);
    sha256_final(&ctx, inner);

    for (i = 0; i < 64; i++) pad[i] ^= 0x36 ^ 0x5c;
    sha256_init(&ctx);
    sha256_update(&ctx, pad, 64);
    sha256_update(&ctx, inner, 32);
    sha256_final(&ctx, out);

    wipe(pad, sizeof pad);
    wipe(inner, sizeof inner);
}
