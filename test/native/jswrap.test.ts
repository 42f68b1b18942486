// native/jswrap_gateway_crypto.c can only be compiled inside the Espruino
// tree, so its contract is checked here as Espruino's build reads it: the
// /*JSON{...}*/ comments (parsed the way scripts/common.py does) must declare
// the library GatewayCrypto with exactly the Crypto functions of
// src/crypto/types.ts, with the same parameter counts as those signatures and
// as the Node addon, each backed by a C function of that arity declared in the
// header Espruino's generated wrapper includes. The board files must build the
// wrapper and every primitive, and the firmware's leave the telnet console out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { nativeCrypto } from '../../src/crypto/node/native.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (rel: string): string => readFileSync(root + rel, 'utf8');
const wrapper = read('native/jswrap_gateway_crypto.c');
const header = read('native/jswrap_gateway_crypto.h');

interface JsonDecl {
  type: string;
  class?: string;
  name?: string;
  generate?: string;
  params?: [string, string, string][];
  return?: [string, string];
}

/** The /*JSON{...}*\/ blocks as Espruino's scripts/common.py cuts them: the JSON ends at the first "\n}". */
function jsonDecls(code: string): JsonDecl[] {
  return [...code.matchAll(/\/\*JSON.*?\*\//gs)].map((m) => {
    const comment = m[0].slice(6, -2);
    const json = comment.slice(0, comment.indexOf('\n}') + 2);
    return JSON.parse(json) as JsonDecl;
  });
}

/** Parameter counts of the methods of `interface Crypto` in src/crypto/types.ts. */
function cryptoInterface(): Record<string, number> {
  const file = ts.createSourceFile('types.ts', read('src/crypto/types.ts'), ts.ScriptTarget.Latest, true);
  const out: Record<string, number> = {};
  file.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === 'Crypto') {
      for (const m of node.members) {
        if (ts.isMethodSignature(m)) out[m.name.getText(file)] = m.parameters.length;
      }
    }
  });
  return out;
}

const decls = jsonDecls(wrapper);
const methods = decls.filter((d) => d.type === 'staticmethod');
const iface = cryptoInterface();

test('src/crypto/types.ts still has the methods this module implements', () => {
  assert.equal(Object.keys(iface).sort(), [
    'aeadOpen', 'aeadSeal', 'envelopeOpen', 'envelopeSeal', 'hmacHex', 'hmacSha256', 'hmacVerify', 'randomBytes', 'sha256',
    'x25519', 'x25519Async', 'x25519Base',
  ]);
});

test('the JSON comments declare library GatewayCrypto and nothing else', () => {
  const libs = decls.filter((d) => d.type === 'library');
  assert.is(libs.length, 1);
  assert.is(libs[0].class, 'GatewayCrypto');
  assert.equal([...new Set(decls.map((d) => d.type))].sort(), ['library', 'staticmethod']);
  for (const d of methods) assert.is(d.class, 'GatewayCrypto', d.name);
});

test('the static methods are exactly the Crypto methods, with their parameter counts', () => {
  const names = methods.map((d) => d.name!);
  assert.equal(names.slice().sort(), Object.keys(iface).sort());
  assert.is(new Set(names).size, names.length, 'no duplicates');
  for (const d of methods) {
    assert.is((d.params || []).length, iface[d.name!], `${d.name}: params vs types.ts`);
  }
});

test('and the same names and parameter counts as the Node addon', () => {
  const addon = nativeCrypto as unknown as Record<string, (...a: unknown[]) => unknown>;
  assert.equal(Object.keys(addon).sort(), methods.map((d) => d.name!).sort());
  for (const d of methods) assert.is(addon[d.name!].length, (d.params || []).length, `${d.name}: addon length vs params`);
});

test('every method takes and returns JsVar (types are checked in C, with TypeErrors)', () => {
  for (const d of methods) {
    for (const p of d.params || []) assert.is(p[1], 'JsVar', `${d.name}(${p[0]})`);
    assert.is(d.return?.[0], 'JsVar', `${d.name} returns`);
  }
});

test('each "generate" function is defined with that arity and declared in the header', () => {
  for (const d of methods) {
    const fn = d.generate!;
    assert.match(fn, /^jswrap_gateway_crypto_\w+$/);
    const def = wrapper.match(new RegExp(`^JsVar \\*${fn}\\(([^)]*)\\) \\{`, 'm'));
    assert.ok(def, `${fn} is defined`);
    const args = def![1].split(',').map((a) => a.trim());
    assert.is(args.length, (d.params || []).length, `${fn} arity`);
    for (const a of args) assert.match(a, /^JsVar \*\w+$/, `${fn}: ${a}`);
    assert.ok(header.includes(`JsVar *${fn}(${def![1]});`), `${fn} declared in jswrap_gateway_crypto.h`);
  }
});

