// The demo's MQTT broker: aedes in this process, on 1883 when that port is
// free (so a real board can be pointed at the usual port), else on any free one.
import { createServer, Server, Socket } from 'node:net';
import { Aedes } from 'aedes';

export interface Broker {
  port: number;
  url: string;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (e.code === 'EADDRINUSE' || e.code === 'EACCES') resolve(false);
      else reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(true);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** `port` 0 = 1883 if free, else any free port. */
export async function startBroker(port: number, host = '127.0.0.1'): Promise<Broker> {
  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const ok = (port === 0 && (await listen(server, 1883, host))) || (await listen(server, port, host));
  if (!ok) {
    await new Promise<void>((r) => aedes.close(() => r()));
    throw new Error(`port ${port} is in use: choose another with --broker-port`);
  }
  const bound = (server.address() as { port: number }).port;
  return {
    port: bound,
    url: `mqtt://${host}:${bound}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}
