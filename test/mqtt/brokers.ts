// Real brokers for the tests, on free loopback ports: Mosquitto as a child
// process (restartable on the same port), aedes in this process.
import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import type { AedesOptions } from 'aedes';

export const MOSQUITTO = '/usr/sbin/mosquitto';
export const MOSQUITTO_PASSWD = '/usr/bin/mosquitto_passwd';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as any).port;
      s.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export interface Mosquitto {
  port: number;
  dir: string;
  /** Starts (again) on the same port with the same config and persistence. */
  start(): Promise<void>;
  /** SIGTERM saves the persistence file first; SIGKILL loses what is in memory. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Stops and removes the temporary directory. */
  dispose(): Promise<void>;
  log(): string;
}

export async function createMosquitto(opts: { users?: Record<string, string> } = {}): Promise<Mosquitto> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-test-mosquitto-'));
  const conf = [
    `listener ${port} 127.0.0.1`,
    'persistence true',
    `persistence_location ${dir}/`,
    // when run as root mosquitto would switch to its own user, which cannot use this directory
    `user ${userInfo().username}`,
  ];
  if (opts.users) {
    const file = join(dir, 'passwd');
    writeFileSync(file, '');
    for (const [u, p] of Object.entries(opts.users)) execFileSync(MOSQUITTO_PASSWD, ['-b', file, u, p]);
    conf.push('allow_anonymous false', `password_file ${file}`);
  } else conf.push('allow_anonymous true');
  writeFileSync(join(dir, 'mosquitto.conf'), conf.join('\n') + '\n');
  let proc: ChildProcess | undefined;
  let output = '';
  // if the test process dies without dispose(), take the broker with it
  const onExit = () => {
    proc?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);
  const m: Mosquitto = {
    port,
    dir,
    log: () => output,
    async start() {
      const p = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf'), '-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
      proc = p;
      p.stdout!.on('data', (d) => (output += d));
      p.stderr!.on('data', (d) => (output += d));
      let exited = false;
      p.on('exit', () => (exited = true));
      for (;;) {
        if (await accepts(port)) return;
        if (exited) throw new Error('mosquitto exited:\n' + output);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop(signal = 'SIGTERM') {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        p.on('exit', () => resolve());
        p.kill(signal);
      });
    },
    async dispose() {
      process.off('exit', onExit);
      await m.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await m.start();
  return m;
}

export interface AedesBroker {
  port: number;
  broker: Aedes;
  close(): Promise<void>;
}

export async function createAedes(options: AedesOptions = {}): Promise<AedesBroker> {
  const broker = await Aedes.createBroker(options);
  const server: Server = createServer(broker.handle);
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as any).port,
    broker,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => broker.close(() => r()));
    },
  };
}
