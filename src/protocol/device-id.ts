// Device ids (docs/protocol.md §1): 1–64 of A-Z a-z 0-9 _ . -, safe as one MQTT topic level.
import { isStr } from './bytes';
import { MAX_DEVICE_ID } from './constants';

export function isDeviceId(v: unknown): v is string {
  if (!isStr(v) || v.length < 1 || v.length > MAX_DEVICE_ID) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    const ok =
      (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45;
    if (!ok) return false;
  }
  return true;
}
