// Transports over Espruino's require("net") and require("tls"). Socket data
// arrive as 8-bit strings (≤ 536 bytes a chunk on ESP32) and write() takes
// strings: the MQTT byte strings pass through unchanged.
import type { Transport } from './transport';

function socketTransport(open: (host: string, port: number, onConnect: () => void) => EspruinoSocket): Transport {
  return {
    connect: function (host, port, handlers) {
      let closed = false;
      function close(reason?: string): void {
        if (closed) return;
        closed = true;
        handlers.close(reason);
      }
      const socket = open(host, port, function () {
        handlers.connect();
      });
      socket.on('data', function (chunk: string) {
        handlers.data(chunk);
      });
      socket.on('error', function (e: unknown) {
        close('socket error: ' + ((e && (e as Error).message) || (e && (e as { code?: string }).code) || e));
      });
      socket.on('close', function () {
        close();
      });
      return {
        write: function (bytes) {
          socket.write(bytes);
        },
        end: function () {
          socket.end();
        },
      };
    },
  };
}

export const espruinoTransport: Transport = socketTransport(function (host, port, onConnect) {
  return require('net').connect({ host: host, port: port }, onConnect);
});

/**
 * MQTT over TLS (mqtts://) on firmware with the `tls` module (stock ESP32
 * firmware has it). `caBase64`: the broker's CA certificate (or its own
 * self-signed one), base64 of the DER form. Espruino 2v29 loads it but runs
 * mbedTLS with certificate checks off (libs/network/network.c sets
 * MBEDTLS_SSL_VERIFY_NONE), on stock and on the custom firmware alike: the
 * link is encrypted (broker credentials hidden from a passive listener) but
 * the broker is not authenticated. The protocol does not rely on the broker.
 */
export function espruinoTlsTransport(caBase64: string): Transport {
  return socketTransport(function (host, port, onConnect) {
    const o: { host: string; port: number; ca?: string } = { host: host, port: port };
    if (caBase64) o.ca = atob(caBase64);
    return require('tls').connect(o, onConnect);
  });
}
