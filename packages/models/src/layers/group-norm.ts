/**
 * Group normalisation (Wu & He 2018) on NHWC images, as a pure function of its parameters.
 * @module
 */
import { DaleError } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import type { TensorsOf } from '../params.ts';

/** Affine parameters of a group norm: per-channel `scale` (γ, starts at 1) and `offset` (β, starts at 0), both [C]. */
export type GroupNormParams = {
  readonly scale: tf.Variable;
  readonly offset: tf.Variable;
};

/** Options of {@link groupNorm}. */
export interface GroupNormOptions {
  /** Number of groups G; must divide the channel count. */
  readonly groups: number;
  /** Added to the variance; default 1e-5 (PyTorch's default). */
  readonly eps?: number;
}

/** New affine parameters for `channels` channels: γ = 1, β = 0 (the identity affine map). */
export function initGroupNorm(channels: number): GroupNormParams {
  return tf.tidy(() => ({
    scale: tf.variable(tf.ones([channels]), true),
    offset: tf.variable(tf.zeros([channels]), true),
  }));
}

/**
 * For x of shape [B, H, W, C], split the channels into G groups of C/G consecutive channels and
 * normalise each (batch element, group) over its H·W·C/G values:
 * y = (x − mean) / √(var + eps) with the biased variance, then y ∘ γ + β per channel when
 * `params` are given (affine), y alone when `params` is undefined. Matches `torch.nn.GroupNorm`.
 */
export function groupNorm(
  params: TensorsOf<GroupNormParams> | undefined,
  x: tf.Tensor,
  options: GroupNormOptions,
): tf.Tensor {
  const { groups, eps = 1e-5 } = options;
  const channels = x.shape[3]!;
  if (x.rank !== 4) {
    throw new DaleError(
      'invalid-input',
      `groupNorm: the input must have shape [batch, height, width, channels], got [${x.shape.join(', ')}]`,
    );
  }
  if (!Number.isInteger(groups) || groups < 1 || channels % groups !== 0) {
    throw new DaleError(
      'invalid-model-config',
      `groupNorm: groups must be a positive integer dividing the ${channels} channels, got ${groups}`,
    );
  }
  if (params && params.scale.shape[0] !== channels) {
    throw new DaleError(
      'invalid-input',
      `groupNorm: the parameters are for ${params.scale.shape[0]} channels, the input has ${channels}`,
    );
  }
  return tf.tidy(() => {
    const [b, h, w] = x.shape as [number, number, number, number];
    const grouped = tf.reshape(x, [b, h, w, groups, channels / groups]);
    const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
    const normalised = tf.reshape(tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, eps))), [
      b,
      h,
      w,
      channels,
    ]);
    return params ? tf.add(tf.mul(normalised, params.scale), params.offset) : normalised;
  });
}
