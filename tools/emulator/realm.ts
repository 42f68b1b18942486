// Helpers that make values in the device's realm, so `instanceof`,
// prototypes and the EventEmitter methods behave as in device code.

export interface Realm {
  readonly global: any;
  object(proto?: object | null): any;
  array(items: unknown[]): any;
  /** A device-realm error of Espruino's kinds. */
  error(message: string, type?: 'Error' | 'TypeError' | 'InternalError' | 'SyntaxError' | 'ReferenceError'): Error;
  uint8(bytes: Uint8Array): Uint8Array;
  arrayBuffer(bytes: Uint8Array): ArrayBuffer;
  /** Queue the listeners of `event` on `target`, as Espruino's jsiQueueObjectCallbacks does. */
  emit(target: object, event: string, args: unknown[]): void;
  hasListener(target: object, event: string): boolean;
  /** Console output of the device (a line ends in "\n"). */
  print(text: string): void;
  /** Espruino's jsError: printed, not thrown. */
  printError(message: string): void;
}

export function listenerKey(event: string): string {
  return `#on${event}`;
}
