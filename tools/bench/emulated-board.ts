// The bench's side of emulator-host.ts: start a board in a child process,
// ask it for its JsVar estimate, stop it (also on errors and Ctrl-C, through
// resources.ts).
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BoardSpec, FromHost, ToHost } from './emulator-host';
import { killOnExit, track } from './resources';

const HOST = fileURLToPath(new URL('./emulator-host.ts', import.meta.url));

export interface Board {
  /** Host port of the board's HTTP server (port 80 on the board), for a gateway. */
  httpPort?: number;
  /** The emulator's JsVar estimate (process.memory().usage) of everything the program holds now. */
  memory(): Promise<{ usage: number; total: number }>;
  /** CPU time the board's process used so far, µs. */
  cpuMicros(): Promise<number>;
  /** Console output so far. */
  output(): string;
  waitForOutput(text: string, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    if (child.connected) child.send({ type: 'stop' } satisfies ToHost);
    else child.kill('SIGTERM');
  });
}

export async function startBoard(spec: BoardSpec, timeoutMs = 20_000): Promise<Board> {
  const child = fork(HOST, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  killOnExit(child);
  track(child, (c) => stopChild(c, 3000));
  let stderr = '';
  let output = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const waiting: ((m: FromHost) => boolean)[] = [];
  const watchers = new Set<() => void>();
  child.on('message', (m: FromHost) => {
    if (m.type === 'output') {
      output += m.text;
      for (const w of [...watchers]) w();
      return;
    }
    const i = waiting.findIndex((w) => w(m));
    if (i >= 0) waiting.splice(i, 1);
  });

  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) =>
      reject(new Error(`emulator process exited (${signal || code}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`)),
    ),
  );
  exited.catch(() => undefined);

  function expect<T extends FromHost['type']>(type: T, ms: number): Promise<Extract<FromHost, { type: T }>> {
    const reply = new Promise<Extract<FromHost, { type: T }>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`emulator: no ${type} within ${ms} ms; console: ${output.slice(-300)}`)), ms);
      waiting.push((m) => {
        if (m.type === 'error') {
          clearTimeout(timer);
          reject(new Error(`emulator: ${m.message}`));
          return true;
        }
        if (m.type !== type) return false;
        clearTimeout(timer);
        resolve(m as Extract<FromHost, { type: T }>);
        return true;
      });
    });
    return Promise.race([reply, exited]);
  }

  child.send({ type: 'start', spec } satisfies ToHost);
  const ready = await expect('ready', timeoutMs);
  return {
    httpPort: ready.httpPort,
    async memory() {
      child.send({ type: 'memory' } satisfies ToHost);
      const m = await expect('memory', 30_000);
      return { usage: m.usage, total: m.total };
    },
    async cpuMicros() {
      child.send({ type: 'cpu' } satisfies ToHost);
      return (await expect('cpu', 10_000)).micros;
    },
    output: () => output,
    waitForOutput(text, ms) {
      if (output.includes(text)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!output.includes(text)) return;
          watchers.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`emulator: "${text}" not printed within ${ms} ms; console: ${output.slice(-300)}`));
        }, ms);
        watchers.add(check);
      });
    },
    stop: () => stopChild(child, 3000),
  };
}
