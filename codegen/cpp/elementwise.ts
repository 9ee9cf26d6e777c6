/**
 * The op -> C expression table of elementwise and broadcast ops (STYLE.md: emitters are tables).
 *
 * An entry maps the C expressions of the op's input values (already loaded or computed, of the
 * inputs' C types) to the C expression of its output value. The CUDA emitter of a later issue
 * spreads this table and overrides only the entries that differ (`expf` -> `__expf`, ...):
 *
 *     const CUDA_ELEMENTWISE = { ...CPP_ELEMENTWISE, Exp: ({ a }) => `__expf(${a[0]})` };
 *
 * float32 math uses the float functions of <math.h> (expf, logf...): compiled code is float32
 * (DESIGN); the tests state the tolerance against the float64 interpreter per op.
 */
import type { DType } from '../../src/graph/dtype.js';
import type { Attrs } from '../../src/graph/op_def.js';
import { floatLit } from './names.js';

export interface ElementArgs {
  /** C expressions of the input values. */
  a: readonly string[];
  /** Input dtypes. */
  dtypes: readonly DType[];
  /** Output dtype. */
  out: DType;
  attrs: Readonly<Attrs>;
}

export type ElementTemplate = (args: ElementArgs) => string;

const isInt = (x: ElementArgs): boolean => x.dtypes[0] === 'int32';
const f1 = (fn: string): ElementTemplate => ({ a }) => `${fn}(${a[0]})`;
const bool = (e: string): string => `((uint8_t)(${e}))`;

