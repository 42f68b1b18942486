// Rules 2–6 over the parsed image; 2, 3, 4 and 6 in one scope-aware walk:
//  2. free references to globals Espruino lacks (Map, Symbol, self, ...);
//  3. missing members of built-ins that exist (Array.from, Math.imul,
//     .finally(), ...), and methods read from a built-in prototype
//     (`Array.prototype.slice` is undefined there, `[].slice` is not);
//  4. regular expressions outside Espruino's matcher (see regexp.mjs);
//  5. names used before their `var` or function declaration has run
//     (Espruino hoists neither; see declaration-order.mjs);
//  6. what Espruino does not take: `with`, `debugger`, labels, `return`
//     followed by a line break, a `for(` initialiser that starts with
//     `function`, and assignment to `.length`.
//
// Feature probes are not flagged, because they cannot fail: `typeof X` on an
// undeclared name, and code only reached when a probe proved X present —
// `typeof X !== 'undefined' && X.y`, `typeof X === 'function' ? X : ...`,
// `if (typeof X ...) {...} else {...}`, likewise a bare `Array.from` tested
// for truth (`Array.from || fallback`, `if (!Object.freeze)`). An early
// `return` after a failed probe is not followed: write the positive form.
import * as walk from 'acorn-walk';
import { checkDeclarationOrder } from './declaration-order.mjs';
import {
  METHODLESS_PROTOTYPES,
  MISSING_GLOBALS,
  MISSING_METHODS,
  MISSING_STATICS,
  OBJECT_PROTOTYPE_MEMBERS,
  UMD_HOST_GLOBALS,
} from './espruino-gaps.mjs';
import { checkRegExp } from './regexp.mjs';
import { analyzeScopes } from './scopes.mjs';
import { at } from './syntax.mjs';

const NO_GUARDS = new Set();

/** An instance to take a built-in method from, for the message. */
const INSTANCE_OF = { Array: '[]', String: '""', Function: '(function(){})' };

/**
 * @param {import('acorn').Program} ast parsed with `locations: true`
 * @param {string} code the text it was parsed from
 * @param {{module?: boolean}} [options] module: the image is an Espruino module
 * @returns {Array<{line:number, column:number, message:string}>}
 */
