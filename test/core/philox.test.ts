import { describe, expect, it } from 'vitest';
import { normalStream, philox4x32, resolveSeed, uint32ToUnit, uniformStream } from '../../src/random/philox.js';

// Known-answer vectors of Random123 (D. E. Shaw Research), file `kat_vectors`, lines
// `philox4x32 10 <counter x4> <key x2> <expected x4>`, all hex uint32.
const KAT: [string, number[], number[], number[]][] = [
  ['zeros', [0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
  [
    'all ones',
    [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    [0xffffffff, 0xffffffff],
    [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  ],
  [
    'pi digits',
    [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    [0xa4093822, 0x299f31d0],
    [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  ],
  // From the longer generated list (Random123's gentests.py): single bits in counter and key.
  ['ctr0=1 key0=1', [1, 0, 0, 0], [1, 0], [0xac08141b, 0xdfc5ccbe, 0x79c07a47, 0xa7f66093]],
  ['ctr3=0x80000000 key1=0x80000000', [0, 0, 0, 0x80000000], [0, 0x80000000], [0xf7a0b371, 0xe51dc93d, 0x56ce135d, 0x1d4b5580]],
  [
    'pi digits, key1=0xffffffff',
    [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    [0, 0xffffffff],
    [0x08f7720c, 0x845ee9e0, 0x502ccd3d, 0xa9a00e27],
  ],
];

const hex = (a: ArrayLike<number>) => Array.from(a, (x) => (x >>> 0).toString(16).padStart(8, '0')).join(' ');

describe('philox4x32-10', () => {
  for (const [name, ctr, key, want] of KAT) {
    it(`matches the Random123 known answer: ${name}`, () => {
      const out = new Uint32Array(4);
      philox4x32(ctr[0]!, ctr[1]!, ctr[2]!, ctr[3]!, key[0]!, key[1]!, out);
      expect(hex(out)).toBe(hex(want));
    });
  }

  it('accepts counters and keys given as negative int32 (same bits)', () => {
    const a = new Uint32Array(4);
    const b = new Uint32Array(4);
    philox4x32(-1, -1, -1, -1, -1, -1, a);
    philox4x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, b);
    expect(hex(a)).toBe(hex(b));
  });
});

describe('uint32ToUnit', () => {
  it('maps uint32 onto [0, 1) with 24 bits, exactly representable in float32', () => {
    expect(uint32ToUnit(0)).toBe(0);
    expect(uint32ToUnit(0xff)).toBe(0); // the low 8 bits are dropped
    expect(uint32ToUnit(0x100)).toBe(2 ** -24);
    expect(uint32ToUnit(0x80000000)).toBe(0.5);
    expect(uint32ToUnit(0xffffffff)).toBe(1 - 2 ** -24);
    expect(uint32ToUnit(-1)).toBe(1 - 2 ** -24);
    for (const u of [0x12345678, 0xdeadbeef, 0x7fffffff]) {
      const x = uint32ToUnit(u);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      expect(Math.fround(x)).toBe(x);
    }
  });
});

describe('uniformStream / normalStream', () => {
  const key = [1234, 5678] as const;

  it('uniformStream: element i is word i%4 of block [i/4, runIndex, 0, stream]', () => {
    const u = uniformStream(10, key, 3, 2);
    const block = new Uint32Array(4);
    for (let i = 0; i < 10; i++) {
      philox4x32(Math.floor(i / 4), 3, 0, 2, key[0], key[1], block);
      expect(u[i]).toBe(uint32ToUnit(block[i % 4]!));
    }
    // A prefix does not depend on the length asked for.
    expect(Array.from(uniformStream(5, key, 3, 2))).toEqual(Array.from(u.subarray(0, 5)));
  });

  it('is deterministic and differs by runIndex, stream and key', () => {
    const base = Array.from(uniformStream(64, key, 0));
    expect(Array.from(uniformStream(64, key, 0))).toEqual(base);
    const variants = [uniformStream(64, key, 1), uniformStream(64, key, 0, 1), uniformStream(64, [1235, 5678], 0), uniformStream(64, [1234, 5679], 0)];
    for (const v of variants) {
      const same = Array.from(v).filter((x, i) => x === base[i]).length;
      expect(same).toBeLessThan(3);
    }
    const nBase = Array.from(normalStream(64, key, 0));
    expect(Array.from(normalStream(64, key, 0))).toEqual(nBase);
    for (const v of [normalStream(64, key, 1), normalStream(64, key, 0, 1), normalStream(64, [9, 5678], 0)]) {
      expect(Array.from(v).filter((x, i) => x === nBase[i]).length).toBeLessThan(3);
    }
  });

  it('uniformStream has mean 1/2 and variance 1/12', () => {
    const n = 200_000;
    const u = uniformStream(n, key, 7);
    let s = 0;
    let s2 = 0;
    let min = 1;
    let max = 0;
    for (const x of u) {
      s += x;
      s2 += x * x;
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    // standard error of the mean: sqrt(1/12 / n) = 6.5e-4; of the variance: sqrt(1/180 / n) = 1.7e-4
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * 6.5e-4);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(5 * 1.7e-4);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
  });

  it('normalStream is N(0, 1); truncated, it stays within 2 with stddev 0.8796', () => {
    const n = 100_000;
    const stats = (z: Float64Array) => {
      let s = 0;
      let s2 = 0;
      let maxAbs = 0;
      for (const x of z) {
        s += x;
        s2 += x * x;
        maxAbs = Math.max(maxAbs, Math.abs(x));
      }
      return { mean: s / n, sd: Math.sqrt(s2 / n - (s / n) ** 2), maxAbs };
    };
    const z = stats(normalStream(n, key, 0));
    // standard error of the mean 1/sqrt(n) = 3.2e-3; of the stddev ~ 1/sqrt(2n) = 2.2e-3
    expect(Math.abs(z.mean)).toBeLessThan(0.016);
    expect(Math.abs(z.sd - 1)).toBeLessThan(0.011);
    expect(z.maxAbs).toBeGreaterThan(3.5); // the tails are there (P(|z| > 3.5) * n ~ 47)
    const t = stats(normalStream(n, key, 0, 0, true));
    expect(t.maxAbs).toBeLessThanOrEqual(2);
    expect(Math.abs(t.mean)).toBeLessThan(0.015);
    expect(Math.abs(t.sd - 0.87962566103423978)).toBeLessThan(0.01);
  });
});

describe('resolveSeed', () => {
  it('combines op and graph seeds as TF1 does', () => {
    expect(resolveSeed(5, undefined, 9)).toEqual([5, 0]);
    expect(resolveSeed(5, 7, 9)).toEqual([5, 7]);
    const derived = resolveSeed(undefined, 7, 9);
    expect(derived[0]).toBe(9);
    // A key derived from the op index never equals an explicit seed's key in the same graph.
    expect(derived).not.toEqual(resolveSeed(9, 7, 3));
    expect(resolveSeed(undefined, 7, 9)).toEqual(derived);
    expect(resolveSeed(-1, undefined, 0)).toEqual([0xffffffff, 0]);
    const r = resolveSeed(undefined, undefined, 0);
    expect(r.every((k) => Number.isInteger(k) && k >= 0 && k <= 0xffffffff)).toBe(true);
  });
});
