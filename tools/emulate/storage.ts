// Espruino's Storage surface (byte strings in and out) over the emulator's
// flash model, for writing the gateway's files before it boots.
import type { Flash } from '../emulator/flash.ts';
import type { StorageLike } from '../../src/gateway/store.ts';

export function storageOn(flash: Flash): StorageLike {
  return {
    read: (name) => {
      const b = flash.read(name);
      return b && Buffer.from(b).toString('latin1');
    },
    write: (name, data) => flash.write(name, new Uint8Array(Buffer.from(data, 'latin1')), 0, data.length),
    erase: (name) => flash.erase(name),
  };
}

export { utf8Bytes } from './config.ts';
