/* Sealed-envelope byte work: base64 and hex without tables, the AEAD of
 * chacha20poly1305.c under the envelope's nonce. */
#include "envelope.h"
#include "chacha20poly1305.h"

static void wipe(void *p, size_t n)
{
    volatile uint8_t *v = (volatile uint8_t *)p;
    while (n--) *v++ = 0;
}

void envelope_nonce(uint8_t out[12], uint32_t direction, uint64_t nonce)
{
    int i;
    for (i = 0; i < 4; i++) out[i] = (uint8_t)(direction >> (24 - 8 * i));
    for (i = 0; i < 8; i++) out[4 + i] = (uint8_t)(nonce >> (56 - 8 * i));
}

int envelope_aad_nonce(const uint8_t *aad, size_t aad_len, uint64_t *nonce)
{
    size_t i = 0, digits = 0;
    uint64_t v = 0;
    while (i < aad_len && aad[i] != '\n') i++;
    for (i++; i < aad_len && aad[i] >= '0' && aad[i] <= '9'; i++, digits++) {
        if (digits == 16) return -1; /* 2^53 - 1 has 16 digits */
        v = v * 10 + (uint64_t)(aad[i] - '0');
    }
    if (digits == 0 || i >= aad_len || aad[i] != '\n' || (digits > 1 && aad[i - digits] == '0')) return -1;
    if (v > 9007199254740991ULL) return -1;
    *nonce = v;
    return 0;
}

/* ------------------------------------------------------------------ base64 */

size_t base64_length(size_t n)
{
    return (n + 2) / 3 * 4;
}

/* The character of a 6-bit value. */
static char b64_char(unsigned v)
{
    if (v < 26) return (char)('A' + v);
    if (v < 52) return (char)('a' + v - 26);
    if (v < 62) return (char)('0' + v - 52);
    return v == 62 ? '+' : '/';
}

/* The 6-bit value of a character, or -1. */
static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Reads each group of three bytes before writing its four characters, so
 * encoding forward from the end of the same buffer never overtakes the input. */
void base64_encode(char *out, const uint8_t *in, size_t n)
{
    size_t i, o = 0;
    for (i = 0; i + 3 <= n; i += 3) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
        out[o] = b64_char(v >> 18);
        out[o + 1] = b64_char((v >> 12) & 63);
        out[o + 2] = b64_char((v >> 6) & 63);
        out[o + 3] = b64_char(v & 63);
        o += 4;
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o] = b64_char(v >> 18);
        out[o + 1] = b64_char((v >> 12) & 63);
        out[o + 2] = '=';
        out[o + 3] = '=';
    } else if (n - i == 2) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);
        out[o] = b64_char(v >> 18);
        out[o + 1] = b64_char((v >> 12) & 63);
        out[o + 2] = b64_char((v >> 6) & 63);
        out[o + 3] = '=';
    }
}

long base64_decoded_length(const char *b64, size_t len)
{
    size_t i, pad = 0;
    int last;
    if (len % 4) return -1;
    if (len == 0) return 0;
    if (b64[len - 1] == '=') pad = b64[len - 2] == '=' ? 2 : 1;
    for (i = 0; i < len - pad; i++)
        if (b64_value(b64[i]) < 0) return -1;
    /* the bits padding cuts off must be zero */
    last = b64_value(b64[len - pad - 1]);
    if ((pad == 1 && (last & 3)) || (pad == 2 && (last & 15))) return -1;
    return (long)(len / 4 * 3 - pad);
}

/* Byte i of what canonical base64 b64 holds. */
static uint8_t b64_byte(const char *b64, size_t i)
{
    size_t g = i / 3 * 4;
    unsigned k = (unsigned)(i % 3);
    unsigned a = (unsigned)b64_value(b64[g + k]);
    unsigned b = (unsigned)b64_value(b64[g + k + 1]);
    return (uint8_t)((a << (2 + 2 * k)) | (b >> (4 - 2 * k)));
}

/* ---------------------------------------------------------------- envelope */

void envelope_seal(char *out, const uint8_t key[32], uint32_t direction, uint64_t nonce,
                   const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t pt_len)
{
    uint8_t n[12];
    size_t sealed_len = pt_len + 16;
    uint8_t *sealed = (uint8_t *)out + (base64_length(sealed_len) - sealed_len);
    envelope_nonce(n, direction, nonce);
    chacha20poly1305_seal(sealed, key, n, aad, aad_len, pt, pt_len);
    base64_encode(out, sealed, sealed_len);
}

int envelope_open(uint8_t *out, const uint8_t key[32], uint32_t direction, uint64_t nonce,
                  const uint8_t *aad, size_t aad_len, const char *b64, size_t b64_len)
{
    uint8_t n[12], tag[16];
    long sealed_len = base64_decoded_length(b64, b64_len);
    size_t ct_len, i;
    int r;
    if (sealed_len < 16) return -1;
    ct_len = (size_t)sealed_len - 16;
    for (i = 0; i < ct_len; i++) out[i] = b64_byte(b64, i);
    for (i = 0; i < 16; i++) tag[i] = b64_byte(b64, ct_len + i);
    envelope_nonce(n, direction, nonce);
    r = chacha20poly1305_open_detached(out, key, n, aad, aad_len, out, ct_len, tag);
    wipe(tag, sizeof tag);
    return r;
}

/* --------------------------------------------------------------------- hex */

void hex_encode(char *out, const uint8_t *in, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned hi = in[i] >> 4, lo = in[i] & 15u;
        /* '0' + v, plus 39 more ('a' - '0' - 10) when v > 9, without a branch */
        out[2 * i] = (char)('0' + hi + (((9u - hi) >> 8) & 39u));
        out[2 * i + 1] = (char)('0' + lo + (((9u - lo) >> 8) & 39u));
    }
}

/* The value of a lowercase hex digit, or 256 for anything else, without
 * branches: (lo - 1 - c) & (c - hi - 1) has bit 8 set only for lo <= c <= hi. */
static unsigned hex_value(unsigned c)
{
    unsigned is_digit = (((0x2fu - c) & (c - 0x3au)) >> 8) & 1u;
    unsigned is_lower = (((0x60u - c) & (c - 0x67u)) >> 8) & 1u;
    return ((c - 0x30u) & (0u - is_digit)) | ((c - 0x57u) & (0u - is_lower)) | ((1u - (is_digit | is_lower)) << 8);
}

int hex_matches(const uint8_t *bytes, size_t n, const char *hex, size_t hex_len)
{
    unsigned diff = 0;
    size_t i;
    if (hex_len != 2 * n) return 0;
    for (i = 0; i < n; i++)
        diff |= ((hex_value((unsigned char)hex[2 * i]) << 4) | hex_value((unsigned char)hex[2 * i + 1])) ^ bytes[i];
    /* diff < 2^13; diff - 1 borrows into bit 13 only when diff == 0 */
    return (int)(((diff - 1u) >> 13) & 1u);
}
