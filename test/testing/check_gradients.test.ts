import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { mapUnary } from '../../src/interpreter/values.js';

type Tensor = kiln.Tensor;

/**
 * Test-only ops computing x³, registered once: 'TestCube' with the right gradient (3x²·dy),
 * 'TestCubeWrongGrad' with a deliberately wrong one (2x²·dy, a classic slip), and
 * 'TestCubeOneBadElement' whose gradient is right except at flat element 4 (+0.5).
 */
function registerCubes(): void {
  if (kiln.registeredOps().includes('TestCube')) return;
  const base = {
    kind: 'elementwise' as const,
    infer: ([x]: readonly kiln.TensorSpec[]) => [{ shape: x!.shape, dtype: x!.dtype }],
    evaluate: ([x]: readonly kiln.NDArray[]) => [mapUnary(x!, (v) => v * v * v)],
  };
  const x2 = (ctx: kiln.GradContext) => kiln.mul(ctx.inputs[0]!, ctx.inputs[0]!);
  kiln.registerOp({ ...base, name: 'TestCube', apiName: 'testCube', gradient: (ctx, [dy]) => [kiln.mul(dy!, kiln.mul(x2(ctx), 3))] });
  kiln.registerOp({ ...base, name: 'TestCubeWrongGrad', apiName: 'testCubeWrongGrad', gradient: (ctx, [dy]) => [kiln.mul(dy!, kiln.mul(x2(ctx), 2))] });
  kiln.registerOp({
    ...base,
    name: 'TestCubeOneBadElement',
    apiName: 'testCubeOneBadElement',
    gradient: (ctx, [dy]) => {
      const bump = new Float32Array(6);
      bump[4] = 0.5;
      return [kiln.add(kiln.mul(dy!, kiln.mul(x2(ctx), 3)), kiln.constant(new kiln.NDArray(bump, [2, 3], 'float32')))];
    },
  });
}
registerCubes();
const cube = (type: string) => (x: Tensor) => kiln.apply(type, [x]);

const xs = [
  [0.3, -1.2, 0.8],
  [1.5, -0.4, 0.9],
];

describe('kiln.testing.checkGradients', () => {
  it('passes correct gradients (custom op and built-in composites), reporting the worst element', () => {
    const r = kiln.testing.checkGradients(cube('TestCube'), [xs]);
    expect(r.ok).toBe(true);
    expect(r.inputs).toHaveLength(1);
    expect(r.inputs[0]!.maxError).toBeLessThan(1e-6);
    expect(r.inputs[0]!.shape).toEqual([2, 3]);
    const w = [[0.5, -0.3], [0.1, 0.7], [-0.6, 0.2]];
    const r2 = kiln.testing.checkGradients((x, wt) => kiln.tanh(kiln.matmul(x, wt)), [xs, w]);
    expect(r2.ok, r2.toString()).toBe(true);
    expect(r2.inputs.map((i) => i.input)).toEqual([0, 1]);
    expect(r2.toString()).toMatch(/^input 0 \[2,3\]: max relative error .* ok\ninput 1 \[3,2\]: .* ok$/);
  });

  it('flags a deliberately wrong custom gradient, with the worst element and both values', () => {
    const r = kiln.testing.checkGradients(cube('TestCubeWrongGrad'), [xs]);
    expect(r.ok).toBe(false);
    const i = r.inputs[0]!;
    expect(i.ok).toBe(false);
    // the error is x²·w: worst at the largest |x| (1.5, element [1,0]) when weighed by w in [0.5, 1.5)
    expect(i.maxError).toBeGreaterThan(0.1);
    expect(i.symbolic / i.numeric).toBeCloseTo(2 / 3, 6);
    expect(i.worstCoords).toEqual([Math.floor(i.worstIndex / 3), i.worstIndex % 3]);
    expect(r.toString()).toMatch(/FAIL \(tolerance 1e-5\)/);
    expect(r.toString()).toContain(`at [${i.worstCoords.join(',')}]`);
  });

  it('locates a gradient wrong in one element', () => {
    const r = kiln.testing.checkGradients(cube('TestCubeOneBadElement'), [xs]);
    expect(r.ok).toBe(false);
    expect(r.inputs[0]!.worstIndex).toBe(4);
    expect(r.inputs[0]!.worstCoords).toEqual([1, 1]);
    expect(r.inputs[0]!.symbolic - r.inputs[0]!.numeric).toBeCloseTo(0.5, 5);
  });

  it('reports an input the output does not depend on as missing, with zero error', () => {
    const r = kiln.testing.checkGradients((x, _y) => kiln.square(x), [[1, 2], [3, 4]]);
    expect(r.ok).toBe(true);
    expect(r.inputs[1]!.missing).toBe(true);
    expect(r.inputs[1]!.maxError).toBe(0);
    expect(r.toString()).toContain('no symbolic gradient');
  });

  it('checks only the inputs asked for, and rejects bad requests', () => {
    const r = kiln.testing.checkGradients((x, y) => kiln.mul(x, y), [[1, 2], [3, 4]], { wrt: [1] });
    expect(r.inputs.map((i) => i.input)).toEqual([1]);
    expect(() => kiln.testing.checkGradients((x) => x, [[1]], { wrt: [3] })).toThrow(/wrt index 3/);
    expect(() => kiln.testing.checkGradients((x) => kiln.cast(x, 'int32'), [[1]])).toThrow(/expected a float32 tensor/);
    const ints = new kiln.NDArray(Int32Array.from([1, 2]), [2], 'int32');
    expect(() => kiln.testing.checkGradients((x, i) => kiln.add(x, kiln.cast(i, 'float32')), [[1, 2], ints], { wrt: [1] })).toThrow(/input 1 is int32/);
  });
});
