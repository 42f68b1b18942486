// Transport over Espruino's require("net"). Socket data arrive as 8-bit
// strings (≤ 536 bytes a chunk on ESP32) and write() takes strings: the MQTT
// byte strings pass through unchanged.
import type { Transport } from './transport';

export const espruinoTransport: Transport = {
  connect: function (host, port, handlers) {
    let closed = false;
    function close(reason?: string): void {
      if (closed) return;
      closed = true;
      handlers.close(reason);
    }
    const socket = require('net').connect({ host: host, port: port }, function () {
      handlers.connect();
    });
    socket.on('data', function (chunk: string) {
      handlers.data(chunk);
    });
    socket.on('error', function (e: any) {
      close('socket error: ' + ((e && e.message) || (e && e.code) || e));
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
