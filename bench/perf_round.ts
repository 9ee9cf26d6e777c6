/**
 * The first performance round's measuring script (issue 6): times the training step of each
 * workload (mlp_seed, mlp_wide, cnn) on synthetic data of the workload's shapes, as the median
 * of several repeats of N steps, and prints a per-kernel profile (`Session.profile`) of each.
 * Not part of `npm run bench`; a tool for finding and checking optimizations (bench/PERF_NOTES.md).
 *
 *   npx tsc -p bench/tsconfig.json && node dist/bench/perf_round.js [mlp_seed|mlp_wide|cnn|overhead ...] [--profile] [--repeats N]
 */
import * as kiln from '../src/index.js';
import { MODELS, trainFlopsPerSample, type ModelName } from './workloads.js';
import { buildKilnModel } from './workers/kiln.js';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};

const flopsPerSample = trainFlopsPerSample;

function workload(name: ModelName, repeats: number, prof: boolean): void {
  const model = MODELS[name];
  const m = buildKilnModel(model, 1);
  const sess = new kiln.Session(m.graph);
  const width = model.inputShape.reduce((a, d) => a * d, 1);
  const batch = model.batch;
  const xb = new Float32Array(batch * width);
  for (let i = 0; i < xb.length; i++) xb[i] = ((i * 7919) % 255) / 255;
  const yb = new Int32Array(batch);
  for (let i = 0; i < batch; i++) yb[i] = i % 10;
  const t0 = performance.now();
  sess.run(m.train, { x: xb, y: yb });
  const compileMs = performance.now() - t0;
  // Steps per repeat: about 0.3 s of work each.
  const t1 = performance.now();
  sess.run(m.train, { x: xb, y: yb });
  const one = performance.now() - t1;
  const steps = Math.max(3, Math.min(5000, Math.round(300 / Math.max(one, 1e-3))));
  const us: number[] = [];
  // CPU time per step (user + system, all threads): less sensitive than wall time to other
  // processes on a shared machine, so A/B comparisons of work removed read it too.
  const cpu: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const c = process.cpuUsage();
    const s = performance.now();
    for (let i = 0; i < steps; i++) sess.run(m.train, { x: xb, y: yb });
    us.push(((performance.now() - s) * 1000) / steps);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / steps);
  }
  const step = median(us);
  const epoch = (step * Math.floor(60000 / batch)) / 1e6;
  const gflops = (flopsPerSample(model) * batch) / (step * 1e3);
  console.log(
    `${name}: step ${step.toFixed(1)} us (median of ${repeats}x${steps}; min ${Math.min(...us).toFixed(1)} max ${Math.max(...us).toFixed(1)}), epoch ${epoch.toFixed(3)} s, ${gflops.toFixed(1)} GFLOP/s, first run ${compileMs.toFixed(0)} ms, cpu ${median(cpu).toFixed(0)} us/step`,
  );
  if (prof) {
    const report = sess.profile(m.train, { x: xb, y: yb }, { runs: Math.max(5, Math.min(200, steps)), warmup: 2 });
    console.log(kiln.formatProfile(report, { maxOps: 3 }));
    console.log('');
  }
  sess.close();
}

/** Per-call overhead: a tiny graph, Session.run vs the module's own run. */
function overhead(): void {
  const g = new kiln.Graph();
  const { x, y } = g.asDefault(() => {
    const x = kiln.placeholder('float32', [4], 'x');
    return { x, y: kiln.add(x, kiln.constant(1)) };
  });
  const sess = new kiln.Session(g);
  const xv = new Float32Array(4);
  sess.run(y, { x: xv });
  const n = 200000;
  const us: number[] = [];
  for (let r = 0; r < 5; r++) {
    const s = performance.now();
    for (let i = 0; i < n; i++) sess.run(y, { x: xv });
    us.push(((performance.now() - s) * 1000) / n);
  }
  const mod = sess.native!.lastBuild!.module;
  const outs = mod.allocOutputs();
  const raw: number[] = [];
  for (let r = 0; r < 5; r++) {
    const s = performance.now();
    for (let i = 0; i < n; i++) mod.run([xv], outs, []);
    raw.push(((performance.now() - s) * 1000) / n);
  }
  console.log(`overhead: Session.run ${median(us).toFixed(2)} us, NativeModule.run ${median(raw).toFixed(2)} us (median of 5x${n})`);
}

const args = process.argv.slice(2);
const prof = args.includes('--profile');
const ri = args.indexOf('--repeats');
const repeats = ri >= 0 ? Number(args[ri + 1]) : 7;
const names = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--repeats');
for (const n of names.length ? names : ['overhead', 'mlp_seed', 'mlp_wide', 'cnn']) {
  if (n === 'overhead') overhead();
  else workload(n as ModelName, repeats, prof);
}
