// Mosquitto on a free loopback port, as a child process, for the tests and
// the bench: restartable on the same port (with persistence, sessions and
// queued messages survive a SIGTERM restart), and always cleaned up: dispose()
// kills it and removes its directory, and so does this process's exit.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { acceptsConnections, freePort } from '../ports';

export const MOSQUITTO = '/usr/sbin/mosquitto';
export const MOSQUITTO_PASSWD = '/usr/bin/mosquitto_passwd';

const START_TIMEOUT_MS = 10_000;
const PORT_ATTEMPTS = 3;

export interface MosquittoOptions {
  /** Users and their passwords: a password file, and no anonymous clients. */
  users?: Record<string, string>;
  /** Persistence in the broker's directory (default off). */
  persistence?: boolean;
  /** set_tcp_nodelay: no Nagle delay on what the broker sends (default off). */
  tcpNodelay?: boolean;
  /** max_queued_messages per client (mosquitto's default: 1000). */
  maxQueuedMessages?: number;
  /** A TLS listener (mqtts://) with this certificate and key (PEM files). */
  tls?: { certfile: string; keyfile: string };
}

export interface Mosquitto {
  port: number;
  url: string;
  /** The running broker's process id; undefined while stopped. */
  pid(): number | undefined;
  /** Starts (again) on the same port with the same config and persistence. */
  start(): Promise<void>;
  /** SIGTERM saves the persistence file first; SIGKILL loses what is in memory. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Kills the broker and removes its directory. */
  dispose(): Promise<void>;
}

function configText(port: number, dir: string, o: MosquittoOptions): string {
  const conf = [
    `listener ${port} 127.0.0.1`,
    ...(o.tls ? [`certfile ${o.tls.certfile}`, `keyfile ${o.tls.keyfile}`] : []),
    // when run as root mosquitto would switch to its own user, which cannot use this directory
    `user ${userInfo().username}`,
  ];
  if (o.persistence) conf.push('persistence true', `persistence_location ${dir}/`);
  else conf.push('persistence false');
  if (o.users) conf.push('allow_anonymous false', `password_file ${join(dir, 'passwd')}`);
  else conf.push('allow_anonymous true');
  if (o.maxQueuedMessages !== undefined) conf.push(`max_queued_messages ${o.maxQueuedMessages}`);
  if (o.tcpNodelay) conf.push('set_tcp_nodelay true');
  return conf.join('\n') + '\n';
}

function stopChild(p: ChildProcess, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.once('exit', () => resolve());
    p.kill(signal);
  });
}

/** Starts mosquitto on a free port, trying another should a different process take the port first. */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'mosquitto-'));
  let proc: ChildProcess | undefined;
  // if this process ends without dispose(), take the broker with it
  const onExit = () => {
    proc?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);
  const dispose = async () => {
    process.off('exit', onExit);
    const p = proc;
    proc = undefined;
    if (p) await stopChild(p, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (options.users) {
      const file = join(dir, 'passwd');
      writeFileSync(file, '');
      for (const [u, p] of Object.entries(options.users)) execFileSync(MOSQUITTO_PASSWD, ['-b', file, u, p]);
    }
    const conf = join(dir, 'mosquitto.conf');
    // Spawns the broker and waits until it takes connections; its stderr is the error when it does not.
    const run = async (port: number): Promise<void> => {
      const p = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
      proc = p;
      let output = '';
      p.stderr!.on('data', (d) => (output += d));
      let exited = false;
      p.on('exit', () => (exited = true));
      const deadline = Date.now() + START_TIMEOUT_MS;
      while (Date.now() < deadline) {
        if (await acceptsConnections(port)) return;
        if (exited) throw new Error(`mosquitto exited at start: ${output.trim()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      await stopChild(p, 'SIGKILL');
      throw new Error(`mosquitto did not accept connections on port ${port} within ${START_TIMEOUT_MS / 1000} s`);
    };
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      writeFileSync(conf, configText(port, dir, options));
      try {
        await run(port);
      } catch (e) {
        if (attempt < PORT_ATTEMPTS) continue;
        throw e;
      }
      const m: Mosquitto = {
        port,
        url: `${options.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
        pid: () => proc?.pid,
        start: () => run(port),
        async stop(signal = 'SIGTERM') {
          const p = proc;
          proc = undefined;
          if (p) await stopChild(p, signal);
        },
        dispose,
      };
      return m;
    }
  } catch (e) {
    await dispose();
    throw e;
  }
}
