// The op set. Importing this module registers every op; each group's index re-exports its
// ops' user functions.
export * from './constant.js';
export * from './placeholder.js';
export * from './control.js';
export * from './variable.js';
export * from './like.js';
export * from './unary/index.js';
export * from './binary/index.js';
export * from './reduction/index.js';
export * from './shape/index.js';
export * from './linalg/index.js';
export * from './conv/index.js';
export * from './random/index.js';
