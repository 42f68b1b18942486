// Sealed traffic of the gateway core. In: the checks of docs/protocol.md §5.3
// (protocol/envelope.ts), then freshness after a restart (§6), the rate
// limit, the allow-list and the built-in methods (§7). Out: every envelope
// under a nonce the flash covers (§5.2).
import { isNum, toHex } from '../protocol/bytes';
import {
  ECHO_BYTES,
  INTERNAL_ERROR,
  METHOD_NOT_ALLOWED,
  METHOD_NOT_FOUND,
  RATE_LIMITED,
  STEP_BAD_CIPHERTEXT,
  STEP_BAD_HMAC,
  STEP_NOT_JSONRPC,
  STEP_UNKNOWN_DEVICE,
} from '../protocol/constants';
import { nextNonce } from '../protocol/counter';
import { DEVICE_TO_GATEWAY, GATEWAY_TO_DEVICE, openEnvelope, sealEnvelope } from '../protocol/envelope';
import type { Opened, PeerSession } from '../protocol/envelope';
import { echoRequiredErrorText, echoRequiredNotificationText, errorText, resultText } from '../protocol/jsonrpc';
import type { RpcId } from '../protocol/jsonrpc';
import type { Context } from './context';
import { METHODS } from './methods';
import {
  allows,
  countSent,
  hasSession,
  highNonceFromDevice,
  isFresh,
  markFresh,
  noteAuthentic,
  sendCounter,
  sessionKeys,
  setSendCounter,
  setStatus,
  statusOf,
  takeToken,
  telemetry,
} from './records';
import type { Hot } from './records';
import { createStrikes } from './strikes';

/** Send nonces reserved on flash per state write. */
const SEND_RESERVE = 1000;

export interface Envelopes {
  /** A payload from P/gateway/rx. */
  received(payload: string): void;
  /**
   * Seals `text` (a JSON-RPC message) to device `id`; false when it could not
   * go out. Answers go at QoS 0 (a burst of them must not fill the QoS 1
   * in-flight window; the device retries), messages the gateway starts at QoS 1.
   * `answerTo`: the id of the request `text` answers, so its text need not be
   * read back for the HMAC.
   */
  seal(id: string, h: Hot, text: string, qos?: number, answerTo?: RpcId): boolean;
  /** Once a second: forgets the marks of devices that behave again (strikes.ts). */
  prune(mono: number): void;
}

export function createEnvelopes(cx: Context): Envelopes {
  const { env, reg, wall, security } = cx;
  const { crypto, cfg } = env;
  /** 16 random bytes, new at each boot (§6) */
  const echo = toHex(crypto.randomBytes(ECHO_BYTES));
  const strikes = createStrikes();

  // A device over its failure budget has no session for a while: its
  // envelopes stop at step 2, before the AEAD (counted apart in received).
  function session(id: string): PeerSession | undefined {
    const h = reg.record(id);
    return h && hasSession(h) && !strikes.blocked(id, env.mono()) ? { keys: sessionKeys(h), highNonce: highNonceFromDevice(h) } : undefined;
  }

  function received(payload: string): void {
    const r = openEnvelope(crypto, payload, {
      direction: DEVICE_TO_GATEWAY,
      findSession: session,
      now: wall(),
      maxBytes: cfg.limits.envelope,
    });
    if (r.ok) return run(r);
    const id = r.deviceId || '';
    const step = r.step;
    if (step === STEP_UNKNOWN_DEVICE && strikes.blocked(id, env.mono())) return security('unopened', id);
    if (step === STEP_BAD_CIPHERTEXT || step === STEP_BAD_HMAC) strikes.failed(id, env.mono());
    if (step !== STEP_NOT_JSONRPC) return security(r.reason, id);
    // authentic, but not JSON-RPC: record the nonce, answer with the error
    const h = reg.record(id) as Hot;
    authentic(id, h, r.highNonce as number);
    security('malformed', id);
    seal(id, h, errorText(r.id ?? null, r.code as number, r.reason));
  }

  // After step 7: record the nonce and last-seen time; offline → authorized.
  function authentic(id: string, h: Hot, nonce: number): void {
    noteAuthentic(h, nonce, env.mono(), wall() || 0);
    reg.touch();
    if (statusOf(h) !== 'authorized') {
      setStatus(h, 'authorized');
      cx.changed(id);
    }
  }

  // An authentic message: freshness, rate, allow-list, then the method.
  function run(r: Opened): void {
    const id = r.envelope.device_id;
    const h = reg.record(id) as Hot;
    authentic(id, h, r.highNonce);
    const kind = r.kind;
    const rid = r.id as RpcId;
    const answer = function (text: string): void {
      if (kind === 'request') seal(id, h, text, 0, rid);
    };
    if (kind === 'response') return cx.calls.answered(id, rid, r.message);
    if (!isFresh(h)) {
      if (r.envelope.echo !== echo) {
        if (kind === 'request') answer(echoRequiredErrorText(rid, echo));
        else seal(id, h, echoRequiredNotificationText(echo));
        return;
      }
      markFresh(h);
    }
    const lim = cfg.limits;
    if (!takeToken(h, env.mono(), lim.rate, lim.burst)) {
      security('rate limited', id);
      // one −32003 a second at most: each reply burns a nonce, now and then a flash write
      if (kind === 'request' && strikes.mayRefuse(id, env.mono())) answer(errorText(rid, RATE_LIMITED, 'rate limited'));
      return;
    }
    const method = r.method;
    if (!allows(h, method)) {
      security('not allowed', id);
      return answer(errorText(rid, METHOD_NOT_ALLOWED, 'method not allowed'));
    }
    const fn = METHODS.hasOwnProperty(method) ? METHODS[method] : undefined;
    if (!fn) return answer(errorText(rid, METHOD_NOT_FOUND, 'method not found'));
    let text: string;
    try {
      const w = wall();
      text = resultText(
        rid,
        fn(r.message.params, {
          deviceId: id,
          at: w || Math.floor(env.clock()),
          timeSet: w !== undefined,
          telemetry: function () {
            return telemetry(h);
          },
          emit: cx.emit,
        }),
      );
    } catch (e) {
      const err = e as { code?: unknown; message: string } | undefined; // rpcError(code, message), or anything thrown
      text = err && isNum(err.code) ? errorText(rid, err.code, err.message) : errorText(rid, INTERNAL_ERROR, 'internal error');
    }
    answer(text);
  }

  function seal(id: string, h: Hot, text: string, qos?: number, answerTo?: RpcId): boolean {
    const before = sendCounter(h);
    const n = nextNonce(before, SEND_RESERVE);
    if (!n || !hasSession(h)) return false;
    if (n.persist) {
      // never send under a nonce the flash does not cover (§5.2)
      setSendCounter(h, { last: before.last, reserved: n.counter.reserved });
      if (!reg.saveState(env.mono())) {
        setSendCounter(h, before);
        return false;
      }
    }
    setSendCounter(h, n.counter);
    const sealed = sealEnvelope(crypto, sessionKeys(h), {
      direction: GATEWAY_TO_DEVICE,
      deviceId: id,
      nonce: n.nonce,
      timestamp: Math.floor(env.clock()),
      plaintext: text,
      // an answer's method and id are known: its text need not be read back
      rpc: answerTo !== undefined ? { method: '', id: answerTo } : undefined,
    });
    countSent(h);
    return cx.sendPlain(id, sealed, qos || 0);
  }

  return { received: received, seal: seal, prune: strikes.prune };
}
