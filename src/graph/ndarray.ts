import type { DType } from './dtype.js';
import { formatShape, sizeOf } from './shape.js';
import { InvalidArgumentError } from './errors.js';
import { describeValue } from './describe.js';

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Nested JS arrays of numbers or booleans, e.g. `[[1, 2], [3, 4]]`; rows may be typed arrays. */
export type NestedArray = number | boolean | readonly NestedArray[] | TypedArray;

/** The typed arrays that hold each dtype (float64 storage is the reference interpreter's). */
const STORAGE: Record<DType, readonly (Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor)[]> = {
  float32: [Float32Array, Float64Array],
  int32: [Int32Array],
  bool: [Uint8Array],
};

/**
 * A concrete array: a typed array in row-major (C) order, its shape and dtype.
 * `float32` data is a Float32Array (the reference interpreter uses Float64Array internally),
 * `int32` an Int32Array and `bool` a Uint8Array of 0/1.
 */
export class NDArray {
  constructor(
    readonly data: TypedArray,
    readonly shape: readonly number[],
    readonly dtype: DType,
  ) {
    const storage = STORAGE[dtype as DType];
    if (storage === undefined) {
      throw new InvalidArgumentError(`NDArray: unknown dtype ${JSON.stringify(dtype)}; expected 'float32', 'int32' or 'bool'`);
    }
    if (!storage.some((T) => data instanceof T)) {
      const got = ArrayBuffer.isView(data) ? data.constructor.name : describeValue(data);
      throw new InvalidArgumentError(
        `NDArray: ${dtype} data must be a${dtype === 'int32' ? 'n' : ''} ${storage.map((T) => T.name).join(' or ')}, got ${got}; use kiln.array(data, shape, '${dtype}') to convert`,
      );
    }
    if (data.length !== sizeOf(shape)) {
      throw new InvalidArgumentError(
        `NDArray: data has ${data.length} elements but shape ${formatShape(shape)} needs ${sizeOf(shape)}`,
      );
    }
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The values as nested JS arrays (booleans for `bool`). */
  toArray(): NestedArray {
    const { data, shape } = this;
    const conv = (v: number): number | boolean => (this.dtype === 'bool' ? v !== 0 : v);
    if (shape.length === 0) return conv(data[0]!);
    const rec = (dim: number, offset: number): NestedArray[] => {
      const n = shape[dim]!;
      const inner = sizeOf(shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) {
        out.push(dim === shape.length - 1 ? conv(data[offset + i]!) : rec(dim + 1, offset + i * inner));
      }
      return out;
    };
    return rec(0, 0);
  }

  /** The first element as a number (for scalars). */
  item(): number {
    return this.data[0]!;
  }

  toString(): string {
    return `NDArray(${this.dtype}, ${formatShape(this.shape)}, ${JSON.stringify(this.toArray())})`;
  }
}

/** Allocates a typed array of the storage kind for `dtype`. */
export function allocData(dtype: DType, size: number, float64 = false): TypedArray {
  if (dtype === 'float32') return float64 ? new Float64Array(size) : new Float32Array(size);
  if (dtype === 'int32') return new Int32Array(size);
  return new Uint8Array(size);
}

/** An array level of nested input: a JS array or a typed array (a row of numbers). */
function isLevel(x: unknown): x is { readonly length: number; readonly [i: number]: unknown } {
  return Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));
}

function inferNested(values: NestedArray): { shape: number[]; flat: (number | boolean)[] } {
  const shape: number[] = [];
  let v: unknown = values;
  while (isLevel(v)) {
    shape.push(v.length);
    v = v[0];
  }
  const flat: (number | boolean)[] = [];
  const path: number[] = []; // the index of the element being walked, for messages
  const at = (): string => `[${path.join('][')}]`;
  const walk = (x: unknown, dim: number): void => {
    if (dim === shape.length) {
      if (typeof x === 'number' || typeof x === 'boolean') {
        flat.push(x);
        return;
      }
      // Never Number(x): 'a' -> NaN, null -> 0, '1' -> 1 would pass silently.
      if (isLevel(x)) throw new InvalidArgumentError(`array: ragged nested array: element ${at()} is an array, expected a number or a boolean like its siblings`);
      throw new InvalidArgumentError(
        path.length
          ? `array: element ${at()} is ${describeValue(x)}; expected a number or a boolean`
          : `array: expected a number, a boolean, a nested array of them, a typed array or an NDArray, got ${describeValue(x)}`,
      );
    }
    if (!isLevel(x) || x.length !== shape[dim]) {
      const got = isLevel(x) ? `has length ${x.length}` : `is ${describeValue(x)}`;
      throw new InvalidArgumentError(`array: ragged nested array: element ${at()} ${got}, expected an array of length ${shape[dim]}`);
    }
    for (let i = 0; i < x.length; i++) {
      path.push(i);
      walk(x[i], dim + 1);
      path.pop();
    }
  };
  walk(values, 0);
  return { shape, flat };
}

/** Anything kiln accepts as a concrete value. */
export type ArrayLike = NDArray | NestedArray | TypedArray;

/**
 * Makes an NDArray from nested arrays, a typed array (1-D unless `shape` is given) or a number.
 * The dtype defaults from the data: booleans -> bool, Int32Array -> int32, otherwise float32.
 * @throws InvalidArgumentError for ragged input or a shape that does not match the data size.
 */
export function array(values: ArrayLike, shape?: readonly number[], dtype?: DType): NDArray {
  if (values instanceof NDArray) {
    const dt = dtype ?? values.dtype;
    const sh = shape ?? values.shape;
    if (dt === values.dtype && !(values.data instanceof Float64Array) && sh === values.shape) return values;
    return fromFlat(Array.from(values.data), sh, dt);
  }
  if (ArrayBuffer.isView(values)) {
    if (values instanceof DataView || values instanceof BigInt64Array || values instanceof BigUint64Array) {
      throw new InvalidArgumentError(`array: a ${values.constructor.name} is not supported; use a Float32Array, Float64Array, Int32Array or Uint8Array`);
    }
    const dt = dtype ?? (values instanceof Int32Array ? 'int32' : values instanceof Uint8Array ? 'bool' : 'float32');
    const sh = shape ?? [values.length];
    const data = allocData(dt, values.length);
    data.set(values as ArrayLike & TypedArray);
    return new NDArray(data, [...sh], dt);
  }
  const { shape: inferred, flat } = inferNested(values);
  const dt = dtype ?? (typeof flat[0] === 'boolean' ? 'bool' : 'float32');
  return fromFlat(
    flat.map((x) => (typeof x === 'boolean' ? (x ? 1 : 0) : x)),
    shape ?? inferred,
    dt,
  );
}

function fromFlat(flat: readonly number[], shape: readonly number[], dtype: DType): NDArray {
  if (flat.length !== sizeOf(shape)) {
    throw new InvalidArgumentError(
      `array: ${flat.length} values do not fill shape ${formatShape(shape)} (${sizeOf(shape)} elements)`,
    );
  }
  const data = allocData(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i]!;
    data[i] = dtype === 'int32' ? Math.trunc(v) : dtype === 'bool' ? (v ? 1 : 0) : v;
  }
  return new NDArray(data, [...shape], dtype);
}
