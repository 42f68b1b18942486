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
 *  - setTime(): the Linux target's jshSetSystemTime does nothing, yet setTime()
 *    still shifts every timer by the jump, so a clock set forward stalls the
 *    timers for that long. The ESP32 moves its clock; here the link wraps
 *    jshGetSystemTime/jshSetSystemTime (-Wl,--wrap) to keep an offset from
 *    the PC's clock, so getTime() and timers behave as on the board.
 *  - Console input: the Linux target reads stdin on a thread of its own, and
 *    jshPushIOCharEvents appends a character to the newest queued event when
 *    it can, a shortcut that is only safe with interrupts off, which a thread
 *    does not honour: when the main loop pops that event at the same moment,
 *    the queue is corrupted (seen as "ASSERT(len <= 64) FAILED" under steady
 *    console input while the idle loop spins). The link wraps
 *    jshPushIOCharEvent, the input thread's call, to queue each character as
 *    an event of its own (slower, but the queue stays whole).
 */
#include <stdint.h>
#include <stddef.h>
#include <sys/random.h>

#include "jsvar.h"
#include "jswrap_io.h"
#include "jshardware.h"
#include "jsdevices.h"
#include "jsinteractive.h"
#include "jswrapper.h"

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

JsSysTime __real_jshGetSystemTime(void);

static JsSysTime clockOffset = 0; // board clock minus the PC's, set by setTime()

JsSysTime __wrap_jshGetSystemTime(void) {
  return __real_jshGetSystemTime() + clockOffset;
}

void __wrap_jshSetSystemTime(JsSysTime time) {
  clockOffset = time - __real_jshGetSystemTime();
}

void __wrap_jshPushIOCharEvent(IOEventFlags channel, char ch) {
  // what jshPushIOCharEvents does first (Ctrl-C, handlers that take the char)
  if (ch == 3 && channel == jsiGetConsoleDevice()) jsiCtrlC();
  if (jswOnCharEvent(channel, ch)) return;
  jshPushEvent(channel, (uint8_t *)&ch, 1);
}
