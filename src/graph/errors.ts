/**
 * Errors thrown by kiln. Messages follow one form so a user can find the culprit:
 *   `<op> '<node name>': <what is wrong>, expected vs got (created at <file:line>)`.
 */
export class KilnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A shape mismatch found while building or running a graph. */
export class ShapeError extends KilnError {}

/** A dtype mismatch found while building or running a graph. */
export class DTypeError extends KilnError {}

/** A problem with the arguments of a call (bad attr, wrong feed, foreign tensor, ...). */
export class InvalidArgumentError extends KilnError {}

/**
 * Thrown by an op's shape/dtype inference with a message relative to the op; the graph
 * builder re-throws it as a ShapeError/DTypeError naming the op, node and call site.
 */
export class InferenceError extends Error {
  constructor(
    message: string,
    readonly kind: 'shape' | 'dtype' | 'argument' = 'shape',
  ) {
    super(message);
  }
}
