import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, expectClose, f64, randomData } from '../helpers.js';
import { errorOf, forward, gradAt } from './unary_helpers.js';

const shapes = [[5], [2, 3], [2, 1, 3]];
const randomIn = (shape: number[], seed: number) => f64(randomData(shape.reduce((a, b) => a * b, 1), seed, -2, 2), shape);
/** x·f(x): its gradient f(x) + x·f'(x) runs dy through the gradient op, so checking it checks f''. */
const timesX = (f: (x: kiln.Tensor) => kiln.Tensor) => (x: kiln.Tensor) => kiln.gradients(kiln.mul(f(x), x), [x])[0]!;

describe('relu', () => {
  it('computes max(x, 0); NaN stays NaN', () => {
    expectClose(forward(kiln.relu, [-1, 0, 2, -Infinity, Infinity, NaN]), [0, 0, 2, 0, Infinity, NaN]);
  });

  it("has gradient dy where x > 0, strict: relu'(0) = 0", () => {
    expect(gradAt(kiln.relu, [-1, 0, 2])).toEqual([0, 0, 1]);
    expect(gradAt(kiln.relu, [-1, 0, 2], [3, 3, 3])).toEqual([0, 0, 3]);
    for (const [i, shape] of shapes.entries()) checkGradient((x) => kiln.relu(x), [randomIn(shape, 90 + i)]);
  });

  it('uses one ReluGrad op, itself differentiable', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      const [dx] = kiln.gradients(kiln.relu(x), [x]);
      expect(dx!.op.type).toBe('ReluGrad');
      expect(dx!.shape).toEqual([null, 3]);
    });
    checkGradient(timesX(kiln.relu), [randomIn([2, 3], 95)]);
  });

  it('ReluGrad rejects dy and x of different shapes', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const dy = kiln.placeholder('float32', [2, 3], 'dy');
      const x = kiln.placeholder('float32', [null, 4], 'x');
      const err = errorOf(() => kiln.reluGrad(dy, x, {}));
      expect(err).toBeInstanceOf(kiln.ShapeError);
      expect(err.message).toMatch(/^reluGrad 'ReluGrad': dy and x must have one shape, got dy \[2,3\] and x \[\?,4\] \(created at test\/ops\/relu\.test\.ts:\d+\)$/);
    });
  });
});

describe('leakyRelu', () => {
  it('computes x for x > 0, alpha·x otherwise, alpha defaulting to 0.2 (Keras, tf.nn)', () => {
    expectClose(forward((x) => kiln.leakyRelu(x), [-2, 0, 3, -Infinity, NaN]), [-0.4, 0, 3, -Infinity, NaN], 1e-15);
    expectClose(forward((x) => kiln.leakyRelu(x, 0.01), [-2, 3]), [-0.02, 3], 1e-15);
    expectClose(forward((x) => kiln.leakyRelu(x, -1), [-2, 3]), [2, 3], 1e-15);
  });

  it("has gradient dy for x > 0, alpha·dy otherwise: leakyRelu'(0) = alpha", () => {
    expectClose(gradAt((x) => kiln.leakyRelu(x), [-1, 0, 2]), [0.2, 0.2, 1], 1e-15);
    expectClose(gradAt((x) => kiln.leakyRelu(x, 0.3), [-1, 0, 2], [2, 2, 2]), [0.6, 0.6, 2], 1e-15);
    for (const [i, shape] of shapes.entries()) checkGradient((x) => kiln.leakyRelu(x, 0.1), [randomIn(shape, 100 + i)]);
    checkGradient(timesX((x) => kiln.leakyRelu(x, 0.3)), [randomIn([2, 3], 105)]);
  });

  it('rejects a non-finite alpha with an InvalidArgumentError', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [2], 'x');
      const err = errorOf(() => kiln.leakyRelu(x, NaN, 'lrelu'));
      expect(err).toBeInstanceOf(kiln.InvalidArgumentError);
      expect(err.message).toMatch(/^leakyRelu 'lrelu': alpha must be a finite number, got NaN \(created at test\/ops\/relu\.test\.ts:\d+\)$/);
    });
  });
});

describe('elu', () => {
  it('computes x for x > 0, alpha·(e^x − 1) otherwise, alpha defaulting to 1', () => {
    expectClose(forward((x) => kiln.elu(x), [-1, -2, 0, 2, -Infinity, NaN]), [-0.6321205588285577, -0.8646647167633873, 0, 2, -1, NaN], 1e-15);
    expectClose(forward((x) => kiln.elu(x, 0.5), [-1, 1e-10 * -1]), [-0.31606027941427883, -5e-11], 1e-15);
  });

  it("has gradient dy for x > 0, dy·alpha·e^x otherwise: elu'(0) = alpha", () => {
    expectClose(gradAt((x) => kiln.elu(x), [-1, 0, 2]), [Math.exp(-1), 1, 1], 1e-15);
    expectClose(gradAt((x) => kiln.elu(x, 0.5), [0, -2]), [0.5, 0.5 * Math.exp(-2)], 1e-15);
    for (const [i, shape] of shapes.entries()) checkGradient((x) => kiln.elu(x, 1.5), [randomIn(shape, 110 + i)]);
  });

  it('has a second derivative through EluGrad (both of its inputs)', () => {
    checkGradient(timesX((x) => kiln.elu(x, 0.7)), [randomIn([2, 3], 115)]);
    checkGradient((x) => kiln.gradients(kiln.elu(x), [x])[0]!, [randomIn([5], 116)]);
  });

  it('rejects int32 input', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const i = kiln.placeholder('int32', [2], 'i');
      expect(() => kiln.elu(i)).toThrowError(/^elu 'Elu': expected float32, got int32 \(created at test\/ops\/relu\.test\.ts:\d+\)$/);
    });
  });
});
