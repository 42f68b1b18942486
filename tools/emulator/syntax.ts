// What Espruino 2v29's parser accepts, and the small source rewrites that
// make V8 run a script the way the board would.
//
// Choice: scripts are parsed with acorn's newest grammar and then every
// construct Espruino lacks (ESPRUINO.md "Not supported") is rejected before
// anything runs. The board parses lazily, so it would run the statements
// before the bad one and fail when it reaches it; here the whole script is
// refused up front. Both fail; the build's image check (tools/image-check)
// is the stricter gate (ES5 only) for the bundles themselves.
//
// Rewrites (positions kept so line numbers stay right):
//  - `$__t();` at the top of every loop body and catch block: the emulator's
//    watchdog and memory check (a runaway loop is interrupted instead of
//    hanging the host, and the interruption cannot be caught);
//  - top-level `function f(){}` / `class C{}` become `var f = function f(){};`:
//    the board runs the top level statement by statement, so a function is
//    not callable before its declaration has run (ESPRUINO.md, inferred);
//  - top-level `let`/`const` become `var` (the board keeps them as ordinary
//    globals; V8 would refuse to declare them twice across REPL lines);
//  - "use strict" is neutralised (the board has no strict mode);
//  - `return` followed by a newline and an expression returns that
//    expression (the board does not insert a semicolon there).
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';
import { checkRegExp } from '../image-check/regexp.mjs';

export const TICK = '$__t';

export class EspruinoSyntaxError extends Error {
  constructor(message: string, readonly line: number, readonly column: number) {
    super(`${message} (line ${line} col ${column})`);
    this.name = 'SyntaxError';
  }
}

type Node = acorn.Node & Record<string, any>;
interface Edit { at: number; end: number; text: string }

function unsupported(node: Node, parent: Node | undefined): string | null {
  switch (node.type) {
    case 'SpreadElement':
      return 'spread `...`';
    case 'RestElement':
      return 'rest parameter `...`';
    case 'ObjectPattern':
    case 'ArrayPattern':
      return 'destructuring';
    case 'AssignmentPattern':
      return 'default parameter value';
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
      if (node.async) return 'async function';
      if (node.generator) return 'generator function';
      return null;
    case 'AwaitExpression':
      return '`await`';
    case 'YieldExpression':
      return '`yield`';
    case 'BinaryExpression':
      return node.operator === '**' ? 'exponent operator `**`' : null;
    case 'AssignmentExpression':
      if (node.operator === '**=') return 'exponent operator `**=`';
      if (node.operator === '&&=' || node.operator === '||=' || node.operator === '??=') {
        return `logical assignment \`${node.operator}\``;
      }
      return null;
    case 'ChainExpression':
      return 'optional chaining `?.`';
    case 'LabeledStatement':
      return 'label';
    case 'TaggedTemplateExpression':
      return 'tagged template';
    case 'Property':
      return node.computed && parent?.type === 'ObjectExpression' ? 'computed property key' : null;
    case 'MethodDefinition':
      return node.computed ? 'computed method name' : null;
    case 'PropertyDefinition':
      return 'class field';
    case 'StaticBlock':
      return 'static block';
    case 'PrivateIdentifier':
      return 'private name `#`';
    case 'MetaProperty':
      return `\`${node.meta.name}.${node.property.name}\``;
    case 'ImportExpression':
    case 'ImportDeclaration':
    case 'ExportNamedDeclaration':
    case 'ExportDefaultDeclaration':
    case 'ExportAllDeclaration':
      return 'ES modules (import/export)';
    case 'ForOfStatement':
      return node.await ? '`for await`' : null;
    case 'Literal':
      if (node.bigint !== undefined) return 'BigInt literal';
      if (typeof node.value === 'number' && String(node.raw).includes('_')) return 'numeric separator `_`';
      if (node.regex) {
        const problems = checkRegExp(node.regex.pattern, node.regex.flags);
        if (problems.length) return `RegExp /${node.regex.pattern}/${node.regex.flags} (${problems[0].message})`;
      }
      return null;
    default:
      return null;
  }
}

function loopBodyEdits(body: Node, edits: Edit[]): void {
  if (body.type === 'BlockStatement') {
    edits.push({ at: body.start + 1, end: body.start + 1, text: `${TICK}();` });
  } else {
    edits.push({ at: body.start, end: body.start, text: `{${TICK}();` });
    edits.push({ at: body.end, end: body.end, text: '}' });
  }
}

function topLevelEdits(program: Node, code: string, edits: Edit[]): void {
  for (const stmt of program.body as Node[]) {
    if ((stmt.type === 'FunctionDeclaration' || stmt.type === 'ClassDeclaration') && stmt.id) {
      edits.push({ at: stmt.start, end: stmt.start, text: `var ${stmt.id.name} = ` });
      edits.push({ at: stmt.end, end: stmt.end, text: ';' });
    } else if (stmt.type === 'VariableDeclaration' && stmt.kind !== 'var') {
      const kw = stmt.kind as string;
      edits.push({ at: stmt.start, end: stmt.start + kw.length, text: 'var'.padEnd(kw.length, ' ') });
    } else if (stmt.type === 'ExpressionStatement' && stmt.directive === 'use strict') {
      const lit = stmt.expression as Node;
      edits.push({ at: lit.start + 1, end: lit.end - 1, text: code.slice(lit.start + 1, lit.end - 1).replace(' ', '_') });
    }
  }
}

