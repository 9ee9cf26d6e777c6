// Data sets and the IDX reader (`kiln.datasets`).
export { mnist, MNIST_EMBEDDED_SIZE, type MnistOptions, type DataSet, type Split } from './mnist.js';
export { fashionMnist, FASHION_MNIST_DIR, FASHION_MNIST_CLASSES, type FashionMnistOptions } from './fashion_mnist.js';
export { readIdx, encodeIdx, isGzip, type IdxArray, type IdxType } from './idx.js';
export { toCategorical, permutation, takeRows } from './utils.js';
