/* Espruino library GatewayCrypto (see jswrap_gateway_crypto.c). Espruino's
 * generated jswrapper.c includes this header, named after the .c file, to
 * call the functions below. */
#ifndef JSWRAP_GATEWAY_CRYPTO_H
#define JSWRAP_GATEWAY_CRYPTO_H

#include "jsvar.h"

JsVar *jswrap_gateway_crypto_x25519(JsVar *scalar, JsVar *u);
JsVar *jswrap_gateway_crypto_x25519Base(JsVar *scalar);
JsVar *jswrap_gateway_crypto_sha256(JsVar *data);
JsVar *jswrap_gateway_crypto_hmacSha256(JsVar *key, JsVar *data);
JsVar *jswrap_gateway_crypto_aeadSeal(JsVar *key, JsVar *nonce, JsVar *aad, JsVar *plaintext);
JsVar *jswrap_gateway_crypto_aeadOpen(JsVar *key, JsVar *nonce, JsVar *aad, JsVar *sealed);
JsVar *jswrap_gateway_crypto_randomBytes(JsVar *n);
JsVar *jswrap_gateway_crypto_x25519Async(JsVar *scalar, JsVar *u, JsVar *done);
JsVar *jswrap_gateway_crypto_envelopeSeal(JsVar *encKey, JsVar *direction, JsVar *aad, JsVar *plaintext);
JsVar *jswrap_gateway_crypto_envelopeOpen(JsVar *encKey, JsVar *direction, JsVar *aad, JsVar *ciphertext);
JsVar *jswrap_gateway_crypto_hmacHex(JsVar *key, JsVar *data);
JsVar *jswrap_gateway_crypto_hmacVerify(JsVar *key, JsVar *data, JsVar *mac);

#endif