export const CPP_ELEMENTWISE: Readonly<Record<string, ElementTemplate>> = {
  Identity: ({ a }) => a[0]!,
  StopGradient: ({ a }) => a[0]!,
  Neg: (x) => (isInt(x) ? `kiln_neg_i32(${x.a[0]})` : `(-${x.a[0]})`),
  Add: (x) => (isInt(x) ? `kiln_add_i32(${x.a[0]}, ${x.a[1]})` : `(${x.a[0]} + ${x.a[1]})`),
  Sub: (x) => (isInt(x) ? `kiln_sub_i32(${x.a[0]}, ${x.a[1]})` : `(${x.a[0]} - ${x.a[1]})`),
  Mul: (x) => (isInt(x) ? `kiln_mul_i32(${x.a[0]}, ${x.a[1]})` : `(${x.a[0]} * ${x.a[1]})`),
  Div: ({ a }) => `(${a[0]} / ${a[1]})`,
  Maximum: (x) => (isInt(x) ? `kiln_maxi(${x.a[0]}, ${x.a[1]})` : `kiln_maxf(${x.a[0]}, ${x.a[1]})`),
  Minimum: (x) => (isInt(x) ? `kiln_mini(${x.a[0]}, ${x.a[1]})` : `kiln_minf(${x.a[0]}, ${x.a[1]})`),
  Pow: ({ a }) => `kiln_powf(${a[0]}, ${a[1]})`,
  Equal: ({ a }) => bool(`${a[0]} == ${a[1]}`),
  NotEqual: ({ a }) => bool(`${a[0]} != ${a[1]}`),
  Less: ({ a }) => bool(`${a[0]} < ${a[1]}`),
  LessEqual: ({ a }) => bool(`${a[0]} <= ${a[1]}`),
  Greater: ({ a }) => bool(`${a[0]} > ${a[1]}`),
  GreaterEqual: ({ a }) => bool(`${a[0]} >= ${a[1]}`),
  LogicalAnd: ({ a }) => bool(`${a[0]} & ${a[1]}`),
  LogicalOr: ({ a }) => bool(`${a[0]} | ${a[1]}`),
  LogicalNot: ({ a }) => bool(`!${a[0]}`),
  // Updates: the new value of the variable (stored to its state buffer by the update kernel).
  Assign: ({ a }) => a[1]!,
  AssignAdd: (x) => (isInt(x) ? `kiln_add_i32(${x.a[0]}, ${x.a[1]})` : `(${x.a[0]} + ${x.a[1]})`),
  AssignSub: (x) => (isInt(x) ? `kiln_sub_i32(${x.a[0]}, ${x.a[1]})` : `(${x.a[0]} - ${x.a[1]})`),
  Select: ({ a }) => `(${a[0]} ? ${a[1]} : ${a[2]})`,
  Cast: ({ a, dtypes, out }) => {
    const from = dtypes[0]!;
    if (from === out) return a[0]!;
    if (out === 'bool') return bool(`${a[0]} != 0`);
    if (out === 'int32') return from === 'float32' ? `kiln_f2i(${a[0]})` : `((int32_t)${a[0]})`;
    return `((float)${a[0]})`;
  },
  Abs: (x) => (isInt(x) ? `((int32_t)((${x.a[0]} < 0) ? (0u - (uint32_t)${x.a[0]}) : (uint32_t)${x.a[0]}))` : `fabsf(${x.a[0]})`),
  Sign: ({ a }) => `(${a[0]} > 0 ? 1 : (${a[0]} < 0 ? -1 : ${a[0]}))`,
  Square: (x) => (isInt(x) ? `kiln_mul_i32(${x.a[0]}, ${x.a[0]})` : `(${x.a[0]} * ${x.a[0]})`),
  Exp: f1('expf'),
  Log: f1('logf'),
  Sqrt: f1('sqrtf'),
  Rsqrt: ({ a }) => `(1.0f / sqrtf(${a[0]}))`,
  Reciprocal: ({ a }) => `(1.0f / ${a[0]})`,
  Tanh: f1('tanhf'),
  Erf: f1('erff'),
  Erfc: f1('erfcf'),
  Sigmoid: ({ a }) => `(${a[0]} >= 0.0f ? 1.0f / (1.0f + expf(-${a[0]})) : expf(${a[0]}) / (1.0f + expf(${a[0]})))`,
  Softplus: ({ a }) => `(fmaxf(${a[0]}, 0.0f) + log1pf(expf(-fabsf(${a[0]}))))`,
  Relu: ({ a }) => `((${a[0]} > 0.0f || ${a[0]} != ${a[0]}) ? ${a[0]} : 0.0f)`,
  ReluGrad: ({ a }) => `(${a[1]} > 0.0f ? ${a[0]} : 0.0f)`,
  Elu: ({ a, attrs }) => `(${a[0]} > 0.0f ? ${a[0]} : ${floatLit(attrs['alpha'] as number)} * expm1f(${a[0]}))`,
  EluGrad: ({ a, attrs }) => `(${a[1]} > 0.0f ? ${a[0]} : ${a[0]} * ${floatLit(attrs['alpha'] as number)} * expf(${a[1]}))`,
  LeakyRelu: ({ a, attrs }) => `(${a[0]} > 0.0f ? ${a[0]} : ${floatLit(attrs['alpha'] as number)} * ${a[0]})`,
  LeakyReluGrad: ({ a, attrs }) => `(${a[1]} > 0.0f ? ${a[0]} : ${floatLit(attrs['alpha'] as number)} * ${a[0]})`,
  Gelu: ({ a, attrs }) =>
    attrs['approximate']
      ? `(${a[0]} / (1.0f + expf(-1.5957691216057308f * (${a[0]} + 0.044715f * ${a[0]} * ${a[0]} * ${a[0]}))))`
      : `(0.5f * ${a[0]} * erfcf(-${a[0]} * 0.70710678118654752f))`,
};

/** The C type of a dtype inside generated code (bool is one byte; the ABI carries it as int32). */
export function ctype(dtype: DType): string {
  return dtype === 'float32' ? 'float' : dtype === 'int32' ? 'int32_t' : 'uint8_t';
}

/** Bytes of one element inside generated code. */
export function elemBytes(dtype: DType): number {
  return dtype === 'bool' ? 1 : 4;
}
