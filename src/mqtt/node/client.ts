// The client on Node: node:net and the system clock, and a check that every
// string handed in is a byte string (UTF-8 text must be encoded first, e.g.
// Buffer.from(text, 'utf8').toString('latin1')), since the latin1 conversion
// on the wire would silently cut wider chars.
import { createClient } from '../client';
import type { ClientOptions, MqttClient } from '../client';
import { systemClock } from '../clock';
import { nodeTransport } from './transport';

function checkBytes(s: string | undefined, what: string): void {
  if (s !== undefined && /[^\x00-\xff]/.test(s)) throw new Error(`mqtt: ${what} is not a byte string (chars above 0xFF)`);
}

export function createNodeClient(options: ClientOptions): MqttClient {
  checkBytes(options.clientId, 'clientId');
  checkBytes(options.username, 'username');
  checkBytes(options.password, 'password');
  checkBytes(options.will?.topic, 'will topic');
  checkBytes(options.will?.payload, 'will payload');
  const client = createClient(options, nodeTransport, systemClock);
  const { publish, subscribe, unsubscribe } = client;
  client.publish = (topic, payload, qos, retain) => {
    checkBytes(topic, 'topic');
    checkBytes(payload, 'payload');
    return publish(topic, payload, qos, retain);
  };
  client.subscribe = (filter, qos) => {
    checkBytes(filter, 'topic filter');
    subscribe(filter, qos);
  };
  client.unsubscribe = (filter) => {
    checkBytes(filter, 'topic filter');
    unsubscribe(filter);
  };
  return client;
}
