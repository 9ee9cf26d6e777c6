import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose } from '../helpers.js';

const { EarlyStopping, LearningRateScheduler, ProgbarLogger } = kiln.callbacks;

/** A stand-in model whose "weights" record the epoch they were taken at. */
function fakeModel(): kiln.callbacks.CallbackModel & { epoch: number; restored: number | undefined } {
  return {
    stopTraining: false,
    epoch: 0,
    restored: undefined,
    getWeights() {
      return [kiln.array([this.epoch])];
    },
    setWeights(w) {
      this.restored = (w[0] as kiln.NDArray).item();
    },
    getLearningRate: () => 0.1,
    setLearningRate: () => {},
  };
}

/** Drives `cb` through epochs with the given monitor values; returns the epoch after which training stopped. */
function drive(cb: kiln.callbacks.Callback, model: ReturnType<typeof fakeModel>, values: number[], key = 'val_loss'): number | undefined {
  cb.setModel(model);
  cb.onTrainBegin();
  for (let e = 0; e < values.length; e++) {
    model.epoch = e;
    cb.onEpochEnd(e, { [key]: values[e]! });
    if (model.stopTraining) return e;
  }
  return undefined;
}

function data(n: number) {
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = Math.sin(i);
    x[2 * i + 1] = Math.cos(3 * i);
    y[i] = x[2 * i]! > x[2 * i + 1]! ? 1 : 0;
  }
  return { x: new kiln.NDArray(x, [n, 2], 'float32'), y: new kiln.NDArray(y, [n], 'int32') };
}

function model(lr = 0.05) {
  const m = new kiln.Sequential([new kiln.layers.Dense(4, { activation: 'tanh', inputDim: 2 }), new kiln.layers.Dense(2, { activation: 'softmax' })], { name: 'm', seed: 4, backend: 'interpreter' });
  m.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: new kiln.SGD({ lr }), metrics: ['accuracy'] });
  return m;
}

describe('EarlyStopping', () => {
  it('stops after `patience` epochs without improvement', () => {
    const m = fakeModel();
    const es = new EarlyStopping({ patience: 2 });
    expect(drive(es, m, [1, 0.9, 0.95, 0.96, 0.5])).toBe(3);
    expect([es.stoppedEpoch, es.bestEpoch, es.best]).toEqual([3, 1, 0.9]);
    expect(m.restored).toBeUndefined();
  });

  it('minDelta: smaller changes are not improvements; mode auto is max for accuracy', () => {
    expect(drive(new EarlyStopping({ patience: 1, minDelta: 0.1 }), fakeModel(), [1, 0.85, 0.8, 0.5])).toBe(2);
    expect(drive(new EarlyStopping({ monitor: 'val_accuracy', patience: 1 }), fakeModel(), [0.5, 0.6, 0.6, 0.7], 'val_accuracy')).toBe(2);
    expect(drive(new EarlyStopping({ patience: 1 }), fakeModel(), [3, 2, 1, 0.5])).toBeUndefined();
  });

  it('restoreBestWeights restores the best epoch on stopping', () => {
    const m = fakeModel();
    expect(drive(new EarlyStopping({ patience: 2, restoreBestWeights: true }), m, [1, 0.5, 0.7, 0.8, 0.1])).toBe(3);
    expect(m.restored).toBe(1);
  });

  it('in fit: stops early and restores the best weights', () => {
    const { x, y } = data(16);
    const m = model();
    const seen: kiln.NDArray[][] = [];
    const es = new EarlyStopping({ monitor: 'loss', minDelta: 100, patience: 1, restoreBestWeights: true });
    const h = m.fit(x, y, { epochs: 10, batchSize: 8, verbose: 0, callbacks: [{ onEpochEnd: () => void seen.push(m.getWeights()) }, es] });
    expect(h.epoch).toEqual([0, 1]); // epoch 0 sets best; epoch 1 fails minDelta and patience 1 is spent
    expect(es.stoppedEpoch).toBe(1);
    m.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(seen[0]![i]!.data)));
  });
});