export function checkTree(ast, code, options = {}) {
  // An Espruino module (evaluated by require/Modules.addCached) is given
  // `exports` and `module`; a boot image is not.
  const provided = options.module ? new Set(['exports', 'module']) : NO_GUARDS;
  const scopes = analyzeScopes(ast);
  const { scopeOf } = scopes;
  const problems = checkDeclarationOrder(ast, scopes, options);
  // Problems about a missing global or static are held with their key until
  // the end: an assignment anywhere in the image (a polyfill) cancels them.
  const missing = [];
  const polyfilled = new Set();
  const probes = new WeakSet(); // member expressions only tested for truth

  const report = (node, message, columnOffset = 0) => {
    const p = at(node.loc.start, message);
    p.column += columnOffset;
    problems.push(p);
  };
  const free = (name, st) => st.scope.owner(name) === null;

  // --- rule 2: identifiers in reference position
  function checkReference(node, st) {
    const name = node.name;
    if (!free(name, st) || !MISSING_GLOBALS.has(name) || st.guards.has(name) || provided.has(name)) return;
    if (st.inBundledUmdFallback && UMD_HOST_GLOBALS.has(name)) return;
    missing.push({ key: name, node, message: `\`${name}\` is not a global in Espruino` });
  }

  // --- rule 3: Array.from, Object.freeze, ... on the real built-in
  function checkStatic(node, st) {
    if (node.object.type !== 'Identifier') return;
    const owner = node.object.name;
    if (!Object.hasOwn(MISSING_STATICS, owner)) return;
    const prop = propertyName(node);
    if (prop === null || !MISSING_STATICS[owner].has(prop)) return;
    if (!free(owner, st)) return; // a local that happens to be called Array
    const key = `${owner}.${prop}`;
    if (probes.has(node) || st.guards.has(key)) return;
    missing.push({ key, node, message: `\`${key}\` is not available in Espruino` });
  }

  // --- rule 3: `Array.prototype.slice` and the like
  function checkPrototypeMember(node, st) {
    const proto = node.object;
    if (proto.type !== 'MemberExpression' || propertyName(proto) !== 'prototype') return;
    if (proto.object.type !== 'Identifier' || !METHODLESS_PROTOTYPES.has(proto.object.name)) return;
    const owner = proto.object.name;
    const prop = propertyName(node);
    if (prop === null || prop === 'prototype' || OBJECT_PROTOTYPE_MEMBERS.has(prop) || !free(owner, st)) return;
    const key = `${owner}.prototype.${prop}`;
    if (probes.has(node) || st.guards.has(key)) return;
    const instead = INSTANCE_OF[owner] ? `, take it from an instance: \`${INSTANCE_OF[owner]}.${prop}\`` : '';
    missing.push({
      key,
      node,
      message: `\`${key}\` is undefined in Espruino (built-in prototypes hold no methods there)${instead}`,
    });
  }

  // --- rule 3: prototype methods, by name (see MISSING_METHODS for when)
  function checkMethodCall(call) {
    const callee = call.callee;
    if (callee.type !== 'MemberExpression') return;
    const name = propertyName(callee);
    if (name === null || !Object.hasOwn(MISSING_METHODS, name)) return;
    const { what, applies } = MISSING_METHODS[name];
    if (applies(call.arguments)) report(callee.property, `\`.${name}()\` (${what}) is not available in Espruino`);
  }

  // --- rule 4
  function checkRegExpLiteral(node) {
    const { pattern, flags } = node.regex;
    for (const p of checkRegExp(pattern, flags)) {
      // The literal sits on one line: point at the character (or the flags).
      const offset = p.index < 0 ? pattern.length + 2 : p.index + 1;
      report(node, `RegExp /${pattern}/${flags}: ${p.message}`, offset);
    }
  }

  // `new RegExp("...", "...")` / `RegExp(...)` with literal arguments; a
  // pattern built at run time cannot be checked here.
  function checkRegExpConstructor(call, st) {
    const [source, flags] = call.arguments;
    if (call.callee.type !== 'Identifier' || call.callee.name !== 'RegExp' || !free('RegExp', st)) return;
    if (!isStringLiteral(source)) return;
    const flagText = isStringLiteral(flags) ? flags.value : '';
    for (const p of checkRegExp(source.value, flagText)) {
      report(source, `RegExp ${JSON.stringify(source.value)}: ${p.message}`);
    }
  }

  // Member expressions whose value is only tested for truth.
  function markProbes(expr) {
    if (expr.type === 'MemberExpression') probes.add(expr);
    else if (expr.type === 'UnaryExpression' && expr.operator === '!') markProbes(expr.argument);
    else if (expr.type === 'LogicalExpression') {
      markProbes(expr.left);
      markProbes(expr.right);
    }
  }

  // A polyfill: `Symbol = ...`, `Array.from = ...`, `Array.prototype.x = ...` on the real global.
  function notePolyfill(target, st) {
    const key = memberKey(target);
    if (key && free(key.split('.')[0], st)) polyfilled.add(key);
  }

  // --- rule 6: Espruino reads a statement starting with `function` as a
  // declaration, in a `for(` initialiser too (then fails: "expected ID").
  function checkForInit(init) {
    if (init && init.type !== 'VariableDeclaration' && /^function\b/.test(code.slice(init.start, init.start + 9))) {
      report(
        init,
        '`for(` initialiser starts with `function`: Espruino reads it as a function declaration (SyntaxError); ' +
          'put the call before the loop or in parentheses',
      );
    }
  }

  // --- rule 6: arrays and typed arrays throw on it, strings ignore it
  function checkLengthWrite(target) {
    if (target.type === 'MemberExpression' && propertyName(target) === 'length') {
      report(
        target.property,
        'assignment to `.length`: Espruino throws "Assignment to a constant" for an array (and refuses it on a typed ' +
          'array); use splice() to shorten, or a new array',
      );
    }
  }

  /** State for a branch taken only when `test` is truthy (`when`) or falsy. */
  function branch(st, test, when) {
    const proven = provenPresent(test, when);
    const inBundledUmdFallback = st.inBundledUmdFallback || (!when && isBundledExportsProbe(test, st));
    if (proven.length === 0 && inBundledUmdFallback === st.inBundledUmdFallback) return st;
    return { ...st, guards: new Set([...st.guards, ...proven]), inBundledUmdFallback };
  }

  // Rollup's commonjs plugin wraps a CommonJS module as
  // `(function (module) { ... })(moduleObject)`, where `moduleObject` is
  // `{exports: {}}`. A UMD footer then reads
  //   `module.exports ? module.exports : (self.nacl = self.nacl || {})`
  // (minified: `(r=o).exports?r.exports:self.nacl=...`). With `module` a
  // local, that test is always true and the browser branch never runs, so
  // the host globals it mentions are not reported. Raw UMD, which probes a
  // free `module`, gets no such pass.
  function isBundledExportsProbe(test, st) {
    if (test.type !== 'MemberExpression' || propertyName(test) !== 'exports') return false;
    let holder = test.object;
    if (holder.type === 'AssignmentExpression' && holder.operator === '=') holder = holder.left;
    return holder.type === 'Identifier' && !free(holder.name, st);
  }

  const visitTest = (node, st, c) => {
    if (!node.test) return;
    markProbes(node.test);
    c(node.test, st, 'Expression');
  };

  walk.recursive(
    ast,
    { scope: scopeOf(ast), guards: NO_GUARDS, inBundledUmdFallback: false },
    {
      Function(node, st, c) {
        const inner = { ...st, scope: scopeOf(node) };
        for (const p of node.params) c(p, inner, 'Pattern');
        c(node.body, inner, node.expression ? 'Expression' : 'Statement');
      },
      CatchClause(node, st, c) {
        c(node.body, { ...st, scope: scopeOf(node) }, 'Statement');
      },
      Identifier(node, st) {
        checkReference(node, st);
      },
      AssignmentExpression(node, st, c) {
        notePolyfill(node.left, st);
        checkLengthWrite(node.left);
        c(node.left, st, 'Pattern');
        c(node.right, st, 'Expression');
      },
      UpdateExpression(node, st, c) {
        checkLengthWrite(node.argument);
        c(node.argument, st, 'Expression');
      },
      MemberExpression(node, st, c) {
        checkStatic(node, st);
        checkPrototypeMember(node, st);
        c(node.object, st, 'Expression');
        if (node.computed) c(node.property, st, 'Expression');
      },
      CallExpression(node, st, c) {
        checkMethodCall(node);
        checkRegExpConstructor(node, st);
        walk.base.CallExpression(node, st, c);
      },
      NewExpression(node, st, c) {
        checkRegExpConstructor(node, st);
        walk.base.NewExpression(node, st, c);
      },
      Literal(node) {
        if (node.regex) checkRegExpLiteral(node);
      },
      UnaryExpression(node, st, c) {
        // `typeof x` never throws, whether or not x exists.
        if (node.operator === 'typeof' && node.argument.type === 'Identifier') return;
        if (node.operator === 'typeof' || node.operator === '!') markProbes(node.argument);
        c(node.argument, st, 'Expression');
      },
      LogicalExpression(node, st, c) {
        markProbes(node.left);
        c(node.left, st, 'Expression');
        const right =
          node.operator === '&&' ? branch(st, node.left, true) : node.operator === '||' ? branch(st, node.left, false) : st;
        c(node.right, right, 'Expression');
      },
      ConditionalExpression(node, st, c) {
        visitTest(node, st, c);
        c(node.consequent, branch(st, node.test, true), 'Expression');
        c(node.alternate, branch(st, node.test, false), 'Expression');
      },
      IfStatement(node, st, c) {
        visitTest(node, st, c);
        c(node.consequent, branch(st, node.test, true), 'Statement');
        if (node.alternate) c(node.alternate, branch(st, node.test, false), 'Statement');
      },
      WhileStatement(node, st, c) {
        visitTest(node, st, c);
        c(node.body, branch(st, node.test, true), 'Statement');
      },
      DoWhileStatement(node, st, c) {
        markProbes(node.test);
        walk.base.DoWhileStatement(node, st, c);
      },
      ForStatement(node, st, c) {
        checkForInit(node.init);
        if (node.test) markProbes(node.test);
        walk.base.ForStatement(node, st, c);
      },
      // --- rule 6
      WithStatement(node, st, c) {
        report(node, '`with` statement is not supported by Espruino');
        walk.base.WithStatement(node, st, c);
      },
      DebuggerStatement(node) {
        report(node, '`debugger` statement left in the image');
      },
      LabeledStatement(node, st, c) {
        report(node, `label \`${node.label.name}:\` is not supported by Espruino`);
        c(node.body, st, 'Statement');
      },
      ReturnStatement(node, st, c) {
        if (node.argument) c(node.argument, st, 'Expression');
        else if (lineBreakEndsReturn(code, node)) {
          report(
            node,
            '`return` followed by a line break: Espruino inserts no semicolon there and would return the next line',
          );
        }
      },
    },
  );

  for (const m of missing) if (!polyfilled.has(m.key)) report(m.node, m.message);
  return problems;
}

