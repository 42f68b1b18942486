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
 *  - The IO event queue (src/jsdevices.c) is written from interrupts on a board:
 *    an interrupt runs to its end, so the main loop never pops an event halfway
 *    through a push. The host build reads the console on a thread instead
 *    (targets/linux/jshardware.c) and its jshInterruptOff() does nothing, so a
 *    push that appends to the last event could interleave with a pop and corrupt
 *    the queue (seen: garbled console lines, "ASSERT(len <= 64) FAILED" in
 *    jsdevices.c, under load). The link wraps the queue's entry points
 *    (-Wl,--wrap) with one lock, which restores the board's atomicity.
 *  - setTime(): the board moves its clock; the Linux target reads the PC's
 *    clock and ignores jshSetSystemTime. The link wraps both so the board's
 *    time is the PC's plus an offset that setTime() sets (timers are moved
 *    along by jstSystemTimeChanged, as on the board).
 */
#define _GNU_SOURCE /* PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP */
#include <pthread.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/random.h>

#include "jsdevices.h"
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

static pthread_mutex_t queue_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

void __real_jshPushIOCharEvent(IOEventFlags channel, char ch);
void __real_jshPushIOCharEvents(IOEventFlags channel, char *data, unsigned int count);
bool __real_jshPushEvent(IOEventFlags evt, uint8_t *data, unsigned int length);
IOEventFlags __real_jshPopIOEvent(uint8_t *data, unsigned int *length);
IOEventFlags __real_jshPopIOEventOfType(IOEventFlags eventType, uint8_t *data, unsigned int *length);

void __wrap_jshPushIOCharEvent(IOEventFlags channel, char ch) {
  pthread_mutex_lock(&queue_lock);
  __real_jshPushIOCharEvent(channel, ch);
  pthread_mutex_unlock(&queue_lock);
}

void __wrap_jshPushIOCharEvents(IOEventFlags channel, char *data, unsigned int count) {
  pthread_mutex_lock(&queue_lock);
  __real_jshPushIOCharEvents(channel, data, count);
  pthread_mutex_unlock(&queue_lock);
}

bool __wrap_jshPushEvent(IOEventFlags evt, uint8_t *data, unsigned int length) {
  pthread_mutex_lock(&queue_lock);
  bool r = __real_jshPushEvent(evt, data, length);
  pthread_mutex_unlock(&queue_lock);
  return r;
}

IOEventFlags __wrap_jshPopIOEvent(uint8_t *data, unsigned int *length) {
  pthread_mutex_lock(&queue_lock);
  IOEventFlags r = __real_jshPopIOEvent(data, length);
  pthread_mutex_unlock(&queue_lock);
  return r;
}

IOEventFlags __wrap_jshPopIOEventOfType(IOEventFlags eventType, uint8_t *data, unsigned int *length) {
  pthread_mutex_lock(&queue_lock);
  IOEventFlags r = __real_jshPopIOEventOfType(eventType, data, length);
  pthread_mutex_unlock(&queue_lock);
  return r;
}

JsSysTime __real_jshGetSystemTime(void);

static JsSysTime clock_offset; /* board time - PC time; only the main loop reads or sets it */

JsSysTime __wrap_jshGetSystemTime(void) {
  return __real_jshGetSystemTime() + clock_offset;
}

void __wrap_jshSetSystemTime(JsSysTime time) {
  clock_offset = time - __real_jshGetSystemTime();
}
