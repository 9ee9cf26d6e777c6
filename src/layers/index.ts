// Keras-style layers (`kiln.layers`).
export { Layer, snakeCase, type LayerArgs, type LayerOutput } from './layer.js';
export { Dense, Flatten, Dropout, Activation, type DenseArgs, type DropoutArgs } from './core.js';
export { Conv2D, MaxPooling2D, AveragePooling2D, type Conv2DArgs, type Pooling2DArgs, type SpatialPair, type Padding } from './conv.js';
export { BatchNormalization, type BatchNormalizationArgs } from './normalization.js';
export { getActivation, ACTIVATIONS, type ActivationName, type ActivationIdentifier } from './activations.js';
