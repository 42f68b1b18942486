// The dashboard in a real browser (Debian's Chromium through playwright-core)
// against the built gateway image on the real Espruino interpreter (custom
// firmware, test/gateway/harness.ts), a real broker (aedes) and
// simulated devices on the device SDK (tools/sim): the admin's whole day, one
// step per test, in order. Screenshots at phone and laptop sizes go to
// test-output/screenshots/ (gitignored) for a person to look at.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createAedes, type AedesBroker } from '../mqtt/brokers';
import { GatewayUnderTest, PASSWORD, ROOT } from '../gateway/harness';
import { writeStorage } from '../../tools/espruino/interpreter';
import { createFleet, type Fleet } from '../../tools/sim/fleet';
import { createNodeClient } from '../../src/mqtt/node/client';
import { fingerprint as deviceFingerprint } from '../../src/device/fingerprint';
import { jsCrypto } from '../../src/crypto/node/js';
import { fromHex } from '../../src/protocol/bytes';

const PAGE_GZ = join(ROOT, 'dist/dashboard.html.gz');
const SHOTS = join(ROOT, 'test-output/screenshots');
const PSK = 'kitchen-psk-1';
const NEW_PASSWORD = 'a-new-admin-pass';

let broker: AedesBroker;
let gw: GatewayUnderTest;
let browser: Browser;
let laptop: Page;
let phone: Page;
let url: string;
let fleet: Fleet | undefined;
const pageErrors: string[] = [];

async function newPage(width: number, height: number): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width, height } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(20000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return page;
}

