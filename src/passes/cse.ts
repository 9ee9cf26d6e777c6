/**
 * cse (common-subexpression elimination): merges pure ops of the same type with the same
 * inputs and attrs, keeping the first; equal constants merge too. Placeholders, variables,
 * updates and random ops never merge, whatever their names or values: two dropout masks with
 * the same attrs are two different draws, two variables with equal initial values are two
 * states.
 */
import type { Tensor } from '../graph/graph.js';
import { NDArray } from '../graph/ndarray.js';
import { rewrite, type PassResult, type Program } from './program.js';
import { isPure } from './util.js';

export function cse(program: Program): PassResult {
  let changes = 0;
  const seen = new Map<string, readonly Tensor[]>();
  const ids = new Map<Tensor, number>();
  const idOf = (t: Tensor): number => {
    let n = ids.get(t);
    if (n === undefined) ids.set(t, (n = ids.size));
    return n;
  };
  const next = rewrite(program, (op, ctx) => {
    if (!isPure(op)) return undefined;
    const key = `${op.type}(${ctx.inputs.map(idOf).join(',')})${attrKey(op.attrs)}`;
    const prior = seen.get(key);
    if (prior) {
      changes++;
      return prior;
    }
    const outs = ctx.copy().outputs;
    seen.set(key, outs);
    return outs;
  });
  return { program: changes ? next : program, changes };
}

/** A canonical text of attrs: keys sorted, arrays by value, NDArrays by dtype, shape and bits. */
export function attrKey(attrs: unknown): string {
  if (attrs instanceof NDArray) {
    const bytes = new Uint8Array(attrs.data.buffer, attrs.data.byteOffset, attrs.data.byteLength);
    return `nd(${attrs.dtype},[${attrs.shape.join(',')}],${attrs.data.constructor.name},${Buffer.from(bytes).toString('base64')})`;
  }
  if (Array.isArray(attrs)) return `[${attrs.map(attrKey).join(',')}]`;
  if (attrs !== null && typeof attrs === 'object') {
    return `{${Object.keys(attrs)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${attrKey((attrs as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  if (typeof attrs === 'number') return Object.is(attrs, -0) ? '-0' : String(attrs);
  return JSON.stringify(attrs) ?? String(attrs);
}
