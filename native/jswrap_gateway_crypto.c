/* Espruino library "GatewayCrypto": the freestanding crypto of this folder
 * for JavaScript on the ESP32_GATEWAY firmware (board/ESP32_GATEWAY.py).
 * Same functions, argument counts and semantics as the Node addon (addon.c)
 * and the Crypto interface of src/crypto/types.ts.
 *
 * Builds only inside the Espruino source tree (2v29): Espruino's
 * scripts/build_jswrapper.py reads the JSON comments below and generates
 * the glue that makes `require("GatewayCrypto")` return the library.
 *
 * Byte arguments: a Uint8Array (or another view with 1-byte elements, or an
 * ArrayBuffer) or an 8-bit String, the form Espruino's sockets and Storage
 * hand data out in. The primitives return fresh Uint8Arrays (aeadOpen
 * undefined when the tag does not verify); the envelope calls return
 * Strings, byte work and all in one call, so a sealed message costs the
 * interpreter a few calls instead of loops over its bytes. Wrong types or
 * lengths throw a TypeError. */
#include "jsvar.h"
#include "jsvariterator.h"
#include "jsinteractive.h"
#include "jsparse.h"
#include "jswrap_arraybuffer.h"
#include "jswrap_gateway_crypto.h"

#include "chacha20poly1305.h"
#include "envelope.h"
#include "sha256.h"
#include "x25519.h"

#ifdef ESP32
#include "esp_system.h" /* esp_random(), ESP-IDF 3.3 */
#elif defined(GATEWAY_HOST_BOARD)
uint32_t esp_random(void); /* the PC's stand-in: board/host/host_board.c */
#else
#error "GatewayCrypto.randomBytes reads the ESP32 hardware generator: add this chip's own source before building for it"
#endif

#define GC_RANDOM_MAX 65536
#define GC_DIRECTION_MAX 4294967295.0 /* u32 */

/*JSON{
  "type" : "library",
  "class" : "GatewayCrypto"
}
X25519 (RFC 7748), SHA-256, HMAC-SHA256 and the ChaCha20-Poly1305 AEAD
(RFC 8439) in C, for the MQTT gateway firmware. Arguments are Uint8Arrays
(or ArrayBuffers, or 8-bit Strings); results are new Uint8Arrays.
*/

static void gc_wipe(void *p, size_t n) {
  volatile uint8_t *v = (volatile uint8_t *)p;
  while (n--) *v++ = 0;
}

/* A String, an ArrayBuffer, or a view of 1-byte elements. Wider views are
 * refused: Espruino would read their elements as bytes, not their memory. */
static bool gc_is_bytes(JsVar *v) {
  if (jsvIsString(v)) return true;
  return jsvIsArrayBuffer(v) && JSV_ARRAYBUFFER_GET_SIZE(v->varData.arraybuffer.type) == 1;
}

static size_t gc_length(JsVar *v) {
  return jsvIsString(v) ? jsvGetStringLength(v) : jsvGetArrayBufferLength(v);
}

/* Throws a TypeError unless v is bytes, of exactly `want` bytes if want >= 0. */
static bool gc_check(JsVar *v, const char *what, int want) {
  if (!gc_is_bytes(v)) {
    jsExceptionHere(JSET_TYPEERROR, "%s must be a Uint8Array, ArrayBuffer or String, got %t", what, v);
    return false;
  }
  if (want >= 0 && gc_length(v) != (size_t)want) {
    jsExceptionHere(JSET_TYPEERROR, "%s must be %d bytes long, got %d", what, want, (int)gc_length(v));
    return false;
  }
  return true;
}

/* A fresh Uint8Array of len bytes in one flat block, *ptr pointing at it.
 * Called before any input's data pointer is taken, so that nothing this
 * allocation does to the variable store can invalidate those pointers. */
