export * from './sum.js';
export * from './mean.js';
export * from './max_min.js';
export * from './argmax.js';
export * from './softmax.js';
export * from './softmax_cross_entropy.js';
export * from './sparse_softmax_cross_entropy.js';
export * from './log_sum_exp.js';
