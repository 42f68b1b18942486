/*
 * What an ESP32 has and a PC lacks, for the host build of the interpreter
 * (board/host/*.py). Host-only: never part of a firmware for a board.
 *
 *  - esp_random(): the ESP-IDF call that native/jswrap_gateway_crypto.c uses
 *    for GatewayCrypto.randomBytes; here it reads the kernel's generator.
 *  - peek32(0x3FF75144), the ESP32's RNG_DATA_REG that stock-firmware images
 *    read for key material: on a PC that address is unmapped (a segmentation
 *    fault), so the link wraps jswrap_io_peek (-Wl,--wrap) and answers that one
 *    address from the same generator. Every other address reads memory as before.
 */
#include <stdint.h>
#include <stddef.h>
#include <sys/random.h>

#include "jsvar.h"
#include "jswrap_io.h"

#define ESP32_RNG_DATA_REG 0x3FF75144

uint32_t esp_random(void) {
  uint32_t v = 0;
  while (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) {
  }
  return v;
}

JsVar *__real_jswrap_io_peek(JsVarInt addr, JsVarInt count, int wordSize);

JsVar *__wrap_jswrap_io_peek(JsVarInt addr, JsVarInt count, int wordSize) {
  if (addr == ESP32_RNG_DATA_REG && wordSize == 4 && count <= 1)
    return jsvNewFromLongInteger((long long)esp_random());
  return __real_jswrap_io_peek(addr, count, wordSize);
}
