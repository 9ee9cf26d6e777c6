import type { Operation, Tensor } from '../graph/graph.js';
import type { NDArray } from '../graph/ndarray.js';

/**
 * What a Session delegates to: the interpreter or the native runtime. Feeds arrive checked;
 * results are user-visible arrays (Float32Array for float32). A failed `run` leaves every
 * variable as it was.
 */
export interface SessionBackend {
  run(tensors: readonly Tensor[], targets: readonly Operation[], feeds: ReadonlyMap<Operation, NDArray>, runIndex: number): NDArray[];
  /** A variable's current value (initialized on first use). */
  getValue(variable: Operation): NDArray;
  /** Sets a variable's value (already checked against its dtype and shape). */
  setValue(variable: Operation, value: NDArray): void;
  /** Forgets every variable value; they are initialized again on first use. */
  reset(): void;
  close(): void;
}
