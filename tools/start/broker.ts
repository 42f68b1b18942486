// The demo's MQTT broker: aedes in this process, on 1883 when that port is
// free (so a real board can be pointed at the usual port), else on any free one.
import { AedesBroker, startAedes } from '../broker/aedes';

export type Broker = AedesBroker;

function inUse(e: NodeJS.ErrnoException): boolean {
  return e.code === 'EADDRINUSE' || e.code === 'EACCES';
}

/** `port` 0 = 1883 if free, else any free port. */
export async function startBroker(port: number, host = '127.0.0.1'): Promise<Broker> {
  if (port === 0) {
    try {
      return await startAedes({ port: 1883, host });
    } catch (e: any) {
      if (!inUse(e)) throw e;
    }
  }
  try {
    return await startAedes({ port, host });
  } catch (e: any) {
    if (inUse(e)) throw new Error(`port ${port} is in use: choose another with --broker-port`);
    throw e;
  }
}
