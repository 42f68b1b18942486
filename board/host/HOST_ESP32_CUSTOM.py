#!/bin/false
# The custom gateway firmware on a PC: the stock host build plus native/ as
# the GatewayCrypto library and board/tls_verify.c (a given TLS CA is checked),
# built the way board/ESP32_GATEWAY.py builds them.
import copy
import HOST_ESP32_STOCK as stock
from HOST_ESP32_STOCK import chip, devices, get_pins

info = copy.deepcopy(stock.info)
info['name'] = "ESP32 gateway, host build (custom firmware, GatewayCrypto)"
info['build']['makefile'] = info['build']['makefile'][:-1] + [
  'WRAPPERSOURCES += libs/mqtt-gateway/native/jswrap_gateway_crypto.c',
  'SOURCES += libs/mqtt-gateway/native/sha256.c',
  'SOURCES += libs/mqtt-gateway/native/x25519.c',
  'SOURCES += libs/mqtt-gateway/native/chacha20poly1305.c',
  'SOURCES += libs/mqtt-gateway/native/envelope.c',
  'INCLUDE += -I$(ROOT)/libs/mqtt-gateway/native',
  # a `ca` given to tls.connect is checked (board/tls_verify.c)
  'SOURCES += libs/mqtt-gateway/tls_verify.c',
  'LDFLAGS += -Wl,--wrap=mbedtls_ssl_conf_ca_chain,--wrap=mbedtls_ssl_set_hostname',
  'LINUX=1',
]
