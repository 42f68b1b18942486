// The PSK strength estimate shared by the gateway (approval) and the dashboard
// (as the admin types): generated keys are strong, the phrases people type
// are flagged, and the estimate errs low.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { generatePsk, isWeakPsk, pskBits, STRONG_BITS } from '../../src/gateway/admin/psk-strength.ts';

test('a generated PSK: 128 random bits as 8 groups of 4 hex digits, strong', () => {
  for (let i = 0; i < 200; i++) {
    const psk = generatePsk(randomBytes(16));
    assert.match(psk, /^[0-9a-f]{4}(-[0-9a-f]{4}){7}$/);
    assert.is(pskBits(psk), 128);
    assert.not.ok(isWeakPsk(psk));
  }
  assert.is(generatePsk(new Uint8Array(16).fill(0xab)), 'abab-abab-abab-abab-abab-abab-abab-abab');
});

test('what people type is weak', () => {
  for (const p of [
    'my-device-secret',
    'correct horse battery staple',
    'Kitchen-Sensor-2024!',
    'password123password123',
    'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    '1111111111111111111111111111111111111111',
    'deadbeefdeadbeef',
    'k',
    '',
  ])
    assert.ok(isWeakPsk(p), `${p}: ${pskBits(p)} bits`);
});

test('long random keys from a password manager pass', () => {
  for (const p of ['q8Z/x2Lp0vKw9rTb3mYc1NsA5hQe', '7f3a9c01e4b2d8c6a5f0e1d2c3b4a596', 'T4%k9#Qm2@vX7!pL8&zR3*wN6^jB']) assert.ok(pskBits(p) >= STRONG_BITS, `${p}: ${pskBits(p)} bits`);
});

test('UTF-8 bytes and odd characters do not break it', () => {
  assert.type(pskBits('p\xc3\xa9\xe2\x9c\x93-secret'), 'number');
  assert.type(pskBits('\x00\xff\r\n'), 'number');
});

test.run();
