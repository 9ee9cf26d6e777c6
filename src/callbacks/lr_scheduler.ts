import { InvalidArgumentError } from '../graph/errors.js';
import { checkOptions, describeValue } from '../graph/options.js';
import { Callback, type Logs } from './callback.js';

/**
 * Sets the optimizer's learning rate at the start of each epoch to `schedule(epoch, lr)`
 * (epoch 0-based, lr the current rate), as Keras's LearningRateScheduler. The rate is a graph
 * variable, so this changes a value between steps and never recompiles. The rate in effect is
 * logged as `lr`.
 * @example new kiln.callbacks.LearningRateScheduler((epoch, lr) => (epoch < 5 ? lr : lr * 0.9))
 * @throws InvalidArgumentError when the schedule returns something that is not a positive finite number
 */
export class LearningRateScheduler extends Callback {
  constructor(
    readonly schedule: (epoch: number, lr: number) => number,
    private readonly verbose: 0 | 1 = 0,
  ) {
    super();
    if (typeof schedule !== 'function') throw new InvalidArgumentError(`LearningRateScheduler: schedule must be a function (epoch, lr) => newLr, got ${describeValue(schedule)}`);
  }

  override onEpochBegin(epoch: number): void {
    const lr = this.schedule(epoch, this.model!.getLearningRate());
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0) {
      throw new InvalidArgumentError(`LearningRateScheduler: the schedule returned ${String(lr)} for epoch ${epoch}; expected a positive number`);
    }
    this.model!.setLearningRate(lr);
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }

  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    logs['lr'] = this.model!.getLearningRate();
  }
}
