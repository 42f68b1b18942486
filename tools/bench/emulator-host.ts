// One emulated board in a process of its own, driven by the bench over IPC,
// so the board's interpreter does not share an event loop with the simulated
// devices that load it (nor they with it). Started by emulated-board.ts:
//   parent → {type:'start', spec} | {type:'memory'} | {type:'cpu'} | {type:'stop'}
//   child  → {type:'ready', httpPort?} | {type:'memory', usage, total} | {type:'cpu', micros}
//            | {type:'output', text}
//            | {type:'error', message} | {type:'stopped'}
// The child stops its board and exits when the parent goes away.
import { Emulator } from '../emulator/index.ts';
import { FlashFiles, provision } from '../emulate/config.ts';

export type BoardSpec =
  | {
      /** Booted from flash like `npm run emulate`: image as .bootcde, gw.cfg, dashboard, crypto module. */
      kind: 'gateway';
      files: FlashFiles;
      storageDir: string;
      broker: string;
      adminPassword: string;
    }
  | { kind: 'code'; code: string; storageDir: string };

export type ToHost = { type: 'start'; spec: BoardSpec } | { type: 'memory' } | { type: 'cpu' } | { type: 'stop' };
export type FromHost =
  | { type: 'ready'; httpPort?: number }
  | { type: 'memory'; usage: number; total: number }
  /** CPU time (user + system) this process used so far. */
  | { type: 'cpu'; micros: number }
  | { type: 'output'; text: string }
  | { type: 'error'; message: string }
  | { type: 'stopped' };

let emu: Emulator | undefined;

function send(m: FromHost): void {
  if (process.send && process.connected) process.send(m);
}

async function start(spec: BoardSpec): Promise<void> {
  const onOutput = (text: string) => send({ type: 'output', text });
  if (spec.kind === 'gateway') {
    provision({ broker: spec.broker, httpPort: 80, storage: spec.storageDir, adminPassword: spec.adminPassword }, spec.files);
    emu = await Emulator.start({ storageDir: spec.storageDir, portMap: { 80: 0 }, onOutput });
    send({ type: 'ready', httpPort: emu.hostPort(80) });
  } else {
    emu = await Emulator.start({ code: spec.code, storageDir: spec.storageDir, onOutput });
    send({ type: 'ready' });
  }
}

async function stop(): Promise<void> {
  const e = emu;
  emu = undefined;
  if (e) await e.stop();
}

process.on('message', (m: ToHost) => {
  const run = async () => {
    if (m.type === 'start') await start(m.spec);
    else if (m.type === 'memory') {
      if (!emu) throw new Error('no board running');
      const mem = emu.memory();
      send({ type: 'memory', usage: mem.usage, total: mem.total });
    } else if (m.type === 'cpu') {
      const u = process.cpuUsage();
      send({ type: 'cpu', micros: u.user + u.system });
    } else if (m.type === 'stop') {
      await stop();
      send({ type: 'stopped' });
      process.disconnect?.();
    }
  };
  run().catch((e) => send({ type: 'error', message: (e as Error).stack || String(e) }));
});

process.on('disconnect', () => {
  void stop().finally(() => process.exit(0));
});
