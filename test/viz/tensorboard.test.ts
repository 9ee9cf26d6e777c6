import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { TensorBoard } from '../../src/callbacks/tensorboard.js';
import type { CallbackModel } from '../../src/callbacks/callback.js';

/** CRC32C bit by bit (reflected polynomial 0x82F63B78): an oracle independent of the library. */
function crc32cBitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
const mask = (c: number) => ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;

/** Splits a TFRecord file by hand, checking each CRC against the bitwise oracle. */
function framedRecords(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    const n = Number(view.getBigUint64(at, true));
    expect(view.getUint32(at + 8, true), `length CRC of record ${out.length}`).toBe(mask(crc32cBitwise(bytes.subarray(at, at + 8))));
    const data = bytes.subarray(at + 12, at + 12 + n);
    expect(view.getUint32(at + 12 + n, true), `data CRC of record ${out.length}`).toBe(mask(crc32cBitwise(data)));
    out.push(data);
    at += 16 + n;
  }
  expect(at).toBe(bytes.length);
  return out;
}

function onlyEventFile(dir: string): string {
  const files = readdirSync(dir);
  expect(files).toHaveLength(1);
  expect(files[0]).toMatch(/^events\.out\.tfevents\.\d{10}\./);
  return join(dir, files[0]!);
}

