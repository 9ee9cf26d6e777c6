/**
 * kiln: a deep-learning framework for TypeScript built as a static computation-graph compiler.
 * `import * as kiln from 'kiln'` gives the whole public API.
 */
export * from './graph/index.js';
export * from './ops/index.js';
export { gradients, type GradientsOptions } from './autodiff/gradients.js';
export { Session, type SessionOptions, type Fetch, type FetchResult, type Backend } from './session/session.js';
export type { FeedDict } from './session/feeds.js';
export { NumericError, type NonFinite } from './session/numerics.js';
export { profile, formatProfile, type ProfileOptions, type ProfileReport, type KernelProfile } from './session/profile.js';
export * as initializers from './init/initializers.js';
export type { Initializer } from './init/initializers.js';
export { interpret } from './interpreter/interpreter.js';
export * from './train/index.js';
export * as passes from './passes/index.js';
export * as viz from './viz/index.js';
export { explain } from './viz/index.js';
export * as testing from './testing/index.js';
// Keras-style API: layers, models, losses, metrics, callbacks, data sets.
export * as layers from './layers/index.js';
export * as losses from './losses/index.js';
export * as metrics from './metrics/index.js';
export * as callbacks from './callbacks/index.js';
export * as datasets from './data/index.js';
export { Sequential, type SequentialArgs, type CompileArgs, type FitArgs } from './models/index.js';
export { History } from './callbacks/index.js';
