/**
 * Callbacks (Keras's keras.callbacks): objects whose hooks `fit` calls at the start and end of
 * training, of each epoch and of each batch. `logs` maps names to numbers: per batch `loss`,
 * metrics, `batch` and `size`; per epoch the epoch means (weighted by batch size) plus `val_*`.
 * A user callback is any object with some of the hooks, or a subclass of `Callback`.
 */
import type { NDArray } from '../graph/ndarray.js';

/** Numbers reported to callbacks and recorded by History. */
export type Logs = Record<string, number>;

/** What a callback may do with the model it is attached to (a Sequential implements it). */
export interface CallbackModel {
  /** Set true to end `fit` after the current epoch (EarlyStopping). */
  stopTraining: boolean;
  getWeights(): NDArray[];
  setWeights(weights: readonly NDArray[]): void;
  /** The optimizer's current learning rate (a graph variable: changing it needs no recompile). */
  getLearningRate(): number;
  setLearningRate(lr: number): void;
}

/** Parameters of the `fit` call, given to `setParams` (as Keras's `callback.params`). */
export interface FitParams {
  epochs: number;
  /** Batches per epoch. */
  steps: number;
  samples: number;
  batchSize: number;
  verbose: 0 | 1 | 2;
  doValidation: boolean;
  /** Names reported: `['loss', 'accuracy']`. */
  metrics: string[];
}

/** The hooks a callback may define (all optional). */
export interface CallbackLike {
  setModel?(model: CallbackModel): void;
  setParams?(params: FitParams): void;
  onTrainBegin?(logs?: Logs): void;
  onTrainEnd?(logs?: Logs): void;
  onEpochBegin?(epoch: number, logs?: Logs): void;
  onEpochEnd?(epoch: number, logs?: Logs): void;
  onBatchBegin?(batch: number, logs?: Logs): void;
  onBatchEnd?(batch: number, logs?: Logs): void;
}

/** Base class with no-op hooks; `this.model` and `this.params` are set before training begins. */
export class Callback implements CallbackLike {
  model: CallbackModel | undefined;
  params: FitParams | undefined;
  setModel(model: CallbackModel): void {
    this.model = model;
  }
  setParams(params: FitParams): void {
    this.params = params;
  }
  onTrainBegin(_logs?: Logs): void {}
  onTrainEnd(_logs?: Logs): void {}
  onEpochBegin(_epoch: number, _logs?: Logs): void {}
  onEpochEnd(_epoch: number, _logs?: Logs): void {}
  onBatchBegin(_batch: number, _logs?: Logs): void {}
  onBatchEnd(_batch: number, _logs?: Logs): void {}
}

/** Calls every callback's hook in order. */
export class CallbackList {
  constructor(readonly callbacks: readonly CallbackLike[]) {}
  setModel(m: CallbackModel): void {
    for (const c of this.callbacks) c.setModel?.(m);
  }
  setParams(p: FitParams): void {
    for (const c of this.callbacks) c.setParams?.(p);
  }
  onTrainBegin(logs: Logs = {}): void {
    for (const c of this.callbacks) c.onTrainBegin?.(logs);
  }
  onTrainEnd(logs: Logs = {}): void {
    for (const c of this.callbacks) c.onTrainEnd?.(logs);
  }
  onEpochBegin(epoch: number, logs: Logs = {}): void {
    for (const c of this.callbacks) c.onEpochBegin?.(epoch, logs);
  }
  onEpochEnd(epoch: number, logs: Logs = {}): void {
    for (const c of this.callbacks) c.onEpochEnd?.(epoch, logs);
  }
  onBatchBegin(batch: number, logs: Logs = {}): void {
    for (const c of this.callbacks) c.onBatchBegin?.(batch, logs);
  }
  onBatchEnd(batch: number, logs: Logs = {}): void {
    for (const c of this.callbacks) c.onBatchEnd?.(batch, logs);
  }
}

/**
 * Records each epoch's logs; `fit` returns it. `history.loss[i]` is epoch i's mean loss,
 * likewise every metric and `val_*`.
 * @example const h = model.fit(x, y, { epochs: 3 }); h.history.val_loss // [0.41, 0.33, 0.30]
 */
export class History extends Callback {
  /** Epoch indices seen (0-based). */
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};

  override onTrainBegin(): void {
    this.epoch.length = 0;
    for (const k of Object.keys(this.history)) delete this.history[k];
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}
