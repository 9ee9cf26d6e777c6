/**
 * Optimizers as graph nodes (TF1's tf.train.Optimizer): `minimize(loss)` adds the gradients
 * and one update per variable to the graph and returns an op that runs them all; a compiled
 * session turns forward + backward + update into one native call.
 *
 * Semantics follow Keras (keras/optimizers, the Keras 2 formulas), including its defaults.
 * All updates of one step read the values at the start of the step (kiln's run semantics), so
 * `iterations` in a formula is the number of updates already applied.
 */
import type { Graph, Operation, Tensor } from '../graph/graph.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { checkOptions } from '../graph/options.js';
import { gradients } from '../autodiff/gradients.js';
import * as ops from '../ops/index.js';
import { constantInitializer } from '../init/initializers.js';

type Pair = readonly [gradient: Tensor | undefined, variable: Tensor];

/** Base class: slot variables, the iteration counter and the learning-rate variable. */
export abstract class Optimizer {
  /** Keras-style name, also the name scope of the optimizer's ops and slots. */
  abstract readonly name: string;
  private readonly state = new Map<Graph, { iterations: Tensor; learningRate: Tensor }>();

  constructor(protected readonly initialLearningRate: number) {
    checkLearningRate('optimizer', initialLearningRate);
  }

  /**
   * Adds gradients of `loss` w.r.t. `varList` (default: the graph's trainable variables) and
   * the update ops; returns one op that applies every update and increments `iterations`.
   * @throws InvalidArgumentError when no variable receives a gradient
   */
  minimize(loss: Tensor, varList?: readonly Tensor[]): Operation {
    const vars = varList ?? loss.graph.trainableVariables();
    const grads = gradients(loss, vars);
    return this.applyGradients(grads.map((g, i) => [g, vars[i]!] as const));
  }

  /** Adds the update ops for given (gradient, variable) pairs; pairs without a gradient are skipped. */
  applyGradients(pairs: readonly Pair[]): Operation {
    const live = pairs.filter((p): p is readonly [Tensor, Tensor] => p[0] !== undefined);
    if (live.length === 0) throw new InvalidArgumentError(`${this.name}.applyGradients: no variable has a gradient`);
    const graph = live[0]![1].graph;
    return graph.withRole('optimizer', () =>
      graph.nameScope(this.name, () => {
        const { iterations, learningRate } = this.hyper(graph);
        const updates = live.map(([g, v]) => graph.nameScope(`${v.op.name}_update`, () => this.update(g, v, learningRate, iterations)));
        return ops.group([...updates, ops.assignAdd(iterations, 1)], 'update');
      }),
    );
  }

  /** The number of updates applied so far (an int32 scalar variable), per graph. */
  iterations(graph: Graph): Tensor {
    return this.hyper(graph).iterations;
  }

  /**
   * The learning rate as a float32 scalar variable: a callback may change it between steps
   * without recompiling (Keras's LearningRateScheduler).
   */
  learningRate(graph: Graph): Tensor {
    return this.hyper(graph).learningRate;
  }

  /** Adds the update of one variable; returns the op(s) (usually a group of assigns). */
  protected abstract update(g: Tensor, v: Tensor, lr: Tensor, iterations: Tensor): Operation | Tensor;

  /** A slot variable of `v`'s shape (zeros unless `init` given), named `<var>/<slot>`. */
  protected slot(v: Tensor, slotName: string, init = 0): Tensor {
    return ops.variable(constantInitializer(init), {
      shape: v.shape as number[],
      name: slotName,
      trainable: false,
      graph: v.graph,
    });
  }

  private hyper(graph: Graph): { iterations: Tensor; learningRate: Tensor } {
    let s = this.state.get(graph);
    if (!s) {
      s = graph.withRole('optimizer', () =>
        graph.nameScope(this.name, () => ({
          iterations: ops.variable(0, { dtype: 'int32', name: 'iterations', trainable: false, graph }),
          learningRate: ops.variable(this.initialLearningRate, { name: 'learning_rate', trainable: false, graph }),
        })),
      );
      this.state.set(graph, s);
    }
    return s;
  }
}

/**
 * @throws InvalidArgumentError unless `lr` is a positive finite number (optimizers, and
 *   `Sequential.setLearningRate`, which changes the rate of a built optimizer)
 */
export function checkLearningRate(who: string, lr: unknown): number {
  if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr)) {
    throw new InvalidArgumentError(`${who}: learningRate must be a positive number, got ${typeof lr === 'number' ? lr : JSON.stringify(lr) ?? String(lr)}`);
  }
  return lr;
}

