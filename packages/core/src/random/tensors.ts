import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from './rng.ts';

function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new RangeError(`invalid tensor shape [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

/** A float32 tensor of independent N(mean, std²) draws from `rng` (identical on every backend). */
export function randomNormal(rng: Rng, shape: readonly number[], mean = 0, std = 1): tf.Tensor {
  return tf.tensor(rng.fillNormal(new Float32Array(size(shape)), mean, std), [...shape], 'float32');
}

/** A float32 tensor of independent uniform draws on [low, high) from `rng`. */
export function randomUniform(rng: Rng, shape: readonly number[], low = 0, high = 1): tf.Tensor {
  return tf.tensor(
    rng.fillUniform(new Float32Array(size(shape)), low, high),
    [...shape],
    'float32',
  );
}

/** A float32 tensor of independent ±1 (Rademacher) draws from `rng`, e.g. Hutchinson probes. */
export function randomRademacher(rng: Rng, shape: readonly number[]): tf.Tensor {
  return tf.tensor(rng.fillRademacher(new Float32Array(size(shape))), [...shape], 'float32');
}
