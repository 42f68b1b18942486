// The admin password hash on Node (provisioning, tests): node:crypto's
// PBKDF2, the same function as the firmware's crypto.PBKDF2.
import { pbkdf2Sync } from 'node:crypto';
import type { Kdf } from '../password';

export const nodeKdf: Kdf = (password, salt, iterations) => new Uint8Array(pbkdf2Sync(password, salt, iterations, 32, 'sha256'));
