// A TCP proxy on 127.0.0.1 between a client and a broker, so tests can cut a
// connection abruptly (RST both ways), freeze it (a silent dead link), and see
// which packets crossed it.
import { createServer, connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';

export interface Proxy {
  port: number;
  /** packet names seen client → broker and broker → client, all connections */
  up: string[];
  down: string[];
  /** Resets every open connection on both sides. */
  cut(): void;
  /** Stops forwarding on every open connection (new ones work). */
  freeze(): void;
  close(): Promise<void>;
}

export function startProxy(targetPort: number): Promise<Proxy> {
  const pairs: { client: Socket; broker: Socket; frozen: boolean }[] = [];
  const up: string[] = [];
  const down: string[] = [];
  const watch = (log: string[]) => {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (p: any) => log.push(p.cmd));
    parser.on('error', () => log.push('unparsable'));
    return (b: Buffer) => parser.parse(b);
  };
  const server = createServer((client) => {
    const broker = netConnect(targetPort, '127.0.0.1');
    const pair = { client, broker, frozen: false };
    pairs.push(pair);
    const seeUp = watch(up);
    const seeDown = watch(down);
    client.on('data', (b: Buffer) => {
      if (pair.frozen) return;
      seeUp(b);
      broker.write(b);
    });
    broker.on('data', (b: Buffer) => {
      if (pair.frozen) return;
      seeDown(b);
      client.write(b);
    });
    const done = () => {
      if (pair.frozen) return; // a dead link says nothing
      client.destroy();
      broker.destroy();
    };
    client.on('close', done);
    broker.on('close', done);
    client.on('error', () => {});
    broker.on('error', () => {});
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as any).port,
        up,
        down,
        cut() {
          for (const p of pairs) {
            p.client.resetAndDestroy();
            p.broker.resetAndDestroy();
          }
        },
        freeze() {
          for (const p of pairs) p.frozen = true;
        },
        close() {
          for (const p of pairs) {
            p.client.destroy();
            p.broker.destroy();
          }
          return new Promise((r) => server.close(() => r()));
        },
      }),
    ),
  );
}
