// The command-line shape the tools share: `--flag value` or `--flag=value`,
// each valued flag at most once, plus flags that take no value.

export interface FlagSpec<K extends string> {
  /** Flags that take a value, and the key each value is read into. */
  valued: Record<string, K>;
  /** Flags that take none, and the key each sets to "true" (may repeat). */
  switches?: Record<string, K>;
  /** Whether --help or -h stops the reading with 'help'. */
  help?: boolean;
}

/**
 * The values of `argv` by key, 'help', or a one-line reason: a flag unknown,
 * without a value, or given twice. Values are unchecked strings; the caller
 * checks and converts them.
 */
export function readFlags<K extends string>(argv: string[], spec: FlagSpec<K>): Partial<Record<K, string>> | 'help' | string {
  const raw: Partial<Record<K, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i];
    if (spec.help && (flag === '--help' || flag === '-h')) return 'help';
    const on = spec.switches?.[flag];
    if (on !== undefined) {
      raw[on] = 'true';
      continue;
    }
    let value: string | undefined;
    const eq = flag.indexOf('=');
    if (flag.startsWith('--') && eq > 0) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    } else value = argv[++i];
    const key = spec.valued[flag];
    if (key === undefined) return `unknown option ${JSON.stringify(flag)}`;
    if (value === undefined) return `${flag} needs a value`;
    if (raw[key] !== undefined) return `${flag} given twice`;
    raw[key] = value;
  }
  return raw;
}
