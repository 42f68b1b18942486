/* Node-API addon over the freestanding crypto in this folder: the same
 * seven functions, names and semantics as the Espruino library
 * GatewayCrypto (see src/crypto/types.ts). Byte inputs may be any
 * TypedArray or DataView and are read in place; every result is a fresh
 * Uint8Array the C code writes into directly. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>     /* getentropy: glibc >= 2.25, musl, macOS, the BSDs */
#include <sys/random.h> /* getentropy on macOS */

#include <node_api.h>

#include "chacha20poly1305.h"
#include "sha256.h"
#include "x25519.h"

#define RANDOM_MAX 65536

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
