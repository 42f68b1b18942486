// Transport over node:net. The client speaks 8-bit byte strings; Buffers are
// converted as latin1, which maps bytes 0-255 to chars 0-255 and back (and
// would keep only the low byte of a wider char: createNodeClient refuses those).
import { createConnection } from 'node:net';
import type { Transport } from '../transport';

export const nodeTransport: Transport = {
  connect(host, port, handlers) {
    const socket = createConnection({ host, port });
    let closed = false;
    const close = (reason?: string) => {
      if (closed) return;
      closed = true;
      handlers.close(reason);
    };
    socket.setNoDelay(true);
    socket.on('connect', () => handlers.connect());
    socket.on('data', (chunk: Buffer) => handlers.data(chunk.toString('latin1')));
    socket.on('error', (e) => close('socket error: ' + e.message));
    socket.on('close', () => close());
    return {
      write(bytes) {
        socket.write(Buffer.from(bytes, 'latin1'));
      },
      end() {
        if (socket.connecting) socket.destroy();
        else socket.end(() => socket.destroy());
      },
    };
  },
};
