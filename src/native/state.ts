/**
 * StateStore: a model's variables and optimizer slots in native memory.
 *
 * Each entry is a typed array over a zeroed, 64-byte-aligned block from the addon
 * (`allocAligned`), so compiled modules update it in place and TS reads and writes the very same
 * memory: `view()` is live (no copy), `get()` copies out, `set()` copies in after checking the
 * shape. Memory is freed when the store (and every view taken from it) is garbage collected.
 */
import { loadAddon, type NativeArray, type NativeDType, type TensorInfo } from './addon.js';

interface Entry {
  dtype: NativeDType;
  shape: number[];
  array: NativeArray;
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const fmt = (dtype: NativeDType, shape: readonly number[]): string => `${dtype} [${shape.join(',')}]`;

export class StateStore {
  private readonly entries = new Map<string, Entry>();

  /** Creates a zeroed variable; throws if `name` exists (use `ensure` to accept an existing one). */
  create(name: string, dtype: NativeDType, shape: readonly number[]): NativeArray {
    if (this.entries.has(name)) throw new Error(`StateStore: variable '${name}' already exists`);
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`StateStore: variable '${name}': bad shape [${shape.join(',')}]`);
    }
    const length = sizeOf(shape);
    const buffer = loadAddon().allocAligned(length * 4);
    const array = dtype === 'int32' ? new Int32Array(buffer) : new Float32Array(buffer);
    this.entries.set(name, { dtype, shape: [...shape], array });
    return array;
  }

  /**
   * The arrays for a module's state buffers in manifest order, creating missing ones (zeroed) and
   * checking that existing ones have the manifest's dtype and shape.
   */
  ensure(specs: readonly TensorInfo[]): NativeArray[] {
    return specs.map((spec) => {
      const entry = this.entries.get(spec.name);
      if (!entry) return this.create(spec.name, spec.dtype, spec.shape);
      if (entry.dtype !== spec.dtype || entry.shape.join(',') !== spec.shape.join(',')) {
        throw new Error(
          `StateStore: variable '${spec.name}' is ${fmt(entry.dtype, entry.shape)}, ` +
            `but the module expects ${fmt(spec.dtype, spec.shape)}`,
        );
      }
      return entry.array;
    });
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** The variable's dtype and shape. */
  info(name: string): { dtype: NativeDType; shape: number[] } {
    const e = this.entry(name);
    return { dtype: e.dtype, shape: [...e.shape] };
  }

  /** A live view of the variable's native memory: writes go straight to what modules read. */
  view(name: string): NativeArray {
    return this.entry(name).array;
  }

  /** A copy of the variable's current value. */
  get(name: string): NativeArray {
    return this.entry(name).array.slice();
  }

  /**
   * Copies `values` into the variable. With `shape`, it must equal the variable's shape; without,
   * the element count must match.
   */
  set(name: string, values: ArrayLike<number>, shape?: readonly number[]): void {
    const e = this.entry(name);
    if (shape !== undefined && shape.join(',') !== e.shape.join(',')) {
      throw new Error(`StateStore: variable '${name}' is ${fmt(e.dtype, e.shape)}, got a value of shape [${shape.join(',')}]`);
    }
    if (values.length !== e.array.length) {
      throw new Error(
        `StateStore: variable '${name}' is ${fmt(e.dtype, e.shape)} (${e.array.length} elements), got ${values.length} values`,
      );
    }
    e.array.set(values);
  }

  private entry(name: string): Entry {
    const e = this.entries.get(name);
    if (!e) throw new Error(`StateStore: no variable '${name}' (have: ${this.names().join(', ') || 'none'})`);
    return e;
  }
}
