// The Crypto of each firmware on the real interpreter (host build of Espruino
// 2v29): GatewayCrypto, the C of native/, on the custom firmware, and the
// pure-JS module dist/gwcrypto-js.js (with the firmware's crypto.SHA256) on
// stock firmware. Both pass the envelope checks of
// test/native/envelope-cases.ts; X25519 passes the RFC 7748 vectors and
// @noble/curves; x25519Async finishes at once in C and, in JS, a slice at a
// time with the event loop turning in between.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { x25519 as nobleX25519 } from '@noble/curves/ed25519.js';
import { Interpreter, writeStorage } from '../../tools/espruino/interpreter.ts';
import type { Variant } from '../../tools/espruino/build.ts';
import { runEnvelopeSuite, type EnvelopeOps } from '../native/envelope-cases.ts';
import { hex, rnd, toHex } from '../native/primitive-cases.ts';

const V = JSON.parse(readFileSync(new URL('../fixtures/protocol-vectors.json', import.meta.url), 'utf8')).primitives;
const MODULE = readFileSync(new URL('../../dist/gwcrypto-js.js', import.meta.url));

/** The crypto object C and the byte reader B on the board of `variant`. */
const SETUP: Record<Variant, string> = {
  custom: 'global.C=require("GatewayCrypto");',
  stock:
    'global.C=require("gwcrypto-js").makeJsCrypto(function(n){throw new Error("no randomness needed")},' +
    'function(d){return new Uint8Array(require("crypto").SHA256(d))});',
};

class Board {
  it!: Interpreter;
  constructor(readonly variant: Variant) {}

  private dir = mkdtempSync(join(tmpdir(), 'crypto-interpreter-'));

  async start(): Promise<void> {
    if (this.variant === 'stock') await writeStorage(this.dir, { 'gwcrypto-js': MODULE }, 'stock');
    this.it = await Interpreter.start({ variant: this.variant, storageDir: this.dir });
    await this.it.eval(SETUP[this.variant] + 'global.B=function(s){return E.toUint8Array(atob(s))};1');
  }

  /** `code` evaluated on the board, with bytes passed as B("base64"). */
  run<T>(code: string, ms = 60_000): Promise<T> {
    return this.it.eval<T>(code, ms);
  }

  async stop(): Promise<void> {
    await this.it?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const b = (u: Uint8Array): string => `B(${JSON.stringify(Buffer.from(u).toString('base64'))})`;

function envelopeOps(board: Board): EnvelopeOps {
  return {
    envelopeSeal: (k, d, a, p) => board.run<string>(`C.envelopeSeal(${b(k)},${d},${b(a)},${b(p)})`),
    envelopeOpen: async (k, d, a, text) => {
      const r = await board.run<string>(
        `(function(r){return typeof r==="string"?btoa(r):r===null?"null":"undefined"})(C.envelopeOpen(${b(k)},${d},${b(a)},${JSON.stringify(text)}))`,
      );
      return r === 'null' ? null : r === 'undefined' ? undefined : Uint8Array.from(Buffer.from(r, 'base64'));
    },
    hmacHex: (k, d) => board.run<string>(`C.hmacHex(${b(k)},${b(d)})`),
    hmacVerify: (k, d, m) => board.run<boolean>(`C.hmacVerify(${b(k)},${b(d)},${JSON.stringify(m)})`),
  };
}

for (const variant of ['custom', 'stock'] as Variant[]) {
  const board = new Board(variant);
  const name = variant === 'custom' ? 'GatewayCrypto (custom firmware)' : 'gwcrypto-js (stock firmware)';
  // the JS module does AEAD at about 10 ms per 64 bytes here: shorter plaintexts
  const slow = variant === 'stock' ? { lengths: [0, 1, 63, 64, 65, 300], nonces: [0, 1, 2 ** 32, 2 ** 53 - 1] } : {};
  runEnvelopeSuite(`${name}: envelope calls`, envelopeOps(board), { before: () => board.start(), ...slow });

  const t = suite(`${name}: X25519`);
  const x25519 = async (k: Uint8Array, u: Uint8Array) =>
    Uint8Array.from(Buffer.from(await board.run<string>(`btoa(E.toString(C.x25519(${b(k)},${b(u)})))`), 'base64'));

  t('RFC 7748 §5.2 and §6.1 vectors', async () => {
    for (const v of V.x25519_rfc7748_5_2) assert.is(toHex(await x25519(hex(v.scalar), hex(v.u))), v.out);
    const k = V.x25519_rfc7748_6_1;
    assert.is(toHex(await x25519(hex(k.alice_private), hex('09' + '00'.repeat(31)))), k.alice_public);
    assert.is(toHex(await x25519(hex(k.bob_private), hex(k.alice_public))), k.shared);
  });

  t('matches @noble/curves for random scalars and points', async () => {
    // the JS ladder takes seconds a multiplication here: one random case on stock, the RFC vectors cover the rest
    for (let i = 0; i < (variant === 'stock' ? 1 : 3); i++) {
      const a = rnd(32);
      const u = nobleX25519.scalarMultBase(rnd(32));
      assert.is(toHex(await x25519(a, u)), toHex(nobleX25519.scalarMult(a, u)));
    }
  });

  t(variant === 'custom' ? 'x25519Async calls back before it returns' : 'x25519Async: the same answer, the event loop turning between slices', async () => {
    const k = rnd(32);
    const u = nobleX25519.scalarMultBase(rnd(32));
    const want = toHex(nobleX25519.scalarMult(k, u));
    // a 0 ms timer counts turns of the event loop while the ladder runs; the longest gap between turns is printed
    await board.run(
      `global.R={turns:0,gap:0};var last=getTime();function tick(){var t=getTime();R.gap=Math.max(R.gap,t-last);last=t;R.turns++;if(!R.out)setTimeout(tick,0)}setTimeout(tick,0);` +
        `C.x25519Async(${b(k)},${b(u)},function(o){R.out=E.toString(o)});R.sync=R.out!==undefined;1`,
    );
    let r: { out?: string; sync: boolean; turns: number; gap: number };
    do {
      await new Promise((res) => setTimeout(res, 200));
      r = await board.run(`({out:R.out===undefined?undefined:btoa(R.out),sync:R.sync,turns:R.turns,gap:R.gap})`);
    } while (r.out === undefined);
    assert.is(toHex(Uint8Array.from(Buffer.from(r.out, 'base64'))), want);
    if (variant === 'custom') assert.ok(r.sync, 'done before x25519Async returned');
    else {
      assert.not.ok(r.sync, 'done later, not before x25519Async returned');
      assert.ok(r.turns > 2, `the event loop turned ${r.turns} times meanwhile`);
      console.log(`  stock x25519Async: ${r.turns} turns of the event loop, longest gap ${(r.gap * 1000).toFixed(0)} ms`);
    }
  });

  t.after(() => board.stop());
  t.run();
}
