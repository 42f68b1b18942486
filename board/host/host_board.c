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
 *  - Storage reads as fast as memory, as on the board: the ESP32 maps its flash
 *    into the address space and Espruino reads Storage, and runs the code in
 *    .bootcde, straight from there. The Linux target instead opens, seeks,
 *    reads 4 KB and closes espruino.flash for every read, and code in Storage
 *    is read 16 bytes at a time as it runs: a system call or four per few
 *    tokens, which made the image run several times slower than the same code
 *    in RAM. The wrapped jshFlashRead reads a shared read-only mapping of the
 *    same file instead; the target's own writes (fwrite, fclose) go through
 *    the page cache that mapping shows, so reads still see every write.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

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

#define FAKE_FLASH_FILENAME "espruino.flash" /* targets/linux/jshardware.c */

void __real_jshFlashRead(void *buf, uint32_t addr, uint32_t len);

void __wrap_jshFlashRead(void *buf, uint32_t addr, uint32_t len) {
  static const unsigned char *flash;
  if (!flash) {
    int fd = open(FAKE_FLASH_FILENAME, O_RDONLY);
    struct stat st;
    /* the target creates the file at its full size (FLASH_TOTAL) and never shrinks it */
    if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size >= (off_t)FLASH_TOTAL) {
      void *p = mmap(NULL, FLASH_TOTAL, PROT_READ, MAP_SHARED, fd, 0);
      if (p != MAP_FAILED) flash = p;
    }
    if (fd >= 0) close(fd);
  }
  if (flash && addr >= FLASH_START && len <= FLASH_TOTAL && addr - FLASH_START <= FLASH_TOTAL - len) {
    memcpy(buf, flash + (addr - FLASH_START), len);
    return;
  }
  __real_jshFlashRead(buf, addr, len); /* no file yet (all 0xFF), or out of range (its assert) */
}
