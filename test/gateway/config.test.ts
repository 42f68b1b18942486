// gw.cfg parsing: defaults, every field checked, bad input reported, never thrown.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyConfig, configText, credentialProblem, defaultConfig, parseBrokerUrl, parseConfig, publicConfig, validPrefix } from '../../src/gateway/config.ts';

test('missing or empty file gives the defaults without errors', () => {
  for (const t of [undefined, '']) {
    const r = parseConfig(t);
    assert.equal(r.errors, []);
    assert.equal(r.cfg, defaultConfig());
  }
  const d = defaultConfig();
  assert.is(d.prefix, 'jrpc');
  assert.is(d.offline_timeout, 60);
  assert.is(d.limits.pending, 32);
  assert.is(d.limits.rate, 20);
  assert.is(d.limits.burst, 40);
  assert.is(d.limits.envelope, 4096);
  assert.is(d.limits.nonce_flush_s, 60);
  assert.is(d.telnet, 'off');
});

test('not JSON or not an object: one clear error, defaults', () => {
  for (const t of ['{', 'null', '[1]', '"x"', '\xff\xfe']) {
    const r = parseConfig(t);
    assert.is(r.errors.length, 1, t);
    assert.equal(r.cfg, defaultConfig());
  }
});

test('a full valid file round-trips through configText', () => {
  const src = {
    broker: 'mqtt://10.0.0.2:1884',
    username: 'u',
    password: 'p',
    prefix: 'site/a',
    admin: '3000:abcd:' + '01'.repeat(32),
    offline_timeout: 30,
    telnet: 'locked',
    wifi: { ssid: 'net', password: 'pw' },
    limits: { pending: 8, rate: 5, burst: 10 },
  };
  const r = parseConfig(JSON.stringify(src));
  assert.equal(r.errors, []);
  assert.is(r.cfg.broker, src.broker);
  assert.is(r.cfg.prefix, 'site/a');
  assert.is(r.cfg.limits.pending, 8);
  assert.is(r.cfg.limits.envelope, 4096);
  assert.equal(r.cfg.wifi, { ssid: 'net', password: 'pw' });
  assert.equal(parseConfig(configText(r.cfg)).cfg, r.cfg);
});

test('each bad field is reported and keeps its default', () => {
  const r = parseConfig(
    JSON.stringify({
      broker: 'http://x',
      prefix: 'a/+/b',
      offline_timeout: 1.5,
      telnet: 'on',
      admin: 'nothex',
      limits: { pending: 0, bogus: 1, rate: 'x' },
      username: 5,
    }),
  );
  assert.is(r.errors.length, 9, r.errors.join('\n'));
  const d = defaultConfig();
  assert.is(r.cfg.broker, d.broker);
  assert.is(r.cfg.prefix, d.prefix);
  assert.is(r.cfg.offline_timeout, d.offline_timeout);
  assert.is(r.cfg.telnet, 'off');
  assert.equal(r.cfg.limits, d.limits);
});

test('broker URLs', () => {
  assert.equal(parseBrokerUrl('mqtt://127.0.0.1:1883'), { host: '127.0.0.1', port: 1883, tls: false });
  assert.equal(parseBrokerUrl('mqtt://broker.lan'), { host: 'broker.lan', port: 1883, tls: false });
  assert.equal(parseBrokerUrl('mqtt://h:99/'), { host: 'h', port: 99, tls: false });
  assert.equal(parseBrokerUrl('mqtts://broker.lan'), { host: 'broker.lan', port: 8883, tls: true });
  assert.equal(parseBrokerUrl('mqtts://h:1883'), { host: 'h', port: 1883, tls: true });
  for (const bad of ['', 'tcp://h', 'mqtts://', 'mqtts://h:0', 'mqtt://', 'mqtt://h:0', 'mqtt://h:70000', 'mqtt://h:x', 'mqtt://u@h', 'mqtt://h/p', 5])
    assert.is(parseBrokerUrl(bad as any), undefined, String(bad));
});

test('broker credentials travel over plain mqtt:// only when the config allows it', () => {
  const c = defaultConfig();
  assert.is(credentialProblem(c), undefined, 'no credentials');
  c.username = 'u';
  assert.match(credentialProblem(c)!, /mqtts/);
  c.allow_plain_credentials = true;
  assert.is(credentialProblem(c), undefined);
  c.allow_plain_credentials = false;
  c.broker = 'mqtts://broker.lan';
  assert.is(credentialProblem(c), undefined);
});

test('prefixes', () => {
  for (const ok of ['jrpc', 'a/b', 'x.y-z_1']) assert.ok(validPrefix(ok), ok);
  for (const bad of ['', '/a', 'a/', 'a+b', '#', 'a b', 'x'.repeat(65), 3]) assert.not.ok(validPrefix(bad), String(bad));
});

test('the write-behind of the nonce marks: 1 s to an hour', () => {
  const c = defaultConfig();
  assert.equal(applyConfig(c, { limits: { nonce_flush_s: 1 } }), []);
  assert.is(c.limits.nonce_flush_s, 1);
  for (const bad of [0, 3601, 1.5, '60']) assert.is(applyConfig(c, { limits: { nonce_flush_s: bad } }).length, 1, String(bad));
  assert.is(c.limits.nonce_flush_s, 1);
});

test('applyConfig on a live config changes only good fields', () => {
  const c = defaultConfig();
  const errs = applyConfig(c, { offline_timeout: 10, prefix: '' });
  assert.is(errs.length, 1);
  assert.is(c.offline_timeout, 10);
  assert.is(c.prefix, 'jrpc');
});

test('the public view hides credentials', () => {
  const c = defaultConfig();
  c.username = 'user';
  c.password = 'secret';
  c.admin = 'aa:bb';
  const v = JSON.stringify(publicConfig(c));
  assert.not.ok(v.includes('secret'));
  assert.not.ok(v.includes('aa:bb'));
  assert.not.ok(v.includes('"user"'));
  assert.ok(publicConfig(c).password_set);
});

test.run();