/** `return` + newline + expression: the board returns the expression. */
function returnEdits(block: Node[], code: string, edits: Edit[]): void {
  for (let i = 0; i + 1 < block.length; i++) {
    const ret = block[i];
    const next = block[i + 1];
    if (ret.type !== 'ReturnStatement' || ret.argument || next.type !== 'ExpressionStatement') continue;
    const gap = code.slice(ret.end, next.start);
    if (/^\s+$/.test(gap) && gap.includes('\n')) {
      edits.push({ at: ret.end, end: next.start, text: gap.replace(/[\r\n]/g, ' ') });
    }
  }
}

/**
 * Check a script against Espruino's grammar and return the code V8 should run.
 * Throws EspruinoSyntaxError.
 */
export function prepareScript(code: string): string {
  let program: Node;
  try {
    program = acorn.parse(code, { ecmaVersion: 'latest', sourceType: 'script', locations: true }) as Node;
  } catch (e) {
    const err = e as SyntaxError & { loc?: { line: number; column: number } };
    const loc = err.loc ?? { line: 1, column: 0 };
    throw new EspruinoSyntaxError(err.message.replace(/ \(\d+:\d+\)$/, ''), loc.line, loc.column + 1);
  }
  const edits: Edit[] = [];
  walk.fullAncestor(program, (n, _state, ancestors) => {
    const node = n as Node;
    const parent = ancestors[ancestors.length - 2] as Node | undefined;
    const what = unsupported(node, parent);
    if (what) {
      const loc = node.loc!.start;
      const message = what.startsWith('RegExp') ? `${what}` : `${what} is not supported by Espruino 2v29`;
      throw new EspruinoSyntaxError(message, loc.line, loc.column + 1);
    }
    switch (node.type) {
      case 'WhileStatement':
      case 'DoWhileStatement':
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement':
        loopBodyEdits(node.body, edits);
        break;
      case 'BlockStatement':
        returnEdits(node.body, code, edits);
        break;
      case 'CatchClause':
        // an interruption (watchdog, out of memory) is not catchable on the board
        edits.push({ at: node.body.start + 1, end: node.body.start + 1, text: `${TICK}();` });
        break;
      case 'ExpressionStatement':
        if (node.directive === 'use strict' && parent && parent.type === 'BlockStatement') {
          const lit = node.expression as Node;
          edits.push({ at: lit.start + 1, end: lit.end - 1, text: 'use_strict' });
        }
        break;
    }
  });
  returnEdits(program.body, code, edits);
  topLevelEdits(program, code, edits);
  return applyEdits(code, edits);
}

function applyEdits(code: string, edits: Edit[]): string {
  // From the end backwards so earlier positions stay valid; equal positions keep their order.
  const ordered = edits.map((e, i) => ({ e, i })).sort((a, b) => b.e.at - a.e.at || b.i - a.i);
  let out = code;
  for (const { e } of ordered) out = out.slice(0, e.at) + e.text + out.slice(e.end);
  return out;
}

/**
 * Open minus closed brackets in REPL input, ignoring strings, templates,
 * comments and regular expressions (what the board's line editor counts to
 * decide whether Enter executes).
 */
export function countBrackets(text: string): number {
  let depth = 0;
  const templateDepths: number[] = []; // bracket depth at which each open `${` started
  let prevSignificant = '';
  let i = 0;
  const n = text.length;
  const skipString = (q: string): void => {
    i++;
    while (i < n && text[i] !== q) {
      if (text[i] === '\\') i++;
      else if (text[i] === '\n') return;
      i++;
    }
    i++;
  };
  const skipTemplate = (): void => {
    // positioned after ` or after the } closing a ${...}
    while (i < n) {
      if (text[i] === '\\') { i += 2; continue; }
      if (text[i] === '`') { i++; return; }
      if (text[i] === '$' && text[i + 1] === '{') {
        i += 2;
        templateDepths.push(depth);
        depth++;
        return;
      }
      i++;
    }
  };
  while (i < n) {
    const ch = text[i];
    if (ch === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (ch === '"' || ch === "'") { skipString(ch); prevSignificant = 'v'; continue; }
    if (ch === '`') { i++; skipTemplate(); prevSignificant = 'v'; continue; }
    if (ch === '/' && (prevSignificant === '' || /[(,=:[!&|?{};+\-*%<>~^]/.test(prevSignificant))) {
      i++;
      let inClass = false;
      while (i < n && text[i] !== '\n' && (inClass || text[i] !== '/')) {
        if (text[i] === '\\') i++;
        else if (text[i] === '[') inClass = true;
        else if (text[i] === ']') inClass = false;
        i++;
      }
      i++;
      prevSignificant = 'v';
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (ch === '}') {
      depth--;
      if (templateDepths.length && templateDepths[templateDepths.length - 1] === depth) {
        templateDepths.pop();
        i++;
        skipTemplate();
        prevSignificant = 'v';
        continue;
      }
    }
    if (!/\s/.test(ch)) prevSignificant = /[\w$]/.test(ch) ? 'v' : ch;
    i++;
  }
  return depth;
}
