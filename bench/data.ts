/**
 * Fashion-MNIST for the bench's TS workers (the PyTorch worker has its own reader of the same
 * files). A small, dependency-free IDX reader: the bench must be able to measure the peers even
 * while kiln's own datasets module changes.
 *
 * IDX (LeCun et al., http://yann.lecun.com/exdb/mnist/): magic `0 0 <type> <rank>`, `rank`
 * big-endian uint32 dims, then row-major data; the files here are uint8 (type 0x08).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

/** Where Debian's `dataset-fashion-mnist` installs the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Reads a uint8 IDX file (gzipped when it starts with 0x1f 0x8b). */
export function readIdxUint8(path: string): { shape: number[]; data: Uint8Array } {
  let bytes: Uint8Array = readFileSync(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08) {
    throw new Error(`readIdxUint8 '${path}': not a uint8 IDX file (magic ${[...bytes.subarray(0, 4)].join(' ')})`);
  }
  const rank = bytes[3]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const offset = 4 + 4 * rank;
  const count = shape.reduce((a, d) => a * d, 1);
  if (bytes.length !== offset + count) {
    throw new Error(`readIdxUint8 '${path}': header says [${shape.join(',')}] (${count} bytes of data), file has ${bytes.length - offset}`);
  }
  return { shape, data: bytes.slice(offset) };
}

/** Writes a uint8 IDX file, gzipped when the path ends in `.gz` (for tests and tiny data sets). */
export function writeIdxUint8(path: string, shape: readonly number[], data: Uint8Array): void {
  const header = new Uint8Array(4 + 4 * shape.length);
  header[2] = 0x08;
  header[3] = shape.length;
  const view = new DataView(header.buffer);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const bytes = Buffer.concat([header, data]);
  writeFileSync(path, path.endsWith('.gz') ? gzipSync(bytes) : bytes);
}

/** The path of one of the four files in `dir`, gzipped or not. */
export function idxPath(dir: string, file: keyof typeof FILES): string {
  const base = join(dir, FILES[file]);
  if (existsSync(`${base}.gz`)) return `${base}.gz`;
  if (existsSync(base)) return base;
  throw new Error(`Fashion-MNIST: ${base}(.gz) not found; install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass --data DIR`);
}

export interface Split {
  /** Pixels scaled to [0, 1], `n` rows of 784 (row-major 28x28; NHWC with one channel). */
  x: Float32Array;
  /** Labels 0..9. */
  y: Int32Array;
  n: number;
}

function split(dir: string, images: keyof typeof FILES, labels: keyof typeof FILES): Split {
  const img = readIdxUint8(idxPath(dir, images));
  const lab = readIdxUint8(idxPath(dir, labels));
  const n = img.shape[0]!;
  if (lab.shape[0] !== n || img.data.length !== n * 784) {
    throw new Error(`Fashion-MNIST in ${dir}: ${n} images of [${img.shape.slice(1).join(',')}] and ${lab.shape[0]} labels`);
  }
  const x = new Float32Array(img.data.length);
  for (let i = 0; i < x.length; i++) x[i] = img.data[i]! / 255;
  return { x, y: Int32Array.from(lab.data), n };
}

/** Train (60,000) and test (10,000) splits, pixels / 255. */
export function loadFashionMnist(dir: string = FASHION_MNIST_DIR): { train: Split; test: Split } {
  return { train: split(dir, 'trainImages', 'trainLabels'), test: split(dir, 'testImages', 'testLabels') };
}

/** Writes a small random data set in the four files' layout (for smoke tests). */
export function writeTinyDataset(dir: string, nTrain: number, nTest: number, seed = 1): void {
  const rand = mulberry32(seed);
  const write = (images: keyof typeof FILES, labels: keyof typeof FILES, n: number) => {
    const y = Uint8Array.from({ length: n }, () => Math.floor(rand() * 10));
    // Each class lights a different band of rows, so a few steps can learn something.
    const x = new Uint8Array(n * 784);
    for (let i = 0; i < n; i++) for (let p = 0; p < 784; p++) x[i * 784 + p] = Math.floor(p / 78.4) === y[i] ? 200 : Math.floor(rand() * 40);
    writeIdxUint8(join(dir, `${FILES[images]}.gz`), [n, 28, 28], x);
    writeIdxUint8(join(dir, `${FILES[labels]}.gz`), [n], y);
  };
  write('trainImages', 'trainLabels', nTrain);
  write('testImages', 'testLabels', nTest);
}

/** A small seeded PRNG (Tommy Ettinger's mulberry32), uniform on [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, rand: () => number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/** Copies rows `idx` of `src` (rows of `width`) into `dst`: the gather of a shuffled batch. */
export function gatherRows(src: Float32Array, width: number, idx: Int32Array, dst: Float32Array): void {
  for (let r = 0; r < idx.length; r++) dst.set(src.subarray(idx[r]! * width, idx[r]! * width + width), r * width);
}
