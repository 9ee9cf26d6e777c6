export * from './dtype.js';
export * from './errors.js';
export * from './shape.js';
export * from './ndarray.js';
export * from './op_def.js';
export * from './graph.js';
