// Espruino's pin and reset functions the sensor image uses (not in
// src/espruino.d.ts, which lists what the gateway needs). Pins are given by
// name, e.g. "D2", as Espruino accepts.
declare function analogRead(pin: string): number;
declare function digitalWrite(pin: string, value: number): void;
declare function load(): void;
