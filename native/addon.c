/* Node-API addon over the freestanding crypto in this folder: the same
 * functions, names and semantics as the Espruino library GatewayCrypto (see
 * src/crypto/types.ts). Byte inputs may be any TypedArray or DataView, read
 * in place, and for the envelope calls also byte strings (one char per
 * byte); the primitives return fresh Uint8Arrays the C writes into
 * directly, the envelope calls strings. */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>     /* getentropy: glibc >= 2.25, musl, macOS, the BSDs */
#include <sys/random.h> /* getentropy on macOS */

#include <node_api.h>

#include "chacha20poly1305.h"
#include "envelope.h"
#include "sha256.h"
#include "x25519.h"

#define RANDOM_MAX 65536
#define DIRECTION_MAX 4294967295.0 /* u32 */

typedef struct {
    const uint8_t *data;
    size_t len;
} bytes;

/* Reports a failed napi call as a JS Error (unless one is already pending). */
static int check(napi_env env, napi_status status)
{
    if (status == napi_ok) return 1;
    {
        bool pending = false;
        const napi_extended_error_info *info = NULL;
        napi_is_exception_pending(env, &pending);
        if (!pending) {
            napi_get_last_error_info(env, &info);
            napi_throw_error(env, NULL, info && info->error_message ? info->error_message : "gateway_crypto: Node-API call failed");
        }
    }
    return 0;
}

static int type_error(napi_env env, const char *msg)
{
    napi_throw_type_error(env, NULL, msg);
    return 0;
}

/* Reads argument `v` as bytes. want_len < 0 accepts any length. */
static int get_bytes(napi_env env, napi_value v, const char *what, long want_len, bytes *out)
{
    bool is_ta = false, is_dv = false;
    void *data = NULL;
    size_t len = 0;
    char msg[128];
    if (!check(env, napi_is_typedarray(env, v, &is_ta))) return 0;
    if (is_ta) {
        napi_typedarray_type type;
        size_t count, offset;
        napi_value buffer;
        if (!check(env, napi_get_typedarray_info(env, v, &type, &count, &data, &buffer, &offset))) return 0;
        switch (type) {
        case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: len = count; break;
        case napi_int16_array: case napi_uint16_array: len = count * 2; break;
        case napi_int32_array: case napi_uint32_array: case napi_float32_array: len = count * 4; break;
        default: len = count * 8; break; /* float64, bigint64, biguint64 */
        }
    } else {
        if (!check(env, napi_is_dataview(env, v, &is_dv))) return 0;
        if (!is_dv) {
            snprintf(msg, sizeof msg, "%s must be a Uint8Array (or another TypedArray/DataView)", what);
            return type_error(env, msg);
        }
        {
            napi_value buffer;
            size_t offset;
            if (!check(env, napi_get_dataview_info(env, v, &len, &data, &buffer, &offset))) return 0;
        }
    }
    if (want_len >= 0 && len != (size_t)want_len) {
        snprintf(msg, sizeof msg, "%s must be %ld bytes long, got %zu", what, want_len, len);
        return type_error(env, msg);
    }
    out->data = len ? (const uint8_t *)data : NULL;
    out->len = len;
    return 1;
}

/* Bytes of a TypedArray/DataView (read in place) or of a byte string (copied
 * to the heap: *owned is set and must be freed). Chars above 255 are refused. */
