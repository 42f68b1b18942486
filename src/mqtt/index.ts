// Public surface of the MQTT 3.1.1 client (see client.ts for the API). The
// Node-only parts are imported from ./node/client and ./node/transport.
export { createClient, parseMqttUrl } from './client';
export type { ClientOptions, ClientStats, Clock, Connection, MqttClient, Transport, TransportHandlers } from './client';
export type { Packet, Will } from './codec';
export { espruinoTransport } from './espruino-transport';
export { systemClock } from './clock';
