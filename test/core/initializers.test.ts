import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { computeFans } from '../../src/init/initializers.js';

const init = kiln.initializers;
const KEY = [12, 34] as const;

function stats(xs: ArrayLike<number>) {
  let s = 0;
  let s2 = 0;
  let maxAbs = 0;
  for (let i = 0; i < xs.length; i++) {
    s += xs[i]!;
    s2 += xs[i]! * xs[i]!;
    maxAbs = Math.max(maxAbs, Math.abs(xs[i]!));
  }
  const mean = s / xs.length;
  return { mean, variance: s2 / xs.length - mean * mean, maxAbs };
}

describe('computeFans (Keras)', () => {
  it('uses [in, out] for 2-D and receptive field x channels for HWIO kernels', () => {
    expect(computeFans([784, 32])).toEqual({ fanIn: 784, fanOut: 32 });
    expect(computeFans([3, 3, 16, 32])).toEqual({ fanIn: 144, fanOut: 288 });
    expect(computeFans([5, 16, 8])).toEqual({ fanIn: 80, fanOut: 40 }); // 1-D conv, WIO
    expect(computeFans([2, 3, 3, 4, 8])).toEqual({ fanIn: 72, fanOut: 144 });
    expect(computeFans([7])).toEqual({ fanIn: 7, fanOut: 7 });
    expect(computeFans([])).toEqual({ fanIn: 1, fanOut: 1 });
  });
});

describe('uniform initializers', () => {
  const cases: [string, kiln.Initializer, number[], number][] = [
    ['glorotUniform 2-D', init.glorotUniform(), [300, 400], Math.sqrt(6 / 700)],
    ['glorotUniform HWIO', init.glorotUniform(), [3, 3, 64, 128], Math.sqrt(6 / (576 + 1152))],
    ['heUniform 2-D', init.heUniform(), [300, 400], Math.sqrt(6 / 300)],
    ['heUniform HWIO', init.heUniform(), [3, 3, 64, 128], Math.sqrt(6 / 576)],
    ['randomUniform (Keras default +-0.05)', init.randomUniform(), [100_000], 0.05],
  ];
  for (const [name, ini, shape, limit] of cases) {
    it(`${name}: within +-limit, variance limit^2 / 3`, () => {
      const v = ini.generate(shape, 'float32', KEY);
      expect(v.shape).toEqual(shape);
      expect(v.data).toBeInstanceOf(Float32Array);
      const s = stats(v.data);
      expect(s.maxAbs).toBeLessThanOrEqual(Math.fround(limit));
      expect(s.maxAbs).toBeGreaterThan(0.999 * limit);
      // n >= 73728: se of the variance <= sqrt(4/45 / n) limit^2 = 1.1e-3 limit^2 (0.33% of limit^2/3)
      expect(Math.abs(s.variance / (limit * limit / 3) - 1)).toBeLessThan(0.02);
      expect(Math.abs(s.mean) / limit).toBeLessThan(5 * Math.sqrt(1 / 3 / v.size));
    });
  }
});

describe('normal initializers', () => {
  const C = 0.87962566103423978; // stddev of a unit normal truncated to [-2, 2]
  const cases: [string, kiln.Initializer, number[], number, number][] = [
    // name, initializer, shape, target stddev of the values, truncation bound
    ['glorotNormal 2-D', init.glorotNormal(), [400, 300], Math.sqrt(2 / 700), (2 * Math.sqrt(2 / 700)) / C],
    ['glorotNormal HWIO', init.glorotNormal(), [3, 3, 32, 64], Math.sqrt(2 / (288 + 576)), (2 * Math.sqrt(2 / 864)) / C],
    ['heNormal 2-D', init.heNormal(), [400, 300], Math.sqrt(2 / 400), (2 * Math.sqrt(2 / 400)) / C],
    ['heNormal HWIO', init.heNormal(), [3, 3, 32, 64], Math.sqrt(2 / 288), (2 * Math.sqrt(2 / 288)) / C],
    ['truncatedNormal (Keras default 0.05)', init.truncatedNormal(), [100_000], 0.05 * C, 0.1],
  ];
  for (const [name, ini, shape, target, bound] of cases) {
    it(`${name}: stddev ~ target, truncated at 2 x the truncated normal's stddev parameter`, () => {
      const v = ini.generate(shape, 'float32', KEY);
      const s = stats(v.data);
      // n >= 36864: se of the stddev <= target / sqrt(2n) = 0.37% of target
      expect(Math.abs(Math.sqrt(s.variance) / target - 1)).toBeLessThan(0.02);
      expect(s.maxAbs).toBeLessThanOrEqual(Math.fround(bound) * (1 + 1e-7));
      expect(s.maxAbs).toBeGreaterThan(0.99 * bound);
      // Keras draws truncated_normal(stddev = target / 0.8796): values do go beyond 2 x target.
      if (name !== 'truncatedNormal (Keras default 0.05)') expect(s.maxAbs).toBeGreaterThan(2 * target);
      expect(Math.abs(s.mean) / target).toBeLessThan(5 / Math.sqrt(v.size));
    });
  }

  it('randomNormal is not truncated (Keras default stddev 0.05)', () => {
    const s = stats(init.randomNormal().generate([100_000], 'float32', KEY).data);
    expect(Math.abs(Math.sqrt(s.variance) / 0.05 - 1)).toBeLessThan(0.02);
    expect(s.maxAbs).toBeGreaterThan(3.5 * 0.05);
    const m = stats(init.randomNormal({ mean: 2, stddev: 0.5 }).generate([10_000], 'float32', KEY).data);
    expect(Math.abs(m.mean - 2)).toBeLessThan(0.05);
  });
});

