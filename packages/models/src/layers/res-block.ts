/**
 * The residual block of a DDPM-style U-Net, conditioned on time features.
 * @module
 */
import { DaleError, type Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import type { TensorsOf } from '../params.ts';
import { silu } from './activation.ts';
import { type Conv2dParams, conv2d, initConv2d } from './conv2d.ts';
import { type DenseParams, dense, initDense } from './dense.ts';
import { dropout } from './dropout.ts';
import { type GroupNormParams, groupNorm, initGroupNorm } from './group-norm.ts';

/**
 * Parameters of a residual block from cᵢₙ to cₒᵤₜ channels with time features of size E:
 * `norm1` (cᵢₙ), `conv1` (3×3, cᵢₙ → cₒᵤₜ), `time` (dense E → cₒᵤₜ), `norm2` (cₒᵤₜ), `conv2`
 * (3×3, cₒᵤₜ → cₒᵤₜ) and, only when cᵢₙ ≠ cₒᵤₜ, `skip` (1×1, cᵢₙ → cₒᵤₜ).
 */
export type ResBlockParams = {
  readonly norm1: GroupNormParams;
  readonly conv1: Conv2dParams;
  readonly time: DenseParams;
  readonly norm2: GroupNormParams;
  readonly conv2: Conv2dParams;
  readonly skip?: Conv2dParams;
};

/** Options of {@link resBlock}. */
export interface ResBlockOptions {
  /** Groups of both group norms. */
  readonly groups: number;
  /** Dropout rate before the second convolution; default 0. */
  readonly dropout?: number;
  /** Generator for the dropout mask (training); without it dropout is the identity (evaluation). */
  readonly rng?: Rng;
}

/** New parameters of a residual block (each convolution from its own split of `rng`). */
export function initResBlock(
  rng: Rng,
  inputs: number,
  outputs: number,
  timeFeatures: number,
): ResBlockParams {
  const params = {
    norm1: initGroupNorm(inputs),
    conv1: initConv2d(rng.split('conv1'), 3, inputs, outputs),
    time: initDense(rng.split('time'), timeFeatures, outputs),
    norm2: initGroupNorm(outputs),
    conv2: initConv2d(rng.split('conv2'), 3, outputs, outputs),
  };
  return inputs === outputs
    ? params
    : { ...params, skip: initConv2d(rng.split('skip'), 1, inputs, outputs) };
}

/**
 * h = conv1(SiLU(GroupNorm₁(x))) + dense(time)(SiLU(τ)) (broadcast over H, W);
 * h = conv2(dropout(SiLU(GroupNorm₂(h)))); out = skip(x) + h, where skip is the 1×1 convolution
 * when the channel count changes and the identity otherwise. x is [B, H, W, cᵢₙ], τ (the time
 * features, before their SiLU) is [B, E].
 */
export function resBlock(
  params: TensorsOf<ResBlockParams>,
  x: tf.Tensor,
  time: tf.Tensor,
  options: ResBlockOptions,
): tf.Tensor {
  const { groups, dropout: rate = 0, rng } = options;
  const outputs = params.conv1.bias.shape[0]!;
  if (time.rank !== 2 || time.shape[0] !== x.shape[0]) {
    throw new DaleError(
      'invalid-input',
      `resBlock: the time features must have shape [${x.shape[0]}, features], got [${time.shape.join(', ')}]`,
    );
  }
  return tf.tidy(() => {
    let h: tf.Tensor = conv2d(
      params.conv1,
      groupNorm(params.norm1, x, { groups, activation: 'silu' }),
    );
    const shift = tf.reshape(dense(params.time, silu(time)), [x.shape[0]!, 1, 1, outputs]);
    h = tf.add(h, shift);
    h = dropout(groupNorm(params.norm2, h, { groups, activation: 'silu' }), rate, rng);
    h = conv2d(params.conv2, h);
    const skip = params.skip ? conv2d(params.skip, x) : x;
    return tf.add(skip, h);
  });
}
