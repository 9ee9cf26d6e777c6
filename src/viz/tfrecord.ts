/**
 * TFRecord framing, the container of TensorBoard event files. Each record is
 *
 *   uint64 length (little-endian) | uint32 masked_crc32c(length bytes) | data | uint32 masked_crc32c(data)
 *
 * where masked_crc(x) = rotate_right(crc32c(x), 15) + 0xa282ead8 (mod 2^32): TensorFlow masks
 * the CRC so that a CRC of data that itself holds CRCs stays well distributed.
 */
import CRC32C from 'crc-32/crc32c.js';

/** TensorFlow's CRC mask delta (tensorflow/core/lib/hash/crc32c.h). */
const MASK_DELTA = 0xa282ead8;

/** CRC32C (Castagnoli) of `bytes`, as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array): number {
  return CRC32C.buf(bytes) >>> 0;
}

/** TensorFlow's masked CRC32C of `bytes`. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

/** One framed record holding `data`. */
export function encodeRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/**
 * The records of a TFRecord byte stream, every length and data CRC verified.
 * @throws Error naming the record and byte offset of a truncated record or a CRC mismatch
 */
export function decodeRecords(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    const where = `record ${records.length} at byte ${at}`;
    if (at + 12 > bytes.length) throw new Error(`tfrecord: ${where}: truncated header (${bytes.length - at} bytes left)`);
    const len = view.getBigUint64(at, true);
    const lenCrc = view.getUint32(at + 8, true);
    const wantLenCrc = maskedCrc32c(bytes.subarray(at, at + 8));
    if (lenCrc !== wantLenCrc) throw new Error(`tfrecord: ${where}: length CRC is ${hex(lenCrc)}, expected ${hex(wantLenCrc)}`);
    const n = Number(len);
    if (at + 12 + n + 4 > bytes.length) throw new Error(`tfrecord: ${where}: truncated data (length ${n}, ${bytes.length - at - 12} bytes left)`);
    const data = bytes.subarray(at + 12, at + 12 + n);
    const dataCrc = view.getUint32(at + 12 + n, true);
    const wantDataCrc = maskedCrc32c(data);
    if (dataCrc !== wantDataCrc) throw new Error(`tfrecord: ${where}: data CRC is ${hex(dataCrc)}, expected ${hex(wantDataCrc)}`);
    records.push(data);
    at += 12 + n + 4;
  }
  return records;
}

const hex = (x: number): string => `0x${x.toString(16).padStart(8, '0')}`;
