// E.convolve(a, b, k) = Σ_i a[i]·b[(i + k) mod b.length]: a dot product the
// interpreter computes in C, when the firmware has it (every ESP32 build
// does). The limb arithmetic of the pure-JS X25519 and Poly1305 sums its
// products with it, and with the same sums in JS elsewhere (Node).
export type Convolve = (a: Float64Array, b: Float64Array, k: number) => number;

export const convolve: Convolve | undefined =
  typeof E !== 'undefined' && typeof E.convolve === 'function' ? E.convolve : undefined;
