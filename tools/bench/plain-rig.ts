// The baseline of the end-to-end bench: the plain responder image booted
// from Storage on the same interpreter as the gateway, and plain MQTT clients
// on the project's Node MQTT client, publishing and subscribing at QoS 0 as
// the device SDK does.
import type { Variant } from '../espruino/build';
import { createNodeClient } from '../../src/mqtt/node/client';
import { Board, startImageBoard } from './board';
import type { Broker } from './broker';
import { buildPlainResponder } from './plain-responder/build';
import { track } from './resources';

export async function startPlainResponder(broker: Broker, prefix: string, variant: Variant): Promise<Board> {
  const image = await buildPlainResponder();
  const config = `var PLAIN_CFG=${JSON.stringify({ host: '127.0.0.1', port: broker.port, prefix })};\n`;
  const board = await startImageBoard(variant, 'plain', config + image);
  await board.waitForOutput('plain: connected', 30_000);
  return board;
}

export interface PlainClient {
  id: string;
  /** One plain JSON-RPC ping; resolves with the result, rejects on timeout. */
  ping(timeoutMs: number): Promise<unknown>;
  stop(): void;
}

export function startPlainClient(broker: Broker, prefix: string, id: string): Promise<PlainClient> {
  const mqtt = createNodeClient({ url: broker.url, clientId: `bench-plain-${id}`, keepalive: 30 });
  const waiting = new Map<number, (result: unknown) => void>();
  let seq = 0;
  mqtt.subscribe(`${prefix}/plain/${id}/rx`, 0);
  mqtt.on('message', (_topic, payload) => {
    let reply: any;
    try {
      reply = JSON.parse(payload);
    } catch {
      return;
    }
    const done = reply && waiting.get(reply.id);
    if (!done) return;
    waiting.delete(reply.id);
    done(reply.result);
  });
  const client: PlainClient = {
    id,
    ping(timeoutMs) {
      const rpcId = ++seq;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(rpcId);
          reject(new Error(`plain ping ${id}#${rpcId} timed out`));
        }, timeoutMs);
        waiting.set(rpcId, (result) => {
          clearTimeout(timer);
          resolve(result);
        });
        mqtt.publish(`${prefix}/plain/rx`, JSON.stringify({ jsonrpc: '2.0', id: rpcId, method: 'ping', device_id: id }), 0);
      });
    },
    stop: () => mqtt.end(),
  };
  track(client, (c) => c.stop());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`plain client ${id} did not connect within 10 s`)), 10_000);
    mqtt.on('connect', () => {
      clearTimeout(timer);
      resolve(client);
    });
    mqtt.connect();
  });
}

/** Pings until one answer comes back, so the subscriptions on both ends are in place before timing. */
export async function firstAnswer(c: PlainClient, deadlineMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  let last = 'no answer';
  while (Date.now() < end) {
    try {
      const result = await c.ping(250);
      if (result === 'pong') return;
      last = `answer ${JSON.stringify(result)}`;
    } catch (e) {
      last = (e as Error).message;
    }
  }
  throw new Error(`plain responder never answered ${c.id} within ${deadlineMs} ms (${last})`);
}
