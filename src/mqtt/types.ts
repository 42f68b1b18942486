// The MQTT client's surface: its options, its statistics and the client
// itself (client.ts has the usage and the behaviour).
import type { Packet, Will } from './codec';

export interface ClientOptions {
  /** mqtt://host[:port]; or give host and port */
  url?: string;
  host?: string;
  /** default 1883 */
  port?: number;
  clientId: string;
  /** seconds, 0 = off; default 60 */
  keepalive?: number;
  /** default true */
  clean?: boolean;
  username?: string;
  password?: string;
  will?: Will;
  /** ms allowed for TCP connect + CONNACK, and for a PINGRESP; default 10000 */
  timeout?: number;
  /** reconnect delay bounds in ms; defaults 1000 and 60000 */
  backoffMin?: number;
  backoffMax?: number;
  /** largest incoming remaining length; bigger packets are skipped; default 6144 */
  maxPacket?: number;
  /** QoS 1 messages awaiting PUBACK (kept in RAM) at most: count, default 16, */
  maxInflight?: number;
  /** and payload bytes, default 16384 */
  maxInflightBytes?: number;
  /** jitter source in [0, 1); default Math.random (not for secrets) */
  random?: () => number;
}

export interface ClientStats {
  connected: boolean;
  /** QoS 1 messages not yet acknowledged */
  inflight: number;
  /** connection attempts after the first */
  reconnects: number;
  /** oversized incoming packets skipped */
  droppedIncoming: number;
  /** publishes refused (offline QoS 0, in-flight queue full) */
  droppedOutgoing: number;
  protocolErrors: number;
}

export interface MqttClient {
  connect(): void;
  end(): void;
  publish(topic: string, payload: string, qos?: number, retain?: boolean): boolean;
  subscribe(filter: string, qos?: number): void;
  unsubscribe(filter: string): void;
  on(event: 'connect', fn: (sessionPresent: boolean) => void): MqttClient;
  on(event: 'message', fn: (topic: string, payload: string, packet: Packet) => void): MqttClient;
  on(event: 'close', fn: (reason: string) => void): MqttClient;
  on(event: 'fail', fn: (reason: string) => void): MqttClient;
  on(event: 'error', fn: (err: Error) => void): MqttClient;
  stats(): ClientStats;
}
