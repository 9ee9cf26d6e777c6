/**
 * The training graph of a 2-layer MLP, built by hand: forward, softmax cross-entropy loss,
 * gradients, and an SGD-with-momentum update (v = m*v - lr*g; w = w + v) per variable.
 */
import * as kiln from '../../src/index.js';

type Tensor = kiln.Tensor;
const relu = (x: Tensor): Tensor => ((kiln as Record<string, unknown>)['relu'] as ((x: Tensor) => Tensor) | undefined)?.(x) ?? kiln.maximum(x, 0);

export const MLP_SIZES = { inputs: 8, hidden: 16, classes: 4 };

export function mlpTrainingProgram(): kiln.passes.Program {
  const g = new kiln.Graph();
  g.seed = 42;
  return g.asDefault(() => {
    const { inputs, hidden, classes } = MLP_SIZES;
    const x = kiln.placeholder('float32', [null, inputs], 'x');
    const labels = kiln.placeholder('float32', [null, classes], 'labels');
    const dense = (h: Tensor, units: number, name: string, act?: (t: Tensor) => Tensor): [Tensor, Tensor[]] =>
      g.nameScope(name, () => {
        const w = kiln.variable('glorotUniform', { shape: [h.shape[1] as number, units], name: 'kernel' });
        const b = kiln.variable('zeros', { shape: [units], name: 'bias' });
        const z = kiln.add(kiln.matmul(h, w), b);
        return [act ? act(z) : z, [w, b]];
      });
    const [h, p1] = dense(x, hidden, 'dense', relu);
    const [logits, p2] = dense(h, classes, 'dense_1');
    const loss = kiln.mean(kiln.softmaxCrossEntropyWithLogits(labels, logits), undefined, false, 'loss');
    const params = [...p1, ...p2];
    const grads = kiln.gradients(loss, params);
    const updates = g.withRole('optimizer', () =>
      g.nameScope('SGD', () =>
        params.flatMap((w, i) =>
          g.nameScope(w.op.name.replace(/\//g, '_'), () => {
            const v = kiln.variable('zeros', { shape: w.shape as number[], name: 'momentum', trainable: false });
            const vNew = kiln.sub(kiln.mul(v, 0.9), kiln.mul(grads[i]!, 0.1));
            return [kiln.assign(v, vNew).op, kiln.assignAdd(w, vNew).op];
          }),
        ),
      ),
    );
    const train = kiln.group(updates, 'train');
    return kiln.passes.makeProgram([loss], [train]);
  });
}
