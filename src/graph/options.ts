/**
 * Option-object checking for the public entry points. TypeScript catches a misspelled option at
 * compile time, plain JavaScript does not: `fit({ epoch: 5 })` would silently train one epoch.
 * Every entry point that takes an options object calls `checkOptions` with the keys it knows, so
 * a typo throws and names the closest known key.
 */
import { InvalidArgumentError } from './errors.js';
import { array, type ArrayLike, type NDArray } from './ndarray.js';
import type { DType } from './dtype.js';
import { userCallSite } from './callsite.js';

export { describeValue } from './describe.js';

/** `batch_size`, `BatchSize` and `batchsize` all compare equal to `batchSize`. */
function normalize(key: string): string {
  return key.replace(/[_\-\s]/g, '').toLowerCase();
}

/** Edit distance counting a swap of neighbours as one edit (optimal string alignment): `roh` -> `rho` is 1. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The known key `key` was most likely meant to be: equal up to case and `_`/`-`, else the
 * closest by edit distance when at most a third of the key's length (and at most 3) differs.
 */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const n = normalize(key);
  const same = known.find((k) => normalize(k) === n);
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestDist = Math.min(3, Math.max(1, Math.floor(n.length / 3)));
  for (const k of known) {
    const d = editDistance(n, normalize(k));
    if (d <= bestDist && (best === undefined || d < bestDist)) {
      best = k;
      bestDist = d;
    }
  }
  return best;
}

/**
 * Throws when `options` is not an object or has a key outside `known`:
 * `fit: unknown option 'epoch' (did you mean 'epochs'?); known: epochs, batchSize, ...`.
 * `undefined`/`null` options pass (the caller's defaults apply).
 * @param where the function or class the options were given to (`fit`, `Dense`, `SGD`, ...)
 */
export function checkOptions(where: string, options: unknown, known: readonly string[]): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options)) {
    const got = Array.isArray(options) ? 'an array' : typeof options === 'string' ? `the string '${options}'` : `${typeof options} ${String(options)}`;
    throw new InvalidArgumentError(`${where}: expected an options object, got ${got}`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const guess = suggestKey(key, known);
    throw new InvalidArgumentError(
      `${where}: unknown option '${key}'${guess !== undefined ? ` (did you mean '${guess}'?)` : ''}; known: ${known.join(', ')}`,
    );
  }
}

/**
 * `array(values, shape, dtype)` for an entry point: an error names `who` (e.g. `constant 'c'`)
 * and the user's call site instead of `array`.
 */
export function arrayFor(who: string, values: ArrayLike, shape?: readonly number[], dtype?: DType): NDArray {
  try {
    return array(values, shape, dtype);
  } catch (e) {
    if (!(e instanceof InvalidArgumentError)) throw e;
    const what = e.message.replace(/^(array|NDArray): /, '');
    throw new InvalidArgumentError(`${who}: ${what} (created at ${userCallSite()})`);
  }
}
