/**
 * A stack of dense layers with an activation between them (e.g. the time-embedding MLP of a
 * U-Net: dense → SiLU → dense).
 * @module
 */
import type { Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import type { TensorsOf } from '../params.ts';
import { type Activation, activate } from './activation.ts';
import { type DenseParams, dense, initDense } from './dense.ts';

/** Parameters of an MLP block: its dense layers in order. */
export type MlpBlockParams = readonly DenseParams[];

/** Options of {@link mlpBlock}. */
export interface MlpBlockOptions {
  /** Activation between layers; default `'silu'`. */
  readonly activation?: Activation;
  /** Also apply the activation after the last layer; default false. */
  readonly activateLast?: boolean;
}

/**
 * New parameters for dense layers of widths `sizes[0] → sizes[1] → … → sizes[n]` (n layers),
 * layer i drawn from `rng.split('i')`.
 */
export function initMlpBlock(rng: Rng, sizes: readonly number[]): MlpBlockParams {
  return sizes.slice(1).map((outputs, i) => initDense(rng.split(String(i)), sizes[i]!, outputs));
}

/** dense → activation → dense → … → dense (→ activation if `activateLast`). */
export function mlpBlock(
  params: TensorsOf<MlpBlockParams>,
  x: tf.Tensor,
  options: MlpBlockOptions = {},
): tf.Tensor {
  const { activation = 'silu', activateLast = false } = options;
  return tf.tidy(() =>
    params.reduce((h, layer, i) => {
      const y = dense(layer, h);
      return i < params.length - 1 || activateLast ? activate(activation, y) : y;
    }, x),
  );
}
