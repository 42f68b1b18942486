// Rule 5: names used before their declaration has run. Espruino hoists
// nothing: `var x` makes x local only when the statement runs, and
// `function f(){}` defines f only when the interpreter reaches it — at top
// level and inside functions alike (espruino/Espruino#274). Before that, a
// read of the name throws ReferenceError or reads a global of that name, and
// a write creates or overwrites a global; the later `var` then makes a fresh
// local (undefined).
//
// Each function body (and the program) is followed in the order it runs,
// keeping the set of its own names whose declaration has certainly run:
//  - a statement declares for what follows it; a branch (`if`, a loop body,
//    `switch` case, `try`/`catch`) declares only inside itself, unless every
//    way out of the statement declares (both arms of an `if`, `try` and
//    `catch`, a do-while body left without `break`); nothing after
//    `return`/`throw`/`break`/`continue` runs;
//  - expressions declare nothing, so every name in one is checked against
//    the set at its statement;
//  - a nested function's body counts where it runs: in place for
//    `(function(){})()`, `.call`/`.apply`, `new function(){}` and callbacks
//    of forEach/map/filter/some/every/reduce/reduceRight/find/findIndex/
//    sort/replace; at each `g()` / `new g()` / `g.call()` of a local function
//    (declared as `function g` or `var g = function`), with what g calls in
//    turn; anywhere else it runs later and is not checked against this body.
// At top level a boot image's `var` is a global anyway: there a write before
// the `var` is fine (it is the same variable) and only reads count. Espruino
// modules run their top level as a function, so it is checked like one.
// `typeof x` before `var x` is not reported (undefined either way, unless a
// global x exists); `typeof f` before `function f` is ("undefined" instead
// of "function").
//
// Not detected: calls through anything but the function's own name (a
// property, an alias, an argument, a callback other than those above), so
// a function passed to something that calls it at once can still use a name
// too early. Reported though fine: a use that only runs on a later loop
// iteration than the declaration, or in a `switch` case reached by falling
// through from the case that declares.
import * as walk from 'acorn-walk';
import { at } from './syntax.mjs';

/**
 * @param {import('acorn').Program} ast
 * @param {{scopeOf: Function, runsAtOnce: WeakSet<object>}} scopes from analyzeScopes
 * @param {{module?: boolean}} options
 * @returns {Array<{line:number, column:number, message:string}>}
 */
