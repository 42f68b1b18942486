// Rule 1: the image must be ES5. Espruino itself parses a few later forms,
// but our TypeScript targets ES5, so anything newer in the bundle means a
// tool in the chain (a dependency, a plugin, terser's `ecma`) let it through.
// Acorn at ES5 stops at the first error; to list every offending construct
// by name, a bundle that fails is parsed again with the newest grammar and
// walked.
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';

const ES5 = { ecmaVersion: 5, sourceType: 'script', locations: true };
const LATEST = { ecmaVersion: 'latest', locations: true, allowHashBang: true };

/**
 * @returns {{ast: import('acorn').Program | null, problems: Array<{line:number, column:number, message:string}>}}
 *   ast is null only when the text is not JavaScript at all.
 */
export function parseImage(code) {
  try {
    return { ast: acorn.parse(code, ES5), problems: [] };
  } catch (es5Error) {
    if (!(es5Error instanceof SyntaxError) || !es5Error.loc) throw es5Error;
    const ast = parseLatest(code);
    if (!ast) return { ast: null, problems: [at(es5Error.loc, `syntax error: ${bare(es5Error.message)}`)] };
    const problems = findModernSyntax(ast, code);
    // Something newer that the walk does not name. Regular expressions are
    // left to the RegExp rule, which says more than acorn does.
    if (problems.length === 0 && !es5Error.message.startsWith('Invalid regular expression')) {
      problems.push(at(es5Error.loc, `not ES5: ${bare(es5Error.message)}`));
    }
    return { ast, problems };
  }
}

function parseLatest(code) {
  for (const sourceType of ['script', 'module']) {
    try {
      return acorn.parse(code, { ...LATEST, sourceType });
    } catch {
      // try the other goal, then give up
    }
  }
  return null;
}

/** Every ES2015+ construct in a tree parsed with the newest grammar. */
function findModernSyntax(ast, code) {
  const problems = [];
  const found = (node, what) => problems.push(at(node.loc.start, `not ES5: ${what}`));
  if (code.startsWith('#!')) problems.push({ line: 1, column: 1, message: 'not ES5: hashbang line' });

  walk.fullAncestor(ast, (node, _state, ancestors) => {
    const parent = ancestors[ancestors.length - 2];
    const inPattern = ancestors.some((a) => a !== node && (a.type === 'ObjectPattern' || a.type === 'ArrayPattern'));
    const what = describe(node, parent, inPattern);
    if (what) found(node, what);
  });
  return problems;
}

/** The name of the ES2015+ feature `node` is, or null for ES5. */
function describe(node, parent, inPattern) {
  switch (node.type) {
    case 'ArrowFunctionExpression':
      return node.async ? 'async arrow function' : 'arrow function';
    case 'FunctionDeclaration':
    case 'FunctionExpression':
      if (node.async && node.generator) return 'async generator function';
      if (node.async) return 'async function';
      if (node.generator) return 'generator function';
      return null;
    case 'VariableDeclaration':
      return node.kind === 'var' ? null : `\`${node.kind}\` declaration`;
    case 'TemplateLiteral':
      return parent && parent.type === 'TaggedTemplateExpression' ? null : 'template literal';
    case 'TaggedTemplateExpression':
      return 'tagged template';
    case 'ClassDeclaration':
    case 'ClassExpression':
      return 'class';
    case 'ForOfStatement':
      return node.await ? 'for await...of loop' : 'for...of loop';
    case 'SpreadElement':
      return 'spread `...`';
    case 'RestElement':
      return inPattern ? null : 'rest parameter `...`';
    case 'ObjectPattern':
    case 'ArrayPattern':
      return inPattern ? null : 'destructuring';
    case 'AssignmentPattern':
      return inPattern ? null : 'default parameter value';
    case 'BinaryExpression':
      return node.operator === '**' ? 'exponent operator `**`' : null;
    case 'AssignmentExpression':
      if (node.operator === '**=') return 'exponent operator `**=`';
      if (['&&=', '||=', '??='].includes(node.operator)) return `logical assignment \`${node.operator}\``;
      return null;
    case 'LogicalExpression':
      return node.operator === '??' ? 'nullish coalescing `??`' : null;
    case 'ChainExpression':
      return 'optional chaining `?.`';
    case 'Property':
      if (inPattern) return null;
      if (node.computed) return 'computed property key';
      if (node.method) return 'method shorthand';
      if (node.shorthand) return 'shorthand property';
      return null;
    case 'MetaProperty':
      return `\`${node.meta.name}.${node.property.name}\``;
    case 'ImportExpression':
      return 'dynamic `import()`';
    case 'ImportDeclaration':
    case 'ExportNamedDeclaration':
    case 'ExportDefaultDeclaration':
    case 'ExportAllDeclaration':
      return 'ES module syntax (import/export)';
    case 'CatchClause':
      return node.param ? null : 'optional catch binding';
    case 'Literal':
      return describeLiteral(node);
    default:
      return null;
  }
}

function describeLiteral(node) {
  if (node.bigint !== undefined) return 'BigInt literal';
  if (typeof node.value === 'number') {
    if (/^0[bBoO]/.test(node.raw)) return 'binary/octal literal `0b`/`0o`';
    if (node.raw.includes('_')) return 'numeric separator `_`';
  }
  if (typeof node.value === 'string' && /(^|[^\\])(\\\\)*\\u\{/.test(node.raw)) return 'code point escape `\\u{...}`';
  return null;
}

/** A problem at an acorn position (0-based column) with a 1-based column. */
export function at(pos, message) {
  return { line: pos.line, column: pos.column + 1, message };
}

/** Acorn appends " (line:column)" to its messages; the location is reported separately. */
function bare(message) {
  return message.replace(/ \(\d+:\d+\)$/, '');
}
