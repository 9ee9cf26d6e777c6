import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';

describe('kiln.explain', () => {
  it('explains the kernels of a training step given tensors and ops, with a batch size for unknown dims', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 4], 'x');
      const w = kiln.variable('glorotUniform', { shape: [4, 3], name: 'w' });
      const b = kiln.variable('zeros', { shape: [3], name: 'b' });
      const loss = kiln.mean(kiln.square(kiln.relu(kiln.add(kiln.matmul(x, w), b))));
      const train = new kiln.SGD({ lr: 0.1 }).minimize(loss);
      const text = kiln.explain([loss, train], { batchSize: 8 });
      expect(text).toMatch(/^\d+ kernels for \d+ ops/);
      expect(text).toMatch(/kernel k0_MatMul \(matmul, \d+ ops, domain \[8,3\]\) anchor MatMul 'MatMul' epilogue \[Add, Relu/);
      expect(text).toMatch(/refused fusions:/);
      expect(() => kiln.explain([loss, train], { batchSize: 8, disable: ['fuse'] })).toThrowError(/'fuse' pass is disabled/);
    });
  });
});
