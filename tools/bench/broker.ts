// Mosquitto on a free loopback port, as a child process: a separate process
// so the broker's work does not share the bench's event loop (as aedes in
// process would) and the figures describe the gateway, not the broker.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { killOnExit, track } from './resources';

export const MOSQUITTO = '/usr/sbin/mosquitto';

export interface Broker {
  port: number;
  url: string;
  /** What it is, for the how texts. */
  describe: string;
  /** CPU time the broker process used so far, µs; undefined where /proc is not readable. */
  cpuMicros(): number | undefined;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

function stopChild(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  });
}

async function startOnce(port: number, dir: string): Promise<ChildProcess | string> {
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      // as root mosquitto would switch to its own user; stay who we are
      `user ${userInfo().username}`,
      'max_queued_messages 100000',
      // Without it mosquitto's Nagle and the board's delayed ACK hold some QoS 1
      // answers for 40 ms: the bench would time TCP timers, not the protocol.
      'set_tcp_nodelay true',
      '',
    ].join('\n'),
  );
  const p = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  killOnExit(p);
  let output = '';
  p.stderr!.on('data', (d) => (output += d));
  let exited = false;
  p.on('exit', () => (exited = true));
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (await accepts(port)) return p;
    if (exited) return output.trim() || 'mosquitto exited at start';
    await new Promise((r) => setTimeout(r, 20));
  }
  await stopChild(p);
  return 'mosquitto did not accept connections within 5 s';
}

// utime + stime of /proc/PID/stat, in clock ticks (USER_HZ, 100 on Linux).
function procCpuMicros(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

/** Starts mosquitto (retrying when another process takes the port first); stopped by disposeAll(). */
export async function startMosquitto(): Promise<Broker> {
  if (!existsSync(MOSQUITTO)) throw new Error(`${MOSQUITTO} not found (Debian package mosquitto)`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-mosquitto-'));
  let why = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const started = await startOnce(port, dir);
    if (typeof started === 'string') {
      why = started;
      continue;
    }
    const broker: Broker = {
      port,
      url: `mqtt://127.0.0.1:${port}`,
      describe: `mosquitto (${MOSQUITTO}, its own process, set_tcp_nodelay on) on 127.0.0.1:${port}`,
      cpuMicros: () => procCpuMicros(started.pid),
      stop: async () => {
        await stopChild(started);
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return track(broker, (b) => b.stop());
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`mosquitto would not start: ${why}`);
}
