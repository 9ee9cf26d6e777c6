// Keras losses (`kiln.losses`).
export * from './losses.js';
