// Device state in Espruino's Storage, written to two files in turn (NAME.0,
// NAME.1) with a sequence number: a power cut while one is written leaves the
// other, so the device never loses its keys or reuses a nonce reserve.
import { SavedState, StateStore } from './state';

export function storageStore(name: string): StateStore {
  const storage = require('Storage');
  let seq = -1; // unknown until the files were read
  // a slot: the state `s` saved as the `n`th
  function slot(i: number): { n: number; s: unknown } | undefined {
    const f = storage.readJSON(name + '.' + i, true) as { n?: unknown; s?: unknown } | undefined;
    return f && typeof f.n === 'number' && f.s ? (f as { n: number; s: unknown }) : undefined;
  }
  const store: StateStore = {
    load: function () {
      const a = slot(0);
      const b = slot(1);
      const best = a && (!b || a.n > b.n) ? a : b;
      seq = best ? best.n : 0;
      return best ? best.s : undefined;
    },
    save: function (s: SavedState) {
      if (seq < 0) store.load();
      seq++;
      // the slot not holding the newest state
      storage.writeJSON(name + '.' + (seq % 2), { n: seq, s: s });
    },
  };
  return store;
}