export function checkDeclarationOrder(ast, scopes, options = {}) {
  const { scopeOf } = scopes;
  const problems = [];
  const reported = new Set();
  const report = (node, key, message) => {
    const id = `${node.start}:${key}`;
    if (reported.has(id)) return;
    reported.add(id);
    problems.push(at(node.loc.start, message));
  };

  const ownUses = new Map();
  const bodyUses = (fn) => {
    if (!ownUses.has(fn)) ownUses.set(fn, usesIn(fn.body, scopeOf(fn), scopes, fn.expression ? 'Expression' : 'Statement'));
    return ownUses.get(fn);
  };
  const whenCalled = new Map();
  /** The uses a call of `fn` makes: its body's, and those of the local functions it calls by name, transitively. */
  function usesWhenCalled(fn) {
    if (whenCalled.has(fn)) return whenCalled.get(fn);
    const uses = [];
    const seen = new Set([fn]);
    for (const f of seen) {
      for (const u of bodyUses(f)) {
        uses.push(u);
        const callee = calledFunction(u);
        if (callee) seen.add(callee); // a Set iterates what is added while iterating
      }
    }
    whenCalled.set(fn, uses);
    return uses;
  }

  function checkBody(owner, statements) {
    const S = scopeOf(owner);
    // A boot image's top level: `var` names are globals, so only reading one
    // before its `var` goes wrong, and a write makes it exist.
    const globalLevel = owner.type === 'Program' && !options.module;

    /** The declaration in S a use refers to (null: another scope's, a global, or a parameter). */
    const ownBinding = (u) => (u.scope.owner(u.id.name) === S ? S.resolve(u.id.name) : null);

    function tooEarly(b, u, declared) {
      if (declared.has(u.id.name) || u.mode === 'runs') return false;
      if (u.mode === 'typeof') return b.kind === 'function';
      if (u.mode === 'write' && globalLevel && b.kind === 'var') return false;
      return true;
    }

    function checkUses(uses, declared) {
      if (declared === null) return;
      for (const u of uses) {
        const b = ownBinding(u);
        if (b && tooEarly(b, u, declared)) {
          report(u.id, u.id.name, useMessage(b, u));
          continue; // the call fails there already
        }
        const callee = calledFunction(u);
        if (!callee) continue;
        for (const inner of usesWhenCalled(callee)) {
          const ib = ownBinding(inner);
          if (ib && tooEarly(ib, inner, declared)) {
            report(u.id, `${inner.id.name}@${inner.id.start}`, callMessage(u.id.name, ib, inner));
          }
        }
      }
      if (globalLevel) for (const u of uses) if (u.mode === 'write' && ownBinding(u)) declared.add(u.id.name);
    }

    let here = S; // S, or a catch clause in it
    const checkExpression = (node, declared) => {
      if (node && declared !== null) checkUses(usesIn(node, here, scopes), declared);
    };
    const runCatch = (handler, declared) => {
      const outer = here;
      here = scopeOf(handler);
      try {
        return run(handler.body, declared);
      } finally {
        here = outer;
      }
    };

    const declare = (declared, name) => {
      if (declared !== null) declared.add(name);
    };

    function run(node, declared) {
      if (declared === null || !node) return declared;
      switch (node.type) {
        case 'BlockStatement':
          for (const s of node.body) declared = run(s, declared);
          return declared;
        case 'ExpressionStatement':
          checkExpression(node.expression, declared);
          return declared;
        case 'VariableDeclaration':
          // Espruino makes the name local before it evaluates the initialiser.
          for (const d of node.declarations) {
            if (d.id.type === 'Identifier') declare(declared, d.id.name);
            checkExpression(d.init, declared);
          }
          return declared;
        case 'FunctionDeclaration':
          declare(declared, node.id.name);
          return declared;
        case 'ClassDeclaration':
          checkExpression(node.superClass, declared);
          declare(declared, node.id.name);
          return declared;
        case 'ReturnStatement':
        case 'ThrowStatement':
          checkExpression(node.argument, declared);
          return null;
        case 'BreakStatement':
        case 'ContinueStatement':
          return null;
        case 'IfStatement': {
          checkExpression(node.test, declared);
          const yes = run(node.consequent, new Set(declared));
          const no = node.alternate ? run(node.alternate, new Set(declared)) : declared;
          return meet(yes, no);
        }
        case 'LabeledStatement':
          run(node.body, new Set(declared));
          return declared;
        case 'WithStatement':
          checkExpression(node.object, declared);
          run(node.body, new Set(declared));
          return declared;
        case 'WhileStatement':
          checkExpression(node.test, declared);
          run(node.body, new Set(declared));
          return declared;
        case 'DoWhileStatement': {
          const end = run(node.body, new Set(declared));
          const after = end !== null && !breaksOut(node.body) ? end : declared;
          checkExpression(node.test, after);
          return after;
        }
        case 'ForStatement': {
          if (node.init && node.init.type === 'VariableDeclaration') declared = run(node.init, declared);
          else checkExpression(node.init, declared);
          checkExpression(node.test, declared);
          const end = run(node.body, new Set(declared));
          checkExpression(node.update, end || new Set(declared));
          return declared;
        }
        case 'ForInStatement':
        case 'ForOfStatement':
          checkExpression(node.right, declared);
          if (node.left.type === 'VariableDeclaration') declared = run(node.left, declared);
          else if (declared !== null) checkUses(usesIn(node.left, here, scopes, 'Pattern'), declared);
          run(node.body, new Set(declared));
          return declared;
        case 'SwitchStatement':
          checkExpression(node.discriminant, declared);
          for (const cs of node.cases) {
            checkExpression(cs.test, declared);
            let inCase = new Set(declared);
            for (const s of cs.consequent) inCase = run(s, inCase);
          }
          return declared;
        case 'TryStatement': {
          const tried = run(node.block, new Set(declared));
          let after = node.handler ? meet(tried, runCatch(node.handler, new Set(declared))) : tried;
          if (node.finalizer) {
            const fin = run(node.finalizer, new Set(declared));
            after = after === null || fin === null ? null : new Set([...after, ...fin]);
          }
          return after;
        }
        default:
          // EmptyStatement, DebuggerStatement, and anything newer than ES5
          // that the syntax rule reports anyway
          return declared;
      }
    }

    let declared = new Set();
    for (const s of statements) declared = run(s, declared);
  }

  walk.full(ast, (node) => {
    if (node.type === 'Program') checkBody(node, node.body);
    else if ((node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression') && node.body.type === 'BlockStatement') {
      checkBody(node, node.body.body);
    }
  });
  return problems;
}

/**
 * The identifier uses an expression (or, with `as` 'Pattern', an assignment
 * target) makes when it is evaluated, each with the scope it sits in,
 * including the bodies of functions the expression runs in place.
 * mode: 'read', 'write', 'typeof'; 'call' for a callee named directly
 * (`g()`, `new g()`: a read, then g runs); 'runs' for `g.call()` /
 * `g.apply()` (g runs; the read of g is listed on its own).
 * @returns {Array<{id: object, scope: object, mode: string}>}
 */
function usesIn(node, scope, { scopeOf, runsAtOnce }, as = 'Expression') {
  const uses = [];
  const use = (id, s, mode) => uses.push({ id, scope: s, mode });
  const calls = (call, s, c) => {
    const callee = call.callee;
    if (callee.type === 'Identifier') use(callee, s, 'call');
    else c(callee, s, 'Expression');
    for (const a of call.arguments) c(a, s, 'Expression');
    if (isCallOrApply(callee)) use(callee.object, s, 'runs');
  };
  walk.recursive(
    node,
    scope,
    {
      Function(fn, _s, c) {
        if (runsAtOnce.has(fn)) c(fn.body, scopeOf(fn), fn.expression ? 'Expression' : 'Statement');
      },
      CatchClause(cc, _s, c) {
        c(cc.body, scopeOf(cc), 'Statement');
      },
      Identifier(id, s) {
        use(id, s, 'read');
      },
      VariablePattern(id, s) {
        use(id, s, 'write');
      },
      VariableDeclarator(d, s, c) {
        // in a function run in place: the name is that function's own
        if (d.init) c(d.init, s, 'Expression');
      },
      AssignmentExpression(a, s, c) {
        if (a.operator !== '=' && a.left.type === 'Identifier') use(a.left, s, 'read');
        c(a.left, s, 'Pattern');
        c(a.right, s, 'Expression');
      },
      UnaryExpression(u, s, c) {
        if (u.operator === 'typeof' && u.argument.type === 'Identifier') use(u.argument, s, 'typeof');
        else c(u.argument, s, 'Expression');
      },
      CallExpression: calls,
      NewExpression: calls,
    },
    undefined,
    as,
  );
  return uses;
}

/** The local function a use runs (`g()`, `new g()`, `g.call()` of a name declared as a function), or null. */
function calledFunction(u) {
  if (u.mode !== 'call' && u.mode !== 'runs') return null;
  const b = u.scope.resolve(u.id.name);
  return b && b.fn ? b.fn : null;
}

/** `g.call` / `g.apply` on a plain name. */
function isCallOrApply(callee) {
  return (
    callee.type === 'MemberExpression' &&
    !callee.computed &&
    (callee.property.name === 'call' || callee.property.name === 'apply') &&
    callee.object.type === 'Identifier'
  );
}

/** The names declared on both paths (null: a path that does not get here). */
function meet(a, b) {
  if (a === null) return b;
  if (b === null) return a;
  return new Set([...a].filter((n) => b.has(n)));
}

/** Can `break` leave this loop body (an unlabelled one not in an inner loop or switch, or any labelled one)? */
function breaksOut(body) {
  let found = false;
  const inner = (n, _d, c) => walk.base[n.type](n, 1, c);
  walk.recursive(body, 0, {
    BreakStatement(n, depth) {
      if (n.label || depth === 0) found = true;
    },
    Function() {},
    ForStatement: inner,
    ForInStatement: inner,
    ForOfStatement: inner,
    WhileStatement: inner,
    DoWhileStatement: inner,
    SwitchStatement: inner,
  });
  return found;
}

const HOIST_NEITHER = 'Espruino hoists neither `var` nor function declarations';

function declaredAs(b, name) {
  return b.kind === 'function'
    ? `\`function ${name}\` (line ${b.node.loc.start.line}) is declared`
    : `\`var ${name}\` (line ${b.node.loc.start.line}) is sure to have run`;
}

function useMessage(b, u) {
  const name = u.id.name;
  if (b.kind === 'function') {
    const use = u.mode === 'call' ? `\`${name}()\` is called` : `\`${name}\` is used`;
    return `${use} before ${declaredAs(b, name)}: Espruino does not hoist function declarations, declare it first`;
  }
  const [use, effect] =
    u.mode === 'write' ? ['assigned', 'assigns a global'] : ['used', 'reads a global or throws ReferenceError'];
  return (
    `\`${name}\` is ${use} before ${declaredAs(b, name)}: Espruino does not hoist \`var\`, so this ${effect}; ` +
    'declare it first, outside any branch'
  );
}

function callMessage(callee, b, u) {
  const name = u.id.name;
  return (
    `\`${callee}()\` runs before ${declaredAs(b, name)}, and uses \`${name}\` ` +
    `(line ${u.id.loc.start.line}:${u.id.loc.start.column + 1}): ${HOIST_NEITHER}, declare it first`
  );
}
