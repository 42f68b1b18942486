// Send-nonce counter that survives restarts without writing flash per message
// (docs/protocol.md §5.2): flash holds a reserve R no nonce has passed; after a
// boot, sending resumes above R, and a new reserve is stored before the
// counter would step past the current one.
import { MAX_SAFE } from './bytes';

export interface SendCounter {
  /** Last nonce handed out (0 before the first). */
  last: number;
  /** Highest nonce covered by the reserve on flash. */
  reserved: number;
}

/** The counter after a boot, from the reserve read back from flash (0 when none). */
export function resumeCounter(storedReserve: number): SendCounter {
  return { last: storedReserve, reserved: storedReserve };
}

export interface NextNonce {
  nonce: number;
  counter: SendCounter;
  /** When set: write counter.reserved to flash before sending with `nonce`. */
  persist: boolean;
}

/** The next nonce, reserving `step` more on flash when the reserve runs out; undefined once 2^53−1 is spent. */
export function nextNonce(ctr: SendCounter, step: number): NextNonce | undefined {
  const nonce = ctr.last + 1;
  if (nonce > MAX_SAFE) return undefined;
  if (nonce <= ctr.reserved) return { nonce: nonce, counter: { last: nonce, reserved: ctr.reserved }, persist: false };
  const reserved = Math.min(ctr.last + Math.max(1, step), MAX_SAFE);
  return { nonce: nonce, counter: { last: nonce, reserved: reserved }, persist: true };
}
