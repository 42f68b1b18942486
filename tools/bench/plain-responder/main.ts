// The baseline for the end-to-end bench: a trivial JSON-RPC responder on the
// same MQTT client, transport and QoS as the gateway, booted from Storage on
// the same interpreter, answering `ping` with "pong" in clear. Against the gateway, the
// only difference left is the protocol (sealing, checks, authorization).
//   request:  P/plain/rx            {"jsonrpc":"2.0","id":n,"method":"ping","device_id":"…"}
//   reply:    P/plain/{device}/rx   {"jsonrpc":"2.0","id":n,"result":"pong"}
import { createClient } from '../../../src/mqtt/client';
import { systemClock } from '../../../src/mqtt/clock';
import { espruinoTransport } from '../../../src/mqtt/espruino-transport';

// Put before the built image in .bootcde by the bench: `var PLAIN_CFG = {host, port, prefix};`
declare const PLAIN_CFG: { host: string; port: number; prefix: string };

function start(): void {
  const client = createClient(
    { host: PLAIN_CFG.host, port: PLAIN_CFG.port, clientId: 'plain-responder', keepalive: 30, maxPacket: 4096 + 256 },
    espruinoTransport,
    systemClock,
  );
  // Same QoS as the gateway (src/gateway/main.ts, gateway.ts): requests
  // subscribed at 1, answers published at 0.
  client.subscribe(PLAIN_CFG.prefix + '/plain/rx', 1);
  client.on('connect', function () {
    console.log('plain: connected');
  });
  client.on('message', function (_topic, payload) {
    let req: any;
    try {
      req = JSON.parse(payload);
    } catch (e) {
      return; // not JSON: not a bench request
    }
    if (!req || req.method !== 'ping' || typeof req.device_id !== 'string') return;
    client.publish(PLAIN_CFG.prefix + '/plain/' + req.device_id + '/rx', JSON.stringify({ jsonrpc: '2.0', id: req.id, result: 'pong' }), 0, false);
  });
  client.connect();
}

start();
