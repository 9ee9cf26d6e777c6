/**
 * Philox4x32-10, the counter-based generator of Salmon et al., "Parallel Random Numbers: As
 * Easy as 1, 2, 3" (SC'11), also used by TensorFlow, JAX and cuRAND. Each output block is a
 * pure function of (counter, key), so compiled C++/CUDA kernels can produce the same numbers
 * element by element, in any order, on any number of threads.
 *
 * kiln's counter layout for a random op: [element block, run index, attempt, stream]; the key is
 * the op's two 32-bit seeds.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two uint32 (exact, without BigInt). */
function mulhi(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const hh = ah * bh;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (hh + Math.floor(lh / 65536) + Math.floor(hl / 65536) + Math.floor(mid / 65536)) >>> 0;
}

/** One Philox4x32-10 block: four uint32 words for a 128-bit counter and a 64-bit key. */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  c0 >>>= 0;
  c1 >>>= 0;
  c2 >>>= 0;
  c3 >>>= 0;
  k0 >>>= 0;
  k1 >>>= 0;
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** A uint32 as a float in [0, 1) with 24 random bits: exactly representable in float32. */
export function uint32ToUnit(u: number): number {
  return (u >>> 8) * (1 / 16777216);
}

/** Two 32-bit seeds identifying a random stream (Philox key). */
export type SeedPair = readonly [number, number];

/**
 * `n` uniform floats in [0, 1): element i is word i%4 of block [i/4, runIndex, 0, stream].
 */
export function uniformStream(n: number, key: SeedPair, runIndex: number, stream = 0): Float64Array {
  const out = new Float64Array(n);
  const block = new Uint32Array(4);
  for (let b = 0; b * 4 < n; b++) {
    philox4x32(b, runIndex, 0, stream, key[0], key[1], block);
    for (let w = 0; w < 4 && b * 4 + w < n; w++) out[b * 4 + w] = uint32ToUnit(block[w]!);
  }
  return out;
}

/**
 * `n` standard normal floats (Box-Muller): element i uses words 0 and 1 of block
 * [i, runIndex, attempt, stream]. With `truncate`, values beyond 2 standard deviations are
 * redrawn with the next attempt (as TF's truncated_normal), first trying the sine branch.
 */
export function normalStream(n: number, key: SeedPair, runIndex: number, stream = 0, truncate = false): Float64Array {
  const out = new Float64Array(n);
  const block = new Uint32Array(4);
  for (let i = 0; i < n; i++) {
    for (let attempt = 0; ; attempt++) {
      philox4x32(i, runIndex, attempt, stream, key[0], key[1], block);
      const u1 = 1 - uint32ToUnit(block[0]!); // (0, 1]: log is finite
      const u2 = uint32ToUnit(block[1]!);
      const r = Math.sqrt(-2 * Math.log(u1));
      const z0 = r * Math.cos(2 * Math.PI * u2);
      if (!truncate || Math.abs(z0) <= 2) {
        out[i] = z0;
        break;
      }
      const z1 = r * Math.sin(2 * Math.PI * u2);
      // 64 attempts fail with probability ~0.0455^128: unreachable in practice.
      if (Math.abs(z1) <= 2 || attempt >= 63) {
        out[i] = Math.abs(z1) <= 2 ? z1 : Math.sign(z1) * 2;
        break;
      }
    }
  }
  return out;
}

// Marks keys derived from an op's index, so that in one graph they never equal the key of an
// op given the same number as an explicit seed (op 5 unseeded vs `seed: 5` would otherwise draw
// the identical stream). Any constant works; this one is the fractional part of sqrt(5) (as SHA-256's H2).
const DERIVED_KEY_MARK = 0x3c6ef372;

/**
 * Resolves the Philox key of a random op or initializer, as TF1 combines graph and op seeds:
 * an explicit op seed with the graph seed (0 if unset): `[opSeed, graphSeed]`; no op seed but
 * a graph seed: the op's index in the graph, `[opIndex, graphSeed ^ DERIVED_KEY_MARK]`; neither:
 * a fresh random key, fixed in the graph from then on. Seeds are taken modulo 2^32.
 */
export function resolveSeed(opSeed: number | undefined, graphSeed: number | undefined, opIndex: number): SeedPair {
  if (opSeed !== undefined) return [opSeed >>> 0, (graphSeed ?? 0) >>> 0];
  if (graphSeed !== undefined) return [opIndex >>> 0, (graphSeed ^ DERIVED_KEY_MARK) >>> 0];
  return [(Math.random() * 2 ** 32) >>> 0, (Math.random() * 2 ** 32) >>> 0];
}