/**
 * Keys (`name` or `Object.member`) a test proves present when it evaluates
 * truthy (`when` true) or falsy: typeof comparisons against a string, bare
 * member tests, combined through `!`, `&&` and `||`.
 */
function provenPresent(test, when) {
  switch (test.type) {
    case 'UnaryExpression':
      return test.operator === '!' ? provenPresent(test.argument, !when) : [];
    case 'LogicalExpression':
      if (test.operator === '&&' && when) return [...provenPresent(test.left, true), ...provenPresent(test.right, true)];
      if (test.operator === '||' && !when) return [...provenPresent(test.left, false), ...provenPresent(test.right, false)];
      return [];
    case 'MemberExpression': {
      const key = memberKey(test);
      return when && key ? [key] : [];
    }
    case 'BinaryExpression':
      return provenByTypeof(test, when);
    default:
      return [];
  }
}

/** `typeof X op "string"` in either order, including terser's `typeof X < "u"`. */
function provenByTypeof(test, when) {
  let probe = test.left;
  let text = test.right;
  let op = test.operator;
  if (!isTypeof(probe)) {
    [probe, text] = [text, probe];
    op = { '<': '>', '>': '<' }[op] || op;
  }
  if (!isTypeof(probe) || !isStringLiteral(text)) return [];
  const key = probe.argument.type === 'Identifier' ? probe.argument.name : memberKey(probe.argument);
  if (!key) return [];
  let presentWhenTrue;
  if (op === '===' || op === '==') presentWhenTrue = text.value !== 'undefined';
  else if (op === '!==' || op === '!=') presentWhenTrue = text.value === 'undefined';
  else if (op === '<' && text.value === 'u') presentWhenTrue = true; // typeof X < "u": not "undefined"
  else if (op === '>' && text.value === 'u') presentWhenTrue = false; // typeof X > "u": "undefined"
  else return [];
  return presentWhenTrue === when ? [key] : [];
}

