/* Test driver for the freestanding C in native/, built by the tests twice:
 * as is (the 64-bit paths the Node addon uses) and with
 * -DGATEWAY_CRYPTO_PORTABLE (the 32-bit paths the ESP32 runs).
 * One request per stdin line, one lowercase-hex answer per stdout line
 * ("-" stands for empty, both ways):
 *   x25519 SCALAR U | base SCALAR | sha256 DATA | hmac KEY DATA
 *   seal KEY NONCE AAD PT | open KEY NONCE AAD SEALED   (a failed open
 *   answers "fail", or "error ..." if it wrote to its output anyway; a
 *   malformed request answers "error ...");
 * and envelope.c the way GatewayCrypto calls it, with DIR 4 big-endian bytes,
 * the nonce read from the AAD (a malformed one answers "error ..."), B64 and
 * MAC the bytes of their text, text answers as the hex of their bytes:
 *   envseal KEY DIR AAD PT -> B64 | envopen KEY DIR AAD B64 -> PT, "fail"
 *   or "null" (not canonical base64 of 16 bytes or more) |
 *   hmachex KEY DATA -> MAC | hmacverify KEY DATA MAC -> 01 or 00 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chacha20poly1305.h"
#include "envelope.h"
#include "sha256.h"
#include "x25519.h"

#define MAX_LINE (1 << 23) /* 4 MiB of data as hex, e.g. SHA-256 of 'a' x 1e6 */

static int nibble(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Not sscanf: glibc's sscanf measures the whole remaining string per call,
 * which makes a megabyte argument take seconds. */
static int unhex(const char *s, unsigned char **out, size_t *len)
{
    size_t n, i;
    *out = NULL;
    *len = 0;
    if (strcmp(s, "-") == 0) return 1;
    n = strlen(s);
    if (n % 2) return 0;
    n /= 2;
    if (!(*out = malloc(n ? n : 1))) return 0;
    for (i = 0; i < n; i++) {
        int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return 0;
        (*out)[i] = (unsigned char)(hi << 4 | lo);
    }
    *len = n;
    return 1;
}

static void puthex(const unsigned char *p, size_t n)
{
    size_t i;
    if (n == 0) fputs("-", stdout);
    for (i = 0; i < n; i++) printf("%02x", p[i]);
    putchar('\n');
}

/* The big-endian number in n bytes. */
static uint64_t be(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    while (n--) v = v << 8 | *p++;
    return v;
}

static int untouched(const unsigned char *p, size_t n)
{
    while (n--)
        if (*p++ != 0xa5) return 0;
    return 1;
}

static int run(char *line)
{
    char *op = strtok(line, " \r\n"), *f;
    unsigned char *a[5] = {0}, *out = NULL;
    size_t n[5] = {0}, k, argc = 0;
    uint64_t nonce = 0;
    int ok = 1;
    if (!op) return 1;
    while ((f = strtok(NULL, " \r\n")) != NULL) {
        if (argc == 5 || !unhex(f, &a[argc], &n[argc])) { ok = 0; break; }
        argc++;
    }
    out = malloc(2 * (n[3] + n[4]) + 64);
    if (!ok || !out) {
        printf("error bad arguments to %s\n", op);
    } else if (strcmp(op, "x25519") == 0 && argc == 2 && n[0] == 32 && n[1] == 32) {
        x25519(out, a[0], a[1]);
        puthex(out, 32);
    } else if (strcmp(op, "base") == 0 && argc == 1 && n[0] == 32) {
        x25519_base(out, a[0]);
        puthex(out, 32);
    } else if (strcmp(op, "sha256") == 0 && argc == 1) {
        sha256(out, a[0], n[0]);
        puthex(out, 32);
    } else if (strcmp(op, "hmac") == 0 && argc == 2) {
        hmac_sha256(out, a[0], n[0], a[1], n[1]);
        puthex(out, 32);
    } else if (strcmp(op, "seal") == 0 && argc == 4 && n[0] == 32 && n[1] == 12) {
        chacha20poly1305_seal(out, a[0], a[1], a[2], n[2], a[3], n[3]);
        puthex(out, n[3] + 16);
    } else if (strcmp(op, "open") == 0 && argc == 4 && n[0] == 32 && n[1] == 12) {
        /* a failed open must leave out exactly as it was */
        memset(out, 0xa5, n[3] + 64);
        if (chacha20poly1305_open(out, a[0], a[1], a[2], n[2], a[3], n[3]) == 0) puthex(out, n[3] - 16);
        else if (untouched(out, n[3] + 64)) puts("fail");
        else puts("error open failed but wrote to its output");
    } else if ((strcmp(op, "envseal") == 0 || strcmp(op, "envopen") == 0) && argc == 4 && n[0] == 32 && n[1] == 4 &&
               envelope_aad_nonce(a[2], n[2], &nonce) != 0) {
        puts("error the aad names no nonce");
    } else if (strcmp(op, "envseal") == 0 && argc == 4 && n[0] == 32 && n[1] == 4) {
        envelope_seal((char *)out, a[0], (uint32_t)be(a[1], 4), nonce, a[2], n[2], a[3], n[3]);
        puthex(out, base64_length(n[3] + 16));
    } else if (strcmp(op, "envopen") == 0 && argc == 4 && n[0] == 32 && n[1] == 4) {
        long len = base64_decoded_length((const char *)a[3], n[3]);
        if (len < 16) puts("null");
        else if (envelope_open(out, a[0], (uint32_t)be(a[1], 4), nonce, a[2], n[2], (const char *)a[3], n[3]) == 0) puthex(out, (size_t)len - 16);
        else puts("fail");
    } else if (strcmp(op, "hmachex") == 0 && argc == 2) {
        unsigned char mac[32];
        hmac_sha256(mac, a[0], n[0], a[1], n[1]);
        hex_encode((char *)out, mac, 32);
        puthex(out, 64);
    } else if (strcmp(op, "hmacverify") == 0 && argc == 3) {
        unsigned char mac[32], yes = 0;
        hmac_sha256(mac, a[0], n[0], a[1], n[1]);
        yes = (unsigned char)hex_matches(mac, 32, (const char *)a[2], n[2]);
        puthex(&yes, 1);
    } else {
        printf("error unknown request %s/%u\n", op, (unsigned)argc);
    }
    for (k = 0; k < 5; k++) free(a[k]);
    free(out);
    return fflush(stdout) == 0;
}

int main(void)
{
    char *line = malloc(MAX_LINE);
    if (!line) return 1;
    while (fgets(line, MAX_LINE, stdin))
        if (!run(line)) return 1;
    free(line);
    return 0;
}