static JsVar *gc_new_bytes(size_t len, uint8_t **ptr) {
  char *p = 0;
  JsVar *buffer, *view;
  *ptr = 0;
  if (len == 0) return jsvNewTypedArray(ARRAYBUFFERVIEW_UINT8, 0);
  if (len > JSV_ARRAYBUFFER_MAX_LENGTH) { /* e.g. randomBytes(65536) */
    jsExceptionHere(JSET_ERROR, "GatewayCrypto: a %d-byte result is over Espruino's typed array limit of %d bytes",
                    (int)len, JSV_ARRAYBUFFER_MAX_LENGTH);
    return 0;
  }
  buffer = jsvNewArrayBufferWithPtr((unsigned int)len, &p);
  if (!p) {
    jsvUnLock(buffer);
    jsExceptionHere(JSET_ERROR, "GatewayCrypto: not enough memory for a %d-byte result", (int)len);
    return 0;
  }
  view = jswrap_typedarray_constructor(ARRAYBUFFERVIEW_UINT8, buffer, 0, 0);
  jsvUnLock(buffer);
  if (view) *ptr = (uint8_t *)p;
  return view;
}

/* After JSV_GET_AS_CHAR_ARRAY: true (with res released and an exception
 * set) when the bytes could not be read (it found no stack for a copy) or
 * were not the `want` bytes the result was sized for. */
static bool gc_unreadable(JsVar *res, const char *ptr, size_t len, size_t want) {
  if (ptr || !len) {
    if (len == want) return false;
    jsExceptionHere(JSET_ERROR, "GatewayCrypto: read %d bytes where %d were expected", (int)len, (int)want);
  }
  jsvUnLock(res);
  return true;
}

/* A whole number from 0 to max; false (with a TypeError) for anything else. */
static bool gc_uint(JsVar *v, const char *what, JsVarFloat max, uint64_t *out) {
  JsVarFloat f = (jsvIsInt(v) || jsvIsFloat(v)) ? jsvGetFloat(v) : -1;
  if (!(f >= 0 && f <= max && f == (JsVarFloat)(uint64_t)f)) {
    jsExceptionHere(JSET_TYPEERROR, "%s must be a whole number from 0 to %f", what, max);
    return false;
  }
  *out = (uint64_t)f;
  return true;
}

/* The nonce the AAD names (envelope_aad_nonce); false (with a TypeError) when it names none. */
static bool gc_aad_nonce(const char *aad, size_t len, const char *what, uint64_t *nonce) {
  if (envelope_aad_nonce((const uint8_t *)aad, len, nonce) == 0) return true;
  jsExceptionHere(JSET_TYPEERROR, "%s: aad must be device_id, nonce, timestamp and echo, each line ended by a newline", what);
  return false;
}

/* String results are made on the stack, then copied into an ordinary String:
 * a flat one would cost a search of the variable store for free space in a
 * row, and the interpreter's substr and friends are slower on it. */
static bool gc_room(size_t len) {
  if (len + 256 <= jsuGetFreeStack()) return true;
  jsExceptionHere(JSET_ERROR, "GatewayCrypto: not enough stack for a %d-character result", (int)len);
  return false;
}

/* An ordinary String of the len chars at p (appended to an empty one:
 * jsvNewStringOfLength would make a flat one above ~24 chars). */
static JsVar *gc_string(const char *p, size_t len) {
  JsVar *s = jsvNewFromEmptyString();
  if (s) jsvAppendStringBuf(s, p, len);
  if (!s || jsvGetStringLength(s) != len) {
    jsvUnLock(s);
    jsExceptionHere(JSET_ERROR, "GatewayCrypto: not enough memory for a %d-character result", (int)len);
    return 0;
  }
  return s;
}

/* The base64 length check of envelopeOpen without reading the text: the
 * bytes a padded base64 String of this length and ending holds, or -1. */
static long gc_b64_bytes(JsVar *b64) {
  size_t len = gc_length(b64);
  long pad = 0;
  if (len % 4 || !jsvIsString(b64)) return -1;
  if (len && jsvGetCharInString(b64, len - 1) == '=') pad = jsvGetCharInString(b64, len - 2) == '=' ? 2 : 1;
  return (long)(len / 4 * 3) - pad;
}

