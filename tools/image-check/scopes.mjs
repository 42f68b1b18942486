// Just enough ES5 scoping to tell a free identifier (a global) from a local
// of the same name, and to know where function declarations sit: one scope
// per function (params, `var`, function declarations, its own name if it is
// a named function expression) plus one per `catch` clause. Trees parsed
// with a newer grammar (when rule 1 already failed) are handled roughly:
// let/const/class count as function-scoped.
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
    /** @type {Map<string, {kind: string, node: object, scope: Scope}>} */
    this.bindings = new Map();
  }

  /** kind: 'function' (a declaration), 'var', 'param', 'catch' or 'self'. */
  declare(name, kind, node) {
    const previous = this.bindings.get(name);
    // A function declaration wins over var/param of the same name, as in JS;
    // the first of two declarations is the one that matters for "used early".
    if (previous && previous.kind === 'function') return;
    this.bindings.set(name, { kind, node, scope: this });
  }

  /** The binding `name` refers to from here, or null for a global. */
  resolve(name) {
    for (let s = this; s; s = s.parent) {
      const b = s.bindings.get(name);
      if (b) return b;
    }
    return null;
  }

  /** The nearest function (or program) scope: where `var` lands. */
  get functionScope() {
    let s = this;
    while (!s.isFunction) s = s.parent;
    return s;
  }
}

/**
 * @returns {{scopeOf: (node: object) => Scope, iifes: WeakSet<object>}}
 *   scopeOf maps Program, function and CatchClause nodes to their scope;
 *   iifes holds the function expressions that are called where they stand.
 */
export function analyzeScopes(ast) {
  const scopes = new Map();
  const iifes = new WeakSet();
  const open = (node, parent, isFunction) => {
    const s = new Scope(node, parent, isFunction);
    scopes.set(node, s);
    return s;
  };
  const noteIife = (call) => {
    const fn = invokedFunction(call);
    if (fn) iifes.add(fn);
  };

  walk.recursive(ast, null, {
    Program(node, _none, c) {
      const s = open(node, null, true);
      for (const stmt of node.body) c(stmt, s, 'Statement');
    },
    Function(node, outer, c) {
      if (node.type === 'FunctionDeclaration' && node.id) outer.functionScope.declare(node.id.name, 'function', node);
      const s = open(node, outer, true);
      if (node.type === 'FunctionExpression' && node.id) s.declare(node.id.name, 'self', node);
      for (const p of node.params) {
        for (const id of patternNames(p)) s.declare(id.name, 'param', id);
        c(p, s, 'Pattern');
      }
      c(node.body, s, node.expression ? 'Expression' : 'Statement');
    },
    VariableDeclarator(node, s, c) {
      for (const id of patternNames(node.id)) s.functionScope.declare(id.name, 'var', id);
      c(node.id, s, 'Pattern');
      if (node.init) c(node.init, s, 'Expression');
    },
    Class(node, s, c) {
      if (node.type === 'ClassDeclaration' && node.id) s.functionScope.declare(node.id.name, 'var', node.id);
      walk.base.Class(node, s, c);
    },
    CatchClause(node, outer, c) {
      const s = open(node, outer, false);
      if (node.param) {
        for (const id of patternNames(node.param)) s.declare(id.name, 'catch', id);
        c(node.param, s, 'Pattern');
      }
      c(node.body, s, 'Statement');
    },
    CallExpression(node, s, c) {
      noteIife(node);
      walk.base.CallExpression(node, s, c);
    },
    NewExpression(node, s, c) {
      noteIife(node);
      walk.base.NewExpression(node, s, c);
    },
  });

  return { scopeOf: (node) => scopes.get(node), iifes };
}

/**
 * True when code running in `scope` runs while `owner`'s body itself runs
 * (its top level), not later from some function called afterwards: every
 * function between the two must be an IIFE.
 */
export function runsAtTopLevelOf(scope, owner, iifes) {
  for (let s = scope; s; s = s.parent) {
    if (s === owner) return true;
    if (s.isFunction && !iifes.has(s.node)) return false;
  }
  return false;
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
function patternNames(pattern) {
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