describe('LearningRateScheduler', () => {
  it('sets the rate variable each epoch (no recompile) and logs lr', () => {
    const { x, y } = data(8);
    const m = model(0.5);
    const used: number[] = [];
    const h = m.fit(x, y, {
      epochs: 3,
      batchSize: 8,
      verbose: 0,
      callbacks: [new LearningRateScheduler((epoch) => 0.1 / (epoch + 1)), { onEpochBegin: () => void used.push(m.getLearningRate()) }],
    });
    expectClose(used, [0.1, 0.05, 0.1 / 3], 1e-6);
    expectClose(h.history.lr!, [0.1, 0.05, 0.1 / 3], 1e-6);
    expect(m.getLearningRate()).toBeCloseTo(0.1 / 3, 6);
    // The step reads the variable: plain SGD with rate r moves the weights by r·gradient, so a
    // schedule of 0 movement (a tiny rate) leaves them (nearly) unchanged.
    const w0 = m.getWeights();
    m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, callbacks: [new LearningRateScheduler(() => 1e-30)] });
    m.getWeights().forEach((w, i) => expectClose(w.data, w0[i]!.data, 1e-12));
    expect(() => m.fit(x, y, { epochs: 1, verbose: 0, callbacks: [new LearningRateScheduler(() => -1)] })).toThrow(
      'LearningRateScheduler: the schedule returned -1 for epoch 0; expected a positive number',
    );
  });

  it('user callbacks see batch and epoch logs; stopTraining from a batch ends fit', () => {
    const { x, y } = data(10);
    const m = model();
    const events: string[] = [];
    const h = m.fit(x, y, {
      epochs: 3,
      batchSize: 4,
      verbose: 0,
      callbacks: [
        {
          onTrainBegin: () => void events.push('train'),
          onEpochBegin: (e) => void events.push(`epoch ${e}`),
          onBatchEnd: (b, logs) => {
            events.push(`batch ${b} ${Object.keys(logs!).join(',')}`);
            if (b === 1) m.stopTraining = true;
          },
          onEpochEnd: (e, logs) => void events.push(`end ${e} ${Object.keys(logs!).join(',')}`),
        },
      ],
    });
    expect(events).toEqual(['train', 'epoch 0', 'batch 0 batch,size,loss,accuracy', 'batch 1 batch,size,loss,accuracy', 'end 0 loss,accuracy']);
    expect(h.epoch).toEqual([0]);
  });
});

describe('progress output', () => {
  it('formats values, bars, times as Keras', () => {
    const { formatValue, formatBar, formatPerStep, formatEta, finalLine, epochLine, runningLine } = kiln.callbacks;
    expect(formatValue(0.47701)).toBe('0.4770');
    expect(formatValue(0.0001234)).toBe('1.2340e-4');
    expect(formatBar(0, 10, 10)).toBe('[..........]');
    expect(formatBar(5, 10, 10)).toBe('[====>.....]');
    expect(formatBar(10, 10, 10)).toBe('[==========]');
    expect([formatPerStep(0.0072), formatPerStep(2.2), formatPerStep(0.00035)]).toEqual(['7ms/step', '2s/step', '350us/step']);
    expect([formatEta(42), formatEta(187), formatEta(3723)]).toEqual(['42s', '3:07', '1:02:03']);
    const logs = { loss: 0.5, accuracy: 0.875, val_loss: 0.25 };
    expect(runningLine(96, 250, 2, { loss: 0.7421 }, ['loss'])).toBe(' 96/250 [==========>...................] - ETA: 3s - loss: 0.7421');
    expect(finalLine(250, 1.75, logs, ['loss', 'accuracy', 'val_loss'])).toBe(
      '250/250 [==============================] - 2s 7ms/step - loss: 0.5000 - accuracy: 0.8750 - val_loss: 0.2500',
    );
    expect(epochLine(250, 1.75, logs, ['loss'])).toBe('250/250 - 2s - loss: 0.5000 - 2s/epoch - 7ms/step');
  });

  it('verbose 2 writes one line per epoch; verbose 1 off a terminal writes the final line', () => {
    const { x, y } = data(8);
    for (const verbose of [1, 2] as const) {
      const out: string[] = [];
      const logger = new ProgbarLogger(verbose, { write: (s: string) => out.push(s), isTTY: false });
      model().fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [logger] });
      const text = out.join('');
      expect(text.split('\n').filter((l) => l.startsWith('Epoch '))).toEqual(['Epoch 1/2', 'Epoch 2/2']);
      const pattern = verbose === 1 ? /^2\/2 \[=+\] - \d+s \d+(ms|us|s)\/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}$/m : /^2\/2 - \d+s - loss: \d\.\d{4} - accuracy: \d\.\d{4} - /m;
      expect(text).toMatch(pattern);
    }
  });
});