/*JSON{
  "type" : "staticmethod",
  "class" : "GatewayCrypto",
  "name" : "x25519",
  "generate" : "jswrap_gateway_crypto_x25519",
  "params" : [
    ["scalar","JsVar","32-byte private scalar (clamped inside)"],
    ["u","JsVar","32-byte u-coordinate (a public key)"]
  ],
  "return" : ["JsVar","32 bytes X25519(scalar, u); all zero for a low-order u, which callers must refuse"],
  "return_object" : "Uint8Array",
  "typescript" : "x25519(scalar: Uint8Array, u: Uint8Array): Uint8Array;"
}
RFC 7748 X25519, constant time.
*/
JsVar *jswrap_gateway_crypto_x25519(JsVar *scalar, JsVar *u) {
  uint8_t k[32], pub[32], *out;
  JsVar *res;
  if (!gc_check(scalar, "x25519: scalar", 32) || !gc_check(u, "x25519: u", 32)) return 0;
  if (!(res = gc_new_bytes(32, &out))) return 0;
  jsvIterateCallbackToBytes(scalar, k, sizeof k);
  jsvIterateCallbackToBytes(u, pub, sizeof pub);
  x25519(out, k, pub);
  gc_wipe(k, sizeof k);
  return res;
}

/*JSON{
  "type" : "staticmethod",
  "class" : "GatewayCrypto",
  "name" : "x25519Base",
  "generate" : "jswrap_gateway_crypto_x25519Base",
  "params" : [
    ["scalar","JsVar","32-byte private scalar (clamped inside)"]
  ],
  "return" : ["JsVar","the 32-byte public key X25519(scalar, 9)"],
  "return_object" : "Uint8Array",
  "typescript" : "x25519Base(scalar: Uint8Array): Uint8Array;"
}
The X25519 public key of a private scalar.
*/
JsVar *jswrap_gateway_crypto_x25519Base(JsVar *scalar) {
  uint8_t k[32], *out;
  JsVar *res;
  if (!gc_check(scalar, "x25519Base: scalar", 32)) return 0;
  if (!(res = gc_new_bytes(32, &out))) return 0;
  jsvIterateCallbackToBytes(scalar, k, sizeof k);
  x25519_base(out, k);
  gc_wipe(k, sizeof k);
  return res;
}

/*JSON{
  "type" : "staticmethod",
  "class" : "GatewayCrypto",
  "name" : "sha256",
  "generate" : "jswrap_gateway_crypto_sha256",
  "params" : [
    ["data","JsVar","the bytes to hash"]
  ],
  "return" : ["JsVar","the 32-byte SHA-256 digest"],
  "return_object" : "Uint8Array",
  "typescript" : "sha256(data: Uint8Array): Uint8Array;"
}
SHA-256 (FIPS 180-4).
*/
JsVar *jswrap_gateway_crypto_sha256(JsVar *data) {
  uint8_t *out;
  JsVar *res;
  if (!gc_check(data, "sha256: data", -1)) return 0;
  if (!(res = gc_new_bytes(32, &out))) return 0;
  JSV_GET_AS_CHAR_ARRAY(dataPtr, dataLen, data);
  if (gc_unreadable(res, dataPtr, dataLen, dataLen)) return 0;
  sha256(out, (const uint8_t *)dataPtr, dataLen);
  return res;
}

/*JSON{
  "type" : "staticmethod",
  "class" : "GatewayCrypto",
  "name" : "hmacSha256",
  "generate" : "jswrap_gateway_crypto_hmacSha256",
  "params" : [
    ["key","JsVar","the key, any length"],
    ["data","JsVar","the message"]
  ],
  "return" : ["JsVar","the 32-byte HMAC-SHA256 of data under key"],
  "return_object" : "Uint8Array",
  "typescript" : "hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;"
}
HMAC-SHA256 (RFC 2104), key first.
*/
JsVar *jswrap_gateway_crypto_hmacSha256(JsVar *key, JsVar *data) {
  uint8_t *out;
  JsVar *res;
  if (!gc_check(key, "hmacSha256: key", -1) || !gc_check(data, "hmacSha256: data", -1)) return 0;
  if (!(res = gc_new_bytes(32, &out))) return 0;
  JSV_GET_AS_CHAR_ARRAY(keyPtr, keyLen, key);
  JSV_GET_AS_CHAR_ARRAY(dataPtr, dataLen, data);
  if (gc_unreadable(res, keyPtr, keyLen, keyLen) || gc_unreadable(res, dataPtr, dataLen, dataLen)) return 0;
  hmac_sha256(out, (const uint8_t *)keyPtr, keyLen, (const uint8_t *)dataPtr, dataLen);
  return res;
}

