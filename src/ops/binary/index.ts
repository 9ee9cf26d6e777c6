export * from './add.js';
export * from './sub.js';
export * from './mul.js';
export * from './div.js';
