// What Espruino 2v29's `net` sockets can do that their API does not name.

/**
 * Closes the connection now, dropping unsent bytes. socket.end() waits until
 * every byte is out, which is forever when the client never reads; the
 * firmware's socket loop (libs/network/socketserver.c) closes a connection
 * whose `clsNow` field is set on its next pass, firing 'close' as usual.
 */
export function abortSocket(sock: EspruinoSocket): void {
  sock.clsNow = true;
}

let gatewayNet: EspruinoModules['GatewayNet'] | null | undefined; // the custom firmware's GatewayNet library, null without it

/**
 * The client's IPv4 address ("192.168.1.20"), or "" when the firmware cannot
 * tell: 2v29 accepts connections without keeping the peer's address, so only
 * the custom firmware's GatewayNet.peer (native/jswrap_gateway_net.c) knows
 * it. The login back-off is kept per address; without one, all clients share one.
 */
export function clientAddress(sock: EspruinoSocket): string {
  if (gatewayNet === undefined)
    try {
      gatewayNet = require('GatewayNet');
    } catch (e) {
      gatewayNet = null; // stock firmware
    }
  return gatewayNet ? gatewayNet.peer(sock) || '' : '';
}
