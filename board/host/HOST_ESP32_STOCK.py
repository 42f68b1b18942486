#!/bin/false
# Espruino 2v29 for a PC, shaped like the stock ESP32 firmware as JavaScript
# sees it: 32-bit build (14-byte JsVars), a fixed pool of 16,383 variables
# (the ESP32's ceiling), 896 KB of Storage run as flash strings, and the
# JS-visible libraries of boards/ESP32.py that build on a PC. What only the
# board has (Wifi, the RNG register, esp_random) comes from board/host/.
# tools/espruino/build.mjs copies board/host/ to libs/mqtt-gateway/host and
# native/ to libs/mqtt-gateway/native inside the Espruino tree.
import pinutils;
info = {
 'name' : "ESP32 gateway, host build (stock firmware)",
 'default_console' : "EV_USBSERIAL",
 'variables' : 16383,
 'binary_name' : 'espruino',
 'build' : {
   'optimizeflags' : '-Og', # as boards/ESP32.py compiles the firmware
   'libraries' : [
     'NET',
     'CRYPTO','SHA256','SHA512',
     'TLS',
     'TELNET',
   ],
   'makefile' : [
     'CFLAGS+=-m32', 'LDFLAGS+=-m32', 'DEFINES+=-DUSE_CALLFUNCTION_HACK',
     'DEFINES+=-DSPIFLASH_BASE=0 -DSPIFLASH_LENGTH=FLASH_SAVED_CODE_LENGTH',
     'DEFINES+=-DGATEWAY_HOST_BOARD=1',
     'SOURCES += libs/mqtt-gateway/host/host_board.c',
     'LDFLAGS += -Wl,--wrap=jswrap_io_peek',
     'LDFLAGS += -Wl,--wrap=jshFlashRead', # Storage read from a mapping, as the ESP32 does (host_board.c)
     'JSMODULESOURCES += Wifi:libs/mqtt-gateway/host/Wifi.js',
     'LINUX=1',
   ]
 }
};
chip = {
  'part' : "LINUX",
  'family' : "LINUX",
  'package' : "",
  'ram' : 0,
  'flash' : 896, # KB of Storage (espruino.flash in the working directory), as on the ESP32
  'speed' : -1,
  'usart' : 6,
  'spi' : 3,
  'i2c' : 3,
  'adc' : 0,
  'dac' : 0,
};

devices = {
  'USB' : {} # the console is stdin/stdout
};

def get_pins():
  return pinutils.generate_pins(0,39) # D0..D39, as the ESP32
