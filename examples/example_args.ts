/**
 * Command-line options shared by the MNIST examples: `--name value`, `--name=value` or a bare
 * `--fashion` / `--summary`, each falling back to a KILN_* environment variable.
 */
import type { Backend } from '../src/index.js';

export interface ExampleOptions {
  /** Fashion-MNIST instead of the embedded MNIST digits. */
  fashion?: boolean;
  /** Folder of the Fashion-MNIST IDX files. */
  dataDir?: string;
  epochs?: number;
  trainSize?: number;
  testSize?: number;
  batchSize?: number;
  /** 'native' or 'interpreter'; default the Session's default. */
  backend?: Backend;
  /** 0 silent, 1 progress bar, 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  seed?: number;
  /** Print the model summary. */
  summary?: boolean;
}

const INT_FLAGS = [
  ['epochs', 'KILN_EPOCHS', 'epochs'],
  ['train-size', 'KILN_TRAIN_SIZE', 'trainSize'],
  ['test-size', 'KILN_TEST_SIZE', 'testSize'],
  ['batch-size', 'KILN_BATCH_SIZE', 'batchSize'],
  ['seed', 'KILN_SEED', 'seed'],
] as const;
const KNOWN = new Set(['fashion', 'summary', 'data-dir', 'backend', 'verbose', ...INT_FLAGS.map((f) => f[0])]);

/**
 * Parses example flags (`--epochs 2 --train-size=1000 --fashion`) with KILN_* fallbacks
 * (KILN_EPOCHS, KILN_TRAIN_SIZE, KILN_TEST_SIZE, KILN_BATCH_SIZE, KILN_SEED, KILN_VERBOSE,
 * KILN_BACKEND, KILN_DATA_DIR).
 * @throws Error naming the example for an unknown flag or a bad value
 */
export function parseExampleArgs(example: string, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ExampleOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`${example}: unexpected argument '${a}'`);
    const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    if (name === 'fashion' || name === 'summary') flags.set(name, 'true');
    else if (inline !== undefined) flags.set(name, inline);
    else if (i + 1 < argv.length) flags.set(name, argv[++i]!);
    else throw new Error(`${example}: --${name} needs a value`);
  }
  for (const k of flags.keys()) if (!KNOWN.has(k)) throw new Error(`${example}: unknown flag --${k}; known: ${[...KNOWN].map((f) => `--${f}`).join(', ')}`);
  const get = (flag: string, envName: string): string | undefined => flags.get(flag) ?? env[envName];
  const int = (flag: string, envName: string): number | undefined => {
    const v = get(flag, envName);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${example}: --${flag} must be a non-negative integer, got '${v}'`);
    return n;
  };
  const o: ExampleOptions = {};
  if (flags.has('fashion')) o.fashion = true;
  if (flags.has('summary')) o.summary = true;
  const dir = get('data-dir', 'KILN_DATA_DIR');
  if (dir !== undefined) o.dataDir = dir;
  for (const [flag, envName, key] of INT_FLAGS) {
    const v = int(flag, envName);
    if (v !== undefined) o[key] = v;
  }
  const verbose = int('verbose', 'KILN_VERBOSE');
  if (verbose !== undefined) {
    if (verbose > 2) throw new Error(`${example}: --verbose must be 0, 1 or 2, got ${verbose}`);
    o.verbose = verbose as 0 | 1 | 2;
  }
  const backend = get('backend', 'KILN_BACKEND');
  if (backend !== undefined) {
    if (backend !== 'native' && backend !== 'interpreter') throw new Error(`${example}: --backend must be 'native' or 'interpreter', got '${backend}'`);
    o.backend = backend;
  }
  return o;
}
