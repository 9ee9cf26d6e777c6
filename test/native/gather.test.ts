import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { loadAddon } from '../../src/native/addon.js';

describe('batch gather (kiln.datasets.takeRows, native row copy)', () => {
  it('copies the indexed rows for float32 and int32 and writes into a reused buffer', () => {
    const x = new kiln.NDArray(Float32Array.from({ length: 5 * 100 }, (_, i) => i), [5, 100], 'float32');
    const idx = Int32Array.of(4, 0, 2, 2);
    const out = new kiln.NDArray(new Float32Array(3 * 100), [3, 100], 'float32');
    kiln.datasets.takeRows(x, idx, 1, 4, out);
    expect(Array.from(out.data.subarray(0, 3))).toEqual([0, 1, 2]);
    expect(Array.from(out.data.subarray(100, 103))).toEqual([200, 201, 202]);
    expect(out.data[299]).toBe(299);
    const xi = new kiln.NDArray(Int32Array.from({ length: 3 * 80 }, (_, i) => -i), [3, 80], 'int32');
    const got = kiln.datasets.takeRows(xi, Int32Array.of(2, 1));
    expect(got.shape).toEqual([2, 80]);
    expect(got.data[0]).toBe(-160);
    expect(got.data[80]).toBe(-80);
  });

  it('throws (writing nothing) for an index out of range', () => {
    const src = new Float32Array(2 * 100).fill(1);
    const dst = new Float32Array(2 * 100);
    expect(() => loadAddon().gatherRows(src, 100, Int32Array.of(0, 2), 0, 2, dst)).toThrowError(
      /gatherRows: index 2 at position 1 is out of range \[0, 2\)/,
    );
    expect(dst.every((v) => v === 0)).toBe(true);
    expect(() => loadAddon().gatherRows(src, 100, Int32Array.of(0), 0, 1, new Float32Array(10))).toThrowError(/dst is too small/);
  });
});
