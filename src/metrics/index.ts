// Keras metrics (`kiln.metrics`).
export * from './metrics.js';
