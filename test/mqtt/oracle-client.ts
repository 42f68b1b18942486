// An independent MQTT 3.1.1 client for the broker tests, built on mqtt-packet
// and node:net, to observe and drive what our client does through a broker.
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';

export interface OracleMessage {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  dup: boolean;
}

export interface Oracle {
  messages: OracleMessage[];
  subscribe(topic: string, qos: number): Promise<number[]>;
  publish(topic: string, payload: Buffer | string, qos: number, retain?: boolean): Promise<void>;
  /** DISCONNECT, then close. */
  disconnect(): Promise<void>;
  closed: boolean;
}

export function oracleConnect(
  port: number,
  opts: { clientId: string; clean?: boolean; username?: string; password?: string },
): Promise<Oracle> {
  return new Promise((resolve, reject) => {
    const socket: Socket = netConnect(port, '127.0.0.1');
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const waiting = new Map<number, (p: any) => void>();
    let nextId = 0;
    const send = (p: any) => socket.write(mqttPacket.generate(p));
    const ask = (p: any) =>
      new Promise<any>((res) => {
        const id = (nextId = (nextId % 65535) + 1);
        waiting.set(id, res);
        send({ ...p, messageId: id });
      });
    const oracle: Oracle = {
      messages: [],
      closed: false,
      subscribe: (topic, qos) => ask({ cmd: 'subscribe', subscriptions: [{ topic, qos }] }).then((p) => p.granted),
      publish: (topic, payload, qos, retain = false) => {
        if (qos === 0) {
          send({ cmd: 'publish', topic, payload, qos, retain });
          return Promise.resolve();
        }
        return ask({ cmd: 'publish', topic, payload, qos, retain }).then(() => undefined);
      },
      disconnect: () =>
        new Promise((res) => {
          if (oracle.closed) return res();
          socket.once('close', () => res());
          send({ cmd: 'disconnect' });
          socket.end();
        }),
    };
    parser.on('packet', (p: any) => {
      switch (p.cmd) {
        case 'connack':
          if (p.returnCode === 0) resolve(oracle);
          else reject(new Error('oracle refused: ' + p.returnCode));
          break;
        case 'publish':
          oracle.messages.push({ topic: p.topic, payload: p.payload, qos: p.qos, retain: p.retain, dup: p.dup });
          if (p.qos === 1) send({ cmd: 'puback', messageId: p.messageId });
          if (p.qos === 2) send({ cmd: 'pubrec', messageId: p.messageId });
          break;
        case 'pubrel':
          send({ cmd: 'pubcomp', messageId: p.messageId });
          break;
        case 'suback':
        case 'puback':
          waiting.get(p.messageId)?.(p);
          waiting.delete(p.messageId);
          break;
      }
    });
    parser.on('error', (e: Error) => socket.destroy(e));
    socket.on('data', (b: Buffer) => parser.parse(b));
    socket.on('error', reject);
    socket.on('close', () => {
      oracle.closed = true;
      reject(new Error('oracle connection closed'));
    });
    socket.on('connect', () =>
      send({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clientId: opts.clientId,
        clean: opts.clean ?? true,
        keepalive: 0,
        username: opts.username,
        password: opts.password === undefined ? undefined : Buffer.from(opts.password),
      }),
    );
  });
}
