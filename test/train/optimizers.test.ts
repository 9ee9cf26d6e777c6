import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose } from '../helpers.js';

/**
 * Each optimizer minimizes loss = sum(c * p^2) / 2 (gradient c * p) from p0 for a few steps;
 * the test replays the documented Keras formula in float64 and compares.
 */
function runSteps(opt: kiln.Optimizer, steps: number, p0: number[], c: number[], backend: kiln.Backend = 'native'): number[][] {
  const g = new kiln.Graph();
  return g.asDefault(() => {
    const p = kiln.variable(p0, { name: 'p' });
    const loss = kiln.mul(kiln.sum(kiln.mul(kiln.square(p), kiln.constant(c))), 0.5);
    const train = opt.minimize(loss);
    const sess = new kiln.Session(g, { backend });
    const out: number[][] = [];
    for (let i = 0; i < steps; i++) {
      sess.run(train);
      out.push(Array.from(sess.getValue(p).data));
    }
    expect(sess.getValue(opt.iterations(g)).item()).toBe(steps);
    return out;
  });
}

const p0 = [1, -2, 0.5];
const c = [1, 0.5, 2];
const f32 = Math.fround;

function replay(steps: number, step: (p: number[], g: number[], t: number) => number[]): number[][] {
  let p = p0.map(f32);
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    const g = p.map((x, i) => x * c[i]!);
    p = step(p, g, t).map(f32);
    out.push(p);
  }
  return out;
}

function expectTrajectory(got: number[][], want: number[][]): void {
  got.forEach((row, i) => expectClose(row, want[i]!, 1e-5));
}

for (const backend of ['native', 'interpreter'] as const) describe(`optimizers (Keras formulas, ${backend})`, () => {
  it('SGD with time-based decay', () => {
    const lr = 0.1;
    const decay = 0.5;
    expectTrajectory(
      runSteps(new kiln.SGD({ lr, decay }), 4, p0, c, backend),
      replay(4, (p, g, t) => p.map((x, i) => x - (lr / (1 + decay * t)) * g[i]!)),
    );
  });

  it('SGD with momentum and with Nesterov momentum', () => {
    for (const nesterov of [false, true]) {
      const lr = 0.1;
      const mu = 0.9;
      let v = [0, 0, 0];
      const want = replay(5, (p, g) => {
        v = v.map((vi, i) => mu * vi - lr * g[i]!);
        return p.map((x, i) => (nesterov ? x + mu * v[i]! - lr * g[i]! : x + v[i]!));
      });
      expectTrajectory(runSteps(new kiln.SGD({ learningRate: lr, momentum: mu, nesterov }), 5, p0, c, backend), want);
    }
  });

  it('Adam (epsilon outside the root of the uncorrected v, as Keras)', () => {
    const lr = 0.01;
    const [b1, b2, eps] = [0.9, 0.999, 1e-7];
    let m = [0, 0, 0];
    let v = [0, 0, 0];
    const want = replay(5, (p, g, t) => {
      const lrT = (lr * Math.sqrt(1 - b2 ** (t + 1))) / (1 - b1 ** (t + 1));
      m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i]!);
      v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i]! ** 2);
      return p.map((x, i) => x - (lrT * m[i]!) / (Math.sqrt(v[i]!) + eps));
    });
    expectTrajectory(runSteps(new kiln.Adam({ learningRate: lr }), 5, p0, c, backend), want);
  });

  it('RMSprop without and with momentum', () => {
    const lr = 0.01;
    const [rho, eps] = [0.9, 1e-7];
    let a = [0, 0, 0];
    const want = replay(4, (p, g) => {
      a = a.map((ai, i) => rho * ai + (1 - rho) * g[i]! ** 2);
      return p.map((x, i) => x - (lr * g[i]!) / (Math.sqrt(a[i]!) + eps));
    });
    expectTrajectory(runSteps(new kiln.RMSprop({ learningRate: lr }), 4, p0, c, backend), want);
    a = [0, 0, 0];
    let mom = [0, 0, 0];
    const wantM = replay(4, (p, g) => {
      a = a.map((ai, i) => rho * ai + (1 - rho) * g[i]! ** 2);
      mom = mom.map((mi, i) => 0.5 * mi + (lr * g[i]!) / Math.sqrt(a[i]! + eps));
      return p.map((x, i) => x - mom[i]!);
    });
    expectTrajectory(runSteps(new kiln.RMSprop({ learningRate: lr, momentum: 0.5 }), 4, p0, c, backend), wantM);
  });

  it('Adagrad', () => {
    const lr = 0.1;
    let acc = [0.1, 0.1, 0.1];
    const want = replay(4, (p, g) => {
      acc = acc.map((ai, i) => ai + g[i]! ** 2);
      return p.map((x, i) => x - (lr * g[i]!) / (Math.sqrt(acc[i]!) + 1e-7));
    });
    expectTrajectory(runSteps(new kiln.Adagrad({ learningRate: lr }), 4, p0, c, backend), want);
  });

  it('rejects bad hyperparameters and losses without trainable variables', () => {
    expect(() => new kiln.SGD({ lr: -1 })).toThrowError(/learningRate must be a positive number, got -1/);
    expect(() => new kiln.SGD({ momentum: 1 })).toThrowError(/SGD: momentum must be in \[0, 1\), got 1/);
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [2], 'x');
      const w = kiln.variable([1, 1], { name: 'w' });
      kiln.variable([1], { name: 'unused' });
      const loss = kiln.sum(kiln.mul(x, x));
      expect(() => new kiln.SGD().minimize(loss, [w])).toThrowError(/SGD.applyGradients: no variable has a gradient/);
    });
  });

  it('reads the learning rate from a variable that can change between steps', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const p = kiln.variable([1], { name: 'p' });
      const opt = new kiln.SGD({ lr: 0.5 });
      const train = opt.minimize(kiln.sum(p)); // gradient 1
      const sess = new kiln.Session(g, { backend });
      sess.run(train);
      sess.setValue(opt.learningRate(g), 0.25);
      sess.run(train);
      expectClose(Array.from(sess.getValue(p).data), [1 - 0.5 - 0.25]);
    });
  });
});
