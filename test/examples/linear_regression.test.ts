import { describe, expect, it } from 'vitest';
import { fitLinearRegression } from '../../examples/linear_regression.js';

describe('TF1-style linear regression (gradients + assignSub)', () => {
  it('converges to the least-squares solution', () => {
    const r = fitLinearRegression({ steps: 400, learningRate: 0.05 });
    r.w.forEach((w, i) => expect(Math.abs(w - r.lsqW[i]!), `w[${i}] = ${w}, least squares ${r.lsqW[i]}`).toBeLessThan(2e-3));
    expect(Math.abs(r.b - r.lsqB), `b = ${r.b}, least squares ${r.lsqB}`).toBeLessThan(2e-3);
    // the loss decreases monotonically at the logged steps
    for (let i = 1; i < r.losses.length; i++) expect(r.losses[i]!).toBeLessThanOrEqual(r.losses[i - 1]!);
  });
});
