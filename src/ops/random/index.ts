// Random ops: Philox4x32-10 counter-based draws, new each run, reproducible per seed.
export * from './random_uniform.js';
export * from './random_normal.js';
export * from './dropout.js';
export type { SeedOptions } from './common.js';