function checkRange(opt: string, what: string, x: number, lo: number, hi: number, hiOpen = true): void {
  const ok = Number.isFinite(x) && x >= lo && (hiOpen ? x < hi : x <= hi);
  if (!ok) throw new InvalidArgumentError(`${opt}: ${what} must be in [${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${x}`);
}

/** `float32(iterations)`. */
function steps(iterations: Tensor): Tensor {
  return ops.cast(iterations, 'float32');
}

export interface SGDOptions {
  /** Default 0.01 (Keras). `lr` is accepted as an alias. */
  learningRate?: number;
  lr?: number;
  /** Time-based decay: the rate used is `lr / (1 + decay * iterations)`; default 0. */
  decay?: number;
  /** Default 0 (plain SGD). */
  momentum?: number;
  /** Nesterov momentum; default false. */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and time-based decay,
 * exactly as Keras 2's `SGD` (keras/optimizers.py):
 * ```
 * lr_t = lr / (1 + decay * iterations)
 * v    = momentum * v - lr_t * g            (v: the 'momentum' slot, zeros at start)
 * p    = p + v                               (classic)
 * p    = p + momentum * v - lr_t * g         (nesterov, with the new v)
 * ```
 * @example const train = new kiln.SGD({ lr: 0.01, momentum: 0.9, nesterov: true }).minimize(loss);
 * @throws InvalidArgumentError for a non-positive rate, negative decay or momentum outside [0, 1)
 */
export class SGD extends Optimizer {
  readonly name = 'SGD';
  readonly decay: number;
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(options: SGDOptions = {}) {
    super(options.learningRate ?? options.lr ?? 0.01);
    checkOptions('SGD', options, ['learningRate', 'lr', 'decay', 'momentum', 'nesterov']);
    this.decay = options.decay ?? 0;
    this.momentum = options.momentum ?? 0;
    this.nesterov = options.nesterov ?? false;
    checkRange('SGD', 'decay', this.decay, 0, Infinity);
    checkRange('SGD', 'momentum', this.momentum, 0, 1);
  }