test('randomBytes reads esp_random(), the hardware generator, not a PRNG', () => {
  assert.match(wrapper, /#include "esp_system.h"/);
  const body = wrapper.slice(wrapper.indexOf('JsVar *jswrap_gateway_crypto_randomBytes('));
  assert.match(body, /esp_random\(\)/);
  const code = wrapper.replace(/\/\*.*?\*\//gs, '');
  assert.not.match(code, /\bjshGetRandomNumber\s*\(|\brand\s*\(|hwRand/);
});

test('aeadOpen returns undefined (0) on a failed tag and frees the unused result', () => {
  const body = wrapper.slice(wrapper.indexOf('JsVar *jswrap_gateway_crypto_aeadOpen('));
  assert.match(body, /chacha20poly1305_open\([^;]*\) != 0\) \{\s*jsvUnLock\(res\);[^}]*res = 0;/);
});

const PRIMITIVE_SOURCES = readdirSync(root + 'native').filter((f) => f.endsWith('.c') && f !== 'addon.c' && !f.startsWith('jswrap_'));

function boardMakefile(file: string): string[] {
  const script = [
    'import sys, types, json',
    "sys.modules['pinutils'] = types.ModuleType('pinutils')",
    "sys.path.insert(0, sys.argv[2])",
    'import importlib.util as u',
    "s = u.spec_from_file_location('board', sys.argv[1]); m = u.module_from_spec(s); s.loader.exec_module(m)",
    "print(json.dumps(m.info['build']['makefile']))",
  ].join('\n');
  const r = spawnSync('python3', ['-c', script, root + file, root + 'board/host'], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout).map((l: string) => l.replace(/\s+/g, ' ').trim());
}

test('both custom board files (ESP32 and host) build every C file of native/ but the addon', () => {
  assert.ok(PRIMITIVE_SOURCES.includes('envelope.c') && PRIMITIVE_SOURCES.length >= 4, PRIMITIVE_SOURCES.join(' '));
  for (const file of ['board/ESP32_GATEWAY.py', 'board/host/HOST_ESP32_CUSTOM.py']) {
    const lines = boardMakefile(file);
    for (const f of PRIMITIVE_SOURCES) assert.ok(lines.includes(`SOURCES += libs/mqtt-gateway/native/${f}`), `${file}: SOURCES ${f}`);
  }
});

test('board/ESP32_GATEWAY.py builds the wrapper and the primitives, without TELNET', () => {
  const script = [
    'import sys, types, json',
    "sys.modules['pinutils'] = types.ModuleType('pinutils')",
    'import importlib.util as u',
    "s = u.spec_from_file_location('board', sys.argv[1]); m = u.module_from_spec(s); s.loader.exec_module(m)",
    "print(json.dumps({'info': m.info, 'chip': m.chip, 'get_pins': callable(m.get_pins)}))",
  ].join('\n');
  const r = spawnSync('python3', ['-c', script, root + 'board/ESP32_GATEWAY.py'], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const board = JSON.parse(r.stdout);
  const lines: string[] = board.info.build.makefile.map((l: string) => l.replace(/\s+/g, ' ').trim());
  const dir = 'libs/mqtt-gateway/native';
  assert.ok(lines.includes(`WRAPPERSOURCES += ${dir}/jswrap_gateway_crypto.c`), 'WRAPPERSOURCES');
  for (const f of PRIMITIVE_SOURCES) assert.ok(lines.includes(`SOURCES += ${dir}/${f}`), `SOURCES ${f}`);
  assert.ok(lines.includes(`INCLUDE += -I$(ROOT)/${dir}`), 'INCLUDE');
  assert.ok(lines.some((l) => /-DESP32=1/.test(l)), 'ESP32 defined, as the wrapper requires');
  const libs: string[] = board.info.build.libraries;
  assert.not.ok(libs.includes('TELNET'), 'TELNET left out');
  for (const lib of ['ESP32', 'NET', 'CRYPTO', 'TLS', 'FILESYSTEM', 'FLASHFS']) assert.ok(libs.includes(lib), lib);
  assert.is(board.chip.family, 'ESP32');
  assert.is(board.chip.part, 'ESP32');
  assert.is(board.chip.saved_code.page_size, 4096);
  assert.ok(board.get_pins);
});

test.run();
