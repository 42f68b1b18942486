// The protocol core's public surface (docs/protocol.md), shared by the gateway,
// the device SDKs, the simulator and the tests.
export * from './constants';
export * from './bytes';
export * from './device-id';
export * from './jsonrpc';
export * from './keys';
export * from './envelope';
export * from './enrollment';
export * from './counter';