describe('constant initializers and lookup', () => {
  it('zeros, ones and constant fill the shape', () => {
    expect(Array.from(init.zeros().generate([2, 3], 'float32', KEY).data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(init.ones().generate([4], 'float32', KEY).data)).toEqual([1, 1, 1, 1]);
    const c = init.constantInitializer(0.25).generate([2, 2], 'float32', KEY);
    expect(c.shape).toEqual([2, 2]);
    expect(Array.from(c.data)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(Array.from(init.ones().generate([2], 'int32', KEY).data)).toEqual([1, 1]);
    expect(init.ones().generate([2], 'int32', KEY).data).toBeInstanceOf(Int32Array);
  });

  it('looks initializers up by name and lists the known names on a miss', () => {
    expect(init.getInitializer('heNormal').name).toBe('heNormal');
    expect(init.getInitializer('zeros').generate([1], 'float32', KEY).item()).toBe(0);
    expect(() => init.getInitializer('glorot')).toThrowError(/unknown initializer 'glorot'; known: zeros, ones, glorotUniform/);
  });
});

describe('initializers through variables', () => {
  const build = (graphSeed: number | undefined, ini: () => string | kiln.Initializer, extraOps = 0) => {
    const g = new kiln.Graph();
    g.seed = graphSeed;
    return g.asDefault(() => {
      for (let i = 0; i < extraOps; i++) kiln.constant(i);
      const w = kiln.variable(ini(), { shape: [20, 10], name: 'kernel' });
      return Array.from(new kiln.Session(g).getValue(w).data);
    });
  };

  it('an op-level seed reproduces the values, wherever the variable sits in the graph', () => {
    const a = build(undefined, () => init.glorotUniform({ seed: 5 }));
    expect(build(undefined, () => init.glorotUniform({ seed: 5 }), 3)).toEqual(a);
    expect(build(undefined, () => init.glorotUniform({ seed: 6 }))).not.toEqual(a);
  });

  it('a graph seed reproduces the values of an unseeded initializer; no seed at all does not', () => {
    const a = build(7, () => 'heNormal');
    expect(build(7, () => 'heNormal')).toEqual(a);
    expect(build(8, () => 'heNormal')).not.toEqual(a);
    expect(build(undefined, () => 'heNormal')).not.toEqual(build(undefined, () => 'heNormal'));
  });

  it("gives a [784, 32] 'glorotUniform' variable sensible values through a Session", () => {
    const g = new kiln.Graph();
    g.seed = 1;
    g.asDefault(() => {
      const w = kiln.variable('glorotUniform', { shape: [784, 32], name: 'kernel' });
      const s1 = new kiln.Session(g);
      const v = s1.run(w);
      expect(v.shape).toEqual([784, 32]);
      expect(v.dtype).toBe('float32');
      const limit = Math.sqrt(6 / (784 + 32));
      const s = stats(v.data);
      expect(s.maxAbs).toBeLessThanOrEqual(Math.fround(limit));
      expect(s.maxAbs).toBeGreaterThan(0.99 * limit);
      expect(Math.abs(s.mean)).toBeLessThan(0.01 * limit * 5);
      // n = 25088: se of the variance ~ 0.56% of limit^2 / 3
      expect(Math.abs(s.variance / (limit * limit / 3) - 1)).toBeLessThan(0.03);
      expect(new Set(v.data).size).toBeGreaterThan(25_000);
      // A second session starts from the same values; a variable keeps its value across runs.
      expect(Array.from(new kiln.Session(g).getValue(w).data)).toEqual(Array.from(v.data));
      expect(Array.from(s1.run(w).data)).toEqual(Array.from(v.data));
    });
  });
});
