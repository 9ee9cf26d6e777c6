/**
 * Elementwise comparisons (TF's Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual), with
 * NumPy broadcasting. Inputs are float32 or int32 (equal/notEqual also bool), both of the same
 * dtype; the output is bool. IEEE semantics: any comparison with NaN is false, except notEqual,
 * which is true. No gradient (the output is not a float).
 */
import { defineBinary } from '../elementwise_util.js';

const ORDERED = ['float32', 'int32'] as const;
const ANY = ['float32', 'int32', 'bool'] as const;

/**
 * `a == b` elementwise, bool output; float32, int32 or bool inputs.
 * @example kiln.equal(labels, predictions) // [?] == [?] -> bool [?]
 * @throws DTypeError when dtypes differ; ShapeError when shapes cannot broadcast
 */
export const equal = defineBinary({ name: 'Equal', apiName: 'equal', f: (a, b) => +(a === b), dtypes: ANY, outDtype: 'bool' });

/**
 * `a != b` elementwise, bool output; float32, int32 or bool inputs (NaN != NaN is true).
 * @example kiln.notEqual(x, 0) // [?,3] != [] -> bool [?,3]
 * @throws DTypeError when dtypes differ; ShapeError when shapes cannot broadcast
 */
export const notEqual = defineBinary({ name: 'NotEqual', apiName: 'notEqual', f: (a, b) => +(a !== b), dtypes: ANY, outDtype: 'bool' });

/**
 * `a < b` elementwise, bool output; float32 or int32 inputs.
 * @example kiln.less(x, 0) // [?,3] < [] -> bool [?,3]
 * @throws DTypeError for bool or differing dtypes; ShapeError when shapes cannot broadcast
 */
export const less = defineBinary({ name: 'Less', apiName: 'less', f: (a, b) => +(a < b), dtypes: ORDERED, outDtype: 'bool' });

/**
 * `a <= b` elementwise, bool output; float32 or int32 inputs.
 * @example kiln.lessEqual(x, 1)
 * @throws DTypeError for bool or differing dtypes; ShapeError when shapes cannot broadcast
 */
export const lessEqual = defineBinary({ name: 'LessEqual', apiName: 'lessEqual', f: (a, b) => +(a <= b), dtypes: ORDERED, outDtype: 'bool' });

/**
 * `a > b` elementwise, bool output; float32 or int32 inputs.
 * @example kiln.greater(x, 0) // the mask of a ReLU
 * @throws DTypeError for bool or differing dtypes; ShapeError when shapes cannot broadcast
 */
export const greater = defineBinary({ name: 'Greater', apiName: 'greater', f: (a, b) => +(a > b), dtypes: ORDERED, outDtype: 'bool' });

/**
 * `a >= b` elementwise, bool output; float32 or int32 inputs.
 * @example kiln.greaterEqual(x, 0.5)
 * @throws DTypeError for bool or differing dtypes; ShapeError when shapes cannot broadcast
 */
export const greaterEqual = defineBinary({
  name: 'GreaterEqual',
  apiName: 'greaterEqual',
  f: (a, b) => +(a >= b),
  dtypes: ORDERED,
  outDtype: 'bool',
});
