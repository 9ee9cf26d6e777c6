/**
 * TF1-style linear regression: placeholders, variables, `gradients` and `assignSub`, trained
 * with plain gradient descent on synthetic data, then compared with the least-squares solution
 * (normal equations). Run: `npm run demo` (after `npm install`).
 */
import { pathToFileURL } from 'node:url';
import * as kiln from '../src/index.js';

export interface LinearRegressionResult {
  /** Learned weights [features] and bias. */
  w: number[];
  b: number;
  /** Least-squares weights and bias (normal equations, float64). */
  lsqW: number[];
  lsqB: number;
  /** Mean squared error per logged step. */
  losses: number[];
}

/** Deterministic data: y = x·[2, -3, 0.5] + 1 + noise. */
function makeData(n: number, features: number): { x: Float32Array; y: Float32Array } {
  let s = 12345;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const trueW = [2, -3, 0.5, 1.5, -1].slice(0, features);
  const x = new Float32Array(n * features);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let t = 1;
    for (let j = 0; j < features; j++) {
      x[i * features + j] = rand() * 4;
      t += x[i * features + j]! * trueW[j]!;
    }
    y[i] = t + rand() * 0.2;
  }
  return { x, y };
}

/** Solves the normal equations [X 1]ᵀ[X 1] θ = [X 1]ᵀ y by Gaussian elimination (float64). */
function leastSquares(x: Float32Array, y: Float32Array, n: number, f: number): number[] {
  const d = f + 1;
  const a = Array.from({ length: d }, () => new Array<number>(d + 1).fill(0));
  for (let i = 0; i < n; i++) {
    const row = [...Array.from(x.subarray(i * f, i * f + f)), 1];
    for (let r = 0; r < d; r++) {
      for (let c = 0; c < d; c++) a[r]![c]! += row[r]! * row[c]!;
      a[r]![d]! += row[r]! * y[i]!;
    }
  }
  for (let col = 0; col < d; col++) {
    let piv = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[piv]![col]!)) piv = r;
    [a[col], a[piv]] = [a[piv]!, a[col]!];
    for (let r = 0; r < d; r++) {
      if (r === col) continue;
      const k = a[r]![col]! / a[col]![col]!;
      for (let c = col; c <= d; c++) a[r]![c]! -= k * a[col]![c]!;
    }
  }
  return a.map((row, i) => row[d]! / row[i]!);
}

/** Trains the model and returns learned and least-squares parameters. */
export function fitLinearRegression(options: { steps?: number; learningRate?: number; samples?: number; log?: boolean } = {}): LinearRegressionResult {
  const steps = options.steps ?? 300;
  const lr = options.learningRate ?? 0.05;
  const n = options.samples ?? 200;
  const features = 3;
  const data = makeData(n, features);
  const graph = new kiln.Graph();
  return graph.asDefault(() => {
    const x = kiln.placeholder('float32', [null, features], 'x');
    const y = kiln.placeholder('float32', [null, 1], 'y');
    const w = kiln.variable(kiln.initializers.zeros(), { shape: [features, 1], name: 'w' });
    const b = kiln.variable(kiln.initializers.zeros(), { shape: [1], name: 'b' });
    const pred = kiln.add(kiln.matmul(x, w), b);
    const loss = kiln.mean(kiln.square(kiln.sub(pred, y)));
    const [dw, db] = kiln.gradients(loss, [w, b]);
    const train = kiln.group([kiln.assignSub(w, kiln.mul(dw!, lr)), kiln.assignSub(b, kiln.mul(db!, lr))], 'train');

    const sess = new kiln.Session(graph, { backend: 'interpreter' });
    const feeds = { x: kiln.array(data.x, [n, features]), y: kiln.array(data.y, [n, 1]) };
    const losses: number[] = [];
    for (let step = 0; step <= steps; step++) {
      if (step % 50 === 0 || step === steps) {
        const l = sess.run(loss, feeds).item();
        losses.push(l);
        if (options.log) console.log(`step ${String(step).padStart(4)}  loss ${l.toFixed(6)}`);
      }
      if (step < steps) sess.run(train, feeds);
    }
    const lsq = leastSquares(data.x, data.y, n, features);
    return {
      w: Array.from(sess.getValue(w).data),
      b: sess.getValue(b).item(),
      lsqW: lsq.slice(0, features),
      lsqB: lsq[features]!,
      losses,
    };
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log('kiln: TF1-style linear regression on the reference interpreter');
  const r = fitLinearRegression({ log: true });
  const fmt = (v: number[]) => `[${v.map((t) => t.toFixed(4)).join(', ')}]`;
  console.log(`learned        w = ${fmt(r.w)}  b = ${r.b.toFixed(4)}`);
  console.log(`least squares  w = ${fmt(r.lsqW)}  b = ${r.lsqB.toFixed(4)}`);
}
