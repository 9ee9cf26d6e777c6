/**
 * Keras-like progress output for `fit` (Keras's ProgbarLogger and utils.Progbar). With
 * `verbose: 1`, a bar per epoch drawn by the `cli-progress` package on a terminal:
 * ```
 * Epoch 1/10
 *  96/250 [===========>..................] - ETA: 1s - loss: 0.7421 - accuracy: 0.7653
 * 250/250 [==============================] - 2s 7ms/step - loss: 0.4770 - accuracy: 0.8636 - val_loss: 0.3012 - val_accuracy: 0.9125
 * ```
 * (off a terminal, only the final line of each epoch is written). With `verbose: 2`, one line
 * per epoch: `250/250 - 2s - loss: 0.4770 - accuracy: 0.8636 - 2s/epoch - 7ms/step`.
 */
import cliProgress from 'cli-progress';
import { Callback, type FitParams, type Logs } from './callback.js';

/** Keras's number format in logs: `%.4f`, or `%.4e` for magnitudes at most 1e-3. */
export function formatValue(v: number): string {
  return Math.abs(v) > 1e-3 ? v.toFixed(4) : v.toExponential(4);
}

/** ` - loss: 0.4770 - accuracy: 0.8636` for the given keys (missing ones skipped). */
export function formatLogs(logs: Logs, keys: readonly string[]): string {
  return keys
    .filter((k) => logs[k] !== undefined)
    .map((k) => ` - ${k}: ${formatValue(logs[k]!)}`)
    .join('');
}

/** `[=====>........]`: width 30, '=' done, '>' the head while running, '.' to go (Keras's Progbar). */
export function formatBar(current: number, total: number, width = 30): string {
  const done = total > 0 ? Math.min(width, Math.floor((width * current) / total)) : width;
  const head = done > 0 ? '='.repeat(done - 1) + (current < total ? '>' : '=') : '';
  return `[${head}${'.'.repeat(width - done)}]`;
}

/** `7ms/step`, `2s/step` or `350us/step` (Keras's choice of unit). */
export function formatPerStep(seconds: number, unit = 'step'): string {
  if (seconds >= 1) return `${Math.round(seconds)}s/${unit}`;
  if (seconds >= 1e-3) return `${Math.round(seconds * 1e3)}ms/${unit}`;
  return `${Math.round(seconds * 1e6)}us/${unit}`;
}

/** `42s`, `3:07` or `1:02:03` (Keras's ETA format). */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  return `${s}s`;
}

/** The step counter, padded to the width of the total: ` 96/250`. */
function counter(current: number, total: number): string {
  return `${String(current).padStart(String(total).length)}/${total}`;
}

/** The line while an epoch runs (verbose 1). */
export function runningLine(current: number, total: number, elapsed: number, logs: Logs, keys: readonly string[]): string {
  const eta = current > 0 ? (elapsed / current) * (total - current) : 0;
  return `${counter(current, total)} ${formatBar(current, total)} - ETA: ${formatEta(eta)}${formatLogs(logs, keys)}`;
}

/** The line that ends an epoch (verbose 1). */
export function finalLine(total: number, elapsed: number, logs: Logs, keys: readonly string[]): string {
  return `${counter(total, total)} ${formatBar(total, total)} - ${Math.round(elapsed)}s ${formatPerStep(elapsed / Math.max(1, total))}${formatLogs(logs, keys)}`;
}

/** The one line per epoch of verbose 2. */
export function epochLine(total: number, elapsed: number, logs: Logs, keys: readonly string[]): string {
  return `${counter(total, total)} - ${Math.round(elapsed)}s${formatLogs(logs, keys)} - ${formatPerStep(elapsed, 'epoch')} - ${formatPerStep(elapsed / Math.max(1, total))}`;
}

/** Where progress goes: a stream with `write` and, for the live bar, `isTTY`. */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
}

/**
 * Prints training progress (added by `fit` for verbose 1 or 2). Batch values are shown as
 * running means weighted by batch size, as Keras's Progbar does.
 */
export class ProgbarLogger extends Callback {
  private bar: cliProgress.SingleBar | undefined;
  private start = 0;
  private sums: Record<string, number> = {};
  private seen = 0;
  private keys: string[] = [];
  private steps = 0;

  constructor(
    readonly verbose: 1 | 2 = 1,
    private readonly stream: ProgressStream = process.stdout,
  ) {
    super();
  }

  override setParams(params: FitParams): void {
    super.setParams(params);
    this.steps = params.steps;
  }

  override onEpochBegin(epoch: number): void {
    this.stream.write(`Epoch ${epoch + 1}/${this.params!.epochs}\n`);
    this.start = performance.now();
    this.sums = {};
    this.seen = 0;
    this.keys = [];
    if (this.verbose === 1 && this.stream.isTTY) {
      const running = (_o: unknown, params: { value: number; total: number }, payload: { logs?: Logs }): string =>
        runningLine(params.value, params.total, this.elapsed(), payload.logs ?? {}, this.keys);
      this.bar = new cliProgress.SingleBar({
        stream: this.stream as NodeJS.WritableStream,
        format: running as unknown as string,
        fps: 10,
        clearOnComplete: true,
        hideCursor: false,
        linewrap: false,
      });
      this.bar.start(this.steps, 0, { logs: {} });
    }
  }

  override onBatchEnd(batch: number, logs: Logs = {}): void {
    const size = logs['size'] ?? 1;
    for (const [k, v] of Object.entries(logs)) {
      if (k === 'batch' || k === 'size') continue;
      if (!this.keys.includes(k)) this.keys.push(k);
      this.sums[k] = (this.sums[k] ?? 0) + v * size;
    }
    this.seen += size;
    const means: Logs = Object.fromEntries(Object.entries(this.sums).map(([k, s]) => [k, s / this.seen]));
    this.bar?.update(batch + 1, { logs: means });
  }

  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    const keys = [...this.keys, ...Object.keys(logs).filter((k) => !this.keys.includes(k) && k !== 'lr')];
    if (this.bar) {
      this.bar.stop();
      this.bar = undefined;
    }
    const elapsed = this.elapsed();
    const line = this.verbose === 1 ? finalLine(this.steps, elapsed, logs, keys) : epochLine(this.steps, elapsed, logs, keys);
    this.stream.write(`${line}\n`);
  }

  private elapsed(): number {
    return (performance.now() - this.start) / 1000;
  }
}
