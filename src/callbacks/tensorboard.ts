/**
 * TensorBoard(logDir): writes the logs `fit` reports as TensorBoard scalar summaries, like
 * Keras: epoch values go to `<logDir>/train` as `epoch_<name>` and the `val_*` ones to
 * `<logDir>/validation` as `epoch_<name>` (so TensorBoard draws training and validation as two
 * runs of one chart), with the epoch as step; with `updateFreq: 'batch'` (or every N batches)
 * batch values go to `train` as `batch_<name>`, with the global batch count as step.
 * @example model.fit(x, y, { epochs: 10, callbacks: [new kiln.callbacks.TensorBoard('logs/run1')] }); // tensorboard --logdir logs
 */
import { join } from 'node:path';
import { InvalidArgumentError } from '../graph/errors.js';
import { checkOptions, describeValue } from '../graph/options.js';
import { EventFileWriter } from '../viz/events.js';
import { Callback, type Logs } from './callback.js';

export interface TensorBoardOptions {
  /** 'epoch' (default): one value per epoch; 'batch': also each batch; a number N: each N batches. */
  updateFreq?: 'epoch' | 'batch' | number;
}

/** Per-batch logs that are bookkeeping, not measurements. */
const BATCH_BOOKKEEPING = new Set(['batch', 'size']);
const VAL = 'val_';

export class TensorBoard extends Callback {
  readonly logDir: string;
  readonly updateFreq: 'epoch' | number;
  private train: EventFileWriter | undefined;
  private validation: EventFileWriter | undefined;
  private step = 0;

  constructor(logDir = 'logs', options: TensorBoardOptions = {}) {
    super();
    if (typeof logDir !== 'string') throw new InvalidArgumentError(`TensorBoard: logDir must be a folder path, got ${describeValue(logDir)} (new TensorBoard(logDir, { updateFreq }))`);
    checkOptions('TensorBoard', options, ['updateFreq']);
    const f = options.updateFreq ?? 'epoch';
    if (f !== 'epoch' && f !== 'batch' && !(typeof f === 'number' && Number.isInteger(f) && f > 0)) {
      throw new InvalidArgumentError(`TensorBoard: updateFreq must be 'epoch', 'batch' or a positive integer, got ${String(f)}`);
    }
    this.logDir = logDir;
    this.updateFreq = f === 'batch' ? 1 : f;
  }

  /** The event files written so far (train, then validation where present). */
  get files(): string[] {
    return [this.train?.path, this.validation?.path].filter((p): p is string => p !== undefined);
  }

  override onTrainBegin(): void {
    this.close();
    this.step = 0;
  }

  override onBatchEnd(_batch: number, logs: Logs = {}): void {
    this.step++;
    if (this.updateFreq === 'epoch' || this.step % this.updateFreq !== 0) return;
    const w = (this.train ??= new EventFileWriter(join(this.logDir, 'train')));
    for (const [k, v] of Object.entries(logs)) if (!BATCH_BOOKKEEPING.has(k)) w.addScalar(`batch_${k}`, v, this.step);
    w.flush();
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const wall = Date.now() / 1000;
    const train: [string, number][] = [];
    const val: [string, number][] = [];
    for (const [k, v] of Object.entries(logs)) (k.startsWith(VAL) ? val : train).push([k.startsWith(VAL) ? k.slice(VAL.length) : k, v]);
    // Keras also logs the learning rate of each epoch (it may change under a scheduler).
    if (this.model && !train.some(([k]) => k === 'learning_rate' || k === 'lr')) {
      try {
        train.push(['learning_rate', this.model.getLearningRate()]);
      } catch {
        // a model without a learning rate (e.g. no optimizer yet): nothing to log
      }
    }
    if (train.length) {
      const w = (this.train ??= new EventFileWriter(join(this.logDir, 'train')));
      for (const [k, v] of train) w.addScalar(`epoch_${k}`, v, epoch, wall);
      w.flush();
    }
    if (val.length) {
      const w = (this.validation ??= new EventFileWriter(join(this.logDir, 'validation')));
      for (const [k, v] of val) w.addScalar(`epoch_${k}`, v, epoch, wall);
      w.flush();
    }
  }

  override onTrainEnd(): void {
    this.close();
  }

  /** Closes the event files (training's end does this); a later `fit` starts new files. */
  close(): void {
    this.train?.close();
    this.validation?.close();
    this.train = undefined;
    this.validation = undefined;
  }
}
