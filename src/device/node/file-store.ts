// Device state in a JSON file on Node, replaced atomically (write a temporary
// file, then rename over the old one), so a crash leaves the old or the new.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SavedState, StateStore } from '../state';

export function fileStore(path: string): StateStore {
  return {
    load() {
      try {
        return JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        return undefined; // none yet, or unreadable: the device starts afresh
      }
    },
    save(state: SavedState) {
      mkdirSync(dirname(path), { recursive: true });
      const tmp = path + '.tmp';
      writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
      renameSync(tmp, path);
    },
  };
}
