// Public surface of the MQTT 3.1.1 client (see client.ts for the API). The
// Node-only parts are imported from ./node/client and ./node/transport.
export { createClient } from './client';
export { parseMqttUrl } from './checks';
export type { ClientOptions, ClientStats, MqttClient } from './types';
export type { Clock, Connection, Transport, TransportHandlers } from './transport';
export type { Packet, Will } from './codec';
export { espruinoTransport } from './espruino-transport';
export { systemClock } from './clock';