/*JSON{
  "type" : "staticmethod",
  "class" : "GatewayCrypto",
  "name" : "aeadSeal",
  "generate" : "jswrap_gateway_crypto_aeadSeal",
  "params" : [
    ["key","JsVar","32-byte key"],
    ["nonce","JsVar","12-byte nonce, never reused under one key"],
    ["aad","JsVar","associated data (authenticated, not encrypted)"],
    ["plaintext","JsVar","the message"]
  ],
  "return" : ["JsVar","ciphertext followed by the 16-byte tag"],
  "return_object" : "Uint8Array",
  "typescript" : "aeadSeal(key: Uint8Array, nonce12: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;"
}
ChaCha20-Poly1305 encryption (RFC 8439).
*/
JsVar *jswrap_gateway_crypto_aeadSeal(JsVar *key, JsVar *nonce, JsVar *aad, JsVar *plaintext) {
  uint8_t k[32], n[12], *out;
  size_t ptLength;
  JsVar *res;
  if (!gc_check(key, "aeadSeal: key", 32) || !gc_check(nonce, "aeadSeal: nonce", 12) ||
      !gc_check(aad, "aeadSeal: aad", -1) || !gc_check(plaintext, "aeadSeal: plaintext", -1)) return 0;
  ptLength = gc_length(plaintext);
  if (!(res = gc_new_bytes(ptLength + 16, &out))) return 0;
  JSV_GET_AS_CHAR_ARRAY(aadPtr, aadLen, aad);
  JSV_GET_AS_CHAR_ARRAY(ptPtr, ptLen, plaintext);
  if (gc_unreadable(res, aadPtr, aadLen, aadLen) || gc_unreadable(res, ptPtr, ptLen, ptLength)) return 0;
  jsvIterateCallbackToBytes(key, k, sizeof k);
  jsvIterateCallbackToBytes(nonce, n, sizeof n);
  chacha20poly1305_seal(out, k, n, (const uint8_t *)aadPtr, aadLen, (const uint8_t *)ptPtr, ptLen);
  gc_wipe(k, sizeof k);
  return res;
}

/*JSON{
  "type" : "staticmethod",
  "class" : "GatewayCrypto",
  "name" : "aeadOpen",
  "generate" : "jswrap_gateway_crypto_aeadOpen",
  "params" : [
    ["key","JsVar","32-byte key"],
    ["nonce","JsVar","12-byte nonce"],
    ["aad","JsVar","associated data"],
    ["sealed","JsVar","ciphertext followed by the 16-byte tag (at least 16 bytes)"]
  ],
  "return" : ["JsVar","the plaintext, or undefined when the tag does not verify"],
  "return_object" : "Uint8Array",
  "typescript" : "aeadOpen(key: Uint8Array, nonce12: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined;"
}
ChaCha20-Poly1305 decryption (RFC 8439). The tag is checked in constant
time before anything is decrypted; on failure no plaintext is released.
*/
JsVar *jswrap_gateway_crypto_aeadOpen(JsVar *key, JsVar *nonce, JsVar *aad, JsVar *sealed) {
  uint8_t k[32], n[12], *out;
  size_t sealedLength;
  JsVar *res;
  if (!gc_check(key, "aeadOpen: key", 32) || !gc_check(nonce, "aeadOpen: nonce", 12) ||
      !gc_check(aad, "aeadOpen: aad", -1) || !gc_check(sealed, "aeadOpen: sealed", -1)) return 0;
  sealedLength = gc_length(sealed);
  if (sealedLength < 16) {
    jsExceptionHere(JSET_TYPEERROR, "aeadOpen: sealed must be at least 16 bytes (ciphertext and tag), got %d", (int)sealedLength);
    return 0;
  }
  if (!(res = gc_new_bytes(sealedLength - 16, &out))) return 0;
  JSV_GET_AS_CHAR_ARRAY(aadPtr, aadLen, aad);
  JSV_GET_AS_CHAR_ARRAY(sealedPtr, sealedLen, sealed);
  if (gc_unreadable(res, aadPtr, aadLen, aadLen) || gc_unreadable(res, sealedPtr, sealedLen, sealedLength)) return 0;
  jsvIterateCallbackToBytes(key, k, sizeof k);
  jsvIterateCallbackToBytes(nonce, n, sizeof n);
  if (chacha20poly1305_open(out, k, n, (const uint8_t *)aadPtr, aadLen, (const uint8_t *)sealedPtr, sealedLen) != 0) {
    jsvUnLock(res); /* never written: the C code checks the tag first */
    res = 0;
  }
  gc_wipe(k, sizeof k);
  return res;
}

