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
 *  - Flash: the Linux target opens espruino.flash for every read and write
 *    (fopen, a 4 KB stdio read, fclose), so code run from Storage, which the
 *    lexer reads a few bytes at a time, cost ~30,000 file opens a second and
 *    a boot of a 9 KB program took most of a second. The link wraps the three
 *    flash calls onto one file descriptor with pread/pwrite: same bytes, same
 *    write-through (each write is in the file when the call returns, so a
 *    SIGKILL keeps it, as a power cut keeps what a board had written).
 *  - setTime(): the board moves its clock; the Linux target reads the PC's
 *    clock and ignores jshSetSystemTime. The link wraps both so the board's
 *    time is the PC's plus an offset that setTime() sets (timers are moved
 *    along by jstSystemTimeChanged, as on the board).
 */
#define _GNU_SOURCE /* PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "jsdevices.h"
#include "jshardware.h"
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

/* ---- flash on one file descriptor */

#define FLASH_FILE "espruino.flash" /* as targets/linux/jshardware.c names it */

static int flash_fd = -1;

/* The flash file, made (all 0xFF) when `create`; -1 when it does not exist. */
static int flash_file(bool create) {
  if (flash_fd >= 0) return flash_fd;
  int fd = open(FLASH_FILE, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
  if (fd < 0) return -1;
  off_t len = lseek(fd, 0, SEEK_END);
  if (len < (off_t)FLASH_TOTAL) {
    static unsigned char ff[4096];
    memset(ff, 0xFF, sizeof ff);
    while (len < (off_t)FLASH_TOTAL) {
      size_t n = (size_t)FLASH_TOTAL - (size_t)len < sizeof ff ? (size_t)FLASH_TOTAL - (size_t)len : sizeof ff;
      if (pwrite(fd, ff, n, len) != (ssize_t)n) break;
      len += (off_t)n;
    }
  }
  flash_fd = fd;
  return fd;
}

static bool flash_range(uint32_t addr, uint32_t len) {
  return addr >= FLASH_START && addr - FLASH_START <= FLASH_TOTAL && len <= FLASH_TOTAL - (addr - FLASH_START);
}

void __wrap_jshFlashRead(void *buf, uint32_t addr, uint32_t len) {
  assert(flash_range(addr, len));
  int fd = flash_file(false);
  if (fd < 0 || pread(fd, buf, len, addr - FLASH_START) != (ssize_t)len) memset(buf, 0xFF, len);
}

void __wrap_jshFlashWrite(void *buf, uint32_t addr, uint32_t len) {
  assert(flash_range(addr, len));
  int fd = flash_file(true);
  if (fd < 0 || len == 0) return;
  unsigned char stack[256];
  unsigned char *cur = len <= sizeof stack ? stack : malloc(len);
  if (!cur) return;
  if (pread(fd, cur, len, addr - FLASH_START) == (ssize_t)len) {
    /* flash only clears bits */
    for (uint32_t i = 0; i < len; i++) cur[i] &= ((unsigned char *)buf)[i];
    ssize_t w = pwrite(fd, cur, len, addr - FLASH_START);
    (void)w;
  }
  if (cur != stack) free(cur);
}

void __wrap_jshFlashErasePage(uint32_t addr) {
  uint32_t start, size;
  int fd = flash_file(false);
  if (fd < 0 || !jshFlashGetPage(addr, &start, &size)) return; /* no file: all 0xFF already */
  unsigned char *ff = malloc(size);
  if (!ff) return;
  memset(ff, 0xFF, size);
  ssize_t w = pwrite(fd, ff, size, start - FLASH_START);
  (void)w;
  free(ff);
}
