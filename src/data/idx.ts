/**
 * A reader for the IDX format of MNIST and Fashion-MNIST (LeCun et al., "THE MNIST DATABASE",
 * http://yann.lecun.com/exdb/mnist/ — the file-format section), raw or gzipped.
 *
 * Layout: a 4-byte magic `0x00 0x00 <type> <rank>`, then `rank` big-endian uint32 dimensions,
 * then the data in row-major order, big-endian. Types: 0x08 uint8, 0x09 int8, 0x0B int16,
 * 0x0C int32, 0x0D float32, 0x0E float64.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { InvalidArgumentError } from '../graph/errors.js';

/** The element types the IDX format names, by their type byte. */
const IDX_TYPES: Record<number, { name: IdxType; bytes: number }> = {
  0x08: { name: 'uint8', bytes: 1 },
  0x09: { name: 'int8', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
};

export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A decoded IDX file: its shape, element type and values (a typed array of that type). */
export interface IdxArray {
  shape: number[];
  type: IdxType;
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** True when `bytes` starts with the gzip magic number 0x1f 0x8b (RFC 1952, section 2.3.1). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decodes IDX bytes (gunzipping them first when they start with the gzip magic).
 * @param source the file's bytes, or a path to read
 * @param what a label for error messages (default: the path)
 * @returns shape, type and data; uint8 data is returned as is (no copy of the payload's meaning)
 * @throws InvalidArgumentError for a bad magic, an unknown type byte, or a size that does not
 *   match the header
 * @example const { shape, data } = readIdx('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz'); // [10000]
 */
export function readIdx(source: string | Uint8Array, what?: string): IdxArray {
  const label = what ?? (typeof source === 'string' ? source : 'IDX data');
  let bytes: Uint8Array = typeof source === 'string' ? readFileSync(source) : source;
  if (isGzip(bytes)) bytes = gunzipSync(bytes);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new InvalidArgumentError(`readIdx '${label}': not an IDX file (the first two bytes must be 0, got ${bytes[0]}, ${bytes[1]})`);
  }
  const typeInfo = IDX_TYPES[bytes[2]!];
  if (!typeInfo) throw new InvalidArgumentError(`readIdx '${label}': unknown IDX type byte 0x${bytes[2]!.toString(16)}`);
  const rank = bytes[3]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw new InvalidArgumentError(`readIdx '${label}': truncated header (rank ${rank})`);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, d) => a * d, 1);
  const expected = headerBytes + count * typeInfo.bytes;
  if (bytes.length !== expected) {
    throw new InvalidArgumentError(
      `readIdx '${label}': header says shape [${shape.join(',')}] of ${typeInfo.name} (${expected} bytes), but the data has ${bytes.length} bytes`,
    );
  }
  return { shape, type: typeInfo.name, data: decode(view, headerBytes, count, typeInfo.name) };
}

function decode(view: DataView, offset: number, n: number, type: IdxType): IdxArray['data'] {
  switch (type) {
    case 'uint8':
      return new Uint8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + n));
    case 'int8':
      return new Int8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + n));
    case 'int16': {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/**
 * Writes an IDX file's bytes (the inverse of `readIdx`, for tests and tools).
 * @param type default 'uint8'
 */
export function encodeIdx(shape: readonly number[], values: ArrayLike<number>, type: IdxType = 'uint8'): Uint8Array {
  const code = Number(Object.keys(IDX_TYPES).find((k) => IDX_TYPES[Number(k)]!.name === type));
  const bytesPer = IDX_TYPES[code]!.bytes;
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + values.length * bytesPer);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < values.length; i++) {
    const o = header + i * bytesPer;
    const v = values[i]!;
    if (type === 'uint8') view.setUint8(o, v);
    else if (type === 'int8') view.setInt8(o, v);
    else if (type === 'int16') view.setInt16(o, v, false);
    else if (type === 'int32') view.setInt32(o, v, false);
    else if (type === 'float32') view.setFloat32(o, v, false);
    else view.setFloat64(o, v, false);
  }
  return out;
}
