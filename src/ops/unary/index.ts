export * from './neg.js';