async function logIn(page: Page, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Admin password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** The same view on the phone and the laptop, saved as NAME-phone.png / NAME-laptop.png. */
async function shoot(name: string, hash: string): Promise<void> {
  for (const [page, size] of [
    [phone, 'phone'],
    [laptop, 'laptop'],
  ] as [Page, string][]) {
    if ((await page.evaluate(() => location.hash)) !== hash) await page.evaluate((h) => (location.hash = h), hash);
    await page.locator('main h2').first().waitFor();
    await page.screenshot({ path: join(SHOTS, `${name}-${size}.png`), fullPage: true });
  }
}

function sensor(id: string) {
  return fleet!.sensors.find((s) => s.id === id)!;
}

/** The built page, read whole (and checked) once: a build running meanwhile may be rewriting it. */
async function builtPage(): Promise<Buffer> {
  for (let i = 0; ; i++) {
    try {
      const gz = readFileSync(PAGE_GZ);
      gunzipSync(gz);
      return gz;
    } catch (e) {
      if (i === 20) throw new Error(`${PAGE_GZ} is missing or broken: run \`npm run build\` first (${e})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

test.before(async () => {
  if (!existsSync(join(ROOT, 'dist/gateway.js'))) throw new Error('dist/gateway.js is missing: run `npm run build` first');
  const page = await builtPage();
  mkdirSync(SHOTS, { recursive: true });
  broker = await createAedes();
  gw = new GatewayUnderTest({
    brokerPort: broker.port,
    // the page goes into Storage as `npm run flash` puts it there: the file dash.html.gz
    extraConfig: (dir, variant) => writeStorage(dir, { 'dash.html.gz': page }, variant),
  });
  await gw.start();
  url = `http://127.0.0.1:${gw.emu.hostPort(80)}/`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  laptop = await newPage(1280, 800);
  phone = await newPage(375, 812);
});

test.after(async () => {
  fleet?.stop();
  await browser?.close();
  await gw?.stop();
  await broker?.close();
});

test('the page is served gzipped from flash, and a wrong password shows an error', async () => {
  const res = await fetch(url);
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-encoding'), 'gzip');
  assert.match(res.headers.get('content-type') || '', /^text\/html/);
  for (const page of [laptop, phone]) {
    await logIn(page, 'not-the-password');
    await page.getByRole('alert').filter({ hasText: 'Wrong password.' }).waitFor();
  }
  await phone.screenshot({ path: join(SHOTS, 'login-phone.png') });
  await laptop.screenshot({ path: join(SHOTS, 'login-laptop.png') });
});

test('log in with the keyboard alone; a device asking to enroll appears without a reload', async () => {
  // the password field has the focus; Enter submits
  await laptop.reload();
  await laptop.getByLabel('Admin password').waitFor();
  await laptop.keyboard.type(PASSWORD);
  await laptop.keyboard.press('Enter');
  await laptop.getByRole('heading', { name: 'Pending requests' }).waitFor();
  await laptop.getByText('No pending requests.').waitFor();
  await logIn(phone, PASSWORD);
  await phone.getByRole('heading', { name: 'Pending requests' }).waitFor();

  fleet = createFleet({
    broker: 'mqtt://127.0.0.1:' + broker.port,
    prefix: 'jrpc',
    ids: ['kitchen-1', 'hall-2'],
    pskOf: (id) => (id === 'kitchen-1' ? PSK : undefined),
    nameOf: (id) => (id === 'kitchen-1' ? 'Kitchen' : 'Hall'),
    rate: 1,
  });
  fleet.start();
  const card = laptop.locator('form.pending', { hasText: 'kitchen-1' });
  await card.waitFor();
  const printed = deviceFingerprint(jsCrypto, fromHex(sensor('kitchen-1').dev.core.pubkey())!);
  assert.is(await card.locator('code.fp').textContent(), printed, 'the fingerprint the device prints');
  await laptop.locator('form.pending', { hasText: 'hall-2' }).waitFor();
  await shoot('pending', '#/');
});

test('approve with a PSK: the device becomes authorized and its telemetry moves', async () => {
  const card = laptop.locator('form.pending', { hasText: 'kitchen-1' });
  const field = card.getByLabel('Pre-shared key');
  // the proposal: 128 random bits, as the device config takes them; not weak, so no warning
  const proposed = await field.inputValue();
  assert.match(proposed, /^[0-9a-f]{4}(-[0-9a-f]{4}){7}$/);
  await card.getByRole('button', { name: 'New random PSK' }).click();
  assert.match(await field.inputValue(), /^[0-9a-f]{4}(-[0-9a-f]{4}){7}$/);
  assert.is.not(await field.inputValue(), proposed);
  assert.is(await card.getByRole('alert').count(), 0, 'no warning');
  await card.getByRole('button', { name: 'Approve for Kitchen' }).waitFor();
  // the device holds a PSK of its own, an easy one: the warning comes as it is typed
  await field.fill(PSK);
  await card.getByRole('alert').filter({ hasText: 'easy to guess' }).waitFor();
  await shoot('pending-weak-psk', '#/');
  await card.getByRole('button', { name: 'Approve with a weak PSK for Kitchen' }).click();
  const row = laptop.locator('table.devices tr', { hasText: 'kitchen-1' });
  await row.locator('.badge', { hasText: 'authorized' }).waitFor();
  assert.is(await row.locator('td[data-l="PSK"]').textContent(), 'yes');
  await card.waitFor({ state: 'detached' });
  assert.is((await gw.admin.ok('GET', '/api/devices/kitchen-1')).psk_weak, true);

  await row.getByRole('link', { name: 'Kitchen' }).click();
  await laptop.getByRole('heading', { name: /Kitchen/ }).waitFor();
  const chart = laptop.locator('.tile', { hasText: 'temperature' }).locator('svg');
  await chart.waitFor();
  const readings = async () => Number(/(\d+) readings/.exec((await chart.getAttribute('aria-label')) || '')![1]);
  const first = await readings();
  await laptop.waitForFunction(
    (n) => Number(/(\d+) readings/.exec(document.querySelector('.tile svg')?.getAttribute('aria-label') || '')?.[1]) > n + 1,
    first,
  );
  assert.ok((await readings()) > first, 'new readings arrive live');
});

test('call a method on the device from the console', async () => {
  await laptop.getByLabel('Method', { exact: true }).fill('led.set');
  await laptop.getByLabel('Params (JSON)').fill('{"on":true}');
  await laptop.getByRole('button', { name: 'Call' }).click();
  const out = laptop.locator('pre.out');
  await out.filter({ hasText: '"on": true' }).waitFor();
  assert.is(sensor('kitchen-1').led, true);

  await laptop.getByLabel('Method', { exact: true }).fill('no.such.method');
  await laptop.getByLabel('Params (JSON)').fill('');
  await laptop.getByRole('button', { name: 'Call' }).click();
  await out.filter({ hasText: 'Error -32601' }).waitFor();
  await laptop.getByLabel('Params (JSON)').fill('{oops');
  await laptop.getByRole('button', { name: 'Call' }).click();
  await out.filter({ hasText: 'Params must be JSON' }).waitFor();
  await laptop.getByLabel('Params (JSON)').fill('{"on":false}');
});

test('edit the allow-list', async () => {
  const allow = laptop.getByLabel('Methods this device may call');
  assert.is(await allow.inputValue(), 'ping, time, report, log');
  await allow.fill('ping, report,  time');
  await laptop.getByRole('button', { name: 'Save allow-list' }).click();
  await laptop.getByRole('status').filter({ hasText: 'Allow-list saved' }).waitFor();
  assert.equal((await gw.admin.ok('GET', '/api/devices/kitchen-1')).allow, ['ping', 'report', 'time']);
  assert.is(await allow.inputValue(), 'ping, report, time');
  await shoot('device', '#/device/kitchen-1');
});

test('a key change on an approved device is shown as such, with the new fingerprint', async () => {
  const dev = gw.device('porch-3', { name: 'Porch' });
  await dev.start();
  try {
    await dev.connect();
    await gw.admin.ok('POST', '/api/devices/porch-3/approve', {});
    await dev.approved();
    await laptop.getByRole('link', { name: 'Devices', exact: true }).click();
    const row = laptop.locator('table.devices tr', { hasText: 'porch-3' });
    await row.locator('.badge', { hasText: 'approved' }).waitFor();
    dev.rekey(); // a re-installed device: same id, new key, no PSK
    assert.is((await dev.connect()).kind, 'pending');
    const card = laptop.locator('form.pending', { hasText: 'porch-3' });
    await card.getByRole('heading', { name: 'Key change: Porch' }).waitFor();
    assert.is(await card.locator('code.fp').textContent(), deviceFingerprint(jsCrypto, fromHex(dev.pub)!), 'the new key');
    await row.locator('.badge', { hasText: 'key change' }).waitFor();
    await shoot('key-change', '#/');
    // no PSK proof came: approving takes the explicit "No PSK" choice
    await card.getByText('This device sent no PSK proof').waitFor();
    assert.is(await card.getByRole('button', { name: /^Approve/ }).getAttribute('aria-label'), 'Approve new key for Porch');
    await card.getByLabel('No PSK').check();
    assert.is(await card.getByLabel('Pre-shared key').isDisabled(), true);
    await card.getByRole('button', { name: 'Approve new key without PSK for Porch' }).click();
    assert.is((await dev.approved()).kind, 'approved');
    await card.waitFor({ state: 'detached' });
    await row.locator('.badge', { hasText: 'key change' }).waitFor({ state: 'detached' });
  } finally {
    dev.end();
  }
});

test('the security feed counts a bad message live', async () => {
  await laptop.getByRole('link', { name: 'Security' }).click();
  const row = laptop.locator('tr', { has: laptop.getByRole('rowheader', { name: 'malformed', exact: true }) });
  await row.waitFor();
  const before = Number(await row.locator('td').textContent());
  const mqtt = createNodeClient({ host: '127.0.0.1', port: broker.port, clientId: 'garbage' });
  mqtt.on('connect', () => mqtt.publish('jrpc/gateway/rx', 'not json at all', 0));
  mqtt.connect();
  try {
    await row.locator('td', { hasText: String(before + 1) }).waitFor();
  } finally {
    mqtt.end();
  }
  await laptop.locator('ol.log li', { hasText: 'malformed' }).first().waitFor();
  await shoot('security', '#/security');
});

test('gateway status, and the password change', async () => {
  await laptop.getByRole('link', { name: 'Gateway' }).click();
  await laptop.locator('dd', { hasText: 'connected' }).first().waitFor();
  // the interpreter's own process.memory(), in JsVars
  const memory = laptop.locator('dd', { hasText: /JsVars used/ });
  await memory.waitFor();
  const board = await gw.emu.memory();
  const shown = /^([\d,]+) of ([\d,]+) JsVars used \(\d+ %\), ([\d,]+) free \(a JsVar is (\d+) bytes\)$/.exec((await memory.textContent()) || '');
  assert.ok(shown, `memory line: ${await memory.textContent()}`);
  const [used, total, free, size] = shown!.slice(1).map((v) => Number(v.replace(/,/g, '')));
  assert.is(total, board.total, 'the pool of the interpreter (16,383 as on the ESP32)');
  assert.is(size, board.blocksize);
  assert.is(used + free, total);
  // read at another moment than the page's: close, not equal
  assert.ok(Math.abs(used - board.usage) < 1500, `page ${used} vs board ${board.usage}`);
  await shoot('gateway', '#/gateway');
  await laptop.getByLabel('Current password').fill('wrong-old-password');
  await laptop.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await laptop.getByLabel('New password again').fill(NEW_PASSWORD);
  await laptop.getByRole('button', { name: 'Change password' }).click();
  await laptop.getByRole('status').filter({ hasText: 'The old password is wrong.' }).waitFor();
  await laptop.getByLabel('Current password').fill(PASSWORD);
  await laptop.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await laptop.getByLabel('New password again').fill(NEW_PASSWORD);
  await laptop.getByRole('button', { name: 'Change password' }).click();
  // every session ends on a password change: the page says so and asks to log in again
  await laptop.getByRole('status').filter({ hasText: 'every session has ended' }).waitFor();
  await laptop.getByLabel('Admin password').waitFor();
  await logIn(laptop, PASSWORD);
  await laptop.getByRole('alert').filter({ hasText: 'Wrong password.' }).waitFor();
  await logIn(laptop, NEW_PASSWORD);
  await laptop.getByRole('heading', { name: 'Devices' }).waitFor();
  await gw.admin.login(NEW_PASSWORD); // the test's own API session ended too
});

test('revoke and remove, each behind a confirmation', async () => {
  await laptop.evaluate(() => (location.hash = '#/device/kitchen-1'));
  const title = laptop.getByRole('heading', { name: /Kitchen/ });
  await title.locator('.badge', { hasText: 'authorized' }).waitFor();
  laptop.once('dialog', (d) => d.dismiss());
  await laptop.getByRole('button', { name: 'Revoke…' }).click();
  assert.is((await gw.admin.ok('GET', '/api/devices/kitchen-1')).status, 'authorized', 'dismissed: nothing happens');

  laptop.once('dialog', (d) => d.accept());
  await laptop.getByRole('button', { name: 'Revoke…' }).click();
  await laptop.getByRole('status').filter({ hasText: 'Revoked Kitchen' }).waitFor();
  // the device SDK enrolls again with a new key: a pending request shows up again
  await title.locator('.badge', { hasText: /revoked|pending/ }).waitFor();
  await laptop.locator('form.pending', { hasText: 'kitchen-1' }).waitFor();

  fleet!.stop(); // no more connect requests, so the removed device stays gone
  laptop.once('dialog', (d) => d.accept());
  await laptop.getByRole('button', { name: 'Remove…' }).click();
  await laptop.getByRole('heading', { name: 'Pending requests' }).waitFor();
  await laptop.locator('table.devices tr', { hasText: 'kitchen-1' }).waitFor({ state: 'detached' });
  assert.is((await gw.admin.req('GET', '/api/devices/kitchen-1')).status, 404);
  await laptop.locator('table.devices tr', { hasText: 'hall-2' }).waitFor();
  await shoot('devices', '#/');
});

test('after a gateway restart the page reconnects and asks to log in again', async () => {
  await gw.emu.restart(); // (not gw.restart(): the admin password is no longer the harness's)
  await gw.emu.waitForOutput('mqtt: connected', 30000);
  await laptop.getByLabel('Admin password').waitFor({ timeout: 30000 });
  await logIn(laptop, NEW_PASSWORD);
  await laptop.getByRole('heading', { name: 'Devices' }).waitFor();
  await laptop.locator('.conn', { hasText: 'live' }).waitFor();
  assert.equal(pageErrors, [], 'no script errors in the page');
});

test.run();
