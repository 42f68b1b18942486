// Everything a section starts (brokers, interpreters, clients) registers its
// disposer here, so the runner can stop it after the section, on an error,
// and on Ctrl-C alike. Disposers run newest first (clients before brokers).
import type { ChildProcess } from 'node:child_process';

type Dispose = () => void | Promise<void>;

const disposers: Dispose[] = [];

export function track<T>(thing: T, dispose: (thing: T) => void | Promise<void>): T {
  disposers.push(() => dispose(thing));
  return thing;
}

export async function disposeAll(): Promise<void> {
  while (disposers.length) {
    const d = disposers.pop() as Dispose;
    try {
      await d();
    } catch (e) {
      process.stderr.write(`[bench] cleanup failed: ${(e as Error).message}\n`);
    }
  }
}

// Child processes are also killed when this process exits without running
// the disposers (an uncaught error, process.exit): a broker must not outlive it.
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export function killOnExit(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}
