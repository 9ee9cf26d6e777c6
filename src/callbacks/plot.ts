/**
 * TrainingPlot(path): redraws a plot of loss and each metric per epoch, training and validation,
 * after every epoch (SVG for `.svg`, a self-contained page for `.html`), written atomically so a
 * viewer never reads half a file. With `.html`, the page reloads itself every few seconds, so a
 * browser tab shows training as it goes.
 * @example model.fit(x, y, { epochs: 20, validationSplit: 0.1, callbacks: [new kiln.callbacks.TrainingPlot('plots/mnist.html')] });
 */
import { InvalidArgumentError } from '../graph/errors.js';
import { checkOptions, describeValue } from '../graph/options.js';
import { writeHistoryPlot, type HtmlPlotOptions } from '../viz/plot.js';
import { History, type Logs } from './callback.js';

export interface TrainingPlotOptions extends HtmlPlotOptions {
  /** HTML only: reload period of the page in seconds (default 5; 0 turns it off). */
  refreshSeconds?: number;
}

/** A History that redraws its plot after every epoch (`history`/`epoch` are what is plotted). */
export class TrainingPlot extends History {
  constructor(
    readonly path: string,
    readonly options: TrainingPlotOptions = {},
  ) {
    super();
    if (typeof path !== 'string') throw new InvalidArgumentError(`TrainingPlot: path must be a .svg or .html file name, got ${describeValue(path)} (new TrainingPlot(path, options))`);
    checkOptions('TrainingPlot', options, ['title', 'width', 'height', 'refreshSeconds']);
    if (!/\.(svg|html?)$/i.test(path)) throw new InvalidArgumentError(`TrainingPlot: '${path}': expected a .svg or .html file`);
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    super.onEpochEnd(epoch, logs);
    this.write(true);
  }

  override onTrainEnd(): void {
    if (this.epoch.length) this.write(false);
  }

  private write(live: boolean): void {
    const { refreshSeconds = 5, ...rest } = this.options;
    writeHistoryPlot(this.path, { history: this.history, epoch: this.epoch }, { ...rest, ...(live ? { refreshSeconds } : {}) });
  }
}