describe('TFRecord framing', () => {
  it('computes CRC32C and TensorFlow\'s mask', () => {
    const check = new TextEncoder().encode('123456789');
    expect(kiln.viz.crc32c(check)).toBe(0xe3069283); // the CRC-32C check value
    expect(kiln.viz.crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    expect(kiln.viz.maskedCrc32c(check)).toBe(mask(0xe3069283));
  });

  it('frames records and reads them back; a flipped byte or a cut file is reported', () => {
    const a = new Uint8Array([1, 2, 3]);
    const b = new Uint8Array(300).map((_, i) => i & 255);
    const bytes = new Uint8Array([...kiln.viz.encodeRecord(a), ...kiln.viz.encodeRecord(b)]);
    expect(bytes.length).toBe(16 + 3 + 16 + 300);
    expect(framedRecords(bytes)).toEqual([a, b]);
    expect(kiln.viz.decodeRecords(bytes)).toEqual([a, b]);
    const bad = bytes.slice();
    bad[13] ^= 1;
    expect(() => kiln.viz.decodeRecords(bad)).toThrow(/record 0 at byte 0: data CRC/);
    bad.set(bytes);
    bad[20] ^= 1;
    expect(() => kiln.viz.decodeRecords(bad)).toThrow(/record 1 at byte 19: length CRC/);
    expect(() => kiln.viz.decodeRecords(bytes.subarray(0, bytes.length - 1))).toThrow(/record 1 at byte 19: truncated data/);
  });
});

describe('TensorBoard callback', () => {
  const epochs = [
    { loss: 1.25, accuracy: 0.5, val_loss: 1.5, val_accuracy: 0.4 },
    { loss: 0.75, accuracy: 0.7, val_loss: 0.9, val_accuracy: 0.6 },
    { loss: 0.5, accuracy: 0.8, val_loss: 0.7, val_accuracy: 0.7 },
  ];
  const model = { getLearningRate: () => 0.01 } as unknown as CallbackModel;

  /** Drives the callback as `fit` does: 2 batches per epoch. */
  function train(cb: TensorBoard): void {
    cb.setModel(model);
    cb.onTrainBegin();
    epochs.forEach((logs, e) => {
      cb.onEpochBegin(e);
      for (let b = 0; b < 2; b++) cb.onBatchEnd(b, { batch: b, size: 32, loss: logs.loss + 0.1 * (1 - b), accuracy: logs.accuracy });
      cb.onEpochEnd(e, logs);
    });
    cb.onTrainEnd();
  }

  it('writes train/ and validation/ runs with epoch_* scalars per epoch, like Keras', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-tb-'));
    const cb = new TensorBoard(dir);
    train(cb);
    expect(readdirSync(dir).sort()).toEqual(['train', 'validation']);
    const trainFile = onlyEventFile(join(dir, 'train'));
    const valFile = onlyEventFile(join(dir, 'validation'));
    expect(cb.files).toEqual([]); // closed at the end of training

    // framing and CRCs, checked by hand; then the protobuf content
    const records = framedRecords(new Uint8Array(readFileSync(trainFile)));
    const events = kiln.viz.readEventFile(trainFile);
    expect(events).toHaveLength(records.length);
    expect(events[0]!.file_version).toBe('brain.Event:2');
    expect(events[0]!.wall_time).toBeGreaterThan(1.6e9);

    const scalars = kiln.viz.readScalars(trainFile);
    const byTag = (s: kiln.viz.ScalarEvent[], tag: string) => s.filter((x) => x.tag === tag).map((x) => [x.step, x.value]);
    expect(byTag(scalars, 'epoch_loss')).toEqual(epochs.map((l, e) => [e, Math.fround(l.loss)]));
    expect(byTag(scalars, 'epoch_accuracy')).toEqual(epochs.map((l, e) => [e, Math.fround(l.accuracy)]));
    expect(byTag(scalars, 'epoch_learning_rate')).toEqual(epochs.map((_, e) => [e, Math.fround(0.01)]));
    expect(scalars.some((x) => x.tag.startsWith('batch_') || x.tag.includes('val'))).toBe(false);

    const val = kiln.viz.readScalars(valFile);
    expect(byTag(val, 'epoch_loss')).toEqual(epochs.map((l, e) => [e, Math.fround(l.val_loss)]));
    expect(byTag(val, 'epoch_accuracy')).toEqual(epochs.map((l, e) => [e, Math.fround(l.val_accuracy)]));
    expect(new Set(val.map((x) => x.tag))).toEqual(new Set(['epoch_loss', 'epoch_accuracy']));
  });

  it("with updateFreq 'batch' also writes batch_* scalars, stepped by the global batch count", () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-tb-'));
    train(new TensorBoard(dir, { updateFreq: 'batch' }));
    const train_ = kiln.viz.readScalars(onlyEventFile(join(dir, 'train')));
    const batchLoss = train_.filter((x) => x.tag === 'batch_loss');
    expect(batchLoss.map((x) => x.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(batchLoss.map((x) => x.value)).toEqual(epochs.flatMap((l) => [Math.fround(l.loss + 0.1), Math.fround(l.loss)]));
    expect(train_.some((x) => x.tag === 'batch_batch' || x.tag === 'batch_size')).toBe(false);

    const dir3 = mkdtempSync(join(tmpdir(), 'kiln-tb-'));
    train(new TensorBoard(dir3, { updateFreq: 3 }));
    expect(kiln.viz.readScalars(onlyEventFile(join(dir3, 'train'))).filter((x) => x.tag === 'batch_loss').map((x) => x.step)).toEqual([3, 6]);
    expect(() => new TensorBoard(dir3, { updateFreq: 0 })).toThrow(/updateFreq/);
  });

  it('makes each event visible as soon as its epoch ends (read mid-training)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-tb-'));
    const cb = new TensorBoard(dir);
    cb.onTrainBegin();
    cb.onEpochEnd(0, { loss: 2 });
    const scalars = kiln.viz.readScalars(onlyEventFile(join(dir, 'train')));
    expect(scalars.map((s) => [s.tag, s.step, s.value])).toEqual([['epoch_loss', 0, 2]]);
    cb.onTrainEnd();
  });

  it('reading a damaged event file names the record', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-tb-'));
    const w = new kiln.viz.EventFileWriter(dir);
    w.addScalar('x', 1, 0);
    w.close();
    expect(() => w.addScalar('x', 1, 1)).toThrow(/closed/);
    const bytes = readFileSync(w.path);
    bytes[bytes.length - 6] ^= 0xff;
    writeFileSync(w.path, bytes);
    expect(() => kiln.viz.readEventFile(w.path)).toThrow(/record 1 at byte \d+: data CRC/);
  });
});
