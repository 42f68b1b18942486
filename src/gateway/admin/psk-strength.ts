// How hard a pre-shared key is to guess. One connect request (psk_proof =
// HMAC(SHA256(psk), …)) lets anyone on the broker test guesses offline, at
// GPU speed: a PSK needs about 96 bits of entropy to stay out of reach. The
// estimate below is deliberately pessimistic: a run of three or more letters
// counts as one word from a big list (13 bits), whatever its length, and no
// key is worth more than its distinct characters allow. The dashboard proposes
// 128 random bits as 32 hex digits in groups of four (generatePsk).
// Pure: the gateway (at approval) and the dashboard (as the admin types) share it.

export const STRONG_BITS = 96;
const WORD_BITS = 13; // log2 of a 7776-word list, rounded up
const SEPARATORS = '- :_.';

function log2(x: number): number {
  return Math.log(x) / Math.LN2;
}

function isLetter(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/** A pessimistic estimate of the PSK's entropy in bits (the UTF-8 bytes of the text). */
export function pskBits(psk: string): number {
  // one declaration of the loop variables for the whole function: Espruino
  // does not hoist `var`, and the minifier merges block-scoped names
  let i: number;
  let c: string;
  let compact = '';
  let lower = 0;
  let upper = 0;
  let digit = 0;
  let other = 0;
  const seen: { [c: string]: boolean } = {};
  let distinct = 0;
  for (i = 0; i < psk.length; i++) {
    c = psk.charAt(i);
    if (SEPARATORS.indexOf(c) < 0) compact += c;
    if (c >= 'a' && c <= 'z') lower = 26;
    else if (c >= 'A' && c <= 'Z') upper = 26;
    else if (c >= '0' && c <= '9') digit = 10;
    else other = 33;
    if (!seen['#' + c]) {
      seen['#' + c] = true;
      distinct++;
    }
  }
  // no key is worth more than its distinct characters allow ("aaaa…", "1111…")
  const cap = psk.length * log2(distinct + 1);
  // only hex digits (and separators): 4 bits each, as generated keys are
  if (compact.length && /^[0-9a-fA-F]+$/.test(compact)) return Math.floor(Math.min(4 * compact.length, cap));
  const perChar = log2(lower + upper + digit + other || 1);
  let bits = 0;
  let run = 0; // letters in the current run
  for (i = 0; i <= psk.length; i++) {
    c = psk.charAt(i); // "" past the end closes the last run
    if (c && isLetter(c)) {
      run++;
      continue;
    }
    if (run) bits += run >= 3 ? Math.min(WORD_BITS, run * perChar) : run * perChar;
    run = 0;
    if (c) bits += SEPARATORS.indexOf(c) >= 0 ? 1 : perChar;
  }
  return Math.floor(Math.min(bits, cap));
}

export function isWeakPsk(psk: string): boolean {
  return pskBits(psk) < STRONG_BITS;
}

/** 128 random bits as "a3f9-1c0e-…" (8 groups of 4 hex digits): easy to read out and type. */
export function generatePsk(random16: Uint8Array): string {
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i && !(i & 1)) s += '-';
    s += (256 + random16[i]).toString(16).substr(1);
  }
  return s;
}
