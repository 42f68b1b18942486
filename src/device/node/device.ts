// The device SDK on Node: the same client as on Espruino, with node:net, the
// system clock, a JSON state file (or memory) and UTF-8 text ⇄ wire bytes.
//
//   const dev = createNodeDevice({ broker: 'mqtt://127.0.0.1:1883', deviceId: 'sensor-01', psk: 's3cret' });
//   dev.on((type, detail) => ...);          // 'status', 'key', 'revoked', ...
//   dev.handle('led.set', (params, reply) => reply(null, true));
//   dev.start();
//   await dev.request('time');               // sealed call, rejects with {code, message}
import type { Crypto } from '../../crypto/types';
import { jsCrypto } from '../../crypto/node/js';
import { systemClock } from '../../mqtt/clock';
import { nodeTransport } from '../../mqtt/node/transport';
import { binaryToUtf8, utf8ToBinary } from '../../protocol/node/text';
import { DeviceClient, DeviceClientOptions, createDevice } from '../client';
import type { RpcError, TextCodec } from '../api';
import { StateStore, memoryStore } from '../state';
import { fileStore } from './file-store';

export interface NodeDeviceOptions extends DeviceClientOptions {
  /** JSON file keeping keys and counters across runs; in memory when absent. */
  stateFile?: string;
  /** A store of one's own instead (stateFile is ignored then). */
  store?: StateStore;
  /** Default: the pure-JS implementation seeded from the OS. */
  crypto?: Crypto;
}

export interface NodeDevice extends DeviceClient {
  /** call() as a Promise: resolves with the result, rejects with the RpcError. */
  request<T = unknown>(method: string, params?: unknown, timeoutMs?: number): Promise<T>;
}

export const utf8Codec: TextCodec = {
  encode: utf8ToBinary,
  parse: (bytes) => JSON.parse(binaryToUtf8(bytes)),
};

/** `psk` is ordinary (UTF-16) text here; the protocol hashes its UTF-8 bytes. */
export function createNodeDevice(o: NodeDeviceOptions): NodeDevice {
  const store = o.store || (o.stateFile ? fileStore(o.stateFile) : memoryStore());
  const options: DeviceClientOptions = { ...o, psk: o.psk === undefined ? undefined : utf8ToBinary(o.psk), codec: utf8Codec };
  const dev = createDevice(o.crypto || jsCrypto, options, nodeTransport, systemClock, store) as NodeDevice;
  dev.request = <T>(method: string, params?: unknown, timeoutMs?: number) =>
    new Promise<T>((resolve, reject) => {
      dev.call(
        method,
        params,
        (err: RpcError | null, result?: unknown) => (err ? reject(Object.assign(new Error(err.message), err)) : resolve(result as T)),
        timeoutMs,
      );
    });
  return dev;
}
