/**
 * The bench's workloads (issue 6): one model description per workload, shared by every
 * framework's worker (the TS workers import it; the PyTorch worker receives it as JSON), so
 * every framework trains the same layers with the same batch size, initial-weight scheme
 * (Glorot uniform kernels, zero biases: Keras's defaults) and optimizer.
 *
 * FLOPs: only matmul and convolution are counted (bias adds, activations, pooling, the loss and
 * the optimizer update are linear in the parameter or activation count and small beside them).
 *   forward  = 2·MACs   (one multiply and one add per multiply-accumulate)
 *   backward = 4·MACs   (the input gradient and the weight gradient, 2·MACs each; the first
 *                        layer's input gradient is counted too, though no framework needs it)
 *   training = 6·MACs per sample;  inference = 2·MACs per sample.
 * This is the usual convention (e.g. Kaplan et al. 2020, "6N per token"); with it, the issue's
 * PyTorch figure for mlp_wide (11.5 s per epoch) is the 58 GFLOP/s.
 */

/** One layer of a workload's model; `activation` defaults to none (linear). */
export type LayerSpec =
  | { type: 'dense'; units: number; activation?: 'relu' | 'softmax' }
  | { type: 'conv2d'; filters: number; kernelSize: number; activation?: 'relu' }
  | { type: 'maxPool2d'; poolSize: number }
  | { type: 'flatten' };

export interface ModelSpec {
  name: ModelName;
  /** Input shape of one sample: `[784]` (flat) or `[28, 28, 1]` (NHWC image). */
  inputShape: number[];
  layers: LayerSpec[];
  batch: number;
}

export type ModelName = 'mlp_seed' | 'mlp_wide' | 'cnn';
export type WorkloadName = ModelName | 'infer_latency' | 'compile';

export const TRAIN_WORKLOADS: readonly ModelName[] = ['mlp_seed', 'mlp_wide', 'cnn'];
export const ALL_WORKLOADS: readonly WorkloadName[] = [...TRAIN_WORKLOADS, 'infer_latency', 'compile'];
/** The models whose batch-1 latency `infer_latency` measures. */
export const LATENCY_MODELS: readonly ModelName[] = ['mlp_seed', 'cnn'];

/**
 * The models. The last layer has no activation: every framework trains on logits with
 * softmax cross-entropy (the softmax of the "10(softmax)" lives in the loss, the
 * numerically stable form that Keras also uses internally for `from_logits`).
 * Convolutions and pooling use 'valid' padding (Keras's default) and stride 1 / stride = pool.
 */
export const MODELS: Record<ModelName, ModelSpec> = {
  mlp_seed: {
    name: 'mlp_seed',
    inputShape: [784],
    layers: [
      { type: 'dense', units: 32, activation: 'relu' },
      { type: 'dense', units: 10 },
    ],
    batch: 32,
  },
  mlp_wide: {
    name: 'mlp_wide',
    inputShape: [784],
    layers: [
      { type: 'dense', units: 1024, activation: 'relu' },
      { type: 'dense', units: 1024, activation: 'relu' },
      { type: 'dense', units: 10 },
    ],
    batch: 256,
  },
  cnn: {
    name: 'cnn',
    inputShape: [28, 28, 1],
    layers: [
      { type: 'conv2d', filters: 32, kernelSize: 3, activation: 'relu' },
      { type: 'maxPool2d', poolSize: 2 },
      { type: 'conv2d', filters: 64, kernelSize: 3, activation: 'relu' },
      { type: 'maxPool2d', poolSize: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 128, activation: 'relu' },
      { type: 'dense', units: 10 },
    ],
    batch: 64,
  },
};

/** The optimizer of every workload: SGD, Keras 2 formulas (see src/train/optimizers.ts). */
export const OPTIMIZER = { learningRate: 0.01, momentum: 0.9, nesterov: true } as const;

/** The per-layer output shapes of a model (one sample, no batch dim), for MACs and for builders. */
export function layerShapes(model: ModelSpec): number[][] {
  const shapes: number[][] = [];
  let shape = [...model.inputShape];
  for (const layer of model.layers) {
    switch (layer.type) {
      case 'dense':
        if (shape.length !== 1) throw new Error(`${model.name}: dense after a rank-${shape.length} output needs a flatten first`);
        shape = [layer.units];
        break;
      case 'conv2d': {
        const [h, w] = shape as [number, number, number];
        shape = [h - layer.kernelSize + 1, w - layer.kernelSize + 1, layer.filters];
        break;
      }
      case 'maxPool2d': {
        // 'valid' with stride = pool: floor(in / pool) (TF's ceil((in - k + 1) / k) is the same).
        const [h, w, c] = shape as [number, number, number];
        shape = [Math.floor(h / layer.poolSize), Math.floor(w / layer.poolSize), c];
        break;
      }
      case 'flatten':
        shape = [shape.reduce((a, d) => a * d, 1)];
        break;
    }
    shapes.push(shape);
  }
  return shapes;
}

/** Multiply-accumulates of one sample's forward pass through the model's dense and conv layers. */
export function forwardMacs(model: ModelSpec): number {
  let macs = 0;
  let inShape = model.inputShape;
  const shapes = layerShapes(model);
  model.layers.forEach((layer, i) => {
    const out = shapes[i]!;
    if (layer.type === 'dense') macs += inShape[0]! * layer.units;
    if (layer.type === 'conv2d') macs += out[0]! * out[1]! * layer.filters * layer.kernelSize * layer.kernelSize * inShape[2]!;
    inShape = out;
  });
  return macs;
}

/** Training FLOPs per sample: 6·MACs (see the module note). */
export function trainFlopsPerSample(model: ModelSpec): number {
  return 6 * forwardMacs(model);
}

/** Inference FLOPs per sample: 2·MACs. */
export function inferFlopsPerSample(model: ModelSpec): number {
  return 2 * forwardMacs(model);
}

/** Trainable parameters (kernels and biases). */
export function parameterCount(model: ModelSpec): number {
  let n = 0;
  let inShape = model.inputShape;
  const shapes = layerShapes(model);
  model.layers.forEach((layer, i) => {
    if (layer.type === 'dense') n += inShape[0]! * layer.units + layer.units;
    if (layer.type === 'conv2d') n += layer.kernelSize * layer.kernelSize * inShape[2]! * layer.filters + layer.filters;
    inShape = shapes[i]!;
  });
  return n;
}
