// Espruino's RegExp engine (src/jswrap_regexp.c) is a small backtracking
// matcher over the pattern text. Read from that source, it understands:
//   literal characters; `.`; classes `[...]`, `[^...]` with ranges and the
//   escapes below; escapes \d \D \s \S \w \W \n \r \t \v \f \0 \xHH (any
//   other escaped character stands for itself); `^` and `$`; `|` at the top
//   level only (it scans ahead to the next `|` wherever it is); greedy `*`
//   and `+` after a single character, escape or class; `(` and `)` record at
//   most nine capture groups, one level deep (a `)` closes the last opened
//   group). Flags: only `i` and `g` are ever read.
// Everything else is either a parse error on the device or, worse, silently
// matched as literal text, so it is rejected here:
//   `?` (optional and lazy), `{n,m}`, `(?...)` (non-capturing, lookaround,
//   named groups), back-references, a quantifier after `)`, `|` inside a
//   group, nested groups, more than nine groups, `\b` `\B` `\u` `\c` `\k`
//   outside a class, `[` inside a class, and every flag but `g` and `i`
//   (`m` would be ignored, changing what `^` and `$` match).
// Plain non-nested, unquantified groups are allowed: the matcher records
// them correctly, and exec()/match() return them.

const MAX_GROUPS = 9;
const COUNTED_REPETITION = /^\{\d+(,\d*)?\}/;
const GROUP_MODIFIER = /^\(\?(<[=!]|<[^>]*>|[:=!])/;

/**
 * @param {string} pattern regular expression source, as written between the slashes
 * @param {string} flags
 * @returns {Array<{index: number, message: string}>} index is the offset of the
 *   offending character in `pattern`, or -1 for a flag problem
 */
export function checkRegExp(pattern, flags) {
  const problems = [];
  const bad = (index, message) => problems.push({ index, message });

  for (const f of flags) {
    if (f === 'm') bad(-1, 'flag `m` is ignored by Espruino (^ and $ would only match at the ends)');
    else if (f !== 'g' && f !== 'i') bad(-1, `flag \`${f}\` is not supported by Espruino (only g and i)`);
  }

  // What a quantifier would apply to: 'atom' (char, escape, class), 'group'
  // (just after `)`), or null (start, after `(`, `|`, `^`, `$`, a quantifier).
  let last = null;
  let depth = 0;
  let groups = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    switch (ch) {
      case '\\': {
        const msg = escapeProblem(pattern[i + 1], false);
        if (msg) bad(i, msg);
        i++;
        last = 'atom';
        break;
      }
      case '[': {
        const end = classEnd(pattern, i, bad);
        i = end;
        last = 'atom';
        break;
      }
      case '(':
        if (pattern[i + 1] === '?') {
          bad(i, `${groupKind(pattern, i)} is not supported by Espruino`);
          i += (GROUP_MODIFIER.exec(pattern.slice(i)) || ['(?'])[0].length - 1; // not a `?` quantifier
        } else if (depth > 0) bad(i, 'nested groups are not supported by Espruino (captures come out wrong)');
        else if (++groups > MAX_GROUPS) bad(i, `more than ${MAX_GROUPS} groups are not supported by Espruino`);
        depth++;
        last = null;
        break;
      case ')':
        if (depth > 0) depth--;
        last = 'group';
        break;
      case '|':
        if (depth > 0) bad(i, '`|` inside a group is not supported by Espruino (only top-level alternation)');
        last = null;
        break;
      case '*':
      case '+':
        if (last === 'group') bad(i, `quantified group \`)${ch}\` is not supported by Espruino`);
        if (pattern[i + 1] === '?') {
          bad(i, `lazy quantifier \`${ch}?\` is not supported by Espruino`);
          i++;
        }
        last = null;
        break;
      case '?':
        bad(i, '`?` quantifier is not supported by Espruino (only greedy * and + on one character)');
        last = null;
        break;
      case '{': {
        const counted = COUNTED_REPETITION.exec(pattern.slice(i));
        if (counted) {
          bad(i, `counted repetition \`${counted[0]}\` is not supported by Espruino`);
          i += counted[0].length - 1;
          last = null;
        } else last = 'atom'; // a literal brace, as in JS without the u flag
        break;
      }
      case '^':
      case '$':
        last = null;
        break;
      default:
        last = 'atom';
    }
  }
  return problems;
}

/** Index of the `]` closing the class that starts at `start`. */
function classEnd(pattern, start, bad) {
  let i = start + 1;
  if (pattern[i] === '^') i++;
  for (; i < pattern.length && pattern[i] !== ']'; i++) {
    if (pattern[i] === '\\') {
      const msg = escapeProblem(pattern[i + 1], true);
      if (msg) bad(i, msg);
      i++;
    } else if (pattern[i] === '[') {
      bad(i, 'an unescaped `[` inside a class is not supported by Espruino (it starts a new class there)');
    }
  }
  return i;
}

/** Why `\c` (c = the escaped character) is not matched like JS does, or null. */
function escapeProblem(c, inClass) {
  if (c === undefined) return null; // a trailing backslash is a JS syntax error already
  if (c >= '1' && c <= '9') {
    return inClass
      ? `octal escape \`\\${c}\` is not supported by Espruino`
      : `back-reference \`\\${c}\` is not supported by Espruino`;
  }
  if (c === 'b' && !inClass) return 'word boundary `\\b` is not supported by Espruino (it reads it as a backspace)';
  if (c === 'B') return '`\\B` is not supported by Espruino';
  if (c === 'u') return '`\\u` escapes are not supported by Espruino (use \\xHH or the character itself)';
  if (c === 'c') return 'control escapes `\\cX` are not supported by Espruino';
  if (c === 'k' && !inClass) return 'named back-references `\\k<...>` are not supported by Espruino';
  if (c === 'p' || c === 'P') return `Unicode property escapes \`\\${c}{...}\` are not supported by Espruino`;
  return null;
}

/** What the `(?` at `i` opens, for the message. */
function groupKind(pattern, i) {
  const head = pattern.slice(i, i + 4);
  if (head.startsWith('(?:')) return 'non-capturing group `(?:`';
  if (head.startsWith('(?=')) return 'lookahead `(?=`';
  if (head.startsWith('(?!')) return 'negative lookahead `(?!`';
  if (head.startsWith('(?<=')) return 'lookbehind `(?<=`';
  if (head.startsWith('(?<!')) return 'negative lookbehind `(?<!`';
  if (head.startsWith('(?<')) return 'named group `(?<name>`';
  return `group modifier \`${head}\``;
}
