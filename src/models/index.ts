// Keras-style models (`kiln.Sequential`).
export { Sequential, type SequentialArgs, type CompileArgs, type FitArgs, type Data } from './sequential.js';
export { getOptimizer, type OptimizerIdentifier } from './optimizer_names.js';
export { formatSummary, kerasShape, type SummaryRow } from './summary.js';
