// Mosquitto on a free loopback port, as a child process: a separate process
// so the broker's work does not share the bench's event loop (as aedes in
// process would) and the figures describe the gateway, not the broker.
import { existsSync } from 'node:fs';
import { MOSQUITTO, startMosquitto as startMosquittoProcess } from '../broker/mosquitto';
import { procCpuMicros } from './proc-cpu';
import { track } from './resources';

export interface Broker {
  port: number;
  url: string;
  /** What it is, for the how texts. */
  describe: string;
  /** CPU time the broker process used so far, µs; undefined where /proc is not readable. */
  cpuMicros(): number | undefined;
  stop(): Promise<void>;
}

/** Starts mosquitto for the bench; stopped by disposeAll(). */
export async function startMosquitto(): Promise<Broker> {
  if (!existsSync(MOSQUITTO)) throw new Error(`${MOSQUITTO} not found (Debian package mosquitto)`);
  const m = await startMosquittoProcess({
    maxQueuedMessages: 100000,
    // Without it mosquitto's Nagle and the board's delayed ACK hold some QoS 1
    // answers for 40 ms: the bench would time TCP timers, not the protocol.
    tcpNodelay: true,
  }).catch((e) => {
    throw new Error(`mosquitto would not start: ${e.message}`);
  });
  const broker: Broker = {
    port: m.port,
    url: m.url,
    describe: `mosquitto (${MOSQUITTO}, its own process, set_tcp_nodelay on) on 127.0.0.1:${m.port}`,
    cpuMicros: () => procCpuMicros(m.pid()),
    stop: () => m.dispose(),
  };
  return track(broker, (b) => b.stop());
}