function isTypeof(node) {
  return node.type === 'UnaryExpression' && node.operator === 'typeof';
}

function isStringLiteral(node) {
  return node !== undefined && node.type === 'Literal' && typeof node.value === 'string';
}

/** `a.b.c` for a chain of plain names, else null. */
function memberKey(node) {
  if (node.type === 'Identifier') return node.name;
  if (node.type !== 'MemberExpression') return null;
  const object = memberKey(node.object);
  const prop = propertyName(node);
  return object && prop !== null ? `${object}.${prop}` : null;
}

/** `x.name` or `x["name"]` → "name"; anything computed otherwise → null. */
function propertyName(member) {
  if (!member.computed) return member.property.name;
  return isStringLiteral(member.property) ? member.property.value : null;
}

/** For a `return` without a value: did a line break (not `;` or `}`) end it? */
function lineBreakEndsReturn(code, node) {
  let i = node.start + 'return'.length;
  let sawLineBreak = false;
  while (i < code.length) {
    const ch = code[i];
    if (/[\n\r\u2028\u2029]/.test(ch)) {
      sawLineBreak = true;
      i++;
    } else if (/\s/.test(ch)) i++;
    else if (code.startsWith('//', i)) {
      const end = code.indexOf('\n', i);
      i = end < 0 ? code.length : end;
    } else if (code.startsWith('/*', i)) {
      const end = code.indexOf('*/', i + 2);
      const stop = end < 0 ? code.length : end + 2;
      if (/[\n\r\u2028\u2029]/.test(code.slice(i, stop))) sawLineBreak = true;
      i = stop;
    } else break;
  }
  return sawLineBreak && i < code.length && code[i] !== ';' && code[i] !== '}';
}
