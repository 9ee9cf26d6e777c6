import { InvalidArgumentError } from '../graph/errors.js';
import { checkOptions, describeValue } from '../graph/options.js';
import type { NDArray } from '../graph/ndarray.js';
import { Callback, type Logs } from './callback.js';

export interface EarlyStoppingArgs {
  /** The logged quantity to watch; default 'val_loss'. */
  monitor?: string;
  /** A change smaller than this is no improvement; default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping; default 0. */
  patience?: number;
  /** 'min', 'max', or 'auto' (default: 'max' when the name contains 'acc', else 'min'). */
  mode?: 'auto' | 'min' | 'max';
  /** Stop unless the quantity beats this value. */
  baseline?: number;
  /** On stopping, restore the weights of the best epoch; default false. */
  restoreBestWeights?: boolean;
  /** Print a line when stopping; default 0. */
  verbose?: 0 | 1;
}

/**
 * Stops training when `monitor` has not improved for `patience` epochs (Keras's EarlyStopping):
 * improvement means `current − minDelta > best` ('max') or `current + minDelta < best` ('min');
 * after each epoch without one, `wait` grows, and when `wait >= patience` training stops (and,
 * with `restoreBestWeights`, the best epoch's weights come back, as Keras 2 does on stopping).
 * A missing monitor value is skipped with a warning.
 * @example model.fit(x, y, { validationSplit: 0.2, callbacks: [new kiln.callbacks.EarlyStopping({ patience: 2 })] });
 */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly baseline: number | undefined;
  readonly restoreBestWeights: boolean;
  /** The epoch at which training stopped (0 if it did not). */
  stoppedEpoch = 0;
  /** The epoch whose value was best. */
  bestEpoch = 0;
  best = Infinity;
  wait = 0;
  private bestWeights: NDArray[] | undefined;
  private readonly verbose: number;

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    checkOptions('EarlyStopping', args, ['monitor', 'minDelta', 'patience', 'mode', 'baseline', 'restoreBestWeights', 'verbose']);
    this.monitor = args.monitor ?? 'val_loss';
    this.minDelta = Math.abs(args.minDelta ?? 0);
    this.patience = args.patience ?? 0;
    if (!(Number.isInteger(this.patience) && this.patience >= 0)) {
      throw new InvalidArgumentError(`EarlyStopping: patience must be a non-negative integer, got ${args.patience}`);
    }
    const mode = args.mode ?? 'auto';
    if (mode !== 'auto' && mode !== 'min' && mode !== 'max') throw new InvalidArgumentError(`EarlyStopping: unknown mode '${String(mode)}'`);
    this.mode = mode === 'auto' ? (this.monitor.includes('acc') ? 'max' : 'min') : mode;
    this.baseline = args.baseline;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
    this.verbose = args.verbose ?? 0;
  }

  private improved(current: number, reference: number): boolean {
    return this.mode === 'min' ? current + this.minDelta < reference : current - this.minDelta > reference;
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.bestEpoch = 0;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.bestWeights = undefined;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = logs[this.monitor];
    if (current === undefined) {
      console.warn(`EarlyStopping: '${this.monitor}' is not in the logs (available: ${Object.keys(logs).join(', ')}); skipping`);
      return;
    }
    if (this.restoreBestWeights && this.bestWeights === undefined) this.bestWeights = this.model!.getWeights();
    this.wait++;
    if (this.improved(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = this.model!.getWeights();
      // With a baseline, only an improvement on the baseline resets the wait (Keras).
      if (this.baseline === undefined || this.improved(current, this.baseline)) {
        this.wait = 0;
        return;
      }
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model!.stopTraining = true;
      if (this.restoreBestWeights && this.bestWeights) {
        if (this.verbose > 0) console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
        this.model!.setWeights(this.bestWeights);
      }
    }
  }

  override onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
  }
}