static int get_bytes_or_string(napi_env env, napi_value v, const char *what, long want_len, bytes *out, uint8_t **owned)
{
    napi_valuetype t;
    *owned = NULL;
    if (!check(env, napi_typeof(env, v, &t))) return 0;
    if (t == napi_string) {
        size_t len = 0, utf16 = 0, i;
        char msg[128];
        char16_t *wide;
        if (!check(env, napi_get_value_string_utf16(env, v, NULL, 0, &utf16))) return 0;
        if (want_len >= 0 && utf16 != (size_t)want_len) {
            snprintf(msg, sizeof msg, "%s must be %ld bytes long, got %zu", what, want_len, utf16);
            return type_error(env, msg);
        }
        wide = malloc((utf16 + 1) * sizeof *wide);
        *owned = malloc(utf16 + 1);
        if (!wide || !*owned) {
            free(wide);
            free(*owned);
            *owned = NULL;
            napi_throw_error(env, NULL, "gateway_crypto: out of memory");
            return 0;
        }
        if (!check(env, napi_get_value_string_utf16(env, v, wide, utf16 + 1, &len))) {
            free(wide);
            return 0;
        }
        for (i = 0; i < len; i++) {
            if (wide[i] > 255) {
                free(wide);
                snprintf(msg, sizeof msg, "%s: a byte string has only chars 0-255", what);
                return type_error(env, msg);
            }
            (*owned)[i] = (uint8_t)wide[i];
        }
        free(wide);
        out->data = *owned;
        out->len = len;
        return 1;
    }
    return get_bytes(env, v, what, want_len, out);
}

/* A whole number from 0 to max. */
static int get_uint(napi_env env, napi_value v, const char *what, double max, uint64_t *out)
{
    napi_valuetype t;
    double d;
    char msg[256];
    if (!check(env, napi_typeof(env, v, &t))) return 0;
    if (t == napi_number && check(env, napi_get_value_double(env, v, &d)) && d >= 0 && d <= max && d == (double)(uint64_t)d) {
        *out = (uint64_t)d;
        return 1;
    }
    snprintf(msg, sizeof msg, "%s must be a whole number from 0 to %.0f", what, max);
    return type_error(env, msg);
}

/* A JS string of the n bytes at p (latin1: one char per byte). */
static napi_value byte_string(napi_env env, const void *p, size_t n)
{
    napi_value s;
    if (!check(env, napi_create_string_latin1(env, (const char *)p, n, &s))) return NULL;
    return s;
}

/* A fresh Uint8Array of len bytes; *data points at its storage. */
static napi_value new_u8(napi_env env, size_t len, uint8_t **data)
{
    napi_value ab, u8;
    void *p = NULL;
    if (!check(env, napi_create_arraybuffer(env, len, &p, &ab))) return NULL;
    if (!check(env, napi_create_typedarray(env, napi_uint8_array, len, ab, 0, &u8))) return NULL;
    *data = (uint8_t *)p;
    return u8;
}

