// aedes in this process on a loopback TCP port, for the tests and `npm start`:
// close() drops every client socket so it never waits on a lingering one.
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { Aedes } from 'aedes';
import type { AedesOptions } from 'aedes';

export interface AedesBroker {
  port: number;
  url: string;
  broker: Aedes;
  close(): Promise<void>;
}

/**
 * Starts aedes listening on `port` (0: any free port) at `host`. Rejects with
 * the listen error (its code EADDRINUSE when the port is taken), nothing left open.
 */
export async function startAedes(options: { port?: number; host?: string; aedes?: AedesOptions } = {}): Promise<AedesBroker> {
  const host = options.host ?? '127.0.0.1';
  const broker = await Aedes.createBroker(options.aedes ?? {});
  const server = createServer(broker.handle);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const closeBroker = () => new Promise<void>((r) => broker.close(() => r()));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await closeBroker();
    throw e;
  }
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `mqtt://${host}:${port}`,
    broker,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await closeBroker();
    },
  };
}
