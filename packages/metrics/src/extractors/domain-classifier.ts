/**
 * A small CNN classifier for 28 × 28 grey images (MNIST, Fashion-MNIST, KMNIST) whose penultimate
 * layer (128 ReLU units) serves as "domain features" for FID/KID/precision–recall: conv 3×3·32 →
 * max-pool 2 → conv 3×3·64 → max-pool 2 → conv 3×3·64 → max-pool 2 → dense 128 → dense classes.
 * Weights are a flat record of named float32 tensors (stored as safetensors).
 * @module
 */
import { DaleError, type Rng, randomUniform } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';

/** Layer shapes of the classifier for `classes` output classes, by parameter name. */
export function domainClassifierShapes(classes = 10): Record<string, number[]> {
  return {
    'conv1.kernel': [3, 3, 1, 32],
    'conv1.bias': [32],
    'conv2.kernel': [3, 3, 32, 64],
    'conv2.bias': [64],
    'conv3.kernel': [3, 3, 64, 64],
    'conv3.bias': [64],
    'dense1.kernel': [3 * 3 * 64, 128],
    'dense1.bias': [128],
    'dense2.kernel': [128, classes],
    'dense2.bias': [classes],
  };
}

/** The classifier's parameters by name (see {@link domainClassifierShapes}). */
export type DomainClassifierParams = Record<string, tf.Tensor>;

/** Fresh He-uniform kernels and zero biases, drawn from `rng`. */
export function initDomainClassifier(rng: Rng, classes = 10): Record<string, tf.Variable> {
  const params: Record<string, tf.Variable> = {};
  for (const [name, shape] of Object.entries(domainClassifierShapes(classes))) {
    if (name.endsWith('.bias')) {
      params[name] = tf.variable(tf.zeros(shape), true, name);
      continue;
    }
    const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const limit = Math.sqrt(6 / fanIn);
    params[name] = tf.variable(
      tf.tidy(() => randomUniform(rng, shape, -limit, limit)),
      true,
      name,
    );
  }
  return params;
}

/**
 * Features (the 128 penultimate ReLU units) and logits of images [N, 28, 28, 1] in [0, 1].
 * Call inside `tf.tidy`.
 */
export function domainClassifier(
  params: DomainClassifierParams,
  images: tf.Tensor4D,
): { features: tf.Tensor2D; logits: tf.Tensor2D } {
  const [, h, w, c] = images.shape;
  if (h !== 28 || w !== 28 || c !== 1) {
    throw new DaleError(
      'invalid-input',
      `domainClassifier: images must be [N, 28, 28, 1], got [${images.shape.join(', ')}]`,
    );
  }
  const p = (name: string) => {
    const t = params[name];
    if (!t) throw new DaleError('invalid-weights', `domainClassifier: missing parameter ${name}`);
    return t;
  };
  const block = (x: tf.Tensor4D, layer: string) =>
    tf.maxPool(
      tf.relu(
        tf.add(tf.conv2d(x, p(`${layer}.kernel`) as tf.Tensor4D, 1, 'same'), p(`${layer}.bias`)),
      ) as tf.Tensor4D,
      2,
      2,
      'valid',
    ) as tf.Tensor4D;
  const x3 = block(block(block(images, 'conv1'), 'conv2'), 'conv3'); // [N, 3, 3, 64]
  const flat = tf.reshape(x3, [x3.shape[0], 3 * 3 * 64]) as tf.Tensor2D;
  const features = tf.relu(
    tf.add(tf.matMul(flat, p('dense1.kernel') as tf.Tensor2D), p('dense1.bias')),
  ) as tf.Tensor2D;
  const logits = tf.add(
    tf.matMul(features, p('dense2.kernel') as tf.Tensor2D),
    p('dense2.bias'),
  ) as tf.Tensor2D;
  return { features, logits };
}
