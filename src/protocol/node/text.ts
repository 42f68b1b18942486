// Node-side bridge to the core's byte-string convention: UTF-8 text ⇄ a string
// with one char per byte (what Buffer calls 'latin1').

export function utf8ToBinary(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

export function binaryToUtf8(s: string): string {
  return Buffer.from(s, 'latin1').toString('utf8');
}
