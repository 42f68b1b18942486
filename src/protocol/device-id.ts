// Device ids (docs/protocol.md §1): 1–64 of A-Z a-z 0-9 _ . -, safe as one MQTT topic level.
import { isStr } from './bytes';
import { MAX_DEVICE_ID } from './constants';

// A RegExp test runs in C on Espruino, where a loop over the chars is slow.
const ID_CHARS = /^[-A-Za-z0-9_.]+$/;

export function isDeviceId(v: unknown): v is string {
  return isStr(v) && v.length <= MAX_DEVICE_ID && ID_CHARS.test(v);
}
