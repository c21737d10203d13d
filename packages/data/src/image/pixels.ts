/**
 * 8-bit pixel values and their [0, 1] floats.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/** BYTE_VALUES[k] = k / 255 as float32: the value every reader gives pixel byte k. */
export const BYTE_VALUES: Float32Array = Float32Array.from({ length: 256 }, (_, k) => k / 255);

/**
 * Quantise images in [0, 1] back to bytes: round(clamp(x, 0, 1) · 255). Reads the tensor
 * (one device sync) and leaves it alive. Inverts every reader exactly: `toPixelBytes` of the
 * values a reader produced from bytes returns those bytes.
 */
export function toPixelBytes(images: tf.Tensor): Uint8Array {
  const values = tf.tidy(() => tf.round(tf.mul(tf.clipByValue(images, 0, 1), 255)).dataSync());
  return Uint8Array.from(values);
}
