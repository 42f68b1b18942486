// The I/O the MQTT client is given: a TCP transport and timers, so the same
// client runs on Espruino (espruino-transport.ts), on Node (node/transport.ts)
// and in virtual time in tests.

export interface TransportHandlers {
  connect(): void;
  data(chunk: string): void;
  /** Called at most once, when the connection fails or ends for any reason. */
  close(reason?: string): void;
}

export interface Connection {
  write(bytes: string): void;
  /** Closes after flushing what was written. */
  end(): void;
}

/** Opens a TCP connection; handlers are called later, never from within connect(). */
export interface Transport {
  connect(host: string, port: number, handlers: TransportHandlers): Connection;
}

/** Timers and a millisecond clock; the client itself uses only the timers. */
export interface Clock {
  now(): number;
  /** a handle only clearTimeout reads */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
