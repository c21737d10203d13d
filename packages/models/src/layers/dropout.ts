/**
 * Dropout with randomness from an `Rng` (from @dale/core) (never from TensorFlow.js's global generator), so
 * training runs are reproducible.
 * @module
 */
import { DaleError, type Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Inverted dropout: each element is zeroed with probability `rate` and the survivors are divided
 * by 1 − rate, so the expectation is unchanged. With no `rng` (evaluation) or `rate` = 0 it is
 * the identity (returns a clone). The mask is drawn from `rng` (one uniform per element, in
 * row-major order), so the same generator state gives the same mask on every backend.
 */
export function dropout(x: tf.Tensor, rate: number, rng?: Rng): tf.Tensor {
  if (!(rate >= 0 && rate < 1)) {
    throw new DaleError('invalid-model-config', `dropout: rate must be in [0, 1), got ${rate}`);
  }
  if (!rng || rate === 0) return tf.clone(x);
  const keep = 1 - rate;
  const uniforms = rng.fillUniform(new Float32Array(x.size));
  const mask = new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = uniforms[i]! < keep ? 1 / keep : 0;
  return tf.tidy(() => tf.mul(x, tf.tensor(mask, x.shape, 'float32')));
}
