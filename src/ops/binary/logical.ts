/**
 * Boolean logic on bool tensors (TF's LogicalAnd, LogicalOr, LogicalNot); the binary ones
 * broadcast like NumPy. No gradient.
 */
import { defineBinary, defineUnary } from '../elementwise_util.js';

/**
 * `a && b` elementwise; bool inputs and output.
 * @example kiln.logicalAnd(kiln.greater(x, 0), kiln.less(x, 1)) // 0 < x < 1
 * @throws DTypeError for non-bool inputs; ShapeError when shapes cannot broadcast
 */
export const logicalAnd = defineBinary({ name: 'LogicalAnd', apiName: 'logicalAnd', f: (a, b) => a & b, dtypes: ['bool'] });

/**
 * `a || b` elementwise; bool inputs and output.
 * @example kiln.logicalOr(kiln.less(x, -1), kiln.greater(x, 1)) // |x| > 1
 * @throws DTypeError for non-bool inputs; ShapeError when shapes cannot broadcast
 */
export const logicalOr = defineBinary({ name: 'LogicalOr', apiName: 'logicalOr', f: (a, b) => a | b, dtypes: ['bool'] });

/**
 * `!x` elementwise; bool input and output.
 * @example kiln.logicalNot(kiln.equal(a, b)) // same as notEqual for non-NaN values
 * @throws DTypeError for a non-bool input
 */
export const logicalNot = defineUnary({ name: 'LogicalNot', apiName: 'logicalNot', f: (x) => 1 - x, dtypes: ['bool'] });
