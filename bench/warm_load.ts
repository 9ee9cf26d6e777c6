/**
 * Warm load of the bench's training executables, one model per fresh process (issue 6's
 * "warm load under 50 ms"): builds the model, runs one training step, and prints the build's
 * own phase timers (`lastBuild.ms`), as the bench's 'compile' workload counts them.
 *
 *   npx tsc -p bench/tsconfig.json
 *   node dist/bench/warm_load.js [--runs N] [mlp_seed,mlp_wide,cnn]
 *
 * The parent spawns `--runs` fresh processes per model (after one that fills the cache) and
 * prints the median of each phase; a child (`--child MODEL`) prints one JSON line.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MODELS, TRAIN_WORKLOADS, type ModelName } from './workloads.js';

interface Phases {
  total: number;
  [phase: string]: number;
}

async function child(name: ModelName): Promise<void> {
  const kiln = await import('../src/index.js');
  const { buildKilnModel } = await import('./workers/kiln.js');
  const spec = MODELS[name];
  const m = buildKilnModel(spec, 1);
  const sess = new kiln.Session(m.graph, { backend: 'native' });
  const width = spec.inputShape.reduce((a, d) => a * d, 1);
  const t0 = performance.now();
  sess.run(m.train, { x: new Float32Array(spec.batch * width), y: new Int32Array(spec.batch) });
  const wall = performance.now() - t0;
  const b = sess.native!.lastBuild!;
  const ms = b.ms as unknown as Record<string, number>;
  const total = Object.values(ms).reduce((a, v) => a + v, 0);
  process.stdout.write(JSON.stringify({ ...ms, total, firstRunWall: wall, cached: b.library.cached, programCache: b.programCache }) + '\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function parent(models: ModelName[], runs: number): void {
  const self = fileURLToPath(import.meta.url);
  for (const name of models) {
    const once = (): Phases & { cached: boolean; programCache?: string } => JSON.parse(execFileSync(process.execPath, [self, '--child', name], { encoding: 'utf8' }).trim().split('\n').pop()!);
    once(); // fills the cache
    const rows = Array.from({ length: runs }, once);
    const keys = Object.keys(rows[0]!).filter((k) => k !== 'cached' && k !== 'programCache');
    const med = keys.map((k) => `${k} ${median(rows.map((r) => r[k]!)).toFixed(1)}`).join(', ');
    const totals = rows.map((r) => r.total.toFixed(1)).join(' ');
    console.log(`${name}: median ms: ${med}  (totals: ${totals}; library cached: ${rows.every((r) => r.cached)}; program cache: ${rows.map((r) => r.programCache ?? '-').join(' ')})`);
  }
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  await child(args[1] as ModelName);
} else {
  let runs = 7;
  const r = args.indexOf('--runs');
  if (r >= 0) {
    runs = Number(args[r + 1]);
    args.splice(r, 2);
  }
  const models = args[0] ? (args[0].split(',') as ModelName[]) : [...TRAIN_WORKLOADS];
  parent(models, runs);
}
