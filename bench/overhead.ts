/**
 * Per-call overhead of a trivial native executable (`x + 1` on a [1] float32 feed): the time
 * from the JS call to its return, through Session.run (feed normalization, executable lookup,
 * output allocation, NDArray wrapping) and through NativeModule.run alone (the addon's buffer
 * checks and the kiln_run call). Issue 4 asks for "a few microseconds".
 *
 *   npx tsc -p bench/tsconfig.json && node dist/bench/overhead.js [runs]
 */
import * as kiln from '../src/index.js';

const runs = Number(process.argv[2] ?? 10_000);
/** Repeats of the timed loop; the median is reported so a scheduler hiccup on a shared machine does not count. */
const REPEATS = 7;

function perCallMicros(fn: () => void): { median: number; min: number } {
  for (let i = 0; i < Math.min(runs, 1000); i++) fn(); // warm-up: JIT, caches, first-run initialization
  const times: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1000 / runs);
  }
  times.sort((a, b) => a - b);
  return { median: times[REPEATS >> 1]!, min: times[0]! };
}

const g = new kiln.Graph();
const { x, y } = g.asDefault(() => {
  const x = kiln.placeholder('float32', [1], 'x');
  return { x, y: kiln.add(x, 1) };
});
void x;
const feed = Float32Array.from([41]);
const sess = new kiln.Session(g, { backend: 'native' });
const first = sess.run(y, { x: feed });
if (first.data[0] !== 42) throw new Error(`overhead: x + 1 gave ${first.data[0]}, expected 42`);
const built = sess.native!.lastBuild!;
const module = built.module;
const inputs = [feed];
const outputs = module.allocOutputs();
const state: Float32Array[] = [];

const viaSession = perCallMicros(() => {
  sess.run(y, { x: feed });
});
const viaModule = perCallMicros(() => {
  module.run(inputs, outputs, state);
});
if (outputs[0]![0] !== 42) throw new Error('overhead: NativeModule.run did not compute x + 1');
const interp = new kiln.Session(g, { backend: 'interpreter' });
const viaInterpreter = perCallMicros(() => {
  interp.run(y, { x: feed });
});

const fmt = (r: { median: number; min: number }): string => `${r.median.toFixed(2)} us/call (min of ${REPEATS} repeats ${r.min.toFixed(2)})`;
console.log(`per-call overhead, x + 1 on float32[1], ${runs} calls x ${REPEATS} repeats (median):`);
console.log(`  Session.run (native)      ${fmt(viaSession)}`);
console.log(`  NativeModule.run          ${fmt(viaModule)}`);
console.log(`  Session.run (interpreter) ${fmt(viaInterpreter)}`);
console.log(`  (module ${built.library.libraryPath}, ${built.generated.kernels} kernel(s))`);
sess.close();