/*JSON{
  "type" : "staticmethod",
  "class" : "GatewayCrypto",
  "name" : "x25519Async",
  "generate" : "jswrap_gateway_crypto_x25519Async",
  "params" : [
    ["scalar","JsVar","32-byte private scalar (clamped inside)"],
    ["u","JsVar","32-byte u-coordinate (a public key)"],
    ["done","JsVar","called with the 32-byte result"]
  ],
  "return" : ["JsVar","undefined"],
  "typescript" : "x25519Async(scalar: Uint8Array, u: Uint8Array, done: (out: Uint8Array) => void): void;"
}
X25519 for callers written for the sliced pure-JS version of stock firmware:
in C it takes a millisecond, so `done` is called at once, before this returns.
*/
JsVar *jswrap_gateway_crypto_x25519Async(JsVar *scalar, JsVar *u, JsVar *done) {
  JsVar *out;
  if (!jsvIsFunction(done)) {
    jsExceptionHere(JSET_TYPEERROR, "x25519Async: done must be a function, got %t", done);
    return 0;
  }
  out = jswrap_gateway_crypto_x25519(scalar, u);
  if (!out) return 0;
  jsvUnLock2(jspExecuteFunction(done, 0, 1, &out), out);
  return 0;
}

/*JSON{
  "type" : "staticmethod",
  "class" : "GatewayCrypto",
  "name" : "envelopeSeal",
  "generate" : "jswrap_gateway_crypto_envelopeSeal",
  "params" : [
    ["encKey","JsVar","32-byte session key"],
    ["direction","JsVar","0 device to gateway, 1 gateway to device"],
    ["aad","JsVar","the envelope's AAD: device_id, nonce, timestamp and echo, each line ended by a newline"],
    ["plaintext","JsVar","the JSON-RPC text"]
  ],
  "return" : ["JsVar","base64 of ciphertext and tag: the envelope's ciphertext field"],
  "return_object" : "String",
  "typescript" : "envelopeSeal(encKey: Uint8Array | string, direction: number, aad: Uint8Array | string, plaintext: Uint8Array | string): string;"
}
docs/protocol.md §5.2 sealing: ChaCha20-Poly1305 under the nonce
u32_be(direction) ‖ u64_be(nonce), where nonce is the AAD's second line, as
standard padded base64.
*/
JsVar *jswrap_gateway_crypto_envelopeSeal(JsVar *encKey, JsVar *direction, JsVar *aad, JsVar *plaintext) {
  uint8_t k[32];
  uint64_t dir, n;
  size_t outLength;
  char *out;
  if (!gc_check(encKey, "envelopeSeal: encKey", 32) || !gc_uint(direction, "envelopeSeal: direction", GC_DIRECTION_MAX, &dir) ||
      !gc_check(aad, "envelopeSeal: aad", -1) || !gc_check(plaintext, "envelopeSeal: plaintext", -1)) return 0;
  outLength = base64_length(gc_length(plaintext) + 16);
  if (!gc_room(outLength)) return 0;
  out = (char *)alloca(outLength);
  JSV_GET_AS_CHAR_ARRAY(aadPtr, aadLen, aad);
  JSV_GET_AS_CHAR_ARRAY(ptPtr, ptLen, plaintext);
  if (gc_unreadable(0, aadPtr, aadLen, aadLen) || gc_unreadable(0, ptPtr, ptLen, gc_length(plaintext))) return 0;
  if (!gc_aad_nonce(aadPtr, aadLen, "envelopeSeal", &n)) return 0;
  jsvIterateCallbackToBytes(encKey, k, sizeof k);
  envelope_seal(out, k, (uint32_t)dir, n, (const uint8_t *)aadPtr, aadLen, (const uint8_t *)ptPtr, ptLen);
  gc_wipe(k, sizeof k);
  return gc_string(out, outLength);
}

