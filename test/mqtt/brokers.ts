// Real brokers for the tests, on free loopback ports: Mosquitto as a child
// process (tools/broker/mosquitto.ts) with persistence, so a restart on the
// same port keeps sessions and queued messages; aedes in this process.
import type { AedesOptions } from 'aedes';
import { startAedes } from '../../tools/broker/aedes.ts';
import type { AedesBroker } from '../../tools/broker/aedes.ts';
import { startMosquitto } from '../../tools/broker/mosquitto.ts';
import type { Mosquitto } from '../../tools/broker/mosquitto.ts';

export { MOSQUITTO, MOSQUITTO_PASSWD } from '../../tools/broker/mosquitto.ts';
export type { AedesBroker, Mosquitto };

export function createMosquitto(opts: { users?: Record<string, string> } = {}): Promise<Mosquitto> {
  return startMosquitto({ persistence: true, users: opts.users });
}

export function createAedes(options: AedesOptions = {}): Promise<AedesBroker> {
  return startAedes({ aedes: options });
}
