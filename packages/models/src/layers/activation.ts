/**
 * Activation functions by name, so that configs stay JSON.
 * @module
 */
import { DaleError } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';

/** Activation names a config may use. */
export type Activation = 'silu';

/** The activations {@link activate} knows, in the order error messages list them. */
export const ACTIVATIONS: readonly Activation[] = ['silu'];

/** SiLU (swish): x · sigmoid(x), smooth, with derivative sigmoid(x)(1 + x(1 − sigmoid(x))). */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}

/** Apply the named activation elementwise. */
export function activate(name: Activation, x: tf.Tensor): tf.Tensor {
  switch (name) {
    case 'silu':
      return silu(x);
    default:
      throw new DaleError(
        'invalid-model-config',
        `activation must be one of ${ACTIVATIONS.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(name)}`,
      );
  }
}