/*JSON{
  "type" : "staticmethod",
  "class" : "GatewayCrypto",
  "name" : "envelopeOpen",
  "generate" : "jswrap_gateway_crypto_envelopeOpen",
  "params" : [
    ["encKey","JsVar","32-byte session key"],
    ["direction","JsVar","0 device to gateway, 1 gateway to device"],
    ["aad","JsVar","the envelope's AAD: device_id, nonce, timestamp and echo, each line ended by a newline"],
    ["ciphertext","JsVar","the envelope's ciphertext field (base64)"]
  ],
  "return" : ["JsVar","the plaintext; undefined when the tag does not verify; null when ciphertext is not canonical base64 of at least 16 bytes"],
  "return_object" : "String",
  "typescript" : "envelopeOpen(encKey: Uint8Array | string, direction: number, aad: Uint8Array | string, ciphertext: string): string | null | undefined;"
}
The inverse of envelopeSeal. The tag is checked before anything is
decrypted; on failure no plaintext is released.
*/
JsVar *jswrap_gateway_crypto_envelopeOpen(JsVar *encKey, JsVar *direction, JsVar *aad, JsVar *ciphertext) {
  uint8_t k[32];
  uint64_t dir, n;
  long sealedLength;
  size_t outLength;
  char *out;
  int r;
  if (!gc_check(encKey, "envelopeOpen: encKey", 32) || !gc_uint(direction, "envelopeOpen: direction", GC_DIRECTION_MAX, &dir) ||
      !gc_check(aad, "envelopeOpen: aad", -1) || !gc_check(ciphertext, "envelopeOpen: ciphertext", -1)) return 0;
  sealedLength = gc_b64_bytes(ciphertext);
  outLength = sealedLength < 16 ? 0 : (size_t)sealedLength - 16;
  if (!gc_room(outLength)) return 0;
  out = (char *)alloca(outLength + 1);
  JSV_GET_AS_CHAR_ARRAY(aadPtr, aadLen, aad);
  JSV_GET_AS_CHAR_ARRAY(b64Ptr, b64Len, ciphertext);
  if (gc_unreadable(0, aadPtr, aadLen, aadLen) || gc_unreadable(0, b64Ptr, b64Len, b64Len)) return 0;
  if (!gc_aad_nonce(aadPtr, aadLen, "envelopeOpen", &n)) return 0;
  if (sealedLength < 16 || base64_decoded_length(b64Ptr, b64Len) != sealedLength) return jsvNewNull();
  jsvIterateCallbackToBytes(encKey, k, sizeof k);
  r = envelope_open((uint8_t *)out, k, (uint32_t)dir, n, (const uint8_t *)aadPtr, aadLen, b64Ptr, b64Len);
  gc_wipe(k, sizeof k);
  if (r != 0) return 0; /* undefined: the C checks the tag before it decrypts, out holds ciphertext only */
  return gc_string(out, outLength);
}

/*JSON{
  "type" : "staticmethod",
  "class" : "GatewayCrypto",
  "name" : "hmacHex",
  "generate" : "jswrap_gateway_crypto_hmacHex",
  "params" : [
    ["key","JsVar","the key, any length"],
    ["data","JsVar","the message"]
  ],
  "return" : ["JsVar","HMAC-SHA256 of data under key as 64 lowercase hex"],
  "return_object" : "String",
  "typescript" : "hmacHex(key: Uint8Array | string, data: Uint8Array | string): string;"
}
HMAC-SHA256 (RFC 2104) as the hex text the protocol sends.
*/
JsVar *jswrap_gateway_crypto_hmacHex(JsVar *key, JsVar *data) {
  uint8_t mac[32];
  char hex[64];
  if (!gc_check(key, "hmacHex: key", -1) || !gc_check(data, "hmacHex: data", -1)) return 0;
  JSV_GET_AS_CHAR_ARRAY(keyPtr, keyLen, key);
  JSV_GET_AS_CHAR_ARRAY(dataPtr, dataLen, data);
  if (gc_unreadable(0, keyPtr, keyLen, keyLen) || gc_unreadable(0, dataPtr, dataLen, dataLen)) return 0;
  hmac_sha256(mac, (const uint8_t *)keyPtr, keyLen, (const uint8_t *)dataPtr, dataLen);
  hex_encode(hex, mac, sizeof mac);
  return gc_string(hex, sizeof hex);
}

