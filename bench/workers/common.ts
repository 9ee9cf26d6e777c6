/** What every TS worker shares: the timed epoch loop, latency statistics and the process entry. */
import { pathToFileURL } from 'node:url';
import { MissingFramework, RESULT_PREFIX, type TaskFigures, type TaskResult, type TaskSpec } from '../protocol.js';

export interface EpochTiming {
  /** Seconds for the steps that ran. */
  seconds: number;
  /** Steps that ran (at most the epoch's). */
  steps: number;
}

/**
 * Runs up to one epoch of `stepsPerEpoch` training steps, stopping early after `maxSteps` steps
 * or once `timeLimitS` seconds have passed (the slow frameworks); the caller scales.
 * The clock covers the steps only: data loading, model building and the untimed warm-up step
 * (compilation, lazy kernel set-up) happen before.
 */
export async function timeEpoch(
  spec: Pick<TaskSpec, 'maxSteps' | 'timeLimitS'>,
  stepsPerEpoch: number,
  step: (i: number) => void | Promise<void>,
): Promise<EpochTiming> {
  const limit = Math.min(stepsPerEpoch, spec.maxSteps ?? Infinity);
  const start = performance.now();
  let steps = 0;
  while (steps < limit) {
    await step(steps);
    steps++;
    if ((performance.now() - start) / 1000 > spec.timeLimitS) break;
  }
  return { seconds: (performance.now() - start) / 1000, steps };
}

/** The epoch figures from a (possibly partial) timed epoch; a partial one is scaled and says so. */
export function epochFigures(t: EpochTiming, stepsPerEpoch: number, batch: number): Pick<TaskFigures, 'epoch_s' | 'steps' | 'steps_per_epoch' | 'samples_per_s' | 'note'> {
  const epoch_s = (t.seconds * stepsPerEpoch) / t.steps;
  const out: ReturnType<typeof epochFigures> = {
    epoch_s,
    steps: t.steps,
    steps_per_epoch: stepsPerEpoch,
    samples_per_s: (stepsPerEpoch * batch) / epoch_s,
  };
  if (t.steps < stepsPerEpoch) out.note = `scaled from ${t.steps}/${stepsPerEpoch} steps; accuracy after those steps`;
  return out;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Times `calls` calls of `f` (after `warmup` untimed ones) and returns the median in ms. */
export async function medianLatencyMs(f: () => void | Promise<void>, calls: number, warmup = 10): Promise<number> {
  for (let i = 0; i < warmup; i++) await f();
  const ms: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await f();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

/** Runs `run` on a spec, turning a failure into an `ok: false` result (missing or error). */
export async function runTask(run: (spec: TaskSpec) => Promise<TaskFigures>, spec: TaskSpec): Promise<TaskResult> {
  try {
    return { ok: true, ...(await run(spec)) };
  } catch (e) {
    const err = e as Error;
    return { ok: false, missing: err instanceof MissingFramework, error: err.message.split('\n')[0]! };
  }
}

/**
 * The process entry of a worker module: when the module is the main script, reads the spec
 * from argv[2], runs it and prints the result line (then exits, so stray handles of a
 * framework cannot keep the process alive).
 */
export function workerMain(moduleUrl: string, run: (spec: TaskSpec) => Promise<TaskFigures>): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  const spec = JSON.parse(process.argv[2] ?? '{}') as TaskSpec;
  void runTask(run, spec).then((result) => {
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`, () => process.exit(0));
  });
}
