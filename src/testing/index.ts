/**
 * Tools for testing models and custom ops: gradient checking against central differences.
 * @example const r = kiln.testing.checkGradients((x) => kiln.tanh(x), [[0.1, -0.5, 2]]); r.ok // true
 */
export { checkGradients, type GradientCheckOptions, type GradientCheckReport, type InputGradientCheck } from './gradients.js';
