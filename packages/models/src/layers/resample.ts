/**
 * Resolution changes of a U-Net: a stride-2 convolution down, nearest-neighbour ×2 and a
 * convolution up.
 * @module
 */
import { DaleError, type Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import type { TensorsOf } from '../params.ts';
import { type Conv2dParams, conv2d, initConv2d } from './conv2d.ts';

/** New parameters of a 3×3 resampling convolution with `channels` in and out. */
export function initResample(rng: Rng, channels: number): Conv2dParams {
  return initConv2d(rng, 3, channels, channels);
}

/** Halve the resolution: a 3×3 convolution with stride 2 and one pixel of zero padding ([B, H, W, C] → [B, ⌈H/2⌉, ⌈W/2⌉, C]). */
export function downsample(params: TensorsOf<Conv2dParams>, x: tf.Tensor): tf.Tensor4D {
  return conv2d(params, x, { stride: 2 });
}

/**
 * Nearest-neighbour ×2 upsampling: out[b, i, j, c] = x[b, ⌊i/2⌋, ⌊j/2⌋, c] ([B, H, W, C] →
 * [B, 2H, 2W, C]), written as reshapes and concatenations so that it has a gradient on every backend.
 */
export function upsampleNearest(x: tf.Tensor): tf.Tensor4D {
  if (x.rank !== 4) {
    throw new DaleError(
      'invalid-input',
      `upsampleNearest: the input must have rank 4 (NHWC), got shape [${x.shape.join(', ')}]`,
    );
  }
  const [b, h, w, c] = x.shape as [number, number, number, number];
  return tf.tidy(() => {
    // Repeat along the width, then along the height, each as a concatenation of two copies
    // (memory copies on every backend, where Tile is a slow generic loop on wasm).
    const column = tf.reshape(x, [b * h, w, 1, c]);
    const wide = tf.concat([column, column], 2); // [B·H, W, 2, C]
    const row = tf.reshape(wide, [b, h, 1, 2 * w * c]);
    const tall = tf.concat([row, row], 2); // [B, H, 2, 2W·C]
    return tf.reshape(tall, [b, 2 * h, 2 * w, c]);
  });
}

/** Double the resolution: {@link upsampleNearest}, then a 3×3 convolution. */
export function upsample(params: TensorsOf<Conv2dParams>, x: tf.Tensor): tf.Tensor4D {
  return tf.tidy(() => conv2d(params, upsampleNearest(x)));
}
