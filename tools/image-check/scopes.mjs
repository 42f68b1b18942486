// Just enough ES5 scoping to tell a free identifier (a global) from a local
// of the same name, and to know which names a function must declare before
// it uses them: one scope per function (params, `var`, function
// declarations, its own name if it is a named function expression) plus one
// per `catch` clause. Trees parsed with a newer grammar (when the syntax rule
// already failed) are handled roughly: let/const/class count as `var`.
import * as walk from 'acorn-walk';

class Scope {
  /**
   * @param {object} node Program, a function, or a CatchClause
   * @param {Scope | null} parent
   * @param {boolean} isFunction false for a catch clause (`var` passes through it)
   */
  constructor(node, parent, isFunction) {
    this.node = node;
    this.parent = parent;
    this.isFunction = isFunction;
    /**
     * Names bound by declarations that run as statements (`var`, function
     * declarations). `node` is the first declaration; `fn` the function a
     * name holds when it is declared as one (`function f(){}`), else the
     * first one given to it (`var f = function(){}`, `f = function(){}`).
     * @type {Map<string, {kind: 'var' | 'function', node: object, fn: object | null, scope: Scope}>}
     */
    this.bindings = new Map();
    /** Names bound on entry: params, a named function expression's own name, the catch parameter. */
    this.given = new Set();
  }

  /** A `var` or function declaration of `name` in this (function) scope. */
  declare(name, kind, node, fn) {
    const previous = this.bindings.get(name);
    if (!previous) {
      this.bindings.set(name, { kind, node, fn, scope: this });
      return;
    }
    // The first declaration names the binding; a function declaration marks
    // it as a function whichever comes first, as in JS.
    if (kind === 'function' && previous.kind !== 'function') {
      previous.kind = 'function';
      previous.fn = fn;
    } else if (!previous.fn && fn) previous.fn = fn;
  }

  /** The scope that binds `name` as seen from here, or null for a global. */
  owner(name) {
    for (let s = this; s; s = s.parent) {
      if (s.given.has(name) || s.bindings.has(name)) return s;
    }
    return null;
  }

  /** The declaration `name` refers to from here (null for a global or a name bound on entry). */
  resolve(name) {
    const s = this.owner(name);
    return s && !s.given.has(name) ? s.bindings.get(name) : null;
  }

  /** The nearest function (or program) scope: where `var` lands. */
  get functionScope() {
    let s = this;
    while (!s.isFunction) s = s.parent;
    return s;
  }
}

// Array methods that call their function argument before they return.
const CALLS_BACK_AT_ONCE = new Set([
  'forEach', 'map', 'filter', 'some', 'every', 'reduce', 'reduceRight', 'find', 'findIndex', 'sort', 'replace',
]);

/**
 * @returns {{scopeOf: (node: object) => Scope, runsAtOnce: WeakSet<object>}}
 *   scopeOf maps Program, function and CatchClause nodes to their scope;
 *   runsAtOnce holds the function expressions that run where they stand:
 *   called in place (`(function(){})()`, `.call`, `.apply`, `new function(){}`)
 *   or handed to an array method that calls back before returning
 *   (`a.forEach(function(){})`).
 */
export function analyzeScopes(ast) {
  const scopes = new Map();
  const runsAtOnce = new WeakSet();
  const open = (node, parent, isFunction) => {
    const s = new Scope(node, parent, isFunction);
    scopes.set(node, s);
    return s;
  };
  const functionAssignments = [];
  const noteRunsAtOnce = (call) => {
    const fn = invokedFunction(call);
    if (fn) runsAtOnce.add(fn);
    const callee = call.callee;
    if (callee.type === 'MemberExpression' && !callee.computed && CALLS_BACK_AT_ONCE.has(callee.property.name)) {
      for (const a of call.arguments) if (isFunctionExpression(a)) runsAtOnce.add(a);
    }
  };

  walk.recursive(ast, null, {
    Program(node, _none, c) {
      const s = open(node, null, true);
      for (const stmt of node.body) c(stmt, s, 'Statement');
    },
    Function(node, outer, c) {
      if (node.type === 'FunctionDeclaration' && node.id) outer.functionScope.declare(node.id.name, 'function', node, node);
      const s = open(node, outer, true);
      if (node.type === 'FunctionExpression' && node.id) s.given.add(node.id.name);
      for (const p of node.params) {
        for (const id of patternNames(p)) s.given.add(id.name);
        c(p, s, 'Pattern');
      }
      c(node.body, s, node.expression ? 'Expression' : 'Statement');
    },
    VariableDeclarator(node, s, c) {
      const fn = node.init && node.init.type === 'FunctionExpression' ? node.init : null;
      for (const id of patternNames(node.id)) s.functionScope.declare(id.name, 'var', id, fn);
      c(node.id, s, 'Pattern');
      if (node.init) c(node.init, s, 'Expression');
    },
    Class(node, s, c) {
      if (node.type === 'ClassDeclaration' && node.id) s.functionScope.declare(node.id.name, 'var', node.id, null);
      walk.base.Class(node, s, c);
    },
    CatchClause(node, outer, c) {
      const s = open(node, outer, false);
      if (node.param) {
        for (const id of patternNames(node.param)) s.given.add(id.name);
        c(node.param, s, 'Pattern');
      }
      c(node.body, s, 'Statement');
    },
    AssignmentExpression(node, s, c) {
      if (node.operator === '=' && node.left.type === 'Identifier' && node.right.type === 'FunctionExpression') {
        functionAssignments.push({ scope: s, name: node.left.name, fn: node.right });
      }
      walk.base.AssignmentExpression(node, s, c);
    },
    CallExpression(node, s, c) {
      noteRunsAtOnce(node);
      walk.base.CallExpression(node, s, c);
    },
    NewExpression(node, s, c) {
      noteRunsAtOnce(node);
      walk.base.NewExpression(node, s, c);
    },
  });

  // after the walk: the name may be declared further down
  for (const { scope, name, fn } of functionAssignments) {
    const b = scope.resolve(name);
    if (b && !b.fn) b.fn = fn;
  }

  return { scopeOf: (node) => scopes.get(node), runsAtOnce };
}

/** The function an expression like `(function(){})()`, `fn.call(...)` or `new function(){}` runs now. */
function invokedFunction(call) {
  const callee = call.callee;
  if (isFunctionExpression(callee)) return callee;
  if (
    callee.type === 'MemberExpression' &&
    !callee.computed &&
    (callee.property.name === 'call' || callee.property.name === 'apply') &&
    isFunctionExpression(callee.object)
  ) {
    return callee.object;
  }
  return null;
}

function isFunctionExpression(node) {
  return node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression';
}

/** The identifiers a binding pattern declares (just itself for ES5). */
export function patternNames(pattern) {
  switch (pattern.type) {
    case 'Identifier':
      return [pattern];
    case 'ObjectPattern':
      return pattern.properties.flatMap((p) => patternNames(p.type === 'RestElement' ? p : p.value));
    case 'ArrayPattern':
      return pattern.elements.flatMap((e) => (e ? patternNames(e) : []));
    case 'RestElement':
      return patternNames(pattern.argument);
    case 'AssignmentPattern':
      return patternNames(pattern.left);
    default:
      return [];
  }
}
