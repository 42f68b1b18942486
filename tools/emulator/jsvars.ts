// An estimate of how many of Espruino's 14-byte JsVars the emulated program
// would hold, from a walk of everything it can reach. The model (see README):
//
//   object, array, scope, timer ........ 1 var, plus 1 per property name
//                                        (names over 4 chars: +1 per 12 more)
//   property value int/bool/null ........ stored in the name var (0 extra)
//   property value float ................ 1 var
//   string .............................. 1 var for the first 9 chars, +1 per 12 more
//   function ............................ 3 vars (function, code ref, scope link)
//                                        + 1 per parameter; its code stays in flash
//   closure scope ....................... counted once per scope: 1 + its variables
//   typed array ......................... 1 (view) + 1 (ArrayBuffer) + the bytes as a string
//
// Built-ins present at boot are free (they live in firmware); only what the
// program adds to them (new globals, methods on prototypes) counts. Closure
// variables are read through the V8 inspector (a function's [[Scopes]]),
// since plain JS cannot see them; V8 only keeps variables an inner function
// uses, so the count is a floor for what Espruino (which keeps whole scopes)
// would use.
import inspector from 'node:inspector';
import { isArrayBuffer } from './bytes.ts';

export const BLOCK_SIZE = 14;
const STRING_FIRST = 9;
const STRING_EXT = 12;
const NAME_INLINE = 4;
const FUNCTION_VARS = 3;

export function stringVars(len: number): number {
  return len <= STRING_FIRST ? 1 : 1 + Math.ceil((len - STRING_FIRST) / STRING_EXT);
}

function nameVars(key: string): number {
  if (/^(0|[1-9]\d*)$/.test(key)) return 1;
  return key.length <= NAME_INLINE ? 1 : 1 + Math.ceil((key.length - NAME_INLINE) / STRING_EXT);
}

/** Vars a value adds besides the name that holds it (objects are counted where visited). */
function valueVars(v: unknown): number {
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? 0 : 1;
    case 'string':
      return stringVars(v.length);
    case 'bigint':
      return 1;
    default:
      return 0;
  }
}

const isObj = (v: unknown): v is object => v !== null && (typeof v === 'object' || typeof v === 'function');

/** Objects of the emulator itself (host realm) that device code was handed: not device memory. */
function isHostObject(o: object): boolean {
  let p = Object.getPrototypeOf(o);
  for (let i = 0; p && i < 16; i++) {
    if (p === Object.prototype || p === Function.prototype) return true;
    p = Object.getPrototypeOf(p);
  }
  return false;
}
const SKIP_FN_KEYS = new Set(['length', 'name', 'prototype', 'arguments', 'caller']);

interface Scope {
  kind: string;
  vars: Record<string, unknown>;
}

/** Reads the closure scopes of functions through an in-process inspector session. */
class ScopeReader {
  private readonly session = new inspector.Session();
  private static readonly GROUP = 'espruino-emulator';
  private static readonly STASH = '__espruinoEmulatorScopes';

  constructor() {
    this.session.connect();
  }

  private post<T = any>(method: string, params: object): T {
    let result: T | undefined;
    let error: Error | null = null;
    // In-process sessions answer synchronously.
    this.session.post(method, params, (err, res) => {
      error = err;
      result = res as T;
    });
    if (error) throw error;
    if (result === undefined) throw new Error(`inspector did not answer ${method} synchronously`);
    return result;
  }

  read(fns: Function[]): Scope[][] {
    const group = ScopeReader.GROUP;
    const sink: object[] = [];
    (globalThis as any)[ScopeReader.STASH] = { fns, sink };
    try {
      const holder = this.post('Runtime.evaluate', { expression: `globalThis.${ScopeReader.STASH}`, objectGroup: group });
      const fields = this.post('Runtime.getProperties', { objectId: holder.result.objectId, ownProperties: true, objectGroup: group });
      const idOf = (name: string): string => fields.result.find((p: any) => p.name === name).value.objectId;
      const sinkId = idOf('sink');
      const list = this.post('Runtime.getProperties', { objectId: idOf('fns'), ownProperties: true, objectGroup: group });
      const out: Scope[][] = fns.map(() => []);
      for (const entry of list.result) {
        const index = Number(entry.name);
        if (!Number.isInteger(index) || !entry.value?.objectId) continue;
        const props = this.post('Runtime.getProperties', { objectId: entry.value.objectId, ownProperties: true, objectGroup: group });
        const scopesProp = (props.internalProperties ?? []).find((p: any) => p.name === '[[Scopes]]');
        if (!scopesProp?.value?.objectId) continue;
        const scopes = this.post('Runtime.getProperties', { objectId: scopesProp.value.objectId, ownProperties: true, objectGroup: group });
        for (const s of scopes.result) {
          const kind: string = s.value?.description ?? '';
          if (!s.value?.objectId || kind.startsWith('Global')) continue;
          const before = sink.length;
          this.post('Runtime.callFunctionOn', {
            objectId: s.value.objectId,
            functionDeclaration: 'function (sink) { sink.push(this.object); }', // an internal#scope is {description, object}
            arguments: [{ objectId: sinkId }],
            objectGroup: group,
          });
          if (sink.length > before) out[index].push({ kind, vars: sink[before] as Record<string, unknown> });
        }
      }
      return out;
    } finally {
      delete (globalThis as any)[ScopeReader.STASH];
      try {
        this.post('Runtime.releaseObjectGroup', { objectGroup: group });
      } catch {
        // nothing held
      }
    }
  }

