/**
 * Single-head self-attention over the H·W positions of an NHWC feature map, and the U-Net
 * attention block x + attention(GroupNorm(x)) (Ho et al. 2020).
 * @module
 */
import { DaleError, type Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import type { TensorsOf } from '../params.ts';
import { type DenseParams, dense, initDense } from './dense.ts';
import { type GroupNormParams, groupNorm, initGroupNorm } from './group-norm.ts';

/** The projections of single-head attention, each a dense C → C layer. */
export type SelfAttentionParams = {
  readonly query: DenseParams;
  readonly key: DenseParams;
  readonly value: DenseParams;
  readonly output: DenseParams;
};

/** Parameters of an attention block: the group norm before the attention, and the attention. */
export type AttentionBlockParams = {
  readonly norm: GroupNormParams;
  readonly attention: SelfAttentionParams;
};

/** New projections for `channels` channels (Glorot-uniform, each from its own split of `rng`). */
export function initSelfAttention(rng: Rng, channels: number): SelfAttentionParams {
  return {
    query: initDense(rng.split('query'), channels, channels),
    key: initDense(rng.split('key'), channels, channels),
    value: initDense(rng.split('value'), channels, channels),
    output: initDense(rng.split('output'), channels, channels),
  };
}

/** New parameters of an attention block for `channels` channels. */
export function initAttentionBlock(rng: Rng, channels: number): AttentionBlockParams {
  return { norm: initGroupNorm(channels), attention: initSelfAttention(rng, channels) };
}

/**
 * Self-attention of x [B, H, W, C] over its N = H·W positions: with q, k, v = x W_q + b_q, … of
 * shape [B, N, C], A = softmax(q kᵀ / √C) (softmax over the keys, the last axis), the result is
 * (A v) W_o + b_o reshaped to [B, H, W, C].
 */
export function selfAttention(params: TensorsOf<SelfAttentionParams>, x: tf.Tensor): tf.Tensor {
  const channels = params.query.weight.shape[0]!;
  if (x.rank !== 4 || x.shape[3] !== channels) {
    throw new DaleError(
      'invalid-input',
      `selfAttention: the input must have shape [batch, height, width, ${channels}], got [${x.shape.join(', ')}]`,
    );
  }
  return tf.tidy(() => {
    const [b, h, w] = x.shape as [number, number, number, number];
    const flat = tf.reshape(x, [b, h * w, channels]) as tf.Tensor3D;
    const q = dense(params.query, flat) as tf.Tensor3D;
    const k = dense(params.key, flat) as tf.Tensor3D;
    const v = dense(params.value, flat) as tf.Tensor3D;
    const weights = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(channels)));
    const attended = tf.matMul(weights as tf.Tensor3D, v);
    return tf.reshape(dense(params.output, attended), [b, h, w, channels]);
  });
}

/** The U-Net attention block: x + {@link selfAttention}(GroupNorm(x)) with `groups` groups. */
export function attentionBlock(
  params: TensorsOf<AttentionBlockParams>,
  x: tf.Tensor,
  groups: number,
): tf.Tensor {
  return tf.tidy(() =>
    tf.add(x, selfAttention(params.attention, groupNorm(params.norm, x, { groups }))),
  );
}
