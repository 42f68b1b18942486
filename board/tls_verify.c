/*
 * Custom firmware: a `ca` given to require("tls").connect() binds the
 * connection to that CA.
 *
 * Espruino 2v29's ssl_newSocketData() (libs/network/network.c) parses the
 * `ca` option into a certificate chain, then runs mbedTLS with
 *   mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_NONE); // "FIXME no cert checking!"
 *   mbedtls_ssl_conf_ca_chain(conf, &cacert, NULL);
 *   ...
 *   mbedtls_ssl_set_hostname(ssl, "mbed TLS Server 1");
 * so the CA is loaded and never checked. This project does not modify
 * Espruino's source; the link wraps the two calls instead (-Wl,--wrap, which
 * applies because network.c calls them from another object file):
 *
 * - mbedtls_ssl_conf_ca_chain: when the chain holds a parsed certificate, the
 *   peer must present a chain that verifies against it
 *   (MBEDTLS_SSL_VERIFY_REQUIRED): a failed check fails the handshake and the
 *   socket reports an error. Without `ca` the chain is empty and nothing
 *   changes (encrypted, unauthenticated); the gateway's config rules decide
 *   whether that is allowed.
 * - mbedtls_ssl_set_hostname: network.c sets the fixed name "mbed TLS Server 1"
 *   (it never sees the host name, only an address), which a verified
 *   certificate would fail as a name mismatch. Under VERIFY_REQUIRED the name
 *   is left unset, so no name is checked and no SNI is sent: the pinned CA
 *   alone authenticates the broker. Pin a private CA that signs only the
 *   broker (or the broker's own self-signed certificate), never a public root.
 *
 * Compiled into ESP32_GATEWAY.py and board/host/HOST_ESP32_CUSTOM.py only.
 */
#include "mbedtls/ssl.h"

void __real_mbedtls_ssl_conf_ca_chain(mbedtls_ssl_config *conf, mbedtls_x509_crt *ca_chain, mbedtls_x509_crl *ca_crl);
int __real_mbedtls_ssl_set_hostname(mbedtls_ssl_context *ssl, const char *hostname);

void __wrap_mbedtls_ssl_conf_ca_chain(mbedtls_ssl_config *conf, mbedtls_x509_crt *ca_chain, mbedtls_x509_crl *ca_crl) {
  // an initialised but empty chain (no `ca` option) has no raw certificate
  if (ca_chain && ca_chain->raw.p && ca_chain->raw.len) mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  __real_mbedtls_ssl_conf_ca_chain(conf, ca_chain, ca_crl);
}

int __wrap_mbedtls_ssl_set_hostname(mbedtls_ssl_context *ssl, const char *hostname) {
  // ssl->conf is set by mbedtls_ssl_setup(), which network.c calls first
  if (ssl->conf && ssl->conf->authmode == MBEDTLS_SSL_VERIFY_REQUIRED) return 0;
  return __real_mbedtls_ssl_set_hostname(ssl, hostname);
}
