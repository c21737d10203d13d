/**
 * Group normalisation (Wu & He 2018) on NHWC images, as a pure function of its parameters.
 * @module
 */
import { DaleError, fusedGroupNormAvailable, GROUP_NORM_KERNEL } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import type { TensorsOf } from '../params.ts';
import { silu } from './activation.ts';

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
  /** Applied after the affine map: `'silu'` gives SiLU(GroupNorm(x)) in one fused op; default `'none'`. */
  readonly activation?: 'none' | 'silu';
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
 * `params` are given (affine), y alone when `params` is undefined. Matches `torch.nn.GroupNorm`;
 * with `activation: 'silu'`, SiLU of that.
 *
 * With affine parameters, on a backend that registers `@dale/core`'s fused kernel (`cpu`, `wasm`)
 * and outside gradients of gradients, this is one kernel forward and one backward; otherwise it
 * is composed of TensorFlow.js ops (same values, differentiable any number of times).
 */
export function groupNorm(
  params: TensorsOf<GroupNormParams> | undefined,
  x: tf.Tensor,
  options: GroupNormOptions,
): tf.Tensor {
  const { groups, eps = 1e-5, activation = 'none' } = options;
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
  if (activation !== 'none' && activation !== 'silu') {
    throw new DaleError(
      'invalid-model-config',
      `groupNorm: activation must be 'none' or 'silu', got ${JSON.stringify(activation)}`,
    );
  }
  if (params && params.scale.shape[0] !== channels) {
    throw new DaleError(
      'invalid-input',
      `groupNorm: the parameters are for ${params.scale.shape[0]} channels, the input has ${channels}`,
    );
  }
  if (params && x.dtype === 'float32' && fusedGroupNormAvailable()) {
    const [y, mean, rstd] = tf
      .engine()
      .runKernel(
        GROUP_NORM_KERNEL,
        { x, scale: params.scale, offset: params.offset } as unknown as tf.NamedTensorMap,
        { groups, eps, activation } as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
    tf.dispose([mean!, rstd!]);
    return y!;
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
    const y = params ? tf.add(tf.mul(normalised, params.scale), params.offset) : normalised;
    return activation === 'silu' ? silu(y) : y;
  });
}
