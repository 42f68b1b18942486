#!/bin/false
# Espruino board file for the MQTT gateway: the stock ESP32 build
# (boards/ESP32.py of Espruino 2v29, ESP-IDF v3.3.6) plus the GatewayCrypto
# library compiled from this project's native/ folder, and without the
# unauthenticated telnet console. See board/README.md for the build.
#
# Copy to <Espruino>/boards/ESP32_GATEWAY.py; this project's native/ folder
# goes to <Espruino>/libs/mqtt-gateway/native (copy or symlink).
#
# Everything but the lines marked "gateway" mirrors boards/ESP32.py; if your
# Espruino tree's ESP32.py differs, take its values.

import pinutils;
info = {
 'name'                     : "ESP32",
 'espruino_page_link'       : 'ESP32',
 'default_console'          : "EV_SERIAL1",
 'default_console_baudrate' : "115200",
 'variables'                : 16383, # JSVAR_MALLOC below: the pool is sized from free heap at boot, up to this
 'io_buffer_size'           : 1024, # input buffer in 4-byte words
 'binary_name'              : 'espruino_%v_esp32_gateway.bin', # gateway
 'build' : {
   'optimizeflags' : '-Og',
   'libraries' : [
     'ESP32',
     'NET',
     'GRAPHICS',
     'CRYPTO','SHA256','SHA512',
     'TLS',
#    'TELNET', # gateway: left out. Stock firmware runs an unauthenticated JS console on port 23
#              # (full control, keys included) and turns it back on at every boot.
     'NEOPIXEL',
     'FILESYSTEM',
     'FLASHFS',
     'BLUETOOTH'
   ],
   'makefile' : [
     'DEFINES+=-DESP_PLATFORM -DESP32=1',
     'DEFINES+=-DESP_STACK_SIZE=25000',
     'DEFINES+=-DJSVAR_MALLOC', # Allocate space for variables at jsvInit time
     'DEFINES+=-DUSE_FONT_6X8',
     'ESP32_FLASH_MAX=1572864',
     # gateway: the GatewayCrypto library (X25519, SHA-256, HMAC, ChaCha20-Poly1305)
     # (paths relative to the Espruino tree: native/ lives at libs/mqtt-gateway/native)
     'WRAPPERSOURCES += libs/mqtt-gateway/native/jswrap_gateway_crypto.c',
     'SOURCES += libs/mqtt-gateway/native/sha256.c',
     'SOURCES += libs/mqtt-gateway/native/x25519.c',
     'SOURCES += libs/mqtt-gateway/native/chacha20poly1305.c',
     'SOURCES += libs/mqtt-gateway/native/envelope.c',
     'INCLUDE += -I$(ROOT)/libs/mqtt-gateway/native',
     # gateway: a `ca` given to require("tls").connect is checked (mbedTLS VERIFY_REQUIRED)
     # instead of loaded and ignored; board/tls_verify.c goes to libs/mqtt-gateway/
     'SOURCES += libs/mqtt-gateway/tls_verify.c',
     'LDFLAGS += -Wl,--wrap=mbedtls_ssl_conf_ca_chain,--wrap=mbedtls_ssl_set_hostname',
   ]
 }
};

chip = {
  'part'    : "ESP32",
  'family'  : "ESP32",
  'package' : "",
  'ram'     : 512,
  'flash'   : 0,
  'speed'   : 240,
  'usart'   : 3,
  'spi'     : 2,
  'i2c'     : 2,
  'adc'     : 2,
  'dac'     : 0,
  'saved_code' : {
    'address' : 0x320000,
    'page_size' : 4096,
    'pages' : 224, # 896 KB of Storage - see partitions_espruino.csv
    'flash_available' : 1344, # firmware can be up to this size - see partitions_espruino.csv
  },
};
devices = {
};

# left-right, or top-bottom order
board_esp32 = {
   'top' : ['GND','D23','D22','D1','D3','D21','D20','D19','D18','D5','D17','D16','D4','D0'],
   'bottom' : ['D12','D14','D27','D26','D25','D33','D32','D35','D34','D39','D36','EN','3V3','GND'],
   'right' : [ 'GND','D13','D9','D10','D11','D6','D7','D8','D15','D2']
};
board_esp32["bottom"].reverse()
board_esp32["right"].reverse()

boards = [ board_esp32 ];

def get_pins():
  pins = pinutils.generate_pins(0,39) # 40 General Purpose I/O Pins.

  pinutils.findpin(pins, "PD36", True)["functions"]["ADC1_IN0"]=0;
  pinutils.findpin(pins, "PD37", True)["functions"]["ADC1_IN1"]=0;
  pinutils.findpin(pins, "PD38", True)["functions"]["ADC1_IN2"]=0;
  pinutils.findpin(pins, "PD39", True)["functions"]["ADC1_IN3"]=0;
  pinutils.findpin(pins, "PD32", True)["functions"]["ADC1_IN4"]=0;
  pinutils.findpin(pins, "PD33", True)["functions"]["ADC1_IN5"]=0;
  pinutils.findpin(pins, "PD34", True)["functions"]["ADC1_IN6"]=0;
  pinutils.findpin(pins, "PD35", True)["functions"]["ADC1_IN7"]=0;

  pinutils.findpin(pins, "PD4", True)["functions"]["ADC2_IN0"]=0;
  pinutils.findpin(pins, "PD0", True)["functions"]["ADC2_IN1"]=0;
  pinutils.findpin(pins, "PD2", True)["functions"]["ADC2_IN2"]=0;
  pinutils.findpin(pins, "PD15", True)["functions"]["ADC2_IN3"]=0;
  pinutils.findpin(pins, "PD13", True)["functions"]["ADC2_IN4"]=0;
  pinutils.findpin(pins, "PD12", True)["functions"]["ADC2_IN5"]=0;
  pinutils.findpin(pins, "PD14", True)["functions"]["ADC2_IN6"]=0;
  pinutils.findpin(pins, "PD27", True)["functions"]["ADC2_IN7"]=0;

  pinutils.findpin(pins, "PD25", True)["functions"]["DAC_OUT1"]=0;
  pinutils.findpin(pins, "PD26", True)["functions"]["DAC_OUT2"]=0;

  pinutils.findpin(pins, "PD0", True)["functions"]["LED_1"]=0;

  pinutils.findpin(pins, "PD10", True)["functions"]["USART0_TX"]=0;
  pinutils.findpin(pins, "PD16", True)["functions"]["USART2_RX"]=0;
  pinutils.findpin(pins, "PD17", True)["functions"]["USART2_TX"]=0;
  pinutils.findpin(pins, "PD32", True)["functions"]["USART0_RX"]=0;

  # everything is non-5v tolerant
  return pins
