// Transports over Espruino's require("net") and require("tls"). Socket data
// arrive as 8-bit strings (≤ 536 bytes a chunk on ESP32) and write() takes
// strings: the MQTT byte strings pass through unchanged.
import type { Transport } from './transport';

/**
 * `handshakeFailed`: the reason given when the socket ends before any data
 * came (for TLS: no session, the handshake failed or never started).
 */
function socketTransport(open: (host: string, port: number, onConnect: () => void) => EspruinoSocket, handshakeFailed?: string): Transport {
  return {
    connect: function (host, port, handlers) {
      let closed = false;
      let gotData = false;
      function close(reason?: string): void {
        if (closed) return;
        closed = true;
        if (!handshakeFailed || gotData) return handlers.close(reason);
        // Espruino raises the handshake error natively just before this event; with the
        // client's listeners (a try/catch) run in the same event the console printed
        // "Uncaught undefined" instead of it (docs/espruino.md, Network)
        const why = handshakeFailed + (reason ? ' (' + reason + ')' : '');
        setTimeout(function () {
          handlers.close(why);
        }, 0);
      }
      const socket = open(host, port, function () {
        handlers.connect();
      });
      socket.on('data', function (chunk: string) {
        gotData = true;
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
 * self-signed one), base64 of the DER form. Stock Espruino 2v29 loads it but
 * runs mbedTLS with certificate checks off (libs/network/network.c sets
 * MBEDTLS_SSL_VERIFY_NONE): encrypted, broker not authenticated. The custom
 * firmware (board/tls_verify.c) requires the broker's certificate to verify
 * against it; a failed check ends the handshake, and Espruino then closes the
 * socket, with no error event or with "unsent data". The protocol
 * does not rely on the broker either way.
 */
export function espruinoTlsTransport(caBase64: string): Transport {
  return socketTransport(
    function (host, port, onConnect) {
      const o: { host: string; port: number; ca?: string } = { host: host, port: port };
      if (caBase64) o.ca = atob(caBase64);
      return require('tls').connect(o, onConnect);
    },
    caBase64 ? 'no TLS session: is the broker certificate signed by broker_ca?' : 'no TLS session',
  );
}