/*JSON{
  "type" : "staticmethod",
  "class" : "GatewayCrypto",
  "name" : "hmacVerify",
  "generate" : "jswrap_gateway_crypto_hmacVerify",
  "params" : [
    ["key","JsVar","the key, any length"],
    ["data","JsVar","the message"],
    ["mac","JsVar","the MAC received, 64 lowercase hex"]
  ],
  "return" : ["JsVar","true when mac is the HMAC-SHA256 of data under key"],
  "return_object" : "Boolean",
  "typescript" : "hmacVerify(key: Uint8Array | string, data: Uint8Array | string, mac: string): boolean;"
}
Checks a received MAC in constant time: false for anything but the 64
lowercase hex digits of HMAC-SHA256(key, data).
*/
JsVar *jswrap_gateway_crypto_hmacVerify(JsVar *key, JsVar *data, JsVar *mac) {
  uint8_t expected[32];
  bool ok;
  if (!gc_check(key, "hmacVerify: key", -1) || !gc_check(data, "hmacVerify: data", -1)) return 0;
  if (!jsvIsString(mac) || gc_length(mac) != 64) return jsvNewFromBool(false);
  JSV_GET_AS_CHAR_ARRAY(keyPtr, keyLen, key);
  JSV_GET_AS_CHAR_ARRAY(dataPtr, dataLen, data);
  JSV_GET_AS_CHAR_ARRAY(macPtr, macLen, mac);
  if (gc_unreadable(0, keyPtr, keyLen, keyLen) || gc_unreadable(0, dataPtr, dataLen, dataLen) || gc_unreadable(0, macPtr, macLen, 64)) return 0;
  hmac_sha256(expected, (const uint8_t *)keyPtr, keyLen, (const uint8_t *)dataPtr, dataLen);
  ok = hex_matches(expected, sizeof expected, macPtr, macLen) == 1;
  gc_wipe(expected, sizeof expected);
  return jsvNewFromBool(ok);
}

/*JSON{
  "type" : "staticmethod",
  "class" : "GatewayCrypto",
  "name" : "randomBytes",
  "generate" : "jswrap_gateway_crypto_randomBytes",
  "params" : [
    ["n","JsVar","how many bytes, 0 to 65536"]
  ],
  "return" : ["JsVar","n bytes from the ESP32 hardware random generator"],
  "return_object" : "Uint8Array",
  "typescript" : "randomBytes(n: number): Uint8Array;"
}
Random bytes from esp_random(), the ESP32's hardware generator (true random
while Wi-Fi or Bluetooth is running). Not Math.random or E.hwRand.
*/
JsVar *jswrap_gateway_crypto_randomBytes(JsVar *n) {
  JsVarFloat count;
  size_t len, i;
  uint8_t *out;
  JsVar *res;
  if (!jsvIsInt(n) && !jsvIsFloat(n)) {
    jsExceptionHere(JSET_TYPEERROR, "randomBytes: n must be a number, got %t", n);
    return 0;
  }
  count = jsvGetFloat(n);
  if (!(count >= 0 && count <= GC_RANDOM_MAX && count == (JsVarFloat)(size_t)count)) {
    jsExceptionHere(JSET_TYPEERROR, "randomBytes: n must be a whole number from 0 to %d", GC_RANDOM_MAX);
    return 0;
  }
  len = (size_t)count;
  if (!(res = gc_new_bytes(len, &out))) return 0;
  for (i = 0; i < len; i += 4) {
    uint32_t r = esp_random();
    size_t j;
    for (j = 0; j < 4 && i + j < len; j++) out[i + j] = (uint8_t)(r >> (8 * j));
  }
  return res;
}
