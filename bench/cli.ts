/** `npm run bench -- [options]`: the options, parsed with node's util.parseArgs. */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { FASHION_MNIST_DIR } from './data.js';
import { FRAMEWORKS, type Framework, type KilnBackend } from './protocol.js';
import { ALL_WORKLOADS, type WorkloadName } from './workloads.js';

export interface BenchOptions {
  workloads: WorkloadName[];
  frameworks: Framework[];
  /** The same for every framework; default all cores. */
  threads: number;
  /** Fresh processes per (framework, workload); figures are medians, peak RSS the max. */
  repeats: number;
  json: string | null;
  kilnBackend: KilnBackend;
  /** Seconds after which a training run stops and its time is scaled to the epoch. */
  timeLimitS: number;
  /** Steps after which a training run stops and scales (null: the whole epoch). */
  maxSteps: number | null;
  latencyCalls: number;
  dataDir: string;
  seed: number;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

  --workloads LIST     comma-separated, of ${ALL_WORKLOADS.join(',')} (default: all)
  --frameworks LIST    comma-separated, of ${FRAMEWORKS.join(',')} (default: all);
  --peers LIST         the same option under the issue's name
  --threads N          threads for every framework (default: all cores, ${availableParallelism()} here)
  --repeats N          runs per (framework, workload), each in a fresh process (default 1)
  --json FILE          also write the results as JSON
  --kiln-backend B     native (default) | interpreter (runs a few steps and scales)
  --time-limit S       a training run stops after S seconds and scales to the epoch (default 120)
  --max-steps N        a training run stops after N steps and scales (default: the whole epoch)
  --latency-calls N    timed batch-1 calls for infer_latency (default 500)
  --data DIR           Fashion-MNIST IDX files (default ${FASHION_MNIST_DIR})
  --seed N             shuffling and initialization seed (default 1)
  -h, --help           this text`;

function list<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T[] {
  if (value === undefined) return [...allowed];
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const item of items) {
    if (!allowed.includes(item as T)) throw new Error(`bench: unknown ${what} '${item}' (expected one of ${allowed.join(', ')})`);
  }
  if (items.length === 0) throw new Error(`bench: --${what}s is empty`);
  return [...new Set(items)] as T[];
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench: --${name} must be a positive integer, got '${value}'`);
  return n;
}

/** Parses the command line (without `node script`); throws an Error with a message for bad input. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      workloads: { type: 'string' },
      frameworks: { type: 'string' },
      peers: { type: 'string' },
      threads: { type: 'string' },
      repeats: { type: 'string' },
      json: { type: 'string' },
      'kiln-backend': { type: 'string' },
      'time-limit': { type: 'string' },
      'max-steps': { type: 'string' },
      'latency-calls': { type: 'string' },
      data: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.frameworks !== undefined && values.peers !== undefined) throw new Error('bench: give --frameworks or --peers, not both');
  const backend = values['kiln-backend'] ?? 'native';
  if (backend !== 'native' && backend !== 'interpreter') throw new Error(`bench: --kiln-backend must be native or interpreter, got '${backend}'`);
  const timeLimit = values['time-limit'] === undefined ? 120 : Number(values['time-limit']);
  if (!(timeLimit > 0)) throw new Error(`bench: --time-limit must be a positive number of seconds, got '${values['time-limit']}'`);
  return {
    workloads: list(values.workloads, ALL_WORKLOADS, 'workload'),
    frameworks: list(values.frameworks ?? values.peers, FRAMEWORKS, 'framework'),
    threads: positiveInt(values.threads, 'threads', availableParallelism()),
    repeats: positiveInt(values.repeats, 'repeats', 1),
    json: values.json ?? null,
    kilnBackend: backend,
    timeLimitS: timeLimit,
    maxSteps: values['max-steps'] === undefined ? null : positiveInt(values['max-steps'], 'max-steps', 0),
    latencyCalls: positiveInt(values['latency-calls'], 'latency-calls', 500),
    dataDir: values.data ?? FASHION_MNIST_DIR,
    seed: values.seed === undefined ? 1 : positiveInt(values.seed, 'seed', 1),
    help: values.help ?? false,
  };
}