/* Fetches exactly `n` arguments (missing ones read as undefined). */
static int get_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv)
{
    size_t argc = n;
    return check(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
}

static napi_value js_x25519(napi_env env, napi_callback_info info)
{
    napi_value argv[2], res;
    bytes scalar, u;
    uint8_t *out;
    if (!get_args(env, info, 2, argv)) return NULL;
    if (!get_bytes(env, argv[0], "x25519: scalar", 32, &scalar)) return NULL;
    if (!get_bytes(env, argv[1], "x25519: u", 32, &u)) return NULL;
    if (!(res = new_u8(env, 32, &out))) return NULL;
    x25519(out, scalar.data, u.data);
    return res;
}

static napi_value js_x25519_base(napi_env env, napi_callback_info info)
{
    napi_value argv[1], res;
    bytes scalar;
    uint8_t *out;
    if (!get_args(env, info, 1, argv)) return NULL;
    if (!get_bytes(env, argv[0], "x25519Base: scalar", 32, &scalar)) return NULL;
    if (!(res = new_u8(env, 32, &out))) return NULL;
    x25519_base(out, scalar.data);
    return res;
}

static napi_value js_sha256(napi_env env, napi_callback_info info)
{
    napi_value argv[1], res;
    bytes data;
    uint8_t *out;
    if (!get_args(env, info, 1, argv)) return NULL;
    if (!get_bytes(env, argv[0], "sha256: data", -1, &data)) return NULL;
    if (!(res = new_u8(env, 32, &out))) return NULL;
    sha256(out, data.data, data.len);
    return res;
}

static napi_value js_hmac_sha256(napi_env env, napi_callback_info info)
{
    napi_value argv[2], res;
    bytes key, data;
    uint8_t *out;
    if (!get_args(env, info, 2, argv)) return NULL;
    if (!get_bytes(env, argv[0], "hmacSha256: key", -1, &key)) return NULL;
    if (!get_bytes(env, argv[1], "hmacSha256: data", -1, &data)) return NULL;
    if (!(res = new_u8(env, 32, &out))) return NULL;
    hmac_sha256(out, key.data, key.len, data.data, data.len);
    return res;
}

static napi_value js_aead_seal(napi_env env, napi_callback_info info)
{
    napi_value argv[4], res;
    bytes key, nonce, aad, pt;
    uint8_t *out;
    if (!get_args(env, info, 4, argv)) return NULL;
    if (!get_bytes(env, argv[0], "aeadSeal: key", 32, &key)) return NULL;
    if (!get_bytes(env, argv[1], "aeadSeal: nonce", 12, &nonce)) return NULL;
    if (!get_bytes(env, argv[2], "aeadSeal: aad", -1, &aad)) return NULL;
    if (!get_bytes(env, argv[3], "aeadSeal: plaintext", -1, &pt)) return NULL;
    if (!(res = new_u8(env, pt.len + 16, &out))) return NULL;
    chacha20poly1305_seal(out, key.data, nonce.data, aad.data, aad.len, pt.data, pt.len);
    return res;
}

static napi_value js_aead_open(napi_env env, napi_callback_info info)
{
    napi_value argv[4], res;
    bytes key, nonce, aad, sealed;
    uint8_t *out;
    if (!get_args(env, info, 4, argv)) return NULL;
    if (!get_bytes(env, argv[0], "aeadOpen: key", 32, &key)) return NULL;
    if (!get_bytes(env, argv[1], "aeadOpen: nonce", 12, &nonce)) return NULL;
    if (!get_bytes(env, argv[2], "aeadOpen: aad", -1, &aad)) return NULL;
    if (!get_bytes(env, argv[3], "aeadOpen: sealed", -1, &sealed)) return NULL;
    if (sealed.len < 16) {
        type_error(env, "aeadOpen: sealed must be at least 16 bytes (ciphertext || 16-byte tag)");
        return NULL;
    }
    if (!(res = new_u8(env, sealed.len - 16, &out))) return NULL;
    if (chacha20poly1305_open(out, key.data, nonce.data, aad.data, aad.len, sealed.data, sealed.len) != 0) {
        napi_get_undefined(env, &res); /* the zero-filled buffer is dropped unseen */
    }
    return res;
}

static napi_value js_random_bytes(napi_env env, napi_callback_info info)
{
    napi_value argv[1], res;
    napi_valuetype t;
    double d;
    size_t n, got, chunk;
    uint8_t *out;
    if (!get_args(env, info, 1, argv)) return NULL;
    if (!check(env, napi_typeof(env, argv[0], &t))) return NULL;
    if (t != napi_number) {
        type_error(env, "randomBytes: n must be a number");
        return NULL;
    }
    if (!check(env, napi_get_value_double(env, argv[0], &d))) return NULL;
    if (!(d >= 0 && d <= RANDOM_MAX && d == (double)(size_t)d)) {
        type_error(env, "randomBytes: n must be a whole number from 0 to 65536");
        return NULL;
    }
    n = (size_t)d;
    if (!(res = new_u8(env, n, &out))) return NULL;
    /* getentropy() reads the OS generator (getrandom(2) on Linux) and takes
     * at most 256 bytes a call. */
    for (got = 0; got < n; got += chunk) {
        chunk = n - got < 256 ? n - got : 256;
        if (getentropy(out + got, chunk) != 0) {
            napi_throw_error(env, NULL, "randomBytes: the OS random generator failed (getentropy)");
            return NULL;
        }
    }
    return res;
}

static napi_value js_x25519_async(napi_env env, napi_callback_info info)
{
    napi_value argv[3], out, undefined, ignored;
    napi_valuetype t;
    if (!get_args(env, info, 3, argv)) return NULL;
    if (!check(env, napi_typeof(env, argv[2], &t))) return NULL;
    if (t != napi_function) {
        type_error(env, "x25519Async: done must be a function");
        return NULL;
    }
    if (!(out = js_x25519(env, info))) return NULL;
    if (!check(env, napi_get_undefined(env, &undefined))) return NULL;
    if (!check(env, napi_call_function(env, undefined, argv[2], 1, &out, &ignored))) return NULL;
    return undefined;
}

/* The common arguments of envelopeSeal and envelopeOpen. */
typedef struct {
    bytes key, aad, text;
    uint8_t *owned[3];
    uint64_t direction, nonce;
} envelope_args;

static void free_envelope_args(envelope_args *a)
{
    int i;
    for (i = 0; i < 3; i++) free(a->owned[i]);
}

static int get_envelope_args(napi_env env, napi_callback_info info, const char *name, envelope_args *a)
{
    napi_value argv[4];
    char what[128];
    memset(a, 0, sizeof *a);
    if (!get_args(env, info, 4, argv)) return 0;
    snprintf(what, sizeof what, "%s: encKey", name);
    if (!get_bytes_or_string(env, argv[0], what, 32, &a->key, &a->owned[0])) return 0;
    snprintf(what, sizeof what, "%s: direction", name);
    if (!get_uint(env, argv[1], what, DIRECTION_MAX, &a->direction)) return 0;
    snprintf(what, sizeof what, "%s: aad", name);
    if (!get_bytes_or_string(env, argv[2], what, -1, &a->aad, &a->owned[1])) return 0;
    snprintf(what, sizeof what, "%s: %s", name, strcmp(name, "envelopeSeal") ? "ciphertext" : "plaintext");
    if (!get_bytes_or_string(env, argv[3], what, -1, &a->text, &a->owned[2])) return 0;
    if (envelope_aad_nonce(a->aad.data, a->aad.len, &a->nonce) == 0) return 1;
    snprintf(what, sizeof what, "%s: aad must be device_id, nonce, timestamp and echo, each line ended by a newline", name);
    return type_error(env, what);
}

static napi_value js_envelope_seal(napi_env env, napi_callback_info info)
{
    envelope_args a;
    napi_value res = NULL;
    char *out;
    size_t n;
    if (get_envelope_args(env, info, "envelopeSeal", &a)) {
        n = base64_length(a.text.len + 16);
        if (!(out = malloc(n))) napi_throw_error(env, NULL, "gateway_crypto: out of memory");
        else {
            envelope_seal(out, a.key.data, (uint32_t)a.direction, a.nonce, a.aad.data, a.aad.len, a.text.data, a.text.len);
            res = byte_string(env, out, n);
            free(out);
        }
    }
    free_envelope_args(&a);
    return res;
}

static napi_value js_envelope_open(napi_env env, napi_callback_info info)
{
    envelope_args a;
    napi_value res = NULL;
    uint8_t *out;
    long sealed;
    if (get_envelope_args(env, info, "envelopeOpen", &a)) {
        sealed = base64_decoded_length((const char *)a.text.data, a.text.len);
        if (sealed < 16) napi_get_null(env, &res);
        else if (!(out = malloc((size_t)sealed - 16 + 1))) napi_throw_error(env, NULL, "gateway_crypto: out of memory");
        else {
            if (envelope_open(out, a.key.data, (uint32_t)a.direction, a.nonce, a.aad.data, a.aad.len, (const char *)a.text.data, a.text.len) == 0)
                res = byte_string(env, out, (size_t)sealed - 16);
            else
                napi_get_undefined(env, &res);
            free(out);
        }
    }
    free_envelope_args(&a);
    return res;
}

static napi_value js_hmac_hex(napi_env env, napi_callback_info info)
{
    napi_value argv[2], res = NULL;
    bytes key, data;
    uint8_t *owned[2] = {NULL, NULL}, mac[32];
    char hex[64];
    if (get_args(env, info, 2, argv) && get_bytes_or_string(env, argv[0], "hmacHex: key", -1, &key, &owned[0]) &&
        get_bytes_or_string(env, argv[1], "hmacHex: data", -1, &data, &owned[1])) {
        hmac_sha256(mac, key.data, key.len, data.data, data.len);
        hex_encode(hex, mac, sizeof mac);
        res = byte_string(env, hex, sizeof hex);
    }
    free(owned[0]);
    free(owned[1]);
    return res;
}

static napi_value js_hmac_verify(napi_env env, napi_callback_info info)
{
    napi_value argv[3], res = NULL;
    napi_valuetype t;
    bytes key, data;
    uint8_t *owned[2] = {NULL, NULL}, mac[32];
    char hex[65];
    size_t hex_len = 0;
    if (get_args(env, info, 3, argv) && get_bytes_or_string(env, argv[0], "hmacVerify: key", -1, &key, &owned[0]) &&
        get_bytes_or_string(env, argv[1], "hmacVerify: data", -1, &data, &owned[1]) && check(env, napi_typeof(env, argv[2], &t))) {
        int ok = 0;
        if (t == napi_string && check(env, napi_get_value_string_utf16(env, argv[2], NULL, 0, &hex_len)) && hex_len == 64) {
            char16_t wide[65];
            size_t i;
            check(env, napi_get_value_string_utf16(env, argv[2], wide, sizeof wide / sizeof wide[0], &hex_len));
            /* a char above 255 cannot be a hex digit: make it one that is not either */
            for (i = 0; i < 64; i++) hex[i] = wide[i] > 255 ? 'x' : (char)wide[i];
            hmac_sha256(mac, key.data, key.len, data.data, data.len);
            ok = hex_matches(mac, sizeof mac, hex, 64);
        }
        napi_get_boolean(env, ok == 1, &res);
    }
    free(owned[0]);
    free(owned[1]);
    return res;
}

/* Each function also gets the `length` (arity) of its Crypto signature, so
 * the addon, the Espruino library and src/crypto/types.ts can be compared. */
NAPI_MODULE_INIT()
{
    static const struct { const char *name; napi_callback fn; int arity; } fns[] = {
        { "x25519", js_x25519, 2 },
        { "x25519Base", js_x25519_base, 1 },
        { "sha256", js_sha256, 1 },
        { "hmacSha256", js_hmac_sha256, 2 },
        { "aeadSeal", js_aead_seal, 4 },
        { "aeadOpen", js_aead_open, 4 },
        { "randomBytes", js_random_bytes, 1 },
        { "x25519Async", js_x25519_async, 3 },
        { "envelopeSeal", js_envelope_seal, 4 },
        { "envelopeOpen", js_envelope_open, 4 },
        { "hmacHex", js_hmac_hex, 2 },
        { "hmacVerify", js_hmac_verify, 3 },
    };
    size_t i;
    for (i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        napi_value f, arity;
        napi_property_descriptor length = { "length", NULL, NULL, NULL, NULL, NULL, napi_configurable, NULL };
        if (!check(env, napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f))) return NULL;
        if (!check(env, napi_create_int32(env, fns[i].arity, &arity))) return NULL;
        length.value = arity;
        if (!check(env, napi_define_properties(env, f, 1, &length))) return NULL;
        if (!check(env, napi_set_named_property(env, exports, fns[i].name, f))) return NULL;
    }
    return exports;
}
