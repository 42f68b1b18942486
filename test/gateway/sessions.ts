// Gateway sessions written into a board's Storage before it boots, as an
// approval leaves them in the registry (gw.reg, crash-safe slots): for tests
// that need many sessions, or fixed ones, without enrolling through the board.
import { jsCrypto } from '../../src/crypto/node/js.ts';
import { fromHex, toHex } from '../../src/protocol/bytes.ts';
import { deriveSessionKeys, newKeyPair } from '../../src/protocol/keys.ts';
import { pskHash } from '../../src/protocol/enrollment.ts';
import { SlotFile } from '../../src/gateway/store.ts';
import type { StorageLike } from '../../src/gateway/store.ts';
import type { Cold } from '../../src/gateway/registry.ts';
import { writeStorage } from '../../tools/espruino/interpreter.ts';
import type { Variant } from '../../tools/espruino/build.ts';
import type { TestDevice } from './device.ts';

/** Espruino's Storage surface on a Map (byte strings in and out). */
export function memoryStorage(files = new Map<string, string>()): StorageLike & { files: Map<string, string> } {
  return {
    files,
    read: (name) => files.get(name),
    write: (name, data) => (files.set(name, data), true),
    erase: (name) => void files.delete(name),
  };
}

/** The registry record an approval of `d` makes (a new gateway key pair); `d` adopts the session. */
export function approvedSession(d: TestDevice, o: { psk?: string; at?: number } = {}): Cold {
  const kp = newKeyPair(jsCrypto);
  const keys = deriveSessionKeys(jsCrypto, kp.privateKey, fromHex(d.pub)!)!;
  d.adopt(toHex(kp.publicKey));
  return {
    id: d.id,
    n: d.name || '',
    pk: d.pub,
    g: toHex(kp.publicKey),
    k: toHex(keys.hmacKey) + toHex(keys.encKey),
    p: o.psk ? toHex(pskHash(jsCrypto, o.psk)) : '',
    a: null,
    t: o.at ?? Math.floor(Date.now() / 1000),
    s: 'approved',
  };
}

/** Writes `sessions` as the gateway's registry into the Storage in `dir` (through the interpreter). */
export async function writeSessions(dir: string, sessions: Cold[], variant: Variant = 'custom'): Promise<void> {
  const st = memoryStorage();
  const reg = new SlotFile(st, 'gw.reg');
  reg.read();
  let body = '';
  for (const c of sessions) body += '\n' + JSON.stringify(c);
  if (!reg.write(body)) throw new Error('gw.reg: not written');
  await writeStorage(dir, Object.fromEntries(st.files), variant);
}
