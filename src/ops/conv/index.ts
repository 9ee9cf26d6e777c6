export * from './conv2d.js';
export * from './max_pool.js';
export * from './avg_pool.js';
