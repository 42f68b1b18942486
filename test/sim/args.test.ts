// Flags of `npm run sim`: defaults, every check, and the CLI's exit 2 with one line + usage.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { parseArgs } from '../../tools/sim/args';

const B = ['--broker', 'mqtt://127.0.0.1:1883'];

test('defaults and every flag', () => {
  assert.equal(parseArgs(B), {
    broker: 'mqtt://127.0.0.1:1883', devices: 3, psk: undefined, rate: 5, prefix: 'jrpc', state: undefined,
    idPrefix: 'sim', admin: undefined, adminPassword: undefined, attack: undefined, duration: 0, json: false,
  });
  const o = parseArgs([...B, '--devices=10', '--psk', 'pä ss', '--rate', '0.5', '--prefix', 'a/b', '--state', '/tmp/x',
    '--id-prefix', 'lab', '--admin', 'http://127.0.0.1:8080/', '--admin-password', 'pw', '--attack', 'flood', '--duration', '9', '--json']);
  assert.equal(o, {
    broker: 'mqtt://127.0.0.1:1883', devices: 10, psk: 'pä ss', rate: 0.5, prefix: 'a/b', state: '/tmp/x',
    idPrefix: 'lab', admin: 'http://127.0.0.1:8080', adminPassword: 'pw', attack: 'flood', duration: 9, json: true,
  });
  assert.is(parseArgs(['--help']), 'help');
});

test('bad flags give one sentence each', () => {
  const bad: [string[], RegExp][] = [
    [[], /--broker is required/],
    [['--broker', 'http://x'], /--broker must look like/],
    [[...B, '--devices', '0'], /--devices/],
    [[...B, '--devices', '2.5'], /--devices/],
    [[...B, '--rate', 'fast'], /--rate/],
    [[...B, '--rate', '0'], /--rate/],
    [[...B, '--psk', ''], /--psk/],
    [[...B, '--prefix', 'a/+'], /--prefix/],
    [[...B, '--id-prefix', 'a b'], /--id-prefix/],
    [[...B, '--admin', 'http://x:1'], /go together/],
    [[...B, '--admin', 'ftp://x', '--admin-password', 'p'], /--admin must/],
    [[...B, '--attack', 'nuke'], /--attack must be one of/],
    [[...B, '--devices'], /needs a value/],
    [[...B, '--broker', 'mqtt://y'], /given twice/],
    [[...B, '--what'], /unknown option/],
    [[...B, '--duration', '-1'], /--duration/],
  ];
  for (const [argv, re] of bad) {
    const r = parseArgs(argv);
    assert.type(r, 'string', argv.join(' '));
    assert.match(r as string, re);
  }
});

test('the CLI exits 2 with one error line and the usage', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'tools/sim/main.ts', '--broker', 'mqtt://127.0.0.1:1', '--devices', 'many'], {
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.is(r.status, 2);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[0], /^sim: --devices must be a whole number/);
  assert.match(lines[1], /^usage: npm run sim --/);
  assert.is(r.stdout, '');
});

test.run();