  close(): void {
    this.session.disconnect();
  }
}

export class JsVarModel {
  private readonly baseline = new WeakSet<object>();
  private readonly watched = new Map<object, Set<string>>();
  private scopes: ScopeReader | null;
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;

  constructor() {
    try {
      this.scopes = new ScopeReader();
    } catch {
      this.scopes = null; // no inspector: closures go uncounted
    }
  }

  /** Everything reachable now is firmware; `watched` objects still count properties added later. */
  markBaseline(roots: object[], watched: object[]): void {
    const stack = [...roots];
    while (stack.length) {
      const o = stack.pop()!;
      if (this.baseline.has(o)) continue;
      this.baseline.add(o);
      for (const key of Reflect.ownKeys(o)) {
        const d = Object.getOwnPropertyDescriptor(o, key);
        if (!d) continue;
        for (const v of [d.value, d.get, d.set]) if (isObj(v) && !this.baseline.has(v)) stack.push(v);
      }
      const proto = Object.getPrototypeOf(o);
      if (proto && !this.baseline.has(proto)) stack.push(proto);
    }
    for (const o of watched) this.watched.set(o, new Set(Object.getOwnPropertyNames(o)));
  }

  /** Vars held by everything reachable from `roots`. */
  count(roots: unknown[]): number {
    const seen = new Set<object>();
    const seenScopes = new Set<string>();
    const stack: object[] = [];
    let fns: Function[] = [];
    const visit = (v: unknown): number => {
      if (isObj(v)) {
        if (!seen.has(v)) {
          seen.add(v);
          stack.push(v);
        }
        return 0;
      }
      return valueVars(v);
    };
    let total = 0;
    for (const r of roots) total += visit(r);
    for (;;) {
      while (stack.length) total += this.objectVars(stack.pop()!, visit, fns);
      if (!fns.length || !this.scopes) break;
      const batch = fns;
      fns = [];
      let scopeLists: Scope[][];
      try {
        scopeLists = this.scopes.read(batch);
      } catch {
        this.scopes.close();
        this.scopes = null;
        break;
      }
      for (const list of scopeLists) {
        for (const scope of list) {
          const sig = this.signature(scope);
          if (seenScopes.has(sig)) continue;
          seenScopes.add(sig);
          total += 1;
          for (const key of Object.keys(scope.vars)) total += nameVars(key) + visit(scope.vars[key]);
        }
      }
    }
    return total;
  }

  private signature(scope: Scope): string {
    const parts = [scope.kind];
    for (const key of Object.keys(scope.vars)) {
      const v = scope.vars[key];
      let id: string;
      if (isObj(v)) {
        let n = this.ids.get(v);
        if (n === undefined) this.ids.set(v, (n = this.nextId++));
        id = `#${n}`;
      } else if (typeof v === 'string') id = `s${v.length}:${v.slice(0, 64)}`;
      else id = `${typeof v}:${String(v)}`;
      parts.push(`${key}=${id}`);
    }
    return parts.join('|');
  }

  private objectVars(o: object, visit: (v: unknown) => number, fns: Function[]): number {
    if (isHostObject(o)) return 0;
    if (this.baseline.has(o)) {
      const known = this.watched.get(o);
      if (!known) return 0;
      let t = 0;
      for (const key of Object.getOwnPropertyNames(o)) if (!known.has(key)) t += this.propertyVars(o, key, visit);
      return t;
    }
    if (ArrayBuffer.isView(o)) {
      visit(o.buffer);
      return 1;
    }
    if (isArrayBuffer(o)) return 1 + stringVars(o.byteLength);
    let t = 1;
    const isFn = typeof o === 'function';
    if (isFn) {
      t += FUNCTION_VARS - 1 + ((o as Function).length | 0);
      fns.push(o as Function);
      const proto = Object.getOwnPropertyDescriptor(o, 'prototype')?.value;
      if (isObj(proto) && Object.getOwnPropertyNames(proto).some((k) => k !== 'constructor')) {
        t += nameVars('prototype') + visit(proto);
      }
    }
    const isArr = Array.isArray(o);
    for (const key of Object.getOwnPropertyNames(o)) {
      if ((isArr && key === 'length') || (isFn && SKIP_FN_KEYS.has(key)) || key === 'stack') continue;
      t += this.propertyVars(o, key, visit);
    }
    const proto = Object.getPrototypeOf(o);
    if (proto) visit(proto);
    return t;
  }

  private propertyVars(o: object, key: string, visit: (v: unknown) => number): number {
    const d = Object.getOwnPropertyDescriptor(o, key);
    if (!d) return 0;
    let t = nameVars(key);
    if ('value' in d) t += visit(d.value);
    else {
      visit(d.get);
      visit(d.set);
    }
    return t;
  }

  close(): void {
    this.scopes?.close();
    this.scopes = null;
  }
}
