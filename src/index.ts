/**
 * kiln: a deep-learning framework for TypeScript built as a static computation-graph compiler.
 * `import * as kiln from 'kiln'` gives the whole public API.
 */
export * from './graph/index.js';
export * from './ops/index.js';
export { gradients, type GradientsOptions } from './autodiff/gradients.js';
export { Session, type SessionOptions, type Fetch, type FetchResult, type Backend } from './session/session.js';
export type { FeedDict } from './session/feeds.js';
export * as initializers from './init/initializers.js';
export type { Initializer } from './init/initializers.js';
export { interpret } from './interpreter/interpreter.js';
export * from './train/index.js';
export * as passes from './passes/index.js';
