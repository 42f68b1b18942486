// Command line of `npm run bench`.
import { SECTION_IDS, SectionId } from './results';

export interface BenchArgs {
  quick: boolean;
  only: SectionId[];
  json: boolean;
  /** Folder for bench-<timestamp>.json and latest.json. */
  out: string;
}

export const USAGE = `usage: npm run bench -- [--quick] [--only ${SECTION_IDS.join('|')}[,...]] [--json] [--out DIR]`;

export class UsageError extends Error {}

export function parseArgs(argv: string[], defaultOut: string): BenchArgs {
  const args: BenchArgs = { quick: false, only: SECTION_IDS.slice(), json: false, out: defaultOut };
  let onlySeen = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--quick':
      case '--json':
        if (inline !== undefined) throw new UsageError(`${name} takes no value`);
        args[name === '--quick' ? 'quick' : 'json'] = true;
        break;
      case '--only': {
        const ids = value().split(',').filter((s) => s !== '');
        const bad = ids.filter((s) => !SECTION_IDS.includes(s as SectionId));
        if (ids.length === 0 || bad.length > 0) {
          throw new UsageError(`--only takes ${SECTION_IDS.join('|')}, got ${JSON.stringify(bad.join(',') || '')}`);
        }
        // Several --only flags add up; the run keeps the standard section order.
        const chosen = new Set([...(onlySeen ? args.only : []), ...(ids as SectionId[])]);
        args.only = SECTION_IDS.filter((s) => chosen.has(s));
        onlySeen = true;
        break;
      }
      case '--out':
        args.out = value();
        break;
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(a)}`);
    }
  }
  return args;
}
