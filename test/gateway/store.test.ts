// Crash safety of the gateway's Storage files, on the emulator's flash model
// (tools/emulator/flash.ts: every Storage.write is erase + create + fill, and a
// power cut can land between any two flash operations).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flash, PowerCut } from '../../tools/emulator/flash.ts';
import { SlotFile, crc32, readReplaced, replaceFile } from '../../src/gateway/store.ts';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { storageOn } from '../../tools/emulate/storage.ts';

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'gw-store-'));
  dirs.push(d);
  return d;
}

const versions = ['{"v":1}', '{"v":2,"pad":"' + 'x'.repeat(300) + '"}', '{"v":3}', '\n{"id":"a"}\n{"id":"b\xe9"}', '{"v":5}'];

test('crc32 is the IEEE CRC-32 (zlib, Espruino E.CRC32)', () => {
  assert.is(crc32(''), 0);
  assert.is(crc32('123456789'), 0xcbf43926);
  for (let n = 0; n < 50; n++) {
    const b = randomBytes(n * 7);
    assert.is(crc32(b.toString('latin1')), zlibCrc32(b));
  }
});

test('slot file: reads back the newest write, survives reopening', () => {
  const dir = freshDir();
  const s = new SlotFile(storageOn(new Flash(dir)), 'gw.reg');
  assert.is(s.read(), undefined);
  for (const v of versions) {
    assert.ok(s.write(v));
    assert.is(new SlotFile(storageOn(new Flash(dir)), 'gw.reg').read(), v);
  }
  assert.ok(s.raw()!.endsWith(versions[versions.length - 1]));
});

test('slot file: a power cut at every flash operation leaves the old or the new version', () => {
  let cuts = 0;
  for (let k = 0; k < versions.length; k++)
    for (let n = 0; ; n++) {
      const dir = freshDir();
      const flash = new Flash(dir);
      const s = new SlotFile(storageOn(flash), 'gw.st');
      s.read();
      for (let i = 0; i < k; i++) s.write(versions[i]);
      flash.armPowerCut(n);
      try {
        s.write(versions[k]);
      } catch (e) {
        assert.instance(e, PowerCut);
      }
      const cut = !flash.powered; // the store may catch the error; the power stays off
      const after = new SlotFile(storageOn(new Flash(dir)), 'gw.st').read();
      if (!cut) {
        assert.is(after, versions[k]);
        break;
      }
      cuts++;
      const ok = after === versions[k] || after === (k ? versions[k - 1] : undefined);
      assert.ok(ok, `k=${k} cut before op ${n}: read ${after}`);
      // and the store keeps working after the cut
      const again = new SlotFile(storageOn(new Flash(dir)), 'gw.st');
      again.read();
      assert.ok(again.write('{"after":1}'));
      assert.is(new SlotFile(storageOn(new Flash(dir)), 'gw.st').read(), '{"after":1}');
    }
  assert.ok(cuts >= versions.length * 2, 'power cuts exercised: ' + cuts);
});

test('slot file: a corrupted newest slot falls back to the older one', () => {
  const dir = freshDir();
  const flash = new Flash(dir);
  const st = storageOn(flash);
  const s = new SlotFile(st, 'x');
  s.read();
  s.write('one');
  s.write('two');
  const raw = st.read('x.1')!;
  flash.erase('x.1');
  st.write('x.1', raw.replace('two', 'tvo'));
  assert.is(new SlotFile(st, 'x').read(), 'one');
});

test('replaceFile: a power cut at every flash operation leaves the old or the new text', () => {
  const a = '{"broker":"mqtt://a:1"}';
  const b = '{"broker":"mqtt://b:2","prefix":"p"}';
  for (let n = 0; ; n++) {
    const dir = freshDir();
    const flash = new Flash(dir);
    const st = storageOn(flash);
    st.write('gw.cfg', a);
    flash.armPowerCut(n);
    try {
      replaceFile(st, 'gw.cfg', b);
    } catch (e) {
      assert.instance(e, PowerCut);
    }
    const cut = !flash.powered;
    const st2 = storageOn(new Flash(dir));
    const got = readReplaced(st2, 'gw.cfg');
    if (!cut) {
      assert.is(got, b);
      break;
    }
    assert.ok(got === a || got === b, `cut before op ${n}: ${got}`);
    // once read, the move is finished: no leftover
    assert.is(st2.read('gw.cfg.new'), undefined);
    assert.is(readReplaced(st2, 'gw.cfg'), got);
  }
});

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test.run();