  protected update(g: Tensor, p: Tensor, lr: Tensor, iterations: Tensor): Operation | Tensor {
    const lrT = this.decay > 0 ? ops.div(lr, ops.add(ops.mul(steps(iterations), this.decay), 1)) : lr;
    const step = ops.mul(g, lrT);
    if (this.momentum === 0) return ops.assignSub(p, step);
    const m = this.slot(p, 'momentum');
    const v = ops.sub(ops.mul(m, this.momentum), step);
    const delta = this.nesterov ? ops.sub(ops.mul(v, this.momentum), step) : v;
    return ops.group([ops.assign(m, v), ops.assignAdd(p, delta)]);
  }
}

export interface AdamOptions {
  /** Default 0.001. */
  learningRate?: number;
  lr?: number;
  /** Defaults 0.9, 0.999, 1e-7 (Keras). */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * Adam (Kingma & Ba, 2015) in Keras's form, which folds the bias corrections into the rate and
 * adds epsilon outside the square root of the *uncorrected* v ("epsilon hat" of the paper's
 * section 2, not Algorithm 1's epsilon):
 * ```
 * t    = iterations + 1
 * lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
 * m    = beta1 * m + (1 - beta1) * g
 * v    = beta2 * v + (1 - beta2) * g^2
 * p    = p - lr_t * m / (sqrt(v) + epsilon)
 * ```
 */
export class Adam extends Optimizer {
  readonly name = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(options: AdamOptions = {}) {
    super(options.learningRate ?? options.lr ?? 0.001);
    checkOptions('Adam', options, ['learningRate', 'lr', 'beta1', 'beta2', 'epsilon']);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-7;
    checkRange('Adam', 'beta1', this.beta1, 0, 1);
    checkRange('Adam', 'beta2', this.beta2, 0, 1);
    checkRange('Adam', 'epsilon', this.epsilon, 0, Infinity);
  }

  protected update(g: Tensor, p: Tensor, lr: Tensor, iterations: Tensor): Operation | Tensor {
    const t = ops.add(steps(iterations), 1);
    const lrT = ops.div(
      ops.mul(lr, ops.sqrt(ops.sub(1, ops.pow(this.beta2, t)))),
      ops.sub(1, ops.pow(this.beta1, t)),
    );
    const m = this.slot(p, 'm');
    const v = this.slot(p, 'v');
    const mT = ops.add(ops.mul(m, this.beta1), ops.mul(g, 1 - this.beta1));
    const vT = ops.add(ops.mul(v, this.beta2), ops.mul(ops.square(g), 1 - this.beta2));
    const step = ops.div(ops.mul(mT, lrT), ops.add(ops.sqrt(vT), this.epsilon));
    return ops.group([ops.assign(m, mT), ops.assign(v, vT), ops.assignSub(p, step)]);
  }
}

export interface RMSpropOptions {
  /** Default 0.001. */
  learningRate?: number;
  lr?: number;
  /** Defaults 0.9, 0, 1e-7 (Keras). */
  rho?: number;
  momentum?: number;
  epsilon?: number;
}

/**
 * RMSprop (Hinton, Coursera lecture 6e) as Keras/TF apply it:
 * ```
 * a = rho * a + (1 - rho) * g^2                       (a: the 'rms' slot)
 * momentum = 0:  p = p - lr * g / (sqrt(a) + epsilon)
 * momentum > 0:  mom = momentum * mom + lr * g / sqrt(a + epsilon);  p = p - mom
 * ```
 * (the momentum form is TF's ApplyRMSProp kernel, which Keras calls; epsilon moves inside the root)
 */
export class RMSprop extends Optimizer {
  readonly name = 'RMSprop';
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;

  constructor(options: RMSpropOptions = {}) {
    super(options.learningRate ?? options.lr ?? 0.001);
    checkOptions('RMSprop', options, ['learningRate', 'lr', 'rho', 'momentum', 'epsilon']);
    this.rho = options.rho ?? 0.9;
    this.momentum = options.momentum ?? 0;
    this.epsilon = options.epsilon ?? 1e-7;
    checkRange('RMSprop', 'rho', this.rho, 0, 1);
    checkRange('RMSprop', 'momentum', this.momentum, 0, 1);
    checkRange('RMSprop', 'epsilon', this.epsilon, 0, Infinity);
  }

  protected update(g: Tensor, p: Tensor, lr: Tensor): Operation | Tensor {
    const a = this.slot(p, 'rms');
    const aT = ops.add(ops.mul(a, this.rho), ops.mul(ops.square(g), 1 - this.rho));
    if (this.momentum === 0) {
      const step = ops.div(ops.mul(g, lr), ops.add(ops.sqrt(aT), this.epsilon));
      return ops.group([ops.assign(a, aT), ops.assignSub(p, step)]);
    }
    const mom = this.slot(p, 'momentum');
    const momT = ops.add(ops.mul(mom, this.momentum), ops.div(ops.mul(g, lr), ops.sqrt(ops.add(aT, this.epsilon))));
    return ops.group([ops.assign(a, aT), ops.assign(mom, momT), ops.assignSub(p, momT)]);
  }
}

export interface AdagradOptions {
  /** Default 0.001. */
  learningRate?: number;
  lr?: number;
  /** Defaults 0.1 and 1e-7 (Keras). */
  initialAccumulatorValue?: number;
  epsilon?: number;
}

/**
 * Adagrad (Duchi et al., 2011) as Keras:
 * ```
 * acc = acc + g^2                                    (starts at initialAccumulatorValue)
 * p   = p - lr * g / (sqrt(acc) + epsilon)
 * ```
 */
export class Adagrad extends Optimizer {
  readonly name = 'Adagrad';
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  constructor(options: AdagradOptions = {}) {
    super(options.learningRate ?? options.lr ?? 0.001);
    checkOptions('Adagrad', options, ['learningRate', 'lr', 'initialAccumulatorValue', 'epsilon']);
    this.initialAccumulatorValue = options.initialAccumulatorValue ?? 0.1;
    this.epsilon = options.epsilon ?? 1e-7;
    checkRange('Adagrad', 'initialAccumulatorValue', this.initialAccumulatorValue, 0, Infinity);
    checkRange('Adagrad', 'epsilon', this.epsilon, 0, Infinity);
  }

  protected update(g: Tensor, p: Tensor, lr: Tensor): Operation | Tensor {
    const acc = this.slot(p, 'accumulator', this.initialAccumulatorValue);
    const accT = ops.add(acc, ops.square(g));
    const step = ops.div(ops.mul(g, lr), ops.add(ops.sqrt(accT), this.epsilon));
    return ops.group([ops.assign(acc, accT), ops.assignSub(p, step)]);
  }
}
